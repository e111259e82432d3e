import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RLError } from '../../src/core/errors';
import { Rng } from '../../src/core/rng';
import { box, discrete } from '../../src/core/spaces';
import type { GradClipBy, LearnerConfig } from '../../src/learner';
import { clipGradients, lrAt, sumScalars, validateLrSchedule } from '../../src/learner';
import type { MLPModule } from '../../src/rl-module';
import { makeModule } from '../../src/rl-module';
import { LossLearner, VariablesModule } from './helpers/loss-learner';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const OBS_DIM = 3;

function smallModule(seed = 1): MLPModule {
  return makeModule({
    observationSpace: box(-1, 1, [OBS_DIM]),
    actionSpace: discrete(2),
    model: { fcnetHiddens: [16, 16], fcnetActivation: 'tanh', vfShareLayers: false },
    seed,
  });
}

/** Regression of V(s) onto sum(obs): only the value tower gets gradients (policy tower: none). */
function regressionLoss(m: MLPModule, mb: Readonly<Record<string, tf.Tensor>>) {
  const err = tf.sub(m.valueFunction(mb.obs as tf.Tensor2D), mb.target!);
  const loss = tf.mean<tf.Scalar>(tf.square(err));
  return { loss, stats: { mse: tf.clone(loss), max_abs_err: tf.max<tf.Scalar>(tf.abs(err)) } };
}

function regressionData(rows: number, seed = 2): { obs: Float32Array; target: Float32Array } {
  const rng = new Rng(seed);
  const obs = Float32Array.from({ length: rows * OBS_DIM }, () => rng.uniform(-1, 1));
  const target = Float32Array.from({ length: rows }, (_, i) => obs[3 * i]! + obs[3 * i + 1]! - obs[3 * i + 2]!);
  return { obs, target };
}

const config: LearnerConfig = { lr: 1e-2, gradClip: null, gradClipBy: 'global_norm' };
const opts = (rng: Rng, lifetimeEnvSteps = 0) => ({
  numEpochs: 2,
  minibatchSize: 16,
  shuffle: true,
  rng,
  lifetimeEnvSteps,
});

/** One scalar variable w; loss = mean(c) * w, so dLoss/dw = mean(c) of the minibatch. */
class ScalarModule extends VariablesModule {
  constructor(readonly w = tf.variable(tf.scalar(0))) {
    super(['w'], [w]);
  }
}
const linearLoss = (m: ScalarModule, mb: Readonly<Record<string, tf.Tensor>>) => {
  const loss = tf.mul<tf.Scalar>(tf.mean(mb.c!), m.w);
  return { loss, stats: { loss: tf.clone(loss) } };
};
const once = (rng: Rng, lifetimeEnvSteps = 0) => ({
  numEpochs: 1,
  minibatchSize: 4,
  shuffle: false,
  rng,
  lifetimeEnvSteps,
});

describe('Learner.update', () => {
  it('decreases a tiny regression loss and keeps tf.memory flat over 20 updates', async () => {
    const m = smallModule();
    const learner = new LossLearner(m, config, regressionLoss);
    const { obs, target } = regressionData(64);
    const rng = new Rng(0);
    const first = await learner.update({ obs, target }, 64, opts(rng));
    const numTensors = tf.memory().numTensors;
    let last = first;
    for (let k = 0; k < 20; k++) last = await learner.update({ obs, target }, 64, opts(rng));
    expect(tf.memory().numTensors).toBe(numTensors);
    expect(last.mse).toBeLessThan(first.mse! * 0.25);
    expect(Number.isFinite(last.gradient_global_norm)).toBe(true);
    expect(last.curr_lr).toBe(1e-2);
    // 2 epochs x ceil(64 / 16) minibatches x 16 rows.
    expect(last.num_module_steps_trained).toBe(128);
    expect(m.weightsVersion).toBe(21);
    learner.dispose();
  });

  it('uses equal-size minibatches, wrapping around for the last one', async () => {
    const m = new ScalarModule();
    const learner = new LossLearner(m, config, linearLoss);
    const stats = await learner.update({ c: new Float32Array(10).fill(1) }, 10, once(new Rng(0)));
    expect(stats.num_module_steps_trained).toBe(12); // ceil(10 / 4) = 3 minibatches of 4
    learner.dispose();
  });

  it('applies the lr schedule at lifetimeEnvSteps: the first Adam step moves w by lr', async () => {
    const m = new ScalarModule();
    const learner = new LossLearner(
      m,
      {
        ...config,
        lr: [
          [0, 1e-2],
          [1000, 1e-3],
        ],
      },
      linearLoss,
    );
    const stats = await learner.update({ c: new Float32Array(4).fill(3) }, 4, once(new Rng(0), 500));
    expect(stats.curr_lr).toBeCloseTo(5.5e-3, 10);
    // Adam's first step is lr * g / (|g| + eps) = lr.
    expect((await m.w.data())[0]).toBeCloseTo(-5.5e-3, 7);
    learner.dispose();
  });

  // Two updates with gradients 10 then 1. Adam is invariant to a constant gradient scale, but not to
  // clipping the first one: clipped to 1, both steps are exactly lr; unclipped, the second step is
  // lr * m2hat / sqrt(v2hat) with m2 = .9*.1*10 + .1*1, v2 = .999*.001*100 + .001*1.
  const lr = 0.01;
  const m2hat = (0.9 * 0.1 * 10 + 0.1) / (1 - 0.9 ** 2);
  const v2hat = (0.999 * 0.001 * 100 + 0.001) / (1 - 0.999 ** 2);
  const unclipped = -lr - (lr * m2hat) / Math.sqrt(v2hat);
  const cases: [GradClipBy | 'none', number | null, number][] = [
    ['none', null, unclipped],
    ['value', 1, -2 * lr],
    ['norm', 1, -2 * lr],
    ['global_norm', 1, -2 * lr],
    ['global_norm', 20, unclipped],
  ];
  for (const [by, gradClip, expected] of cases) {
    it(`applies gradient clipping through Adam: ${by}, gradClip ${gradClip}`, async () => {
      const m = new ScalarModule();
      const learner = new LossLearner(
        m,
        { lr, gradClip, gradClipBy: by === 'none' ? 'value' : by, adamEpsilon: 1e-8 },
        linearLoss,
      );
      const s1 = await learner.update({ c: new Float32Array(4).fill(10) }, 4, once(new Rng(0)));
      await learner.update({ c: new Float32Array(4).fill(1) }, 4, once(new Rng(0)));
      expect(s1.gradient_global_norm).toBeCloseTo(10, 5); // reported before clipping
      expect((await m.w.data())[0]).toBeCloseTo(expected, 6);
      learner.dispose();
    });
  }

  it('optimizer state round-trip gives an identical next update', async () => {
    const { obs, target } = regressionData(48, 5);
    const a = new LossLearner(smallModule(1), config, regressionLoss);
    const rngA = new Rng(9);
    for (let k = 0; k < 3; k++) await a.update({ obs, target }, 48, opts(rngA));
    const weights = await a.module.getWeights();
    const state = await a.getOptimizerState();
    expect(state.step).toBe(3 * 2 * 3);
    expect(state.names[0]).toBe('m/pi/fc_0/kernel');
    expect(state.names.at(-1)).toBe('beta2_power');

    const b = new LossLearner(smallModule(2), config, regressionLoss);
    await b.update({ obs, target }, 48, opts(new Rng(1))); // give b its own, different Adam moments
    const numTensors = tf.memory().numTensors;
    b.module.setWeights(weights);
    await b.setOptimizerState(state);
    expect(tf.memory().numTensors).toBe(numTensors);
    const rngB = new Rng(0);
    rngB.setState(rngA.getState());

    const statsA = await a.update({ obs, target }, 48, opts(rngA));
    const statsB = await b.update({ obs, target }, 48, opts(rngB));
    expect(statsB).toEqual(statsA);
    const [wa, wb] = await Promise.all([a.module.getWeights(), b.module.getWeights()]);
    expect(wb.arrays).toEqual(wa.arrays);
    const [sa, sb] = await Promise.all([a.getOptimizerState(), b.getOptimizerState()]);
    expect(sb).toEqual(sa);
    a.dispose();
    b.dispose();
  });

  it('rejects optimizer state of another architecture', async () => {
    const { obs, target } = regressionData(16);
    const a = new LossLearner(smallModule(), config, regressionLoss);
    await a.update({ obs, target }, 16, opts(new Rng(0)));
    const state = await a.getOptimizerState();
    const other = new LossLearner(new ScalarModule(), config, linearLoss);
    await expect(other.setOptimizerState(state)).rejects.toThrow(RLError);
    a.dispose();
    other.dispose();
  });
});

describe('clipGradients', () => {
  // g1 = [3, 4] (norm 5), g2 = [[0, 12]] (norm 12); global norm 13.
  const run = async (clip: number | null, by: GradClipBy) => {
    const result = tf.tidy(() => {
      const { grads, globalNorm } = clipGradients([tf.tensor1d([3, 4]), tf.tensor2d([[0, 12]])], clip, by);
      return [...grads, globalNorm];
    });
    const values = await Promise.all(result.map(async (t) => [...(await t.data())]));
    tf.dispose(result);
    return values;
  };

  it('by value clips each element', async () => {
    expect(await run(6.5, 'value')).toEqual([[3, 4], [0, 6.5], [13]]);
  });

  it('by norm scales only tensors whose own norm exceeds the clip', async () => {
    const [g1, g2, norm] = await run(6.5, 'norm');
    expect(g1).toEqual([3, 4]);
    expect(g2![0]).toBe(0);
    expect(g2![1]).toBeCloseTo(6.5, 5);
    expect(norm).toEqual([13]);
  });

  it('by global norm scales all tensors by clip / global norm, and not at all below the clip', async () => {
    const [g1, g2] = await run(6.5, 'global_norm');
    expect(g1![0]).toBeCloseTo(1.5, 5);
    expect(g1![1]).toBeCloseTo(2, 5);
    expect(g2![1]).toBeCloseTo(6, 5);
    expect(await run(20, 'global_norm')).toEqual([[3, 4], [0, 12], [13]]);
    expect(await run(null, 'global_norm')).toEqual([[3, 4], [0, 12], [13]]);
  });

  it('sums many scalars with 2-input adds', async () => {
    const t = tf.tidy(() => sumScalars(Array.from({ length: 11 }, (_, i) => tf.scalar(i + 1))));
    expect((await t.data())[0]).toBe(66);
    t.dispose();
  });
});

describe('lr schedule', () => {
  const schedule: [number, number][] = [
    [100, 1],
    [200, 3],
    [400, 0],
  ];
  it('interpolates linearly and holds the end values outside the points', () => {
    expect(lrAt(3e-4, 12345)).toBe(3e-4);
    expect(lrAt(schedule, 0)).toBe(1); // before the first point
    expect(lrAt(schedule, 100)).toBe(1);
    expect(lrAt(schedule, 150)).toBeCloseTo(2, 12);
    expect(lrAt(schedule, 200)).toBe(3);
    expect(lrAt(schedule, 300)).toBeCloseTo(1.5, 12);
    expect(lrAt(schedule, 400)).toBe(0);
    expect(lrAt(schedule, 1e9)).toBe(0); // after the last point
  });

  it('rejects malformed schedules with a coded error', () => {
    expect(() => validateLrSchedule([])).toThrow(RLError);
    expect(() =>
      validateLrSchedule([
        [0, 1],
        [0, 2],
      ]),
    ).toThrow('steps must increase');
    expect(() => validateLrSchedule(-1)).toThrow('lr must be a finite number');
    const m = new ScalarModule();
    expect(() => new LossLearner(m, { ...config, lr: [[5, Number.NaN]] }, linearLoss)).toThrow(RLError);
    m.dispose();
  });
});
