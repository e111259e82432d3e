/**
 * Divergence (issue 12, item 1): a step whose loss, gradient norm or update is NaN/Inf is not
 * applied (variables, Adam moments and step count unchanged) and is counted; after
 * maxConsecutiveNonFiniteUpdates in a row the Learner throws `learner/diverged`.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PPO_DEFAULTS, ppo } from '../../src/algorithms/ppo/ppo-config';
import { PPO } from '../../src/algorithms/ppo/ppo';
import { PPOLearner } from '../../src/algorithms/ppo/ppo-learner';
import { resolveKeyPath } from '../../src/core/config-keys';
import { PPO_SPEC } from '../../src/algorithms/ppo/ppo-spec';
import { RLError } from '../../src/core/errors';
import { Rng } from '../../src/core/rng';
import { ChunkEnd } from '../../src/core/sample-batch';
import { box, discrete } from '../../src/core/spaces';
import type { UpdateContext } from '../../src/learner';
import { FlatAdam } from '../../src/learner/flat-adam';
import type { MLPModule } from '../../src/rl-module';
import { makeModule } from '../../src/rl-module';
import { fakeFleet } from './helpers/fake-runners';
import { LossLearner, VariablesModule } from './helpers/loss-learner';
import { syntheticBatch } from './helpers/ppo-batch';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const readAll = (vars: readonly tf.Variable[]): Promise<Float32Array[]> =>
  Promise.all(vars.map(async (v) => (await v.data()) as Float32Array));
const allFinite = (arrays: readonly ArrayLike<number>[]): boolean =>
  arrays.every((a) => Array.from(a).every(Number.isFinite));

/**
 * Continuous actions: with lr 1e30 the first Adam step makes log_std ~1e30, so std = exp(log_std)
 * overflows and every later loss is Inf/NaN. (A categorical head saturates instead: its logits
 * grow to ~1e31 but the clipped PPO loss stays finite on cpu.)
 */
function smallModule(): MLPModule {
  return makeModule({
    observationSpace: box(-1, 1, [4]),
    actionSpace: box(-1, 1, [1]),
    model: { fcnetHiddens: [8], fcnetActivation: 'tanh', vfShareLayers: false },
    seed: 3,
  });
}

type Training = { -readonly [K in keyof typeof PPO_DEFAULTS.training]: (typeof PPO_DEFAULTS.training)[K] };

function training(lr: number): Training {
  return {
    ...PPO_DEFAULTS.training,
    lr,
    gradClip: null,
    lambda: 0.95,
    numEpochs: 4,
    minibatchSize: 16,
    clipParam: 0.2,
    vfLossCoeff: 0.5,
    entropyCoeff: 0.01,
  };
}

function ctx(rng: Rng, trainingIteration: number): UpdateContext {
  return { rng, lifetimeEnvSteps: 0, envStepsTrainedLifetime: 0, trainingIteration };
}

const CHUNKS: [number, ChunkEnd][] = [
  [30, ChunkEnd.TERMINATED],
  [34, ChunkEnd.CUT],
];

describe('Learner divergence', () => {
  it('lr 1e30 on PPO: non-finite steps are skipped and counted, the weights stay finite and unchanged', async () => {
    const m = smallModule();
    // A high limit first, to see the counting; 4 epochs x 4 minibatches = 16 steps per update.
    const config = { ...training(1e30), maxConsecutiveNonFiniteUpdates: 1000 };
    const ppo = new PPOLearner(m, config);
    const rng = new Rng(5);
    const batch = await syntheticBatch(m, CHUNKS, rng);
    const initial = await readAll(m.trainableVariables);
    const first = await ppo.update(batch, ctx(rng, 1));
    // Every step is skipped: the first because its update is ~1e30 against weights of norm ~3
    // (issue 27 item 14: more than 1000x the weights is divergence), the rest for the same reason.
    expect(first.num_non_finite_updates).toBe(16);
    expect(first.longest_non_finite_run).toBe(16);
    const weights = await readAll(m.trainableVariables);
    expect(weights).toEqual(initial);
    const optimizer = await ppo.getOptimizerState();
    expect(allFinite(optimizer.arrays)).toBe(true);
    const numTensors = tf.memory().numTensors;

    // Nothing may change at all in the next update either.
    const second = await ppo.update(batch, ctx(rng, 2));
    expect(second.num_non_finite_updates).toBe(16);
    expect(second.longest_non_finite_run).toBeGreaterThanOrEqual(16);
    expect(await readAll(m.trainableVariables)).toEqual(weights);
    const after = await ppo.getOptimizerState();
    expect(after.step).toBe(optimizer.step);
    expect(after.arrays).toEqual(optimizer.arrays);
    expect(tf.memory().numTensors).toBe(numTensors);

    // With the default limit (10 in a row) the next update throws, naming iteration, cause and fix.
    // (The learner reads its config at every update.)
    config.maxConsecutiveNonFiniteUpdates = 10;
    const error = await ppo.update(batch, ctx(rng, 3)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RLError);
    expect((error as RLError).code).toBe('learner/diverged');
    const message = (error as RLError).message;
    expect(message).toMatch(/iteration 3/);
    expect(message).toMatch(/learning rate too high \(lr = 1e\+30\)/);
    expect(message).toMatch(/grad_clip/);
    expect(message).toMatch(/rewards and observations/);
    expect(message).toMatch(/last good checkpoint was left as it was/);
    expect(await readAll(m.trainableVariables)).toEqual(weights);
    expect(tf.memory().numTensors).toBe(numTensors);
    ppo.dispose();
  });

  it('throws learner/diverged within the first update when it goes non-finite at once (default limit)', async () => {
    const m = smallModule();
    const ppo = new PPOLearner(m, training(1e30));
    const rng = new Rng(6);
    const batch = await syntheticBatch(m, CHUNKS, rng);
    await expect(ppo.update(batch, ctx(rng, 1))).rejects.toMatchObject({ code: 'learner/diverged' });
    expect(allFinite(await readAll(m.trainableVariables))).toBe(true);
    ppo.dispose();
  });
});

/** One scalar variable w; loss = w * mean(c), so a NaN in c makes loss and gradient NaN. */
class ScalarModule extends VariablesModule {
  constructor(readonly w = tf.variable(tf.scalar(1))) {
    super(['w'], [w]);
  }
}
const linearLoss = (m: ScalarModule, mb: Readonly<Record<string, tf.Tensor>>) => {
  const loss = tf.mul<tf.Scalar>(m.w, tf.mean(mb.c!));
  return { loss, stats: {} };
};

describe('Learner divergence of finite weights (issue 27 item 14)', () => {
  it('CartPole at lr 1e30 (a categorical head: everything stays finite) stops as a NaN run would', async () => {
    const m = makeModule({
      observationSpace: box(-1, 1, [4]),
      actionSpace: discrete(2),
      model: { fcnetHiddens: [8], fcnetActivation: 'tanh', vfShareLayers: false },
      seed: 3,
    });
    const ppo = new PPOLearner(m, training(1e30));
    const rng = new Rng(7);
    const batch = await syntheticBatch(m, CHUNKS, rng);
    const before = await readAll(m.trainableVariables);
    const error = await ppo.update(batch, ctx(rng, 1)).catch((e: unknown) => e);
    expect((error as RLError).code).toBe('learner/diverged');
    expect((error as RLError).message).toMatch(/more than 1000x the weights' norm/);
    // No step was applied: the weights are the ones before the update, not ~1e30.
    expect(await readAll(m.trainableVariables)).toEqual(before);
    ppo.dispose();
  });

  it('a sane learning rate never trips the bound (lr 3e-3, 3 updates: every step applied)', async () => {
    const m = smallModule();
    const ppo = new PPOLearner(m, training(3e-3));
    const rng = new Rng(8);
    const batch = await syntheticBatch(m, CHUNKS, rng);
    for (let i = 1; i <= 3; i++) expect((await ppo.update(batch, ctx(rng, i))).num_non_finite_updates).toBe(0);
    ppo.dispose();
  });
});

describe('Learner non-finite counting', () => {
  it('counts skipped steps per update and carries a run of them into the next update', async () => {
    const learner = new LossLearner(
      new ScalarModule(),
      { lr: 0.1, gradClip: null, gradClipBy: 'global_norm' },
      linearLoss,
    );
    const opts = { numEpochs: 1, minibatchSize: 1, shuffle: false, rng: new Rng(1), lifetimeEnvSteps: 0 };
    // Rows are minibatches in order: ok, NaN, NaN, ok, NaN, NaN, NaN.
    const c = Float32Array.of(1, NaN, NaN, 1, Infinity, NaN, -Infinity);
    const stats = await learner.update({ c }, c.length, opts);
    expect(stats.num_non_finite_updates).toBe(5);
    expect(stats.longest_non_finite_run).toBe(3);
    expect((await learner.getOptimizerState()).step).toBe(2);
    // The trailing run of 3 continues: 4 more make 7 in a row.
    const bad = Float32Array.of(NaN, NaN, NaN, NaN);
    const next = await learner.update({ c: bad }, bad.length, opts);
    expect(next.num_non_finite_updates).toBe(4);
    expect(next.longest_non_finite_run).toBe(7);
    expect((await learner.getOptimizerState()).step).toBe(2);
    learner.dispose();
  });
});

describe('FlatAdam non-finite steps', () => {
  it('a skipped step changes nothing: later steps equal those of an optimizer that never saw it', async () => {
    const make = () => [tf.variable(tf.tensor1d([0.5, -0.25, 2])), tf.variable(tf.tensor2d([[1, 2]]))];
    const a = make();
    const b = make();
    const optA = new FlatAdam(a, 0.01);
    const optB = new FlatAdam(b, 0.01);
    const grads = [
      [0.1, -0.2, 0.3, 1, -1],
      [NaN, 0, 0, 0, 0],
      [0.4, 0.1, -0.5, 0.2, 0.3],
      [Infinity, 0, 0, 0, 0],
      [-0.3, 0.2, 0.1, -0.4, 0.5],
    ];
    const step = (opt: FlatAdam, g: number[], check?: number): number => {
      const applied = tf.tidy(() =>
        opt.applyFlatGradient(tf.tensor1d(g), [true, true], check === undefined ? undefined : tf.scalar(check)),
      );
      const flag = applied.dataSync()[0]!;
      applied.dispose();
      return flag;
    };
    const flags = grads.map((g) => step(optA, g));
    expect(flags).toEqual([1, 0, 1, 0, 1]);
    // A finite gradient with a NaN check (the loss) is skipped too.
    expect(step(optA, [1, 1, 1, 1, 1], NaN)).toBe(0);
    for (const g of grads.filter((_, i) => flags[i] === 1)) step(optB, g);
    // The device counter knows 3 applied steps; `step` shows them once committed.
    expect(await optA.syncStep()).toBe(3);
    expect(await optB.syncStep()).toBe(3);
    expect(await readAll(a)).toEqual(await readAll(b));
    expect(await optA.readMoments()).toEqual(await optB.readMoments());
    optA.dispose();
    optB.dispose();
    tf.dispose([...a, ...b]);
  });
});

describe('training.maxConsecutiveNonFiniteUpdates', () => {
  it('defaults to 10, takes the snake_case name and refuses values below 1', () => {
    expect(PPO_DEFAULTS.training.maxConsecutiveNonFiniteUpdates).toBe(10);
    expect(resolveKeyPath('max_consecutive_non_finite_updates', PPO_SPEC)).toBe(
      'training.maxConsecutiveNonFiniteUpdates',
    );
    const cfg = ppo().fromJson({ max_consecutive_non_finite_updates: 3 }).toConfig();
    expect(cfg.training.maxConsecutiveNonFiniteUpdates).toBe(3);
    const issues = ppo().fromJson({ max_consecutive_non_finite_updates: 0 }).validate();
    expect(issues.map((i) => i.path)).toContain('training.maxConsecutiveNonFiniteUpdates');
  });
});

describe('PPO.train() on divergence', () => {
  it('rejects with learner/diverged naming the iteration; the weights it would save stay finite', async () => {
    const config = ppo()
      .environment('Pendulum-v1')
      .envRunners({ numEnvRunners: 1, numEnvsPerEnvRunner: 2, rolloutFragmentLength: 32 })
      .rlModule({ fcnetHiddens: [8], fcnetActivation: 'tanh', vfShareLayers: false })
      .training({ lr: 1e30, trainBatchSizePerLearner: 64, minibatchSize: 16, numEpochs: 4 })
      .debugging({ seed: 1 })
      .toConfig();
    const algo = await PPO.build(config, { backend: 'cpu', connect: fakeFleet().connect });
    try {
      const error = await algo.train().catch((e: unknown) => e);
      expect((error as RLError).code).toBe('learner/diverged');
      expect((error as RLError).message).toMatch(/^Training iteration 1 diverged/);
      const ckpt = await algo.save();
      expect(ckpt.counters.trainingIteration).toBe(0);
      expect(allFinite(ckpt.weights.arrays)).toBe(true);
    } finally {
      algo.stop();
    }
  });
});
