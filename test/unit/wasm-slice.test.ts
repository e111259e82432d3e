/** The wasm Slice/SplitV replacements give what TF.js's cpu kernels give, contiguous or not. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { installWasmSliceKernels } from '../../src/backend/wasm-slice';

beforeAll(async () => {
  await tf.setBackend('wasm');
  installWasmSliceKernels();
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

const CASES: [string, (x: tf.Tensor) => tf.Tensor[]][] = [
  ['split of a vector (FlatAdam)', (x) => tf.split(tf.reshape(x, [-1]), [7, 1, 40, 12])],
  ['rows of a matrix', (x) => [tf.slice(x, [2, 0], [5, 6])]],
  ['columns of a matrix (not contiguous)', (x) => [tf.slice(x, [0, 1], [10, 3])]],
  ['split along axis 1 (not contiguous)', (x) => tf.split(x, 2, 1)],
  ['one element', (x) => [tf.slice(x, [9, 5], [1, 1])]],
  ['int32 rows', (x) => [tf.slice(tf.cast(x, 'int32'), [3, 0], [2, -1])]],
  ['3-D block', (x) => [tf.slice(tf.reshape(x, [3, 4, 5]), [1, 0, 0], [2, 4, 5])]],
];

async function valuesOn(backend: string, f: (x: tf.Tensor) => tf.Tensor[]): Promise<number[][]> {
  await tf.setBackend(backend);
  const x = tf.tensor2d(
    Float32Array.from({ length: 60 }, (_, i) => i * 1.5 - 7),
    [10, 6],
  );
  const before = tf.memory().numTensors;
  const pieces = tf.tidy(() => f(x));
  const out = await Promise.all(pieces.map(async (p) => [...p.shape, ...(await p.data())]));
  tf.dispose(pieces);
  expect(tf.memory().numTensors).toBe(before);
  x.dispose();
  return out;
}

describe('wasm Slice and SplitV', () => {
  it.each(CASES)('%s', async (_, f) => {
    const expected = await valuesOn('cpu', f);
    expect(await valuesOn('wasm', f)).toEqual(expected);
  });

  it('contiguous pieces are copied heap to heap, without reading the whole input back', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as BackendWasm;
    const readSync = vi.spyOn(backend, 'readSync');
    const x = tf.range(0, 9155);
    tf.dispose(tf.split(x, [4096, 64, 4995]));
    tf.dispose(tf.slice(x, [100], [50]));
    expect(readSync).not.toHaveBeenCalled();
    // A column slice still goes to TF.js's kernel, which reads the input.
    tf.tidy(() => tf.slice(tf.reshape(x, [1831, 5]), [0, 1], [1831, 2]));
    expect(readSync).toHaveBeenCalled();
    readSync.mockRestore();
    x.dispose();
  });
});
