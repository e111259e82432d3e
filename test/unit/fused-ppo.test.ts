/**
 * PPO's fused step (FAST_PATHS.fusedMlp) against the TF.js step it replaces, on random nets and
 * batches: every variable's gradient within 1e-5 of TF.js autodiff of the readable PPO loss
 * (categorical and Gaussian actions, separate and shared torsos, no hidden layers, with and
 * without the KL term), the stats equal, and whole updates (GAE, shuffled epochs of minibatches,
 * Adam, KL adaptation) leaving the same weights and Adam state. Reference: TF.js cpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PPO_DEFAULTS, type PPOConfig } from '../../src/algorithms/ppo/ppo-config';
import { PPOFusedLoss } from '../../src/algorithms/ppo/ppo-fused';
import { PPOLearner } from '../../src/algorithms/ppo/ppo-learner';
import { PPOColumns, readablePPOLoss } from '../../src/algorithms/ppo/ppo-loss';
import { Rng } from '../../src/core/rng';
import { ChunkEnd } from '../../src/core/sample-batch';
import { box, discrete, type Space } from '../../src/core/spaces';
import { FAST_PATHS } from '../../src/learner/fast-paths';
import { FusedTrainer } from '../../src/learner/fused-trainer';
import { loadFusedKernels } from '../../src/rl-module/fused/arena';
import { MLPModule } from '../../src/rl-module/mlp-module';
import type { RLModuleConfig } from '../../src/core/config';
import { syntheticBatch } from './helpers/ppo-batch';

beforeAll(async () => {
  await tf.setBackend('cpu');
  expect(await loadFusedKernels()).toBe(true);
});

afterEach(() => {
  FAST_PATHS.fusedMlp = true;
});

const OBS_DIM = 4;

function makeModule(model: RLModuleConfig, actionSpace: Space): MLPModule {
  return new MLPModule({ observationSpace: box(-1, 1, [OBS_DIM]), actionSpace, model, seed: 3 });
}

type Training = PPOConfig['training'];

const CASES: { name: string; model: RLModuleConfig; space: Space; training: Partial<Training>; rows: number }[] = [
  {
    name: 'categorical, [64, 64] tanh, separate torsos, entropy, 128 rows',
    model: { fcnetHiddens: [64, 64], fcnetActivation: 'tanh', vfShareLayers: false },
    space: discrete(3),
    training: { useKlLoss: false, entropyCoeff: 0.01, vfClipParam: 10 },
    rows: 128,
  },
  {
    name: 'categorical, no hidden layers, KL term, value clamp binding, 33 rows',
    model: { fcnetHiddens: [], fcnetActivation: 'tanh', vfShareLayers: false },
    space: discrete(2),
    training: { useKlLoss: true, klCoeff: 0.3, vfClipParam: 0.5 },
    rows: 33,
  },
  {
    name: 'Gaussian (2-d), [32] relu shared torso, KL term, entropy, 50 rows',
    model: { fcnetHiddens: [32], fcnetActivation: 'relu', vfShareLayers: true },
    space: box(-2, 2, [2]),
    training: { useKlLoss: true, klCoeff: 0.2, entropyCoeff: 0.05, vfClipParam: 10 },
    rows: 50,
  },
];

describe('PPO fused step', () => {
  it.each(CASES)('gradients and stats match TF.js: $name', async ({ model, space, training, rows }) => {
    FAST_PATHS.fusedMlp = false;
    const m = makeModule(model, space);
    const cfg: Training = { ...PPO_DEFAULTS.training, ...training, minibatchSize: rows };
    const ref = new PPOLearner(m, cfg);
    const rng = new Rng(8);
    const batch = await syntheticBatch(m, [[rows, ChunkEnd.TERMINATED]], rng);
    // Old policy inputs apart from the current ones, so the KL term has a gradient.
    const inputDim = m.distribution.inputDim;
    const oldDistInputs = Float32Array.from({ length: rows * inputDim }, () => rng.normal() * 0.5);
    const columns = {
      obs: batch.obs,
      actions: batch.actions,
      oldLogp: Float32Array.from(batch.actionLogp!, (x) => x + 0.3 * rng.normal()),
      oldDistInputs: training.useKlLoss ? oldDistInputs : null,
      advantages: Float32Array.from({ length: rows }, () => rng.normal()),
      valueTargets: Float32Array.from({ length: rows }, () => rng.normal() * 2),
    };
    const lossCfg = { ...cfg, klCoeff: cfg.klCoeff };
    const expected = tf.tidy(() => {
      const actionShape = space.kind === 'discrete' ? [rows] : [rows, space.shape[0]!];
      const minibatch = {
        [PPOColumns.OBS]: tf.tensor2d(columns.obs, [rows, OBS_DIM]),
        [PPOColumns.ACTIONS]: tf.tensor(columns.actions, actionShape, space.kind === 'discrete' ? 'int32' : 'float32'),
        [PPOColumns.OLD_LOGP]: tf.tensor1d(columns.oldLogp),
        [PPOColumns.OLD_DIST_INPUTS]: tf.tensor2d(oldDistInputs, [rows, inputDim]),
        [PPOColumns.ADVANTAGES]: tf.tensor1d(columns.advantages),
        [PPOColumns.VALUE_TARGETS]: tf.tensor1d(columns.valueTargets),
      };
      const vars = m.trainableVariables;
      let stats: Record<string, number> = {};
      const { grads } = tf.variableGrads(() => {
        const out = readablePPOLoss(m, minibatch, lossCfg);
        stats = Object.fromEntries(Object.entries(out.stats).map(([k, v]) => [k, v.dataSync()[0]!]));
        return out.loss;
      }, vars);
      return { grads: vars.map((v) => grads[v.name]!.dataSync().slice()), stats };
    });
    FAST_PATHS.fusedMlp = true;
    const trainer = FusedTrainer.create(m, ref.groups, null)!;
    expect(trainer).not.toBeNull();
    const loss = new PPOFusedLoss(trainer, m);
    trainer.syncIn();
    trainer.zeroGrads();
    const out = loss.step(
      columns,
      Int32Array.from({ length: rows }, (_, i) => i),
      lossCfg,
    );
    const g = trainer.arena.array(trainer.G);
    m.trainableVariables.forEach((v, i) => {
      const got = g.subarray(trainer.offsets[i], trainer.offsets[i]! + v.size);
      const want = expected.grads[i]!;
      for (let j = 0; j < v.size; j++) expect(Math.abs(got[j]! - want[j]!), m.variableNames[i]).toBeLessThan(1e-5);
    });
    for (const [key, value] of Object.entries(expected.stats)) expect(out.stats[key], key).toBeCloseTo(value, 4);
    ref.dispose();
  });

  it.each([
    ['categorical, separate torsos', CASES[0]!],
    ['Gaussian, shared torso', CASES[2]!],
  ])('two whole updates match the TF.js updates: %s', async (_, { model, space, training }) => {
    const run = async (fused: boolean) => {
      FAST_PATHS.fusedMlp = fused;
      const m = makeModule(model, space);
      const cfg: Training = {
        ...PPO_DEFAULTS.training,
        ...training,
        lr: 3e-3,
        numEpochs: 3,
        minibatchSize: 48,
        gradClip: 0.5,
      };
      const learner = new PPOLearner(m, cfg);
      expect(learner.isFused).toBe(fused);
      const rng = new Rng(4);
      const stats: Record<string, number>[] = [];
      for (let u = 0; u < 2; u++) {
        const batch = await syntheticBatch(
          m,
          [
            [70, ChunkEnd.TERMINATED],
            [30, ChunkEnd.TRUNCATED],
          ],
          new Rng(10 + u),
          (_a, row) => row % 3,
        );
        stats.push(await learner.update(batch, { rng, lifetimeEnvSteps: 100 * u, envStepsTrainedLifetime: 0 }));
      }
      const state = await learner.getState();
      learner.dispose();
      return { state, stats };
    };
    const ref = await run(false);
    const got = await run(true);
    const close = (a: readonly Float32Array[], b: readonly Float32Array[]) =>
      a.forEach((x, i) => x.forEach((v, j) => expect(Math.abs(v - b[i]![j]!)).toBeLessThan(2e-5)));
    close(got.state.weights.arrays, ref.state.weights.arrays);
    close(got.state.optimizerState.arrays, ref.state.optimizerState.arrays);
    expect(got.state.optimizerState.step).toBe(ref.state.optimizerState.step);
    expect(got.state.learnerState).toEqual(ref.state.learnerState);
    got.stats.forEach((s, u) => {
      for (const [key, value] of Object.entries(ref.stats[u]!)) expect(s[key], key).toBeCloseTo(value, 3);
    });
  });
});
