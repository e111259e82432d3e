/**
 * In-process "workers" for runtime tests: each connection hosts a real EnvRunner (cpu backend) and
 * can be told to crash (like an uncaught error in a worker), hang (calls never settle, pings too),
 * or fail at start.
 */
import { EnvRunnerHost } from '../../../src/env-runner/env-runner-host';
import type { ExplorationState } from '../../../src/env-runner/env-runner-config';
import type { EnvRunnerWorkerApi } from '../../../src/env-runner/protocol';
import type { ConnectRunner, RunnerConnection } from '../../../src/runtime/runner-connection';
import { failureSignal } from '../../../src/runtime/rpc';

export interface FakeWorker {
  readonly workerIndex: number;
  readonly incarnation: number;
  readonly host: EnvRunnerHost;
  crash(message?: string): void;
  hang(): void;
  terminated: boolean;
  weightsSeqsReceived: number[];
  /** The exploration state (DQN's epsilon) sent with each weight sync. */
  explorationReceived: (ExplorationState | undefined)[];
}

export interface FakeFleet {
  readonly connect: ConnectRunner;
  /** Every worker ever started, in start order. */
  readonly started: FakeWorker[];
  /** The live worker for an index. */
  current(workerIndex: number): FakeWorker;
  /** Make the next `n` starts of this index fail (crash during restart). */
  failNextStarts(workerIndex: number, n: number): void;
  /** Make the next `n` init() calls of this index crash their worker mid-call (a restart that dies while starting). */
  crashDuringNextInits(workerIndex: number, n: number): void;
  /** Make the next `n` init() calls of this index never answer (a restarted runner that hangs while starting). */
  hangDuringNextInits(workerIndex: number, n: number): void;
  /** Make every sample() on this index crash the worker (crash loop). */
  crashOnSample(workerIndex: number, on: boolean): void;
}

export function fakeFleet(): FakeFleet {
  const started: FakeWorker[] = [];
  const live = new Map<number, FakeWorker>();
  const failStarts = new Map<number, number>();
  const crashOnSample = new Set<number>();
  const crashInits = new Map<number, number>();
  const hangInits = new Map<number, number>();
  const incarnations = new Map<number, number>();

  const connect: ConnectRunner = (workerIndex) => {
    const pendingFails = failStarts.get(workerIndex) ?? 0;
    if (pendingFails > 0) {
      failStarts.set(workerIndex, pendingFails - 1);
      return Promise.reject(new Error(`worker ${workerIndex} failed to start`));
    }
    const incarnation = incarnations.get(workerIndex) ?? 0;
    incarnations.set(workerIndex, incarnation + 1);
    const failure = failureSignal();
    const host = new EnvRunnerHost((v) => v, false);
    let hung = false;
    const never = new Promise<never>(() => undefined);
    const guard = <T>(fn: () => Promise<T>): Promise<T> => (hung ? never : fn());
    const worker: FakeWorker = {
      workerIndex,
      incarnation,
      host,
      terminated: false,
      weightsSeqsReceived: [],
      explorationReceived: [],
      crash: (message = 'boom') => failure.fail(new Error(`EnvRunner ${workerIndex} crashed: ${message}`)),
      hang: () => {
        hung = true;
      },
    };
    const api: EnvRunnerWorkerApi = {
      init: (s) =>
        guard(() => {
          const pendingCrashes = crashInits.get(workerIndex) ?? 0;
          if (pendingCrashes > 0) {
            crashInits.set(workerIndex, pendingCrashes - 1);
            // Like a real worker: the error event fires and the pending call never answers.
            worker.crash('died during init()');
            return never;
          }
          const pendingHangs = hangInits.get(workerIndex) ?? 0;
          if (pendingHangs > 0) {
            hangInits.set(workerIndex, pendingHangs - 1);
            return never;
          }
          return host.init(s);
        }),
      sample: (r) =>
        guard(() => {
          if (crashOnSample.has(workerIndex)) {
            worker.crash('crash loop');
            return never;
          }
          return host.sample(r);
        }),
      setWeights: (w, seq, exploration) =>
        guard(() => {
          worker.weightsSeqsReceived.push(seq);
          worker.explorationReceived.push(exploration);
          return host.setWeights(w, seq, exploration);
        }),
      getMetrics: () => guard(() => host.getMetrics()),
      computeActions: (obs, n) => guard(() => host.computeActions(obs, n)),
      ping: () => guard(() => host.ping()),
      stop: () => host.stop(),
      crash: (m) => {
        worker.crash(m);
        return Promise.resolve();
      },
      hang: () => {
        worker.hang();
        return Promise.resolve();
      },
    };
    const conn: RunnerConnection = {
      api,
      failure: failure.promise,
      fail: (e) => failure.fail(e),
      terminate: () => {
        worker.terminated = true;
        void host.stop();
      },
    };
    started.push(worker);
    live.set(workerIndex, worker);
    return Promise.resolve(conn);
  };

  return {
    connect,
    started,
    current: (i) => {
      const w = live.get(i);
      if (!w) throw new Error(`no live fake worker ${i}`);
      return w;
    },
    failNextStarts: (i, n) => failStarts.set(i, n),
    crashDuringNextInits: (i, n) => crashInits.set(i, n),
    hangDuringNextInits: (i, n) => hangInits.set(i, n),
    crashOnSample: (i, on) => (on ? crashOnSample.add(i) : crashOnSample.delete(i)),
  };
}
