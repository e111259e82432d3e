/**
 * IMPALA learns CartPole-v1 in Node: a 100-episode mean return above 150 within 150,000 env
 * steps (the full bar, 450 within 2,000,000, is the CLI's and the bench's learning run). Two
 * in-process runners sample asynchronously while the learner trains, on wasm.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IMPALA } from '../../src/algorithms/impala/impala';
import { impala } from '../../src/algorithms/impala/impala-config';
import { fakeFleet } from './helpers/fake-runners';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

it('IMPALA reaches a CartPole return of 150 within 150,000 env steps', async () => {
  const config = impala()
    .environment('CartPole-v1')
    .envRunners({ numEnvRunners: 2, numEnvsPerEnvRunner: 8, rolloutFragmentLength: 50 })
    .rlModule({ fcnetHiddens: [64, 64], fcnetActivation: 'tanh', vfShareLayers: false })
    .learners({ numGpusPerLearner: 0 })
    .training({ lr: 1e-3, trainBatchSizePerLearner: 1000, entropyCoeff: 0, maxRequestsInFlightPerEnvRunner: 2 })
    .debugging({ seed: 1 })
    .toConfig();
  const algo = await IMPALA.build(config, { backend: 'wasm', connect: fakeFleet().connect });
  let before = 0;
  let best = -Infinity;
  let last: Record<string, number | string>;
  try {
    for (let i = 1; ; i++) {
      last = await algo.train();
      // After the first update (the optimizer's moments exist from then on).
      if (i === 1) before = tf.memory().numTensors;
      best = Math.max(best, Number(last['env_runners/episode_return_mean']));
      if (best > 150 || Number(last['num_env_steps_sampled_lifetime']) >= 150_000) break;
    }
    // The in-process runners share this TF.js engine: each may hold one forward's output while it reads it back.
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 2);
  } finally {
    algo.stop();
  }
  expect(best).toBeGreaterThan(150);
  // One update per iteration (minTrainTimestepsPerIteration 0), and batches are never from the future.
  expect(last['learners/default_policy/num_learner_updates_lifetime']).toBe(last['training_iteration']);
  expect(Number(last['learners/default_policy/diff_num_grad_updates_vs_sampler_policy_max'])).toBeGreaterThanOrEqual(0);
}, 300_000);
