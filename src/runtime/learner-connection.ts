/**
 * How the page reaches one learner of a data-parallel group (numLearners >= 1): a dedicated Web
 * Worker behind Comlink, started like an EnvRunner worker (ready message first, failures as a
 * promise). Unit tests plug in in-process learners through the same `LearnerConnection`
 * (learner/learner-worker-protocol.ts).
 */
import * as Comlink from 'comlink';
import { setDeadline } from '../core/deadline';
import { RLError } from '../core/errors';
import { isLearnerControlMessage, type LearnerConnection } from '../learner/learner-worker-protocol';
import { failureSignal } from './rpc';

/** Starts `makeWorker()` and resolves once it has posted its ready message. */
export function connectLearnerWorker<Api>(
  makeWorker: () => Worker,
  rank: number,
  readyTimeoutMs = 30_000,
): Promise<LearnerConnection<Api>> {
  const worker = makeWorker();
  const failure = failureSignal();
  let lastFatal = '';
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    const message = event.message || lastFatal || 'uncaught error';
    failure.fail(new RLError('learner/crashed', `Learner ${rank} crashed: ${message}`));
  });
  worker.addEventListener('messageerror', () => {
    failure.fail(new RLError('learner/message-error', `Learner ${rank} sent a message that could not be read`));
  });
  const terminate = (): void => worker.terminate();
  return new Promise<LearnerConnection<Api>>((resolve, reject) => {
    const cancelTimer = setDeadline(readyTimeoutMs, () => {
      terminate();
      reject(new RLError('learner/start-timeout', `Learner ${rank} did not start within ${readyTimeoutMs / 1000} s`));
    });
    failure.promise.catch((e: unknown) => {
      cancelTimer();
      reject(e instanceof Error ? e : new Error(String(e)));
    });
    worker.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (!isLearnerControlMessage(event.data)) return;
      const msg = event.data;
      switch (msg.type) {
        case 'learner/ready':
          cancelTimer();
          resolve({
            api: Comlink.wrap<Api>(worker) as unknown as Api,
            failure: failure.promise,
            fail: (e) => failure.fail(e),
            transfer: (value, transferables) => Comlink.transfer(value, transferables),
            terminate,
          });
          break;
        case 'learner/fatal':
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
