import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng';
import { Categorical, DiagGaussian } from '../../src/rl-module';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const LOG_2PI = Math.log(2 * Math.PI);

async function read(t: tf.Tensor): Promise<Float32Array> {
  const v = (await t.data()) as Float32Array;
  t.dispose();
  return v;
}

describe('Categorical', () => {
  const dist = new Categorical(3);
  // Row 0: probs [1/4, 1/4, 1/2]; row 1: uniform; row 2: large logits (stability).
  const logits = new Float32Array([0, 0, Math.LN2, 1, 1, 1, 100, 99, 98]);

  it('logp, entropy and KL match hand-computed values', async () => {
    const inputs = tf.tensor2d(logits, [3, 3]);
    const logp = await read(dist.logp(inputs, tf.tensor1d([2, 0, 1], 'int32')));
    expect(logp[0]).toBeCloseTo(Math.log(0.5), 6);
    expect(logp[1]).toBeCloseTo(Math.log(1 / 3), 6);
    const z = 1 + Math.exp(-1) + Math.exp(-2);
    expect(logp[2]).toBeCloseTo(-1 - Math.log(z), 5);

    const entropy = await read(dist.entropy(inputs));
    expect(entropy[0]).toBeCloseTo(-(2 * 0.25 * Math.log(0.25) + 0.5 * Math.log(0.5)), 6); // 1.5 ln 2
    expect(entropy[1]).toBeCloseTo(Math.log(3), 6);

    // KL(p || q) with p = [1/4, 1/4, 1/2] and q uniform = sum p ln(p / q).
    const kl = await read(dist.kl(inputs, tf.tensor2d(new Float32Array(9), [3, 3])));
    expect(kl[0]).toBeCloseTo(0.5 * Math.log(0.75) + 0.5 * Math.log(1.5), 6);
    expect(kl[1]).toBeCloseTo(0, 6);
    const self = await read(dist.kl(inputs, inputs));
    for (const v of self) expect(v).toBeCloseTo(0, 6);
    tf.dispose(inputs);
  });

  it('JS logp (sample and logpRow) equals the tensor logp', async () => {
    const rng = new Rng(7);
    const rows = 50;
    const inputs = Float32Array.from({ length: rows * 3 }, () => rng.uniform(-3, 3));
    const actions = new Int32Array(rows);
    const sampled = Float64Array.from({ length: rows }, (_, i) => dist.sample(inputs, i, rng, actions));
    const tensorLogp = await read(dist.logp(tf.tensor2d(inputs, [rows, 3]), tf.tensor1d(actions, 'int32')));
    for (let i = 0; i < rows; i++) {
      expect(sampled[i]).toBeCloseTo(tensorLogp[i]!, 5);
      expect(dist.logpRow(inputs, i, actions)).toBeCloseTo(tensorLogp[i]!, 5);
    }
  });

  it('samples with the softmax frequencies; greedy is argmax', () => {
    const rng = new Rng(1);
    const counts = [0, 0, 0];
    const actions = new Int32Array(1);
    const n = 20000;
    for (let k = 0; k < n; k++) {
      dist.sample(logits, 0, rng, actions);
      counts[actions[0]!]!++;
    }
    expect(counts[0]! / n).toBeCloseTo(0.25, 1);
    expect(counts[2]! / n).toBeGreaterThan(0.48);
    expect(counts[2]! / n).toBeLessThan(0.52);
    dist.greedy(logits, 0, actions);
    expect(actions[0]).toBe(2);
    const perRow = new Int32Array(3);
    for (let i = 0; i < 3; i++) dist.greedy(logits, i, perRow);
    expect([...perRow]).toEqual([2, 0, 0]);
  });
});

describe('DiagGaussian', () => {
  const dist = new DiagGaussian(2);
  // Row: means [1, -1], log-stds [ln 2, 0].
  const row = [1, -1, Math.LN2, 0];

  it('logp and entropy match the closed form', async () => {
    const inputs = tf.tensor2d([row, row], [2, 4]);
    const logp = await read(dist.logp(inputs, tf.tensor2d([2, -1, -3, 0.5], [2, 2])));
    // dim 0: z = (2 - 1) / 2; dim 1: z = 0.
    const expected0 = -0.5 * 0.25 - Math.LN2 - 0.5 * LOG_2PI + (0 - 0 - 0.5 * LOG_2PI);
    const expected1 = -0.5 * 4 - Math.LN2 - 0.5 * LOG_2PI + (-0.5 * 2.25 - 0.5 * LOG_2PI);
    expect(logp[0]).toBeCloseTo(expected0, 5);
    expect(logp[1]).toBeCloseTo(expected1, 5);
    const entropy = await read(dist.entropy(inputs));
    expect(entropy[0]).toBeCloseTo(Math.LN2 + LOG_2PI + 1, 5); // sum_j log s_j + 0.5 log(2 pi e)
    tf.dispose(inputs);
  });

  it('KL matches the closed form', async () => {
    // old: N(1, 2^2) x N(-1, 1); new: N(0, 1) x N(-1, e^2).
    const oldInputs = tf.tensor2d([row]);
    const newInputs = tf.tensor2d([[0, -1, 0, 1]]);
    const kl = await read(dist.kl(oldInputs, newInputs));
    const dim0 = Math.log(1 / 2) + (4 + 1) / 2 - 0.5;
    const dim1 = 1 + 1 / (2 * Math.exp(2)) - 0.5;
    expect(kl[0]).toBeCloseTo(dim0 + dim1, 5);
    tf.dispose([oldInputs, newInputs]);
  });

  it('JS logp (sample and logpRow) equals the tensor logp; samples have the right moments', async () => {
    const rng = new Rng(3);
    const rows = 4000;
    const inputs = new Float32Array(rows * 4);
    for (let i = 0; i < rows; i++) inputs.set(row, i * 4);
    const actions = new Float32Array(rows * 2);
    const sampled = Float64Array.from({ length: rows }, (_, i) => dist.sample(inputs, i, rng, actions));
    const tensorLogp = await read(dist.logp(tf.tensor2d(inputs, [rows, 4]), tf.tensor1d(actions)));
    for (let i = 0; i < rows; i += 37) {
      expect(sampled[i]).toBeCloseTo(tensorLogp[i]!, 4);
      expect(dist.logpRow(inputs, i, actions)).toBeCloseTo(tensorLogp[i]!, 4);
    }
    let mean0 = 0;
    let var0 = 0;
    for (let i = 0; i < rows; i++) mean0 += actions[2 * i]! / rows;
    for (let i = 0; i < rows; i++) var0 += (actions[2 * i]! - mean0) ** 2 / rows;
    expect(mean0).toBeCloseTo(1, 1);
    expect(Math.sqrt(var0)).toBeCloseTo(2, 1);
    const greedy = new Float32Array(2);
    dist.greedy(inputs, 0, greedy);
    expect([...greedy]).toEqual([1, -1]);
  });
});
