/**
 * How the page reaches one EnvRunner: a dedicated Web Worker behind Comlink, or (numEnvRunners = 0)
 * a local EnvRunner on the page. The supervisor only sees `RunnerConnection`, so unit tests can
 * plug in fake workers.
 */
import * as Comlink from 'comlink';
import { setDeadline } from '../core/deadline';
import { RLError } from '../core/errors';
import { EnvRunnerHost } from '../env-runner/env-runner-host';
import { isWorkerControlMessage, type EnvRunnerWorkerApi } from '../env-runner/protocol';
import { failureSignal } from './rpc';

export interface RunnerConnection {
  readonly api: EnvRunnerWorkerApi;
  /** Rejects when the worker fails (uncaught error, messageerror); never resolves. */
  readonly failure: Promise<never>;
  /** Fails the connection from outside (a timed-out call, a missed health probe). */
  fail(error: Error): void;
  terminate(): void;
}

export type ConnectRunner = (workerIndex: number) => Promise<RunnerConnection>;

/** Starts a worker and resolves once it has posted its ready message. */
export function connectWorker(workerIndex: number, readyTimeoutMs = 30_000): Promise<RunnerConnection> {
  const worker = new Worker(new URL('../env-runner/env-runner.worker.ts', import.meta.url), {
    type: 'module',
    name: `env-runner-${workerIndex}`,
  });
  const failure = failureSignal();
  let lastFatal = '';
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    const message = event.message || lastFatal || 'uncaught error';
    failure.fail(new RLError('env-runner/crashed', `EnvRunner ${workerIndex} crashed: ${message}`));
  });
  worker.addEventListener('messageerror', () => {
    failure.fail(
      new RLError('env-runner/message-error', `EnvRunner ${workerIndex} sent a message that could not be read`),
    );
  });
  const terminate = (): void => worker.terminate();
  return new Promise<RunnerConnection>((resolve, reject) => {
    const cancelTimer = setDeadline(readyTimeoutMs, () => {
      terminate();
      reject(
        new RLError(
          'env-runner/start-timeout',
          `EnvRunner ${workerIndex} did not start within ${readyTimeoutMs / 1000} s`,
        ),
      );
    });
    failure.promise.catch((e: unknown) => {
      cancelTimer();
      reject(e instanceof Error ? e : new Error(String(e)));
    });
    worker.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (!isWorkerControlMessage(event.data)) return;
      const msg = event.data;
      switch (msg.type) {
        case 'env-runner/ready':
          cancelTimer();
          resolve({
            api: Comlink.wrap<EnvRunnerWorkerApi>(worker) as unknown as EnvRunnerWorkerApi,
            failure: failure.promise,
            fail: (e) => failure.fail(e),
            terminate,
          });
          break;
        case 'env-runner/fatal':
          lastFatal = msg.message;
          break;
        default: {
          const never: never = msg;
          throw new Error(`unknown control message ${JSON.stringify(never)}`);
        }
      }
    });
  });
}

/** The local EnvRunner (numEnvRunners = 0): same API, on the page, sharing the page's TF.js backend. */
export function connectLocal(): Promise<RunnerConnection> {
  const failure = failureSignal();
  const host = new EnvRunnerHost((v) => v, false);
  return Promise.resolve({
    api: host,
    failure: failure.promise,
    fail: (e: Error) => failure.fail(e),
    terminate: () => void host.stop(),
  });
}
