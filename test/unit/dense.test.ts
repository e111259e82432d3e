/**
 * The dense layer's hand-written backward pass against TF.js's own autodiff of the same math, on
 * the cpu backend (plain ops) and on wasm (explicit transposes, tanh through sigmoid, bias
 * gradient as a matMul), where the learner runs in the browser.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import type { Activation } from '../../src/rl-module/dense';
import { dense, denseFrozen } from '../../src/rl-module/dense';

afterAll(async () => {
  await tf.setBackend('cpu');
});

const ACTIVATIONS: Activation[] = ['tanh', 'relu', 'linear'];

/** Reference: the same layers written with plain ops, differentiated by TF.js. */
function referenceLayer(x: tf.Tensor2D, kernel: tf.Variable, bias: tf.Variable, activation: Activation): tf.Tensor2D {
  const z = tf.add<tf.Tensor2D>(tf.matMul(x, kernel), bias);
  if (activation === 'tanh') return tf.tanh(z);
  if (activation === 'relu') return tf.relu(z);
  return z;
}

function variableOf(init: tf.Tensor): tf.Variable {
  const v = tf.variable(init);
  init.dispose();
  return v;
}

type Layer = (x: tf.Tensor2D, kernel: tf.Variable, bias: tf.Variable, first: boolean) => tf.Tensor2D;

/** Two stacked layers (the first on a constant input, the second on the first's output) and a loss. */
async function gradsOf(layer: Layer, seed: number): Promise<{ loss: number; grads: Float32Array[] }> {
  const x = tf.randomNormal<tf.Rank.R2>([7, 3], 0, 1, 'float32', seed);
  const k1 = variableOf(tf.randomNormal([3, 5], 0, 1, 'float32', seed + 1));
  const b1 = variableOf(tf.randomNormal([5], 0, 0.5, 'float32', seed + 2));
  const k2 = variableOf(tf.randomNormal([5, 2], 0, 1, 'float32', seed + 3));
  const b2 = variableOf(tf.randomNormal([2], 0, 0.5, 'float32', seed + 4));
  const target = tf.randomNormal<tf.Rank.R2>([7, 2], 0, 1, 'float32', seed + 5);
  const { value, grads } = tf.variableGrads(() => {
    const y = layer(layer(x, k1, b1, true), k2, b2, false);
    return tf.sum(tf.mul(tf.square(tf.sub(y, target)), tf.range(1, 15).reshape([7, 2])));
  });
  const arrays = await Promise.all([k1, b1, k2, b2].map(async (v) => (await grads[v.name]!.data()) as Float32Array));
  const loss = (await value.data())[0]!;
  tf.dispose([x, k1, b1, k2, b2, target, value, ...Object.values(grads)]);
  return { loss, grads: arrays };
}

/** float32 agreement, relative to the magnitude (the loss is a sum of dozens of squares). */
function expectClose(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(expected)));
}

describe.each(['cpu', 'wasm'])('dense on %s', (backend) => {
  it.each(ACTIVATIONS)('%s: value and gradients match TF.js autodiff, no tensors leak', async (activation) => {
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    const custom = await gradsOf((x, kernel, bias, first) => dense(x, { kernel, bias }, activation, !first), 11);
    const reference = await gradsOf((x, kernel, bias) => referenceLayer(x, kernel, bias, activation), 11);
    expectClose(custom.loss, reference.loss);
    custom.grads.forEach((g, i) => {
      const want = reference.grads[i]!;
      expect(g.length).toBe(want.length);
      g.forEach((v, j) => expectClose(v, want[j]!));
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each(ACTIVATIONS)(
    '%s: denseFrozen (SAC: the critic seen by the actor loss) gives the input gradient of autodiff and none to its params',
    async (activation) => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const x = variableOf(tf.randomNormal<tf.Rank.R2>([6, 4], 0, 1, 'float32', 21));
      const kernel = variableOf(tf.randomNormal([4, 3], 0, 1, 'float32', 22));
      const bias = variableOf(tf.randomNormal([3], 0, 0.5, 'float32', 23));
      const weights = tf.tidy(() => tf.range(1, 19).reshape([6, 3]));
      const lossOf = (layer: () => tf.Tensor2D): tf.Scalar => tf.sum(tf.mul(tf.square(layer()), weights));
      const frozen = tf.variableGrads(() => lossOf(() => denseFrozen(x as tf.Tensor2D, { kernel, bias }, activation)));
      const reference = tf.variableGrads(
        () => lossOf(() => referenceLayer(x as tf.Tensor2D, kernel, bias, activation)),
        [x],
      );
      expectClose((await frozen.value.data())[0]!, (await reference.value.data())[0]!);
      expect(Object.keys(frozen.grads)).toEqual([x.name]);
      const got = (await frozen.grads[x.name]!.data()) as Float32Array;
      const want = (await reference.grads[x.name]!.data()) as Float32Array;
      got.forEach((v, j) => expectClose(v, want[j]!));
      tf.dispose([frozen.value, reference.value, ...Object.values(frozen.grads), ...Object.values(reference.grads)]);
      tf.dispose([x, kernel, bias, weights]);
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('passes a gradient to the input only when asked', async () => {
    await tf.setBackend(backend);
    const x = variableOf(tf.randomNormal<tf.Rank.R2>([4, 3], 0, 1, 'float32', 5));
    const kernel = variableOf(tf.randomNormal([3, 2], 0, 1, 'float32', 6));
    const bias = variableOf(tf.zeros([2]));
    for (const inputNeedsGrad of [true, false]) {
      const { grads } = tf.variableGrads(() =>
        tf.sum(dense(x as tf.Tensor2D, { kernel, bias }, 'tanh', inputNeedsGrad)),
      );
      expect(x.name in grads).toBe(inputNeedsGrad);
      expect(kernel.name in grads && bias.name in grads).toBe(true);
      tf.dispose(Object.values(grads));
    }
    tf.dispose([x, kernel, bias]);
  });
});
