/**
 * Device self-checks that run TF.js (the same small computation or PPO update on several
 * backends, learner throughput). The app facade imports this module on first use only, so the
 * page and the registry load no TF.js until something asks for it.
 */
import { activateBackend, type BackendName } from '../env-runner/tf-backend';
import { measureLearnerThroughput, type LearnerThroughput } from './ppo/learner-bench';

export { ppoBackendParity, tinyComputation } from './ppo/backend-parity';

/** Activates `backend` (wasm may fall back to cpu), then measures PPO learner throughput on it. */
export async function learnerThroughput(
  backend: BackendName,
  hiddens: readonly number[],
  minibatchSize: number,
  seconds = 1.5,
): Promise<LearnerThroughput> {
  const active = await activateBackend(backend);
  return measureLearnerThroughput(active.backend, hiddens, minibatchSize, seconds);
}
