/**
 * DQN's fused step (FAST_PATHS.fusedMlp) against the TF.js step it replaces, on random nets and
 * batches: the gradient of every variable within 1e-5 of TF.js autodiff of dqn-loss.ts, the loss
 * stats and TD errors equal, and three whole updates (clip, Adam, target updates) leaving the
 * same weights, moments and target. The reference runs on TF.js's cpu backend (float32).
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DQNFusedLoss } from '../../src/algorithms/dqn/dqn-fused';
import { DQNLearner } from '../../src/algorithms/dqn/dqn-learner';
import { DQN_DEFAULTS, type DQNConfig } from '../../src/algorithms/dqn/dqn-config';
import { Rng } from '../../src/core/rng';
import { box, discrete } from '../../src/core/spaces';
import { FAST_PATHS } from '../../src/learner/fast-paths';
import { FusedTrainer } from '../../src/learner/fused-trainer';
import { loadFusedKernels } from '../../src/rl-module/fused/arena';
import { QModule, type QModelConfig } from '../../src/rl-module/q-module';
import type { ReplayBatch } from '../../src/replay';

beforeAll(async () => {
  await tf.setBackend('cpu');
  expect(await loadFusedKernels()).toBe(true);
});

afterEach(() => {
  FAST_PATHS.fusedMlp = true;
});

const OBS_DIM = 5;
const NUM_ACTIONS = 3;

function makeModule(model: QModelConfig, seed: number): QModule {
  return new QModule({
    observationSpace: box(-1, 1, [OBS_DIM]),
    actionSpace: discrete(NUM_ACTIONS),
    model,
    seed,
  });
}

function randomBatch(rows: number, seed: number): ReplayBatch {
  const rng = new Rng(seed);
  const terminateds = Uint8Array.from({ length: rows }, () => (rng.random() < 0.2 ? 1 : 0));
  return {
    batchSize: rows,
    obs: Float32Array.from({ length: rows * OBS_DIM }, () => rng.normal()),
    nextObs: Float32Array.from({ length: rows * OBS_DIM }, () => rng.normal()),
    actions: Int32Array.from({ length: rows }, () => rng.integer(NUM_ACTIONS)),
    rewards: Float32Array.from({ length: rows }, () => rng.normal() * 2),
    terminateds,
    discounts: Float32Array.from(terminateds, (t) => (t ? 0 : 0.97)),
    nSteps: new Int32Array(rows).fill(1),
    indices: Int32Array.from({ length: rows }, (_, i) => i),
    stepIds: Float64Array.from({ length: rows }, (_, i) => i),
    weights: Float32Array.from({ length: rows }, () => 0.5 + rng.random()),
  };
}

/** Sets the target network to perturbed online weights, so online and target differ. */
async function perturbTarget(learner: DQNLearner, seed: number): Promise<void> {
  const rng = new Rng(seed);
  const state = await learner.target.getState();
  const arrays = state.weights.arrays.map((a) => Float32Array.from(a, (x) => x + 0.3 * rng.normal()));
  learner.target.setState({ ...state, weights: { ...state.weights, arrays } });
}

type Training = DQNConfig['training'];

function learnerFor(model: QModelConfig, training: Partial<Training>, fused: boolean): DQNLearner {
  FAST_PATHS.fusedMlp = fused;
  const config: Training = { ...DQN_DEFAULTS.training, ...training };
  return new DQNLearner(makeModule(model, 7), config);
}

const CASES: { name: string; model: QModelConfig; training: Partial<Training>; rows: number }[] = [
  {
    name: '[64, 64] tanh, dueling, double Q, Huber, 128 rows',
    model: {
      fcnetHiddens: [64, 64],
      fcnetActivation: 'tanh',
      headFcnetHiddens: [],
      headFcnetActivation: 'relu',
      dueling: true,
    },
    training: { doubleQ: true, tdErrorLossFn: 'huber' },
    rows: 128,
  },
  {
    name: '[32] relu, head [16] relu, dueling, no double Q, squared error, 37 rows',
    model: {
      fcnetHiddens: [32],
      fcnetActivation: 'relu',
      headFcnetHiddens: [16],
      headFcnetActivation: 'relu',
      dueling: true,
    },
    training: { doubleQ: false, tdErrorLossFn: 'mse' },
    rows: 37,
  },
  {
    name: '[24, 8] tanh, not dueling, double Q, Huber, 5 rows',
    model: {
      fcnetHiddens: [24, 8],
      fcnetActivation: 'tanh',
      headFcnetHiddens: [],
      headFcnetActivation: 'relu',
      dueling: false,
    },
    training: { doubleQ: true, tdErrorLossFn: 'huber' },
    rows: 5,
  },
];

describe('DQN fused step', () => {
  it.each(CASES)('gradients and stats match TF.js: $name', async ({ model, training, rows }) => {
    const ref = learnerFor(model, training, false);
    await perturbTarget(ref, 3);
    const batch = randomBatch(rows, 11);
    const columns = {
      obs: batch.obs,
      new_obs: batch.nextObs,
      actions: batch.actions,
      rewards: batch.rewards,
      terminateds: Float32Array.from(batch.terminateds),
      discounts: batch.discounts,
      weights: batch.weights,
    };
    const expected = tf.tidy(() => {
      const minibatch = {
        obs: tf.tensor2d(columns.obs, [rows, OBS_DIM]),
        new_obs: tf.tensor2d(columns.new_obs, [rows, OBS_DIM]),
        actions: tf.tensor1d(columns.actions, 'int32'),
        rewards: tf.tensor1d(columns.rewards),
        terminateds: tf.tensor1d(columns.terminateds),
        discounts: tf.tensor1d(columns.discounts),
        weights: tf.tensor1d(columns.weights),
      };
      const g = ref.computeGradients(minibatch);
      return {
        grads: g.grads.map((x) => x!.dataSync().slice()),
        stats: Object.fromEntries(Object.entries(g.stats).map(([k, v]) => [k, v.dataSync()[0]!])),
        tdErrors: g.tdErrors!.dataSync().slice(),
      };
    });
    FAST_PATHS.fusedMlp = true;
    const trainer = FusedTrainer.create(ref.module, ref.groups, ref.target)!;
    expect(trainer).not.toBeNull();
    const loss = new DQNFusedLoss(trainer, ref.module, { ...DQN_DEFAULTS.training, ...training });
    trainer.syncIn();
    trainer.zeroGrads();
    const out = loss.step(batch);
    const g = trainer.arena.array(trainer.G);
    ref.module.trainableVariables.forEach((v, i) => {
      const got = g.subarray(trainer.offsets[i], trainer.offsets[i]! + v.size);
      const want = expected.grads[i]!;
      for (let j = 0; j < v.size; j++) expect(Math.abs(got[j]! - want[j]!)).toBeLessThan(1e-5);
    });
    for (const [key, value] of Object.entries(expected.stats)) expect(out.stats[key]).toBeCloseTo(value, 4);
    out.tdErrors.forEach((td, i) => expect(td).toBeCloseTo(expected.tdErrors[i]!, 4));
    ref.dispose();
  });

  it('three updates leave the weights, Adam state and target where the TF.js updates do', async () => {
    const model = CASES[0]!.model;
    const training: Partial<Training> = { lr: 3e-3, gradClip: 0.5, targetNetworkUpdateFreq: 100, tau: 0.5 };
    const run = async (fused: boolean) => {
      const learner = learnerFor(model, training, fused);
      expect(learner.isFused).toBe(fused);
      const rng = new Rng(1);
      const stats: Record<string, number>[] = [];
      for (let u = 0; u < 3; u++) {
        const ctx = { rng, lifetimeEnvSteps: 100 * u, envStepsTrainedLifetime: 0 };
        stats.push((await learner.update(randomBatch(64, 20 + u), ctx)).stats);
      }
      const state = await learner.getState();
      learner.dispose();
      return { state, stats };
    };
    const ref = await run(false);
    const got = await run(true);
    const close = (a: readonly Float32Array[], b: readonly Float32Array[], tol: number) =>
      a.forEach((x, i) => x.forEach((v, j) => expect(Math.abs(v - b[i]![j]!)).toBeLessThan(tol)));
    close(got.state.weights.arrays, ref.state.weights.arrays, 1e-5);
    close(got.state.optimizerState.arrays, ref.state.optimizerState.arrays, 1e-5);
    expect(got.state.optimizerState.step).toBe(ref.state.optimizerState.step);
    const targets = (s: typeof ref.state) => s.targetNetworks!['default_policy']!;
    close(targets(got.state).weights.arrays, targets(ref.state).weights.arrays, 1e-5);
    expect(targets(got.state).numTargetUpdates).toBe(targets(ref.state).numTargetUpdates);
    got.stats.forEach((s, u) => {
      for (const [key, value] of Object.entries(ref.stats[u]!)) expect(s[key], key).toBeCloseTo(value, 3);
    });
  });
});
