/**
 * Tiny trained runs written as run folders (config.json + checkpoint/final.json, as npm run train
 * writes them), for the RLlib export tests: PPO on CartPole, DQN on CartPole, SAC on Pendulum,
 * IMPALA on CartPole, A2C on CartPole (whose export is refused), each a couple of iterations on the cpu backend with in-process runners.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Algorithm } from '../../../src/algorithms/algorithm';
import { buildAlgorithm, resolveConfig } from '../../../src/algorithms/registry';
import { checkpointToJson } from '../../../src/app/checkpoint-codec';
import { Rng } from '../../../src/core/rng';
import { makeVectorEnv } from '../../../src/envs';
import { fakeFleet } from './fake-runners';

const COMMON = { learners: { numGpusPerLearner: 0 }, envRunners: { numEnvRunners: 1, numEnvsPerEnvRunner: 2 } };

export const TINY_RUNS = {
  PPO: {
    ...COMMON,
    algo: 'PPO',
    environment: { env: 'CartPole-v1' },
    envRunners: { ...COMMON.envRunners, rolloutFragmentLength: 16 },
    training: { trainBatchSizePerLearner: 32, minibatchSize: 16, numEpochs: 2, lr: 3e-3 },
    rlModule: { fcnetHiddens: [16, 8] },
    debugging: { seed: 3 },
  },
  /** PPO on a Box: a Gaussian policy with a state-independent log-std (RLlib's free_log_std), shared layers. */
  PPO_BOX: {
    ...COMMON,
    algo: 'PPO',
    environment: { env: 'Pendulum-v1' },
    envRunners: { ...COMMON.envRunners, rolloutFragmentLength: 16 },
    training: { trainBatchSizePerLearner: 32, minibatchSize: 16, numEpochs: 2, lr: 3e-3 },
    rlModule: { fcnetHiddens: [16], vfShareLayers: true },
    debugging: { seed: 9 },
  },
  DQN: {
    ...COMMON,
    algo: 'DQN',
    environment: { env: 'CartPole-v1' },
    rlModule: { fcnetHiddens: [16] },
    training: {
      headFcnetHiddens: [8],
      numStepsSampledBeforeLearningStarts: 20,
      minSampleTimestepsPerIteration: 40,
      trainBatchSizePerLearner: 8,
      nStep: [1, 3],
    },
    debugging: { seed: 5 },
  },
  SAC: {
    ...COMMON,
    algo: 'SAC',
    environment: { env: 'Pendulum-v1', maxEpisodeSteps: 150 },
    training: {
      numStepsSampledBeforeLearningStarts: 20,
      minSampleTimestepsPerIteration: 40,
      trainBatchSizePerLearner: 8,
      policyModelConfig: { fcnetHiddens: [16, 16] },
      qModelConfig: { fcnetHiddens: [16, 16] },
      replayBufferConfig: { capacity: 1000 },
    },
    debugging: { seed: 7 },
  },
  /** IMPALA: asynchronous sampling, V-trace; RLlib builds PPO's module for it. */
  IMPALA: {
    ...COMMON,
    algo: 'IMPALA',
    environment: { env: 'CartPole-v1' },
    envRunners: { ...COMMON.envRunners, rolloutFragmentLength: 16 },
    training: { trainBatchSizePerLearner: 32, lr: 3e-3 },
    rlModule: { fcnetHiddens: [16, 8] },
    debugging: { seed: 4 },
  },
  /** A2C: RLlib's new stack has none, so its export is refused. */
  A2C: {
    ...COMMON,
    algo: 'A2C',
    environment: { env: 'CartPole-v1' },
    training: { trainBatchSizePerLearner: 32 },
    rlModule: { fcnetHiddens: [16] },
    debugging: { seed: 6 },
  },
} as const;

export type TinyAlgo = keyof typeof TINY_RUNS;

/** A trained tiny run: the live algorithm (caller stops it) and its folder. */
export async function tinyRun(algo: TinyAlgo, iterations = 2): Promise<{ algo: Algorithm; dir: string }> {
  await tf.setBackend('cpu');
  const config = resolveConfig(TINY_RUNS[algo]);
  const built = await buildAlgorithm(config, { backend: 'cpu', connect: fakeFleet().connect });
  for (let i = 0; i < iterations; i++) await built.train();
  const ckpt = await built.save();
  const dir = mkdtempSync(path.join(tmpdir(), `rllib-export-${algo.toLowerCase()}-`));
  mkdirSync(path.join(dir, 'checkpoint'));
  // As train.ts writes it: the resolved config with the seed actually used.
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(ckpt.config, null, 2));
  writeFileSync(path.join(dir, 'checkpoint', 'final.json'), checkpointToJson(ckpt));
  return { algo: built, dir };
}

/** `count` observations met along random-action episodes of the run's env (seeded). */
export function recordedObservations(algo: TinyAlgo, count: number, seed = 11): Float32Array {
  const env = makeVectorEnv(TINY_RUNS[algo].environment.env, { numEnvs: 1, seed });
  env.reset(seed);
  const rng = new Rng(seed);
  const space = env.singleActionSpace;
  const dim = env.obs.length;
  const out = new Float32Array(count * dim);
  const actions = space.kind === 'discrete' ? new Int32Array(1) : new Float32Array(space.low.length);
  for (let i = 0; i < count; i++) {
    out.set(env.obs, i * dim);
    if (space.kind === 'discrete') actions[0] = rng.integer(space.n);
    else for (let j = 0; j < actions.length; j++) actions[j] = rng.uniform(space.low[j]!, space.high[j]!);
    env.step(actions);
  }
  return out;
}
