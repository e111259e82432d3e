/**
 * The Learner's batch plumbing, apart from its update loops: columns uploaded once per update,
 * the seeded shuffle of row indices, and device-side running sums of per-step stats.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng';

export type Columns = Readonly<Record<string, Float32Array | Int32Array>>;

/** Uploads each per-row column once: width 1 -> [rows], else [rows, width]. */
export function uploadColumns(columns: Columns, rowCount: number): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  try {
    for (const [name, values] of Object.entries(columns)) {
      const width = values.length / rowCount;
      if (!Number.isInteger(width) || width < 1) {
        throw new RangeError(`column '${name}' has ${values.length} values, not a multiple of ${rowCount} rows`);
      }
      const dtype = values instanceof Int32Array ? 'int32' : 'float32';
      out[name] = tf.tensor(values, width === 1 ? [rowCount] : [rowCount, width], dtype);
    }
  } catch (e) {
    tf.dispose(Object.values(out));
    throw e;
  }
  return out;
}

/** Fisher-Yates with the seeded Rng. */
export function shuffleInPlace(a: Int32Array, rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.integer(i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/** Adds one step's stats into the running sums (2-input adds only) and frees them. */
export function accumulate(sums: Map<string, tf.Scalar>, step: Record<string, tf.Scalar>): void {
  for (const [key, value] of Object.entries(step)) {
    const prev = sums.get(key);
    if (!prev) {
      sums.set(key, value);
      continue;
    }
    sums.set(key, tf.add(prev, value));
    prev.dispose();
    value.dispose();
  }
}

/** Rows [start, start + rows) of every column (a microbatch of an uploaded batch). */
export function sliceRows(
  batch: Readonly<Record<string, tf.Tensor>>,
  start: number,
  rows: number,
): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [name, column] of Object.entries(batch)) out[name] = tf.slice(column, start, rows);
  return out;
}
