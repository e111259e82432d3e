import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RLError } from '../../src/core/errors';
import { Rng } from '../../src/core/rng';
import { clipFlatGradient, clipGradients } from '../../src/learner';
import { FlatAdam } from '../../src/learner/flat-adam';
import { LossLearner, VariablesModule } from './helpers/loss-learner';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SHAPES: number[][] = [[2, 3], [3], []];

function makeVariables(seed: number): tf.Variable[] {
  const rng = new Rng(seed);
  return SHAPES.map((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    return tf.variable(
      tf.tensor(
        Float32Array.from({ length: size }, () => rng.uniform(-1, 1)),
        shape,
      ),
    );
  });
}

/** Per step, one gradient per variable (null = the loss does not reach it), reproducible from `seed`. */
function gradientValues(steps: number, seed: number, missing: (step: number, i: number) => boolean = () => false) {
  const rng = new Rng(seed);
  return Array.from({ length: steps }, (_, s) =>
    SHAPES.map((shape, i) => {
      const size = shape.reduce((a, b) => a * b, 1);
      // Scales from 1e-3 to 10 so eps and the bias corrections both matter.
      const values = Float32Array.from({ length: size }, () => rng.normal() * 10 ** rng.uniform(-3, 1));
      return missing(s, i) ? null : { values, shape };
    }),
  );
}
type Grads = ReturnType<typeof gradientValues>[number];

/** One step, committed at once (the Learner commits once per update, from its stats readback). */
function flatStep(opt: FlatAdam, grads: Grads): void {
  const applied = tf.tidy(() => {
    const tensors = grads.map((g) => (g ? tf.tensor(g.values, g.shape) : null));
    return opt.applyFlatGradient(
      opt.flatten(tensors),
      tensors.map((t) => t !== null),
    );
  });
  opt.commitSteps(applied.dataSync()[0]!);
  applied.dispose();
}

function tfjsStep(opt: tf.AdamOptimizer, vars: tf.Variable[], grads: Grads): void {
  tf.tidy(() => {
    const named = vars.map((v, i) => {
      const g = grads[i];
      return { name: v.name, tensor: g ? tf.tensor(g.values, g.shape) : null };
    });
    opt.applyGradients(named as { name: string; tensor: tf.Tensor }[]);
  });
}

const read = (vars: tf.Variable[]): Promise<Float32Array[]> =>
  Promise.all(vars.map(async (v) => (await v.data()) as Float32Array));

function expectClose(a: Float32Array[], b: Float32Array[], tol: number): void {
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => x.forEach((value, j) => expect(Math.abs(value - b[i]![j]!)).toBeLessThan(tol)));
}

/** torch.optim.Adam in float64, the ground truth for both float32 implementations. */
function float64Adam(params: Float64Array[], steps: Grads[], lr: number, b1 = 0.9, b2 = 0.999, eps = 1e-8) {
  const m = params.map((p) => new Float64Array(p.length));
  const v = params.map((p) => new Float64Array(p.length));
  steps.forEach((grads, s) => {
    const t = s + 1;
    grads.forEach((g, i) => {
      if (!g) return;
      g.values.forEach((gj, j) => {
        m[i]![j] = b1 * m[i]![j]! + (1 - b1) * gj;
        v[i]![j] = b2 * v[i]![j]! + (1 - b2) * gj * gj;
        params[i]![j]! -= (lr * (m[i]![j] / (1 - b1 ** t))) / (Math.sqrt(v[i]![j] / (1 - b2 ** t)) + eps);
      });
    });
  });
  return params;
}

const maxAbsDiff = (a: ArrayLike<number>[], b: ArrayLike<number>[]): number =>
  Math.max(...a.flatMap((x, i) => Array.from(x, (value, j) => Math.abs(value - b[i]![j]!))));

describe('FlatAdam', () => {
  const lr = 0.01;

  it('matches tf.train.adam over 5 steps on two variables and a scalar', async () => {
    const a = makeVariables(1);
    const b = makeVariables(1);
    const initial = await read(makeVariables(1));
    const flat = new FlatAdam(a, lr, 0.9, 0.999, 1e-8);
    const ref = tf.train.adam(lr, 0.9, 0.999, 1e-8);
    const steps = gradientValues(5, 3);
    for (const grads of steps) {
      flatStep(flat, grads);
      tfjsStep(ref, b, grads);
    }
    expect(flat.step).toBe(5);
    const [pa, pb] = [await read(a), await read(b)];
    expectClose(pa, pb, 1e-6);
    // Both moved by ~lr per step; FlatAdam is at least as close to float64 Adam as tf.train.adam,
    // whose float32 beta2 power (1 - 0.999f is off by 1.3e-5) shifts every step a little.
    expect(maxAbsDiff(pa, initial)).toBeGreaterThan(2 * lr);
    const exact = float64Adam(
      initial.map((p) => Float64Array.from(p)),
      steps,
      lr,
    );
    expect(maxAbsDiff(pa, exact)).toBeLessThanOrEqual(maxAbsDiff(pb, exact));
    expect(maxAbsDiff(pa, exact)).toBeLessThan(2e-7);
    flat.dispose();
    ref.dispose();
    tf.dispose([...a, ...b]);
  });

  it('leaves a variable without a gradient and its moments untouched, as tf.train.adam', async () => {
    const missing = (step: number, i: number) => (i === 0 && step >= 1 && step <= 3) || (i === 2 && step === 0);
    const a = makeVariables(4);
    const b = makeVariables(4);
    const flat = new FlatAdam(a, lr);
    const ref = tf.train.adam(lr, 0.9, 0.999, 1e-8);
    const steps = gradientValues(6, 5, missing);
    flatStep(flat, steps[0]!);
    tfjsStep(ref, b, steps[0]!);
    const afterFirst = await flat.readMoments();
    // Variable 2 had no gradient in step 0: still zero moments.
    expect([...afterFirst!.m[2]!, ...afterFirst!.v[2]!]).toEqual([0, 0]);
    flatStep(flat, steps[1]!);
    tfjsStep(ref, b, steps[1]!);
    const before = await read([a[0]!]);
    const afterSecond = await flat.readMoments();
    expect(afterSecond!.m[0]).toEqual(afterFirst!.m[0]);
    expect(afterSecond!.v[0]).toEqual(afterFirst!.v[0]);
    for (const grads of steps.slice(2)) {
      flatStep(flat, grads);
      tfjsStep(ref, b, grads);
      if (grads[0] === null) expect(await read([a[0]!])).toEqual(before);
    }
    expectClose(await read(a), await read(b), 1e-6);
    flat.dispose();
    ref.dispose();
    tf.dispose([...a, ...b]);
  });

  it('restore(readMoments()) continues bit-identically and keeps tf.memory flat', async () => {
    const steps = gradientValues(7, 6);
    const a = makeVariables(7);
    const optA = new FlatAdam(a, lr);
    for (const grads of steps.slice(0, 4)) flatStep(optA, grads);
    const moments = await optA.readMoments();

    const b = makeVariables(8);
    const optB = new FlatAdam(b, lr);
    flatStep(optB, steps[6]!); // its own, different moments
    const numTensors = tf.memory().numTensors;
    const weightsA = await read(a);
    tf.tidy(() => weightsA.forEach((values, i) => b[i]!.assign(tf.tensor(values, SHAPES[i]))));
    optB.restore(optA.step, moments);
    expect(tf.memory().numTensors).toBe(numTensors);

    for (const grads of steps.slice(4, 6)) {
      flatStep(optA, grads);
      flatStep(optB, grads);
    }
    expect(await read(b)).toEqual(await read(a));
    expect(await optB.readMoments()).toEqual(await optA.readMoments());
    expect(optB.step).toBe(6);
    optA.dispose();
    optB.dispose();
    tf.dispose([...a, ...b]);
  });

  it('resumes from the moments and step of a tf.train.adam checkpoint', async () => {
    const steps = gradientValues(6, 9);
    const a = makeVariables(10);
    const b = makeVariables(10);
    const ref = tf.train.adam(lr, 0.9, 0.999, 1e-8);
    for (const grads of steps.slice(0, 4)) tfjsStep(ref, a, grads);
    const weightsA = await read(a);
    tf.tidy(() => weightsA.forEach((values, i) => b[i]!.assign(tf.tensor(values, SHAPES[i]))));
    const [iterations, ...weights] = await ref.getWeights();
    const arrays = await Promise.all(weights.map(async (w) => (await w.tensor.data()) as Float32Array));
    iterations!.tensor.dispose();
    const flat = new FlatAdam(b, lr);
    flat.restore(4, { m: arrays.slice(0, 3), v: arrays.slice(3) });
    for (const grads of steps.slice(4)) {
      tfjsStep(ref, a, grads);
      flatStep(flat, grads);
    }
    expectClose(await read(b), await read(a), 1e-6);
    flat.dispose();
    ref.dispose();
    tf.dispose([...a, ...b]);
  });
});

describe('clipFlatGradient', () => {
  // g1 = [3, 4], g2 = [[0, 12]]; global norm 13 (as clipGradients' tests).
  const run = async (clip: number | null, by: 'value' | 'global_norm') => {
    const [flat, norm, reference] = tf.tidy(() => {
      const grads: tf.Tensor[] = [tf.tensor1d([3, 4]), tf.tensor2d([[0, 12]])];
      const out = clipFlatGradient(tf.concat1d(grads.map((g) => tf.reshape(g, [-1]))), clip, by);
      const ref = clipGradients(grads, clip, by);
      return [out.grad, out.globalNorm, tf.concat(ref.grads.map((g) => tf.reshape(g, [-1])))];
    });
    const values = await Promise.all([flat, norm, reference].map(async (t) => [...(await t.data())]));
    tf.dispose([flat, norm, reference]);
    return values;
  };

  it('equals clipGradients for value and global_norm, and reports the pre-clip norm', async () => {
    for (const [clip, by] of [
      [6.5, 'value'],
      [6.5, 'global_norm'],
      [20, 'global_norm'],
      [null, 'global_norm'],
    ] as const) {
      const [flat, norm, reference] = await run(clip, by);
      expect(norm).toEqual([13]);
      flat!.forEach((x, i) => expect(x).toBeCloseTo(reference![i]!, 5));
    }
    expect((await run(6.5, 'global_norm'))[0]![3]).toBeCloseTo(6, 5);
  });

  it("refuses 'norm' (per tensor), which needs the tensors", () => {
    expect(() => tf.tidy(() => clipFlatGradient(tf.tensor1d([1, 2]), 1, 'norm'))).toThrow(RangeError);
  });
});

describe('Learner optimizer state (FlatAdam)', () => {
  class TwoVarModule extends VariablesModule {
    constructor(
      readonly w = tf.variable(tf.tensor2d([[0.5, -0.25]])),
      readonly b = tf.variable(tf.scalar(0.1)),
    ) {
      super(['w', 'b'], [w, b]);
    }
  }
  const loss = (m: TwoVarModule, mb: Readonly<Record<string, tf.Tensor>>) => {
    const pred = tf.add(tf.sum(tf.mul(mb.x!, m.w), 1), m.b);
    const l = tf.mean<tf.Scalar>(tf.square(tf.sub(pred, mb.y!)));
    return { loss: l, stats: { loss: tf.clone(l) } };
  };
  const columns = { x: Float32Array.from([1, 2, -1, 0.5, 3, -2, 0, 1]), y: Float32Array.from([1, -1, 2, 0.5]) };
  const opts = (rng: Rng) => ({ numEpochs: 3, minibatchSize: 2, shuffle: true, rng, lifetimeEnvSteps: 0 });
  const config = { lr: 0.01, gradClip: 0.5, gradClipBy: 'global_norm' } as const;

  it('writes the checkpoint layout: per-variable m and v, beta powers beta^(step + 1), step', async () => {
    const learner = new LossLearner(new TwoVarModule(), config, loss);
    const empty = await learner.getOptimizerState();
    expect(empty.names).toEqual(['beta1_power', 'beta2_power']);
    expect(empty.step).toBe(0);
    await learner.update(columns, 4, opts(new Rng(1)));
    const state = await learner.getOptimizerState();
    expect(state.names).toEqual(['m/w', 'm/b', 'v/w', 'v/b', 'beta1_power', 'beta2_power']);
    expect(state.shapes).toEqual([[1, 2], [], [1, 2], [], [], []]);
    expect(state.arrays.map((a) => a.length)).toEqual([2, 1, 2, 1, 1, 1]);
    expect(state.step).toBe(6);
    expect(state.arrays[4]![0]).toBeCloseTo(0.9 ** 7, 7);
    expect(state.arrays[5]![0]).toBeCloseTo(0.999 ** 7, 7);
    learner.dispose();
  });

  it('round-trips through get/setOptimizerState to bit-identical later updates, also from "no moments yet"', async () => {
    const a = new LossLearner(new TwoVarModule(), config, loss);
    const b = new LossLearner(new TwoVarModule(), config, loss);
    await b.update(columns, 4, opts(new Rng(5))); // b has moments; restoring "none" must drop them
    await b.setOptimizerState(await a.getOptimizerState());
    expect(await b.getOptimizerState()).toEqual(await a.getOptimizerState());
    b.module.w.assign(a.module.w);
    b.module.b.assign(a.module.b);

    const rngA = new Rng(2);
    await a.update(columns, 4, opts(rngA));
    const rngB = new Rng(0);
    await b.setOptimizerState(await a.getOptimizerState());
    b.module.w.assign(a.module.w);
    b.module.b.assign(a.module.b);
    rngB.setState(rngA.getState());
    for (let k = 0; k < 3; k++) {
      expect(await b.update(columns, 4, opts(rngB))).toEqual(await a.update(columns, 4, opts(rngA)));
    }
    expect(await b.module.w.data()).toEqual(await a.module.w.data());
    expect(await b.module.b.data()).toEqual(await a.module.b.data());
    expect(await b.getOptimizerState()).toEqual(await a.getOptimizerState());
    a.dispose();
    b.dispose();
  });

  it('rejects state with a wrong size or step, leaving the optimizer as it was', async () => {
    const learner = new LossLearner(new TwoVarModule(), config, loss);
    await learner.update(columns, 4, opts(new Rng(1)));
    const state = await learner.getOptimizerState();
    const badSize = { ...state, arrays: state.arrays.map((a, i) => (i === 1 ? new Float32Array(2) : a)) };
    await expect(learner.setOptimizerState(badSize)).rejects.toThrow(RLError);
    await expect(learner.setOptimizerState({ ...state, step: -1 })).rejects.toMatchObject({
      code: 'learner/optimizer-state-mismatch',
    });
    expect(await learner.getOptimizerState()).toEqual(state);
    learner.dispose();
  });
});
