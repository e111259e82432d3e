import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { denseFrozen } from '../../src/rl-module/dense';
import { noGrad, stopGradient } from '../../src/rl-module/no-grad';

it('stopGradient and noGrad block the gradient; denseFrozen passes it to the input only', () => {
  const w = tf.variable(tf.tensor1d([2, 3]));
  const before = tf.memory().numTensors;
  const { value, grads } = tf.variableGrads(() => {
    const y = tf.mul(w, w); // dy/dw = 2w
    const c = stopGradient(y); // constant
    const n = noGrad(() => tf.mul(w, 10));
    return tf.sum<tf.Scalar>(tf.add(y, tf.mul(c, tf.add(n, w)))); // d/dw = 2w + c
  }, [w]);
  // 2w + w^2 = [4 + 4, 6 + 9]
  expect(Array.from(grads[w.name]!.dataSync())).toEqual([8, 15]);
  tf.dispose([value, ...Object.values(grads)]);
  expect(tf.memory().numTensors).toBe(before);
  const k = tf.variable(
    tf.tensor2d([
      [1, 2],
      [3, 4],
    ]),
  );
  const b = tf.variable(tf.tensor1d([0.5, -100]));
  const x = tf.variable(tf.tensor2d([[1, 1]]));
  const g = tf.variableGrads(() => tf.sum<tf.Scalar>(denseFrozen(x, { kernel: k, bias: b }, 'relu')), [x, k, b]);
  // y = relu([4.5, -94]): only the first unit is active, dy/dx = k[:, 0] = [1, 3]
  expect(Array.from(g.grads[x.name]!.dataSync())).toEqual([1, 3]);
  expect(g.grads[k.name]).toBeUndefined();
  tf.dispose([g.value, ...Object.values(g.grads), k, b, x, w]);
});
