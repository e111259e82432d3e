/**
 * PPO's diagonal-Gaussian path learns Pendulum-v1 in Node: the 100-episode mean return passes
 * -700 within 120,000 env steps. A policy that ignores the state scores about -1,230 (measured
 * below over 100 episodes: uniform torques in [-2, 2], -1,227; N(0, 1) torques as the untrained
 * policy samples them, -1,242), so -700 needs a pendulum swung up and held in most episodes.
 * The Pendulum-v1 preset (rl-baselines3-zoo's tuned settings, 4,096 steps per iteration) with
 * the local runner on the "page" (numEnvRunners 0), wasm. This seed (1) stops at 102,400 steps with
 * -260 (the window was -731 at 81,920); seeds 2 and 3 reach -299 and -292 at 102,400. ~37 s on a
 * 2-core machine; the full bar, -300 within 400,000 steps, is the CLI's learning run.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PPO } from '../../src/algorithms/ppo/ppo';
import { applyPreset } from '../../src/algorithms/ppo/presets';
import { Rng } from '../../src/core/rng';
import { makeVectorEnv } from '../../src/envs';

const THRESHOLD = -700;
const BUDGET = 120_000;

beforeAll(async () => {
  await tf.setBackend('wasm');
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

/** Mean return of `episodes` Pendulum episodes under uniform random torques. */
function randomPolicyReturn(episodes: number): number {
  const env = makeVectorEnv('Pendulum-v1', { numEnvs: 1, seed: 11 });
  const rng = new Rng(11);
  const actions = new Float32Array(1);
  let total = 0;
  env.reset();
  // 200-step episodes that never terminate; the env resets itself on truncation.
  for (let t = 0; t < 200 * episodes; t++) {
    actions[0] = rng.uniform(-2, 2);
    env.step(actions);
    total += env.rewards[0]!;
  }
  return total / episodes;
}

it(`PPO reaches a Pendulum-v1 return of ${THRESHOLD} within ${BUDGET} env steps (random: ~-1,200)`, async () => {
  const random = randomPolicyReturn(100);
  expect(random).toBeLessThan(-1000);

  const config = applyPreset('Pendulum-v1')
    .envRunners({ numEnvRunners: 0, numEnvsPerEnvRunner: 4 })
    .learners({ numGpusPerLearner: 0 })
    .debugging({ seed: 1 })
    .toConfig();
  const algo = await PPO.build(config, { backend: 'wasm' });
  let best = -Infinity;
  try {
    for (;;) {
      const r = await algo.train();
      best = Math.max(best, Number(r['env_runners/episode_return_mean']));
      if (best > THRESHOLD || Number(r['num_env_steps_sampled_lifetime']) >= BUDGET) break;
    }
  } finally {
    algo.stop();
  }
  expect(best).toBeGreaterThan(THRESHOLD);
}, 180_000);
