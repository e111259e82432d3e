/** Env stepping speed under random actions: the bench's `envs` section and `npm run bench:envs`. */
import { Rng } from '../core/rng';
import { flatDim } from '../core/spaces';
import { makeVectorEnv } from '../envs';

/** Number of pre-generated action batches cycled through, so the loop draws no randomness. */
const NUM_ACTION_BATCHES = 64;

/**
 * Env steps per second (sub-env steps, i.e. `numEnvs` per `step()` call) of a registered env
 * under uniformly random actions, measured for about `seconds` after a short warm-up that lets
 * the JIT optimise `step()`. Runs in Node and in the browser (page or worker).
 */
export function measureEnvStepsPerSecond(id: string, numEnvs: number, seconds = 1.5): number {
  const env = makeVectorEnv(id, { numEnvs, seed: 0 });
  const space = env.singleActionSpace;
  const rng = new Rng(1);
  const dim = flatDim(space);
  const actions = Array.from({ length: NUM_ACTION_BATCHES }, () =>
    space.kind === 'discrete'
      ? Int32Array.from({ length: numEnvs }, () => rng.integer(space.n))
      : Float32Array.from({ length: numEnvs * dim }, (_, j) =>
          rng.uniform(space.low[j % dim] ?? -1, space.high[j % dim] ?? 1),
        ),
  );
  env.reset(0);
  // Read the clock every ~4096 env steps so the clock itself costs little at numEnvs = 1.
  const stepsPerCheck = Math.max(1, Math.ceil(4096 / numEnvs));
  const run = (durationMs: number): { calls: number; elapsedMs: number } => {
    const start = performance.now();
    let calls = 0;
    let now = start;
    while (now - start < durationMs) {
      for (let k = 0; k < stepsPerCheck; k++) env.step(actions[(calls + k) % NUM_ACTION_BATCHES]!);
      calls += stepsPerCheck;
      now = performance.now();
    }
    return { calls, elapsedMs: now - start };
  };
  run(Math.min(500, seconds * 300));
  const { calls, elapsedMs } = run(seconds * 1000);
  return (calls * numEnvs) / (elapsedMs / 1000);
}
