import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PPO_DEFAULTS, type PPOConfig } from '../../src/algorithms/ppo/ppo-config';
import { PPOLearner } from '../../src/algorithms/ppo/ppo-learner';
import type { UpdateContext } from '../../src/learner';
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

function training(overrides: Partial<PPOConfig['training']> = {}): PPOConfig['training'] {
  return {
    ...PPO_DEFAULTS.training,
    lr: 3e-4,
    gradClip: 0.5,
    lambda: 0.95,
    numEpochs: 3,
    minibatchSize: 16,
    clipParam: 0.2,
    vfLossCoeff: 0.5,
    ...overrides,
  };
}

const ctx = (rng: Rng): UpdateContext => ({ rng, lifetimeEnvSteps: 0, envStepsTrainedLifetime: 0 });

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

describe('a key added to the catalogue reaches the learner', () => {
  it("PPO's adamEpsilon (one catalogue entry, no learner code) sets the optimizer's epsilon", () => {
    expect(PPO_DEFAULTS.training.adamEpsilon).toBe(1e-8);
    const cleanrl = new PPOLearner(module(discrete(2)), training({ adamEpsilon: 1e-5 }));
    const plain = new PPOLearner(module(discrete(2)), training());
    expect(cleanrl.groups[0]!.optimizer.epsilon).toBe(1e-5);
    expect(plain.groups[0]!.optimizer.epsilon).toBe(1e-8);
    cleanrl.dispose();
    plain.dispose();
  });
});

describe('PPOLearner', () => {
  for (const actionSpace of [discrete(3), box(-1, 1, [2])] as Space[]) {
    it(`updates on a synthetic ${actionSpace.kind} batch: finite stats, no tensor leak`, async () => {
      const startTensors = tf.memory().numTensors;
      const m = module(actionSpace);
      const ppo = new PPOLearner(m, training());
      const rng = new Rng(4);
      const batch = await syntheticBatch(m, CHUNKS, rng);
      const first = await ppo.update(batch, ctx(rng));
      const numTensors = tf.memory().numTensors;
      let stats = first;
      for (let k = 0; k < 3; k++) stats = await ppo.update(batch, ctx(rng));
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
    // lr 0 and one full-batch minibatch: vf_loss_unclipped = mean((V(s) - valueTargets)^2) = mean(A_gae^2).
    const config = training({
      lr: 0,
      gradClip: null,
      numEpochs: 1,
      minibatchSize: 64,
      vfClipParam: 1e9,
      gamma: 0.9,
      lambda: 0.8,
    });
    const ppo = new PPOLearner(m, config);
    const rng = new Rng(6);
    const batch = await syntheticBatch(m, CHUNKS, rng, (_, row) => (row % 3) - 1);
    const stats = await ppo.update(batch, ctx(rng));
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
    // The learner reads its own config: one learner per klTarget, each handing its state on.
    const m = module(discrete(2));
    const rng = new Rng(1);
    const batch = await syntheticBatch(m, CHUNKS, rng);
    const learnerWith = async (overrides: Partial<PPOConfig['training']>, from?: PPOLearner): Promise<PPOLearner> => {
      const l = new PPOLearner(module(discrete(2)), training({ lr: 1e-3, gradClip: null, ...overrides }));
      if (from) await l.setState(await from.getState());
      return l;
    };
    // KL far below 0.5 * target: halve.
    const a = await learnerWith({ klTarget: 1e6 });
    let stats = await a.update(batch, ctx(rng));
    expect(a.currKlCoeff).toBeCloseTo(0.1, 12);
    expect(stats.curr_kl_coeff).toBeCloseTo(0.1, 12);
    // KL above 2 * target (the policy moved during the update): * 1.5.
    const b = await learnerWith({ klTarget: 1e-12 }, a);
    stats = await b.update(batch, ctx(rng));
    expect(stats.mean_kl_loss).toBeGreaterThan(2e-12);
    expect(b.currKlCoeff).toBeCloseTo(0.15, 12);
    // Without the KL loss the coefficient is left alone and the KL stat is 0 (RLlib).
    const c = await learnerWith({ useKlLoss: false, klTarget: 1e6 }, b);
    stats = await c.update(batch, ctx(rng));
    expect(c.currKlCoeff).toBeCloseTo(0.15, 12);
    expect(stats.mean_kl_loss).toBe(0);
    expect((await c.getState()).learnerState).toEqual({ currKlCoeff: c.currKlCoeff });
    for (const l of [a, b, c]) l.dispose();
    m.dispose();
  });

  it('learns a one-step bandit: the rewarded action becomes more likely', async () => {
    const m = module(discrete(2), 3);
    const ppo = new PPOLearner(m, training({ lr: 3e-3, useKlLoss: false }));
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
      await ppo.update(batch, ctx(rng));
    }
    const after = (await meanReward()) + (await meanReward());
    expect(before / 2).toBeLessThan(0.65);
    expect(after / 2).toBeGreaterThan(0.9);
    ppo.dispose();
  });
});
