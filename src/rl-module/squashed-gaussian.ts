/**
 * The squashed (tanh) Gaussian of SAC (Haarnoja et al. 2018, appendix C): u ~ N(mean, std),
 * a = tanh(u) in (-1, 1), then scaled affinely to the Box bounds. By the change of variables,
 *   log pi(a|s) = log N(u; mean, std) - sum_i log(1 - tanh(u_i)^2),
 * where log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2u)) is the stable form (no 1 - a^2 that
 * rounds to 0 when |u| is large; CleanRL and SB3 add an epsilon instead).
 *
 * As RLlib's TorchSquashedGaussian (rllib/models/torch/torch_distributions.py): log_std is
 * clamped to [-20, 2] (MIN_LOG_NN_OUTPUT, MAX_LOG_NN_OUTPUT), and the log-prob is that of the
 * tanh action in (-1, 1): the constant log-Jacobian of the affine scale to [low, high] is left
 * out, so `target_entropy` = -|A| means the same for every Box.
 */
import * as tf from '@tensorflow/tfjs';

export const LOG_STD_MIN = -20;
export const LOG_STD_MAX = 2;
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const LOG2 = Math.log(2);

/** log(1 - tanh(u)^2), elementwise and stable: 2 (log 2 - u - softplus(-2u)). */
export function logOneMinusTanhSq(u: tf.Tensor): tf.Tensor {
  return tf.mul(tf.sub(tf.sub(LOG2, u), tf.softplus(tf.mul(u, -2))), 2);
}

/**
 * A reparameterised sample (u = mean + std * eps) and its log-prob: gradients flow to `mean`
 * and `logStd` through both (RLlib: rsample). `logStd` is clamped first. Returns the squashed
 * action [B, d] in (-1, 1) and log pi [B].
 */
export function squashedGaussianSample(
  mean: tf.Tensor2D,
  logStdRaw: tf.Tensor2D,
  eps: tf.Tensor2D,
): { action: tf.Tensor2D; logp: tf.Tensor1D } {
  const logStd = tf.clipByValue(logStdRaw, LOG_STD_MIN, LOG_STD_MAX);
  const u: tf.Tensor2D = tf.add(mean, tf.mul(tf.exp(logStd), eps));
  // log N(u; mean, std) per dimension, with (u - mean) / std = eps exactly.
  const logNormal = tf.sub(tf.sub(tf.mul(tf.square(eps), -0.5), logStd), HALF_LOG_2PI);
  const logp = tf.sum<tf.Tensor1D>(tf.sub(logNormal, logOneMinusTanhSq(u)), 1);
  return { action: tf.tanh(u), logp };
}

/** The same density in plain JS for one dimension: log pi(tanh(u)) given u (tests, runners). */
export function squashedGaussianLogpJs(u: number, mean: number, logStdRaw: number): number {
  const logStd = Math.min(LOG_STD_MAX, Math.max(LOG_STD_MIN, logStdRaw));
  const z = (u - mean) / Math.exp(logStd);
  const softplus = (x: number): number => (x > 20 ? x : Math.log1p(Math.exp(x)));
  return -0.5 * z * z - logStd - HALF_LOG_2PI - 2 * (LOG2 - u - softplus(-2 * u));
}

/** (-1, 1) -> [low, high], per dimension of a row-major [rows, d] array, in place. */
export function scaleToBounds(a: Float32Array, low: readonly number[], high: readonly number[]): void {
  const d = low.length;
  for (let i = 0; i < a.length; i++) {
    const j = i % d;
    a[i] = low[j]! + (a[i]! + 1) * 0.5 * (high[j]! - low[j]!);
  }
}

/** [low, high] -> [-1, 1] (the inverse of scaleToBounds), into a new array: replayed actions for the critics. */
export function normalizeFromBounds(a: Float32Array, low: readonly number[], high: readonly number[]): Float32Array {
  const d = low.length;
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const j = i % d;
    out[i] = (2 * (a[i]! - low[j]!)) / (high[j]! - low[j]!) - 1;
  }
  return out;
}
