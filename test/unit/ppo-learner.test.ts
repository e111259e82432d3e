import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PPOUpdateConfig } from '../../src/algorithms/ppo/ppo-learner';
import { PPOLearner } from '../../src/algorithms/ppo/ppo-learner';
import { Rng } from '../../src/core/rng';
import { ChunkEnd } from '../../src/core/sample-batch';
import type { Space } from '../../src/core/spaces';
import { box, discrete } from '../../src/core/spaces';
import type { MLPModule } from '../../src/rl-module';
import { makeModule } from '../../src/rl-module';
import { syntheticBatch } from './helpers/ppo-batch';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const OBS_DIM = 4;

function module(actionSpace: Space, seed = 1): MLPModule {
  return makeModule({
    observationSpace: box(-5, 5, [OBS_DIM]),
    actionSpace,
    model: { fcnetHiddens: [16, 16], fcnetActivation: 'tanh', vfShareLayers: false },
    seed,
  });
}

const CHUNKS: [number, ChunkEnd][] = [
  [10, ChunkEnd.TERMINATED],
  [22, ChunkEnd.CUT],
  [13, ChunkEnd.TRUNCATED],
  [19, ChunkEnd.CUT],
];

function updateConfig(rng: Rng, overrides: Partial<PPOUpdateConfig> = {}): PPOUpdateConfig {
  return {
    gamma: 0.99,
    lambda: 0.95,
    numEpochs: 3,
    minibatchSize: 16,
    shuffle: true,
    clipParam: 0.2,
    vfClipParam: 10,
    vfLossCoeff: 0.5,
    entropyCoeff: 0.0,
    useKlLoss: true,
    klTarget: 0.01,
    rng,
    lifetimeEnvSteps: 0,
    ...overrides,
  };
}

const STAT_KEYS = [
  'policy_loss',
  'vf_loss',
  'vf_loss_unclipped',
  'vf_explained_var',
  'entropy',
  'mean_kl_loss',
  'curr_kl_coeff',
  'approx_kl',
  'clip_frac',
  'total_loss',
  'gradient_global_norm',
  'curr_lr',
  'num_module_steps_trained',
  'num_env_steps_trained',
];

describe('PPOLearner', () => {
  for (const actionSpace of [discrete(3), box(-1, 1, [2])] as Space[]) {
    it(`updates on a synthetic ${actionSpace.kind} batch: finite stats, no tensor leak`, async () => {
      const startTensors = tf.memory().numTensors;
      const m = module(actionSpace);
      const ppo = new PPOLearner(m, { lr: 3e-4, gradClip: 0.5, gradClipBy: 'global_norm' }, 0.2);
      const rng = new Rng(4);
      const batch = await syntheticBatch(m, CHUNKS, rng);
      const first = await ppo.update(batch, updateConfig(rng));
      const numTensors = tf.memory().numTensors;
      let stats = first;
      for (let k = 0; k < 3; k++) stats = await ppo.update(batch, updateConfig(rng));
      expect(tf.memory().numTensors).toBe(numTensors);
      for (const key of STAT_KEYS) {
        expect(stats[key], key).toBeDefined();
        expect(Number.isFinite(stats[key]), key).toBe(true);
      }
      expect(stats.num_env_steps_trained).toBe(64);
      expect(stats.num_module_steps_trained).toBe(3 * 4 * 16);
      expect(stats.mean_kl_loss).toBeGreaterThan(0);
      expect(stats.vf_loss).toBeLessThanOrEqual(10);
      expect(m.weightsVersion).toBe(4);
      ppo.dispose();
      expect(tf.memory().numTensors).toBe(startTensors);
    });
  }

  it('builds value targets with GAE over V(obs), bootstrapping from V(finalObs) except on termination', async () => {
    const m = module(discrete(2));
    // Non-trivial value head so V(finalObs) matters.
    const w = await m.getWeights();
    const wrng = new Rng(8);
    m.setWeights({ ...w, arrays: w.arrays.map((a) => a.map(() => wrng.uniform(-0.5, 0.5))) });
    const ppo = new PPOLearner(m, { lr: 0, gradClip: null, gradClipBy: 'global_norm' }, 0.2);
    const rng = new Rng(6);
    const batch = await syntheticBatch(m, CHUNKS, rng, (_, row) => (row % 3) - 1);
    // lr 0 and one full-batch minibatch: vf_loss_unclipped = mean((V(s) - valueTargets)^2) = mean(A_gae^2).
    const stats = await ppo.update(
      batch,
      updateConfig(rng, { numEpochs: 1, minibatchSize: 64, vfClipParam: 1e9, gamma: 0.9, lambda: 0.8 }),
    );
    const values = async (obs: Float32Array, rows: number): Promise<Float32Array> => {
      const t = tf.tidy(() => m.valueFunction(tf.tensor2d(obs, [rows, OBS_DIM])));
      const v = (await t.data()) as Float32Array;
      t.dispose();
      return v;
    };
    const v = await values(batch.obs, 64);
    const bootstrap = await values(batch.finalObs, CHUNKS.length);
    // Reference GAE loop over the chunks (CleanRL's lastgaelam), in float64.
    const meanSqAdvantage = (useBootstrap: boolean): number => {
      let sum = 0;
      CHUNKS.forEach(([, end], c) => {
        const start = batch.chunkStarts[c]!;
        let next = end === ChunkEnd.TERMINATED || !useBootstrap ? 0 : bootstrap[c]!;
        let gae = 0;
        for (let t = batch.chunkStarts[c + 1]! - 1; t >= start; t--) {
          gae = batch.rewards[t]! + 0.9 * next - v[t]! + 0.9 * 0.8 * gae;
          next = v[t]!;
          sum += gae * gae;
        }
      });
      return sum / 64;
    };
    expect(stats.vf_loss_unclipped).toBeCloseTo(meanSqAdvantage(true), 4);
    expect(Math.abs(meanSqAdvantage(false) - meanSqAdvantage(true))).toBeGreaterThan(1e-2);
    ppo.dispose();
  });

  it('adapts the KL coefficient like RLlib and keeps it as state', async () => {
    const m = module(discrete(2));
    const ppo = new PPOLearner(m, { lr: 1e-3, gradClip: null, gradClipBy: 'global_norm' }, 0.2);
    const rng = new Rng(1);
    const batch = await syntheticBatch(m, CHUNKS, rng);
    // KL far below 0.5 * target: halve.
    let stats = await ppo.update(batch, updateConfig(rng, { klTarget: 1e6 }));
    expect(ppo.currKlCoeff).toBeCloseTo(0.1, 12);
    expect(stats.curr_kl_coeff).toBeCloseTo(0.1, 12);
    // KL above 2 * target (the policy moved during the update): * 1.5.
    stats = await ppo.update(batch, updateConfig(rng, { klTarget: 1e-12 }));
    expect(stats.mean_kl_loss).toBeGreaterThan(2e-12);
    expect(ppo.currKlCoeff).toBeCloseTo(0.15, 12);
    // Without the KL loss the coefficient is left alone and the KL stat is 0 (RLlib).
    stats = await ppo.update(batch, updateConfig(rng, { useKlLoss: false, klTarget: 1e6 }));
    expect(ppo.currKlCoeff).toBeCloseTo(0.15, 12);
    expect(stats.mean_kl_loss).toBe(0);

    const state = ppo.getState();
    const other = new PPOLearner(module(discrete(2), 2), { lr: 1e-3, gradClip: null, gradClipBy: 'global_norm' }, 0.2);
    other.setState(state);
    expect(other.currKlCoeff).toBe(ppo.currKlCoeff);
    ppo.dispose();
    other.dispose();
  });

  it('learns a one-step bandit: the rewarded action becomes more likely', async () => {
    const m = module(discrete(2), 3);
    const ppo = new PPOLearner(m, { lr: 3e-3, gradClip: 0.5, gradClipBy: 'global_norm' }, 0.2);
    const rng = new Rng(2);
    const oneStepEpisodes: [number, ChunkEnd][] = Array.from({ length: 64 }, () => [1, ChunkEnd.TERMINATED]);
    const rewardAction1 = (actions: Int32Array | Float32Array, row: number): number => (actions[row] === 1 ? 1 : 0);
    const meanReward = async (): Promise<number> => {
      const b = await syntheticBatch(m, oneStepEpisodes, rng, rewardAction1);
      return b.rewards.reduce((a, r) => a + r, 0) / b.numSteps;
    };
    const before = (await meanReward()) + (await meanReward());
    for (let k = 0; k < 15; k++) {
      const batch = await syntheticBatch(m, oneStepEpisodes, rng, rewardAction1);
      await ppo.update(batch, updateConfig(rng, { useKlLoss: false }));
    }
    const after = (await meanReward()) + (await meanReward());
    expect(before / 2).toBeLessThan(0.65);
    expect(after / 2).toBeGreaterThan(0.9);
    ppo.dispose();
  });
});
