/**
 * Gradient clipping as RLlib's `clip_gradients` (rllib/utils/torch_utils.py), in tensors so
 * nothing is read back inside the minibatch loop. Call inside `tf.tidy`.
 */
import * as tf from '@tensorflow/tfjs';

/** RLlib: grad_clip_by. */
export type GradClipBy = 'value' | 'norm' | 'global_norm';

/**
 * Sums scalars pairwise (a tree of 2-input adds). Never `tf.addN`: on TF.js 4.22 WebGPU it
 * returns wrong numbers with 8+ inputs (too many storage buffers per shader).
 */
export function sumScalars(xs: readonly tf.Scalar[]): tf.Scalar {
  if (xs.length === 0) return tf.scalar(0);
  let level: tf.Scalar[] = [...xs];
  while (level.length > 1) {
    const next: tf.Scalar[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const a = level[i]!;
      const b = level[i + 1];
      next.push(b ? tf.add(a, b) : a);
    }
    level = next;
  }
  return level[0]!;
}

/** sqrt(sum over all tensors of sum(g^2)). */
export function globalNorm(grads: readonly tf.Tensor[]): tf.Scalar {
  return tf.sqrt(sumScalars(grads.map((g) => tf.sum(tf.square(g)))));
}

/**
 * Clips gradients and returns them with the pre-clip global norm (reported as a stat either way).
 *  - value: each element clipped to [-gradClip, gradClip];
 *  - norm: each tensor scaled by gradClip / ||g|| if its L2 norm exceeds gradClip;
 *  - global_norm: all tensors scaled by gradClip / max(||g||_global + 1e-6, gradClip)
 *    (RLlib's clamped coefficient, no data-dependent branch).
 */
export function clipGradients(
  grads: readonly tf.Tensor[],
  gradClip: number | null,
  gradClipBy: GradClipBy,
): { grads: tf.Tensor[]; globalNorm: tf.Scalar } {
  const norm = globalNorm(grads);
  if (gradClip === null) return { grads: [...grads], globalNorm: norm };
  switch (gradClipBy) {
    case 'value':
      return { grads: grads.map((g) => tf.clipByValue(g, -gradClip, gradClip)), globalNorm: norm };
    case 'norm':
      return {
        grads: grads.map((g) => tf.mul(g, tf.div(gradClip, tf.maximum(tf.norm(g), gradClip)))),
        globalNorm: norm,
      };
    case 'global_norm': {
      const coeff = tf.div(gradClip, tf.maximum(tf.add(norm, 1e-6), gradClip));
      return { grads: grads.map((g) => tf.mul(g, coeff)), globalNorm: norm };
    }
    default: {
      const never: never = gradClipBy;
      throw new RangeError(`gradClipBy must be value | norm | global_norm, got ${String(never)}`);
    }
  }
}

/**
 * `clipGradients` on all gradients concatenated into one vector (FlatAdam's layout): the global
 * norm is 3 kernels and the clip 1 or 4 more, whatever the number of variables. 'norm' clips each
 * tensor by its own norm, which a flat vector no longer shows: clip with `clipGradients` before
 * flattening instead.
 */
export function clipFlatGradient(
  flat: tf.Tensor1D,
  gradClip: number | null,
  gradClipBy: GradClipBy,
): { grad: tf.Tensor1D; globalNorm: tf.Scalar } {
  const norm = tf.sqrt(tf.sum<tf.Scalar>(tf.square(flat)));
  if (gradClip === null) return { grad: flat, globalNorm: norm };
  switch (gradClipBy) {
    case 'value':
      return { grad: tf.clipByValue(flat, -gradClip, gradClip), globalNorm: norm };
    case 'global_norm': {
      const coeff = tf.div(gradClip, tf.maximum(tf.add(norm, 1e-6), gradClip));
      return { grad: tf.mul(flat, coeff), globalNorm: norm };
    }
    case 'norm':
      throw new RangeError("clipFlatGradient cannot clip by 'norm' (per tensor): use clipGradients before flattening");
    default: {
      const never: never = gradClipBy;
      throw new RangeError(`gradClipBy must be value | norm | global_norm, got ${String(never)}`);
    }
  }
}
