/**
 * SAC's fused step (FAST_PATHS.fusedMlp) against the TF.js step it replaces, on random nets and
 * batches: every variable's gradient (actor, both critics, log alpha) within 1e-5 of TF.js
 * autodiff of sac-loss.ts, the stats equal, and three whole updates (three Adam groups, Polyak
 * target updates) leaving the same weights, moments and targets. Reference: TF.js cpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SACFusedLoss } from '../../src/algorithms/sac/sac-fused';
import { SACLearner } from '../../src/algorithms/sac/sac-learner';
import { SAC_DEFAULTS, type SACConfig } from '../../src/algorithms/sac/sac-config';
import { SACColumns } from '../../src/algorithms/sac/sac-loss';
import { Rng } from '../../src/core/rng';
import { FAST_PATHS } from '../../src/learner/fast-paths';
import { FusedTrainer } from '../../src/learner/fused-trainer';
import { loadFusedKernels } from '../../src/rl-module/fused/arena';
import { SACModule, type SACModelConfig } from '../../src/rl-module/sac-module';
import type { ReplayBatch } from '../../src/replay';

beforeAll(async () => {
  await tf.setBackend('cpu');
  expect(await loadFusedKernels()).toBe(true);
});

afterEach(() => {
  FAST_PATHS.fusedMlp = true;
});

const OBS_DIM = 3;

function makeModule(model: SACModelConfig, actionDim: number): SACModule {
  return new SACModule({
    observationSpace: { kind: 'box', shape: [OBS_DIM], low: [-1, -1, -8], high: [1, 1, 8] },
    actionSpace: {
      kind: 'box',
      shape: [actionDim],
      low: Array.from({ length: actionDim }, () => -2),
      high: Array.from({ length: actionDim }, () => 2),
    },
    model,
    seed: 5,
  });
}

function randomBatch(rows: number, actionDim: number, seed: number): ReplayBatch {
  const rng = new Rng(seed);
  const terminateds = Uint8Array.from({ length: rows }, () => (rng.random() < 0.2 ? 1 : 0));
  return {
    batchSize: rows,
    obs: Float32Array.from({ length: rows * OBS_DIM }, () => rng.normal()),
    nextObs: Float32Array.from({ length: rows * OBS_DIM }, () => rng.normal()),
    actions: Float32Array.from({ length: rows * actionDim }, () => rng.uniform(-2, 2)),
    rewards: Float32Array.from({ length: rows }, () => rng.normal() * 3),
    terminateds,
    discounts: Float32Array.from(terminateds, (t) => (t ? 0 : 0.99)),
    nSteps: new Int32Array(rows).fill(1),
    indices: Int32Array.from({ length: rows }, (_, i) => i),
    stepIds: Float64Array.from({ length: rows }, (_, i) => i),
    weights: Float32Array.from({ length: rows }, () => 0.5 + rng.random()),
  };
}

type Training = SACConfig['training'];

function learnerFor(model: SACModelConfig, actionDim: number, training: Partial<Training>, fused: boolean) {
  FAST_PATHS.fusedMlp = fused;
  return new SACLearner(makeModule(model, actionDim), { ...SAC_DEFAULTS.training, ...training });
}

const CASES: { name: string; model: SACModelConfig; actionDim: number; rows: number }[] = [
  {
    name: '[64, 64] relu, twin Q, 1 action, 64 rows',
    model: {
      policyFcnetHiddens: [64, 64],
      policyFcnetActivation: 'relu',
      qFcnetHiddens: [64, 64],
      qFcnetActivation: 'relu',
      twinQ: true,
      initialAlpha: 0.7,
    },
    actionDim: 1,
    rows: 64,
  },
  {
    name: '[16] tanh actor, [32, 8] relu critic, one Q, 3 actions, 13 rows',
    model: {
      policyFcnetHiddens: [16],
      policyFcnetActivation: 'tanh',
      qFcnetHiddens: [32, 8],
      qFcnetActivation: 'relu',
      twinQ: false,
      initialAlpha: 1.3,
    },
    actionDim: 3,
    rows: 13,
  },
];

describe('SAC fused step', () => {
  it.each(CASES)('gradients and stats match TF.js: $name', async ({ model, actionDim, rows }) => {
    const ref = learnerFor(model, actionDim, {}, false);
    // Targets apart from the online critics, so the target pass is checked too.
    const state = await ref.target.getState();
    const rng = new Rng(2);
    const arrays = state.weights.arrays.map((a) => Float32Array.from(a, (x) => x + 0.2 * rng.normal()));
    ref.target.setState({ ...state, weights: { ...state.weights, arrays } });
    const batch = randomBatch(rows, actionDim, 9);
    const m = ref.module;
    const noise = new Rng(4);
    const eps = Float32Array.from({ length: rows * actionDim }, () => noise.normal() * 1.5);
    const epsNext = Float32Array.from({ length: rows * actionDim }, () => noise.normal());
    const actions = Float32Array.from(batch.actions, (a) => a / 2);
    const expected = tf.tidy(() => {
      const g = ref.computeGradients({
        [SACColumns.OBS]: tf.tensor2d(batch.obs, [rows, OBS_DIM]),
        [SACColumns.NEXT_OBS]: tf.tensor2d(batch.nextObs, [rows, OBS_DIM]),
        [SACColumns.ACTIONS]: tf.tensor2d(actions, [rows, actionDim]),
        [SACColumns.REWARDS]: tf.tensor1d(batch.rewards),
        [SACColumns.DISCOUNTS]: tf.tensor1d(batch.discounts),
        [SACColumns.WEIGHTS]: tf.tensor1d(batch.weights),
        [SACColumns.EPS]: tf.tensor2d(eps, [rows, actionDim]),
        [SACColumns.EPS_NEXT]: tf.tensor2d(epsNext, [rows, actionDim]),
      });
      return {
        grads: g.grads.map((x) => x!.dataSync().slice()),
        stats: Object.fromEntries(Object.entries(g.stats).map(([k, v]) => [k, v.dataSync()[0]!])),
      };
    });
    FAST_PATHS.fusedMlp = true;
    const trainer = FusedTrainer.create(m, ref.groups, ref.target)!;
    expect(trainer).not.toBeNull();
    const loss = new SACFusedLoss(trainer, m, { twinQ: m.twinQ, targetEntropy: ref.targetEntropy });
    trainer.syncIn();
    trainer.zeroGrads();
    const out = loss.step({ ...batch, rows, actions, eps, epsNext });
    const g = trainer.arena.array(trainer.G);
    m.trainableVariables.forEach((v, i) => {
      const got = g.subarray(trainer.offsets[i], trainer.offsets[i]! + v.size);
      const want = expected.grads[i]!;
      for (let j = 0; j < v.size; j++) expect(Math.abs(got[j]! - want[j]!), m.variableNames[i]).toBeLessThan(1e-5);
    });
    for (const [key, value] of Object.entries(expected.stats)) expect(out.stats[key], key).toBeCloseTo(value, 4);
    ref.dispose();
  });

  it('three updates leave the weights, every Adam group and the targets where the TF.js updates do', async () => {
    const { model } = CASES[0]!;
    const run = async (fused: boolean) => {
      const learner = learnerFor(model, 1, { actorLr: 3e-3, criticLr: 1e-3, alphaLr: 2e-3, gradClip: 1 }, fused);
      expect(learner.isFused).toBe(fused);
      const rng = new Rng(1);
      const stats: Record<string, number>[] = [];
      for (let u = 0; u < 3; u++) {
        const ctx = { rng, lifetimeEnvSteps: 10 * u, envStepsTrainedLifetime: 0 };
        stats.push((await learner.update(randomBatch(32, 1, 40 + u), ctx)).stats);
      }
      const state = await learner.getState();
      learner.dispose();
      return { state, stats };
    };
    const ref = await run(false);
    const got = await run(true);
    const close = (a: readonly Float32Array[], b: readonly Float32Array[]) =>
      a.forEach((x, i) => x.forEach((v, j) => expect(Math.abs(v - b[i]![j]!)).toBeLessThan(1e-5)));
    close(got.state.weights.arrays, ref.state.weights.arrays);
    close(got.state.optimizerState.arrays, ref.state.optimizerState.arrays);
    for (const name of ['policy', 'alpha']) {
      close(got.state.optimizers![name]!.arrays, ref.state.optimizers![name]!.arrays);
      expect(got.state.optimizers![name]!.step).toBe(ref.state.optimizers![name]!.step);
    }
    const targets = (s: typeof ref.state) => s.targetNetworks!['default_policy']!;
    close(targets(got.state).weights.arrays, targets(ref.state).weights.arrays);
    expect(targets(got.state).numTargetUpdates).toBe(3);
    got.stats.forEach((s, u) => {
      for (const [key, value] of Object.entries(ref.stats[u]!)) expect(s[key], key).toBeCloseTo(value, 3);
    });
  });
});
