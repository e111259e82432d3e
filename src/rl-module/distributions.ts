/**
 * Action distributions, in forms that agree numerically:
 *  - differentiable tensor methods (`logp`, `entropy`, `kl`), the definitions;
 *  - `policyTerms`: the same three values with their closed-form gradients w.r.t. the inputs,
 *    sharing one softmax, for PPO's fused loss (tests check them against autodiff of the above);
 *  - plain-JS methods (`sample`, `greedy`, `logpRow`) over one row of a Float32Array, for the
 *    EnvRunner hot path after a single readback (no per-step tensors, no per-step allocation).
 *
 * Inputs follow RLlib's ACTION_DIST_INPUTS convention: one row per observation,
 *  - Categorical: `[n]` logits;
 *  - DiagGaussian: `[2 * d]` = means ++ log-stds (RLlib's TorchDiagGaussian.from_logits splits
 *    the row in half). The module's log-std is state-independent; it is broadcast to every row
 *    so old inputs can be stored per row for PPO's KL term.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng';
import type { Space } from '../core/spaces';
import { flatDim } from '../core/spaces';

const LOG_2PI = Math.log(2 * Math.PI);

export interface ActionDistribution {
  readonly kind: 'categorical' | 'diag_gaussian';
  /** Columns of one row of distribution inputs. */
  readonly inputDim: number;
  /** Scalars per action: 1 for categorical, d for a d-dimensional Box. */
  readonly actionDim: number;

  /** log pi(a|s) per row: [B]. `actions` is int32 [B] (categorical) or float32 [B, d] / [B*d]. */
  logp(inputs: tf.Tensor2D, actions: tf.Tensor): tf.Tensor1D;
  /** Entropy per row: [B]. */
  entropy(inputs: tf.Tensor2D): tf.Tensor1D;
  /** KL(old || new) per row: [B] (RLlib: `prev_action_dist.kl(curr_action_dist)`). */
  kl(oldInputs: tf.Tensor2D, newInputs: tf.Tensor2D): tf.Tensor1D;

  /**
   * logp of `actions`, entropy and (with `oldInputs`) KL(old || new) per row, each with its
   * gradient w.r.t. `inputs` ([B, inputDim]). Untaped math: the caller owns the backward pass.
   */
  policyTerms(inputs: tf.Tensor2D, actions: tf.Tensor, oldInputs: tf.Tensor2D | null): PolicyTerms;

  /** Samples the action for `row` of `inputs` into `actions[row * actionDim ..]`; returns its log-prob. */
  sample(inputs: Float32Array, row: number, rng: Rng, actions: Int32Array | Float32Array): number;
  /** Writes the most likely action (argmax / mean) for `row` into `actions[row * actionDim ..]`. */
  greedy(inputs: Float32Array, row: number, actions: Int32Array | Float32Array): void;
  /** log pi(a|s) of the action stored at `actions[row * actionDim ..]`, in float64. */
  logpRow(inputs: Float32Array, row: number, actions: Int32Array | Float32Array): number;
}

/** Per-row values [B] and their gradients w.r.t. the distribution inputs [B, inputDim]. */
export interface PolicyTerms {
  readonly logp: tf.Tensor1D;
  readonly dLogp: tf.Tensor2D;
  readonly entropy: tf.Tensor1D;
  readonly dEntropy: tf.Tensor2D;
  /** null without `oldInputs`. */
  readonly kl: { readonly value: tf.Tensor1D; readonly grad: tf.Tensor2D } | null;
}

/** Softmax over logits (Discrete action spaces). */
export class Categorical implements ActionDistribution {
  readonly kind = 'categorical';
  readonly actionDim = 1;

  constructor(readonly inputDim: number) {}

  private static logSoftmax(logits: tf.Tensor2D): tf.Tensor2D {
    return tf.sub(logits, tf.logSumExp(logits, 1, true));
  }

  logp(inputs: tf.Tensor2D, actions: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => {
      const oneHot = tf.oneHot(tf.cast(tf.reshape(actions, [-1]), 'int32'), this.inputDim);
      return tf.sum(tf.mul(Categorical.logSoftmax(inputs), oneHot), 1);
    });
  }

  entropy(inputs: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const logProbs = Categorical.logSoftmax(inputs);
      return tf.neg(tf.sum(tf.mul(tf.exp(logProbs), logProbs), 1));
    });
  }

  kl(oldInputs: tf.Tensor2D, newInputs: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const oldLogProbs = Categorical.logSoftmax(oldInputs);
      const newLogProbs = Categorical.logSoftmax(newInputs);
      return tf.sum(tf.mul(tf.exp(oldLogProbs), tf.sub(oldLogProbs, newLogProbs)), 1);
    });
  }

  policyTerms(inputs: tf.Tensor2D, actions: tf.Tensor, oldInputs: tf.Tensor2D | null): PolicyTerms {
    const logProbs = Categorical.logSoftmax(inputs);
    const probs = tf.exp(logProbs);
    const oneHot = tf.oneHot(tf.cast(tf.reshape(actions, [-1]), 'int32'), this.inputDim);
    const entropy: tf.Tensor1D = tf.neg(tf.sum(tf.mul(probs, logProbs), 1));
    let kl: PolicyTerms['kl'] = null;
    if (oldInputs) {
      const oldLogProbs = Categorical.logSoftmax(oldInputs);
      const oldProbs = tf.exp(oldLogProbs);
      // d/dz_j sum_k p_old,k (log p_old,k - log p_k) = p_j - p_old,j (p_old sums to 1).
      kl = { value: tf.sum(tf.mul(oldProbs, tf.sub(oldLogProbs, logProbs)), 1), grad: tf.sub(probs, oldProbs) };
    }
    return {
      logp: tf.sum(tf.mul(logProbs, oneHot), 1),
      // d log p_a / dz_j = [j = a] - p_j
      dLogp: tf.sub(oneHot, probs),
      entropy,
      // dH/dz_j = -p_j (log p_j + H)
      dEntropy: tf.neg(tf.mul(probs, tf.add(logProbs, tf.reshape(entropy, [-1, 1])))),
      kl,
    };
  }

  /** max and log-sum-exp of one row, in float64. */
  private rowStats(inputs: Float32Array, offset: number): { max: number; sumExp: number } {
    const n = this.inputDim;
    let max = -Infinity;
    for (let j = 0; j < n; j++) max = Math.max(max, inputs[offset + j]!);
    let sumExp = 0;
    for (let j = 0; j < n; j++) sumExp += Math.exp(inputs[offset + j]! - max);
    return { max, sumExp };
  }

  sample(inputs: Float32Array, row: number, rng: Rng, actions: Int32Array | Float32Array): number {
    const n = this.inputDim;
    const offset = row * n;
    const { max, sumExp } = this.rowStats(inputs, offset);
    // Inverse CDF with one uniform draw; falls back to the last action on rounding.
    const u = rng.random() * sumExp;
    let action = n - 1;
    let cumulative = 0;
    for (let j = 0; j < n; j++) {
      cumulative += Math.exp(inputs[offset + j]! - max);
      if (u < cumulative) {
        action = j;
        break;
      }
    }
    actions[row] = action;
    return inputs[offset + action]! - max - Math.log(sumExp);
  }

  greedy(inputs: Float32Array, row: number, actions: Int32Array | Float32Array): void {
    const n = this.inputDim;
    const offset = row * n;
    let best = 0;
    for (let j = 1; j < n; j++) if (inputs[offset + j]! > inputs[offset + best]!) best = j;
    actions[row] = best;
  }

  logpRow(inputs: Float32Array, row: number, actions: Int32Array | Float32Array): number {
    const offset = row * this.inputDim;
    const { max, sumExp } = this.rowStats(inputs, offset);
    return inputs[offset + actions[row]!]! - max - Math.log(sumExp);
  }
}

/** Diagonal Gaussian with means ++ log-stds inputs (Box action spaces). Actions are not clipped. */
export class DiagGaussian implements ActionDistribution {
  readonly kind = 'diag_gaussian';
  readonly inputDim: number;

  constructor(readonly actionDim: number) {
    this.inputDim = 2 * actionDim;
  }

  /** [B, 2d] -> means [B, d], logStds [B, d]. */
  split(inputs: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] {
    const [means, logStds] = tf.split(inputs, 2, 1);
    return [means as tf.Tensor2D, logStds as tf.Tensor2D];
  }

  logp(inputs: tf.Tensor2D, actions: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => {
      const [means, logStds] = this.split(inputs);
      const z = tf.div(tf.sub(tf.reshape(actions, [-1, this.actionDim]), means), tf.exp(logStds));
      // sum_j [ -0.5 z_j^2 - log sigma_j - 0.5 log(2 pi) ]
      const perDim = tf.sub(tf.mul(tf.square(z), -0.5), tf.add(logStds, 0.5 * LOG_2PI));
      return tf.sum(perDim, 1);
    });
  }

  entropy(inputs: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const [, logStds] = this.split(inputs);
      // sum_j [ log sigma_j + 0.5 log(2 pi e) ]
      return tf.sum(tf.add(logStds, 0.5 * (LOG_2PI + 1)), 1);
    });
  }

  kl(oldInputs: tf.Tensor2D, newInputs: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const [oldMeans, oldLogStds] = this.split(oldInputs);
      const [newMeans, newLogStds] = this.split(newInputs);
      // KL(N0||N1) = log(s1/s0) + (s0^2 + (m0-m1)^2) / (2 s1^2) - 1/2, per dimension.
      const numerator = tf.add(tf.exp(tf.mul(oldLogStds, 2)), tf.square(tf.sub(oldMeans, newMeans)));
      const perDim = tf.add(
        tf.sub(newLogStds, oldLogStds),
        tf.sub(tf.div(numerator, tf.mul(tf.exp(tf.mul(newLogStds, 2)), 2)), 0.5),
      );
      return tf.sum(perDim, 1);
    });
  }

  policyTerms(inputs: tf.Tensor2D, actions: tf.Tensor, oldInputs: tf.Tensor2D | null): PolicyTerms {
    const [means, logStds] = this.split(inputs);
    const stds = tf.exp(logStds);
    const z = tf.div(tf.sub(tf.reshape(actions, [-1, this.actionDim]), means), stds);
    let kl: PolicyTerms['kl'] = null;
    if (oldInputs) {
      const [oldMeans, oldLogStds] = this.split(oldInputs);
      const variances = tf.exp(tf.mul(logStds, 2));
      const numerator = tf.add(tf.exp(tf.mul(oldLogStds, 2)), tf.square(tf.sub(oldMeans, means)));
      const perDim = tf.add(tf.sub(logStds, oldLogStds), tf.sub(tf.div(numerator, tf.mul(variances, 2)), 0.5));
      kl = {
        value: tf.sum(perDim, 1),
        // d/dm = (m - m_old) / s^2; d/dlog s = 1 - (s_old^2 + (m_old - m)^2) / s^2
        grad: tf.concat([tf.div(tf.sub(means, oldMeans), variances), tf.sub(1, tf.div(numerator, variances))], 1),
      };
    }
    return {
      logp: tf.sum(tf.sub(tf.mul(tf.square(z), -0.5), tf.add(logStds, 0.5 * LOG_2PI)), 1),
      // d/dm = z / s; d/dlog s = z^2 - 1
      dLogp: tf.concat([tf.div(z, stds), tf.sub(tf.square(z), 1)], 1),
      entropy: tf.sum(tf.add(logStds, 0.5 * (LOG_2PI + 1)), 1),
      // The entropy depends on the log-stds alone, each with slope 1.
      dEntropy: tf.concat([tf.zerosLike(means), tf.onesLike(logStds)], 1),
      kl,
    };
  }

  sample(inputs: Float32Array, row: number, rng: Rng, actions: Int32Array | Float32Array): number {
    const d = this.actionDim;
    const offset = row * this.inputDim;
    let logp = 0;
    for (let j = 0; j < d; j++) {
      const mean = inputs[offset + j]!;
      const logStd = inputs[offset + d + j]!;
      const z = rng.normal();
      actions[row * d + j] = mean + Math.exp(logStd) * z;
      // Use the stored (float32-rounded) action so logp matches logpRow / the tensor logp.
      const zStored = (actions[row * d + j]! - mean) / Math.exp(logStd);
      logp += -0.5 * zStored * zStored - logStd - 0.5 * LOG_2PI;
    }
    return logp;
  }

  greedy(inputs: Float32Array, row: number, actions: Int32Array | Float32Array): void {
    const d = this.actionDim;
    const offset = row * this.inputDim;
    for (let j = 0; j < d; j++) actions[row * d + j] = inputs[offset + j]!;
  }

  logpRow(inputs: Float32Array, row: number, actions: Int32Array | Float32Array): number {
    const d = this.actionDim;
    const offset = row * this.inputDim;
    let logp = 0;
    for (let j = 0; j < d; j++) {
      const logStd = inputs[offset + d + j]!;
      const z = (actions[row * d + j]! - inputs[offset + j]!) / Math.exp(logStd);
      logp += -0.5 * z * z - logStd - 0.5 * LOG_2PI;
    }
    return logp;
  }
}

/** Categorical for Discrete, DiagGaussian for Box (RLlib's Catalog defaults). */
export function distributionFor(actionSpace: Space): ActionDistribution {
  return actionSpace.kind === 'discrete' ? new Categorical(actionSpace.n) : new DiagGaussian(flatDim(actionSpace));
}
