import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHECKPOINT_FORMAT, type Checkpoint } from '../../src/algorithms/checkpoint';
import { CheckpointError } from '../../src/algorithms/checkpoint-schema';
import { validateCheckpoint } from '../../src/algorithms/registry';
import { DQN } from '../../src/algorithms/dqn/dqn';
import { dqn } from '../../src/algorithms/dqn/dqn-config';
import { checkpointFromJson } from '../../src/app/checkpoint-codec';
import { fakeFleet } from './helpers/fake-runners';
import { buildTinyPpo } from './helpers/ppo-fixture';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const V1 = readFileSync(new URL('./fixtures/ppo-checkpoint-v1.json', import.meta.url), 'utf8');

describe('checkpoint format 1 migration', () => {
  it('reads a v1 file saved by the PPO of format 1 as format 2 and resumes from it', async () => {
    const ckpt = checkpointFromJson(V1);
    expect(ckpt.format).toBe(CHECKPOINT_FORMAT);
    expect(ckpt.algo).toBe('PPO');
    expect(ckpt.algorithmState).toBeUndefined();
    const { algo } = await buildTinyPpo();
    try {
      await algo.restore(ckpt);
      expect(algo.counters.trainingIteration).toBe(2);
      const weights = await algo.module.getWeights();
      expect(Array.from(weights.arrays[0]!)).toEqual(Array.from(ckpt.weights.arrays[0]!));
      const saved = await algo.save();
      expect(saved.format).toBe(CHECKPOINT_FORMAT);
      const r = await algo.train();
      expect(r['training_iteration']).toBe(3);
    } finally {
      algo.stop();
    }
  });
});

function dqnConfig(storeBufferInCheckpoints: boolean) {
  return dqn()
    .fromJson({
      environment: { env: 'CartPole-v1' },
      envRunners: { numEnvRunners: 1, numEnvsPerEnvRunner: 2 },
      rlModule: { fcnetHiddens: [8] },
      learners: { numGpusPerLearner: 0 },
      training: {
        numStepsSampledBeforeLearningStarts: 20,
        minSampleTimestepsPerIteration: 30,
        trainBatchSizePerLearner: 8,
        targetNetworkUpdateFreq: 20,
        storeBufferInCheckpoints,
        replayBufferConfig: { capacity: 100 },
      },
      debugging: { seed: 9 },
    })
    .toConfig();
}

async function buildDqn(store: boolean): Promise<DQN> {
  return DQN.build(dqnConfig(store), { backend: 'cpu', connect: fakeFleet().connect });
}

describe('checkpoint format 2 round trip for DQN', () => {
  it.each([false, true])('storeBufferInCheckpoints %s', async (store) => {
    const a = await buildDqn(store);
    const b = await buildDqn(store);
    try {
      for (let i = 0; i < 2; i++) await a.train();
      const ckpt: Checkpoint = await a.save();
      const target = ckpt.algorithmState?.targetNetworks?.['default_policy'];
      expect(target?.numTargetUpdates).toBeGreaterThan(0);
      expect(ckpt.algorithmState?.replayBuffer?.size).toBe(a.replayBuffer.size);
      expect(ckpt.algorithmState?.replayBuffer?.contents !== undefined).toBe(store);
      await b.restore(validateCheckpoint(ckpt));
      expect(b.learner.target.numTargetUpdates).toBe(target?.numTargetUpdates);
      expect(b.epsilon).toBe(a.epsilon);
      expect(b.replayBuffer.size).toBe(store ? a.replayBuffer.size : 0);
      const again = await b.save();
      expect(Array.from(again.algorithmState!.targetNetworks!['default_policy']!.weights.arrays[0]!)).toEqual(
        Array.from(target!.weights.arrays[0]!),
      );
      expect(Array.from(again.weights.arrays[1]!)).toEqual(Array.from(ckpt.weights.arrays[1]!));
      const r = await b.train();
      expect(r['training_iteration']).toBe(3);
    } finally {
      a.stop();
      b.stop();
    }
  });

  it('reports every problem of a bad algorithm state at once', async () => {
    const a = await buildDqn(true);
    try {
      await a.train();
      const ckpt = await a.save();
      const contents = ckpt.algorithmState!.replayBuffer!.contents!;
      const bad = {
        ...ckpt,
        optimizers: { 'bad name!': {} },
        algorithmState: {
          targetNetworks: {
            default_policy: { ...ckpt.algorithmState!.targetNetworks!['default_policy']!, numTargetUpdates: -1 },
          },
          replayBuffer: {
            ...ckpt.algorithmState!.replayBuffer!,
            size: 12345,
            contents: { ...contents, rewards: Float32Array.of(NaN), obs: new Int32Array(3) },
          },
        },
      };
      let error: unknown;
      try {
        validateCheckpoint(bad);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CheckpointError);
      const paths = (error as CheckpointError).issues.map((i) => i.path);
      expect(paths).toEqual(
        expect.arrayContaining([
          'optimizers.bad name!',
          'algorithmState.targetNetworks.default_policy.numTargetUpdates',
          'algorithmState.replayBuffer.size',
          'algorithmState.replayBuffer.contents.rewards',
          'algorithmState.replayBuffer.contents.obs',
        ]),
      );
    } finally {
      a.stop();
    }
  });
});
