/**
 * A small PPO built in Node (cpu Learner, in-process fake runners): real checkpoints for the
 * checkpoint tests, without a browser.
 */
import * as tf from '@tensorflow/tfjs';
import type { Checkpoint } from '../../../src/algorithms/checkpoint';
import { PPO } from '../../../src/algorithms/ppo/ppo';
import type { PPOConfig } from '../../../src/algorithms/ppo/ppo-config';
import { resolveConfig, type AnyAlgorithmConfig } from '../../../src/algorithms/registry';
import { fakeFleet, type FakeFleet } from './fake-runners';

/** A config small enough for a training iteration in well under a second. */
export const TINY_PPO = {
  environment: { env: 'CartPole-v1' },
  envRunners: { numEnvRunners: 1, numEnvsPerEnvRunner: 2, rolloutFragmentLength: 16 },
  training: { trainBatchSizePerLearner: 32, minibatchSize: 16, numEpochs: 1 },
  rlModule: { fcnetHiddens: [8] },
  learners: { numGpusPerLearner: 0 },
  debugging: { seed: 3 },
} as const;

export function tinyConfig(over: object = {}): AnyAlgorithmConfig {
  return resolveConfig({ ...TINY_PPO, ...over });
}

export async function buildTinyPpo(
  config: AnyAlgorithmConfig = tinyConfig(),
  fleet: FakeFleet = fakeFleet(),
): Promise<{ algo: PPO; fleet: FakeFleet }> {
  await tf.setBackend('cpu');
  // The registry's configs are generic (AnyAlgorithmConfig); this one is PPO's (TINY_PPO names no algo).
  const algo = await PPO.build(config as PPOConfig, { backend: 'cpu', connect: fleet.connect });
  return { algo, fleet };
}

/** A valid checkpoint after `iterations` training iterations (the algorithm is stopped). */
export async function tinyCheckpoint(iterations = 1): Promise<Checkpoint> {
  const { algo } = await buildTinyPpo();
  try {
    for (let i = 0; i < iterations; i++) await algo.train();
    return await algo.save();
  } finally {
    algo.stop();
  }
}
