/**
 * SAC learns Pendulum-v1 in Node: with the Pendulum preset ([64, 64] nets, one update per env
 * step), the mean return of the last 5 episodes within 8,000 env steps (40 episodes) is at least
 * 400 above that of the first 5 (about -1,300: a random policy). The full bar, -250 within 20,000
 * env steps, is the learning run reported in the README. The local runner, wasm.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SAC } from '../../src/algorithms/sac/sac';
import { sac } from '../../src/algorithms/sac/sac-config';
import { SAC_SPEC } from '../../src/algorithms/sac/sac-spec';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

it('SAC improves the Pendulum return by 400 within 8,000 env steps', async () => {
  const preset = SAC_SPEC.presets['Pendulum-v1']!.config;
  const config = sac()
    .fromJson({ ...preset, learners: { numGpusPerLearner: 0 }, debugging: { seed: 1 } })
    .toConfig();
  const algo = await SAC.build(config, { backend: 'wasm' });
  let returns: readonly number[];
  try {
    while (Number((await algo.train())['num_env_steps_sampled_lifetime']) < 8000);
    // The checkpoint carries the episode window (the last 100 returns, oldest first).
    returns = (await algo.save()).episodeReturns;
  } finally {
    algo.stop();
  }
  const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  expect(returns.length).toBeGreaterThanOrEqual(15);
  expect(mean(returns.slice(-5))).toBeGreaterThan(mean(returns.slice(0, 5)) + 400);
}, 300_000);
