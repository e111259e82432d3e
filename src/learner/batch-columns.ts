/**
 * The Learner's batch plumbing, apart from its update loops: columns uploaded once per update,
 * the seeded shuffle of row indices, device-side running sums of per-step stats, and the no-grad
 * forward over a train batch that the learner connectors (GAE, V-trace) start from.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng';
import type { SampleBatch } from '../core/sample-batch';
import type { MLPModule } from '../rl-module/mlp-module';
import type { Gradients } from './learner-types';

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

/** A running weighted sum of microbatch losses and gradients (A2C's accumulated step). */
export interface SummedGradients {
  readonly loss: tf.Scalar;
  readonly grads: (tf.Tensor | null)[];
}

/**
 * `prev + w * compute()` for the loss and every gradient (null where neither reaches a variable),
 * kept, with the microbatch's stats scaled by `w` (kept); frees what of `prev` the sum replaced.
 * `compute` runs inside this function's tidy (the Learner's computeGradients).
 */
export function addWeightedGradients(
  prev: SummedGradients | null,
  w: number,
  compute: () => Gradients,
): { sum: SummedGradients; stats: Record<string, tf.Scalar> } {
  let stats: Record<string, tf.Scalar> = {};
  // tf.tidy's return type does not allow the null gradients, so the kept results go out here.
  const out: { sum?: SummedGradients } = {};
  tf.tidy(() => {
    const g = compute();
    stats = Object.fromEntries(Object.entries(g.stats).map(([k, v]) => [k, tf.keep(tf.mul(v, w))]));
    const grads = g.grads.map((x, i): tf.Tensor | null => {
      const scaled = x ? tf.mul(x, w) : null;
      const before = prev?.grads[i] ?? null;
      const sum = before && scaled ? tf.add(before, scaled) : (scaled ?? before);
      return sum && sum !== before ? tf.keep(sum) : sum;
    });
    const loss: tf.Scalar = prev ? tf.add(prev.loss, tf.mul(g.loss, w)) : tf.mul(g.loss, w);
    tf.dispose(Object.values(g.stats));
    out.sum = { loss: tf.keep(loss), grads };
  });
  const sum = out.sum!;
  if (prev) {
    const kept = new Set(sum.grads);
    tf.dispose([prev.loss, ...prev.grads.flatMap((x) => (x && !kept.has(x) ? [x] : []))]);
  }
  return { sum, stats };
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

/** What one no-grad forward of an actor-critic module over a train batch gives a learner connector. */
export interface BatchForward {
  /** numSteps x distribution.inputDim: the distribution inputs of the batch rows (PPO's old policy). */
  readonly distInputs: Float32Array;
  /** numSteps: V(s_t). */
  readonly vfPreds: Float32Array;
  /** numChunks (none without bootstrap): V(the observation after each chunk's last step). */
  readonly bootstrapValues: Float32Array;
}

/**
 * The forward a learner connector needs (RLlib's GAE connector calls compute_values): the
 * module over obs ++ each chunk's final observation, one upload and one readback. Without
 * `withBootstrap` only the batch rows (APPO's target network, whose values are not used).
 */
export async function forwardBatch(module: MLPModule, batch: SampleBatch, withBootstrap = true): Promise<BatchForward> {
  const { numSteps, obsDim } = batch;
  const numChunks = withBootstrap ? batch.chunkEnds.length : 0;
  const inputDim = module.distribution.inputDim;
  const allObs = new Float32Array((numSteps + numChunks) * obsDim);
  allObs.set(batch.obs.subarray(0, numSteps * obsDim));
  if (numChunks > 0) allObs.set(batch.finalObs.subarray(0, numChunks * obsDim), numSteps * obsDim);
  const packed = tf.tidy(() => {
    const { actionDistInputs, vfPreds } = module.forwardTrain(tf.tensor2d(allObs, [numSteps + numChunks, obsDim]));
    const rows = tf.slice(actionDistInputs, [0, 0], [numSteps, inputDim]);
    return tf.concat([tf.reshape(rows, [-1]), vfPreds]);
  });
  const data = (await packed.data()) as Float32Array;
  packed.dispose();
  const distEnd = numSteps * inputDim;
  return {
    distInputs: data.slice(0, distEnd),
    vfPreds: data.slice(distEnd, distEnd + numSteps),
    bootstrapValues: data.slice(distEnd + numSteps, distEnd + numSteps + numChunks),
  };
}
