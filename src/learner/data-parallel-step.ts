/**
 * One gradient step of a data-parallel Learner (RLlib's LearnerGroup with num_learners > 1; torch
 * DDP underneath): every learner of the group sees the same minibatch indices, computes the
 * gradient of the loss on its own contiguous shard of them, the flat gradients (and losses) are
 * averaged weighted by shard rows, and every learner applies that same mean. A loss that is a
 * mean over rows (PPO's is) then gets exactly the full minibatch's gradient, up to float rounding,
 * and clipping and Adam see what a single learner would have seen.
 */
import * as tf from '@tensorflow/tfjs';
import type { GradientAllReducer } from './gradient-all-reduce';
import type { Gradients, Minibatch } from './learner-types';

/** This learner's place in its group. */
export interface DataParallelShard {
  /** 0-based; learner 0 is the one checkpoints and runner weights come from. */
  readonly rank: number;
  readonly size: number;
  readonly reducer: GradientAllReducer;
}

/** What the step needs of a Learner (its compute and apply halves). */
export interface ShardableLearner {
  readonly module: { readonly trainableVariables: readonly tf.Variable[] };
  computeGradients(minibatch: Minibatch): Gradients;
  applyGradients(gradients: Gradients): { applied: tf.Scalar; norms: Record<string, tf.Scalar> };
}

/** Rows [lo, hi) of `rows` that learner `rank` of `size` takes: contiguous, sizes differ by at most one. */
export function shardRange(rows: number, rank: number, size: number): [number, number] {
  const base = Math.floor(rows / size);
  const extra = rows % size;
  const lo = rank * base + Math.min(rank, extra);
  return [lo, lo + base + (rank < extra ? 1 : 0)];
}

/**
 * Compute-gradients on this learner's shard of `indices`, all-reduce, apply-gradients. The
 * returned stats are this shard's loss stats plus the (group-wide) gradient norms; the caller
 * owns every returned tensor.
 */
export async function dataParallelStep(
  learner: ShardableLearner,
  batch: Minibatch,
  indices: Int32Array,
  shard: DataParallelShard,
): Promise<{ stats: Record<string, tf.Scalar>; applied: tf.Scalar }> {
  const [lo, hi] = shardRange(indices.length, shard.rank, shard.size);
  if (hi <= lo) {
    throw new RangeError(`minibatch of ${indices.length} rows cannot be split over ${shard.size} learners`);
  }
  const variables = learner.module.trainableVariables;
  const local = tf.tidy(() => {
    const rows = tf.tensor1d(indices.subarray(lo, hi), 'int32');
    const minibatch: Record<string, tf.Tensor> = {};
    for (const [name, column] of Object.entries(batch)) minibatch[name] = tf.gather(column, rows);
    const g = learner.computeGradients(minibatch);
    // Zeros where the loss does not reach a variable; `present` is the same on every learner
    // (same loss, same module), so the mean keeps it apart from a real zero gradient.
    const parts = g.grads.map((grad, i) => (grad ? tf.reshape(grad, [-1]) : tf.zeros([variables[i]!.size])));
    const flat = tf.concat([...parts, tf.reshape(g.loss, [1])]);
    return { flat, stats: g.stats, present: g.grads.map((grad) => grad !== null) };
  });
  let mean: Float32Array;
  try {
    const mine = (await local.flat.data()) as Float32Array;
    mean = await shard.reducer.allReduce(mine, (hi - lo) / indices.length);
  } catch (e) {
    tf.dispose(Object.values(local.stats));
    throw e;
  } finally {
    local.flat.dispose();
  }
  const applied = tf.tidy(() => {
    let offset = 0;
    const grads = variables.map((v, i) => {
      const grad = local.present[i] ? tf.tensor(mean.subarray(offset, offset + v.size), v.shape) : null;
      offset += v.size;
      return grad;
    });
    const loss = tf.scalar(mean[offset]!);
    return learner.applyGradients({ loss, stats: {}, tdErrors: null, grads });
  });
  return { stats: { ...local.stats, ...applied.norms }, applied: applied.applied };
}
