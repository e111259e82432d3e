/**
 * PPO's clipped surrogate loss (Schulman et al. 2017), as RLlib computes it
 * (rllib/algorithms/ppo/torch/ppo_torch_learner.py: compute_loss_for_module), with CleanRL's
 * diagnostics (approx_kl, clip_frac).
 */
import * as tf from '@tensorflow/tfjs';
import type { Minibatch } from '../../learner/learner';
import type { MLPModule } from '../../rl-module/mlp-module';

export interface PPOLossConfig {
  /** Surrogate clip epsilon. RLlib: clip_param. CleanRL: clip_coef. */
  readonly clipParam: number;
  /** Clip for the squared value error (RLlib clamps the squared error, not the prediction). RLlib: vf_clip_param. */
  readonly vfClipParam: number;
  /** RLlib: vf_loss_coeff. CleanRL: vf_coef. */
  readonly vfLossCoeff: number;
  /** RLlib: entropy_coeff. CleanRL: ent_coef. */
  readonly entropyCoeff: number;
  /** Add the KL(old||new) penalty. RLlib: use_kl_loss. */
  readonly useKlLoss: boolean;
  /** Current (adapted) KL coefficient. RLlib: curr_kl_coeff. */
  readonly klCoeff: number;
}

/** Train-batch columns the loss reads (per row). */
export const PPOColumns = {
  OBS: 'obs',
  ACTIONS: 'actions',
  /** log pi_old(a|s) from the sampling policy. RLlib: action_logp. */
  OLD_LOGP: 'oldLogp',
  /** Sampling policy's distribution inputs, for the KL term. RLlib: action_dist_inputs. */
  OLD_DIST_INPUTS: 'oldDistInputs',
  ADVANTAGES: 'advantages',
  VALUE_TARGETS: 'valueTargets',
  OLD_VF_PREDS: 'oldVfPreds',
} as const;

/** The parts of a module the loss uses (an MLPModule, or a stub with fixed outputs in tests). */
export type PPOLossModule = Pick<MLPModule, 'forwardTrain' | 'distribution'>;

function column(batch: Minibatch, name: string): tf.Tensor {
  const t = batch[name];
  if (!t) throw new RangeError(`PPO loss needs a '${name}' column`);
  return t;
}

/** max(-1, 1 - Var[y - pred] / Var[y]); -1 when y is constant (RLlib's explained_variance). */
export function explainedVariance(y: tf.Tensor1D, pred: tf.Tensor1D): tf.Scalar {
  const yVar = tf.moments(y).variance;
  const diffVar = tf.moments(tf.sub(y, pred)).variance;
  const ev = tf.maximum(tf.sub(1, tf.div(diffVar, yVar)), -1);
  return tf.where(tf.greater(yVar, 0), ev, tf.scalar(-1)) as tf.Scalar;
}

export function ppoLoss(
  module: PPOLossModule,
  batch: Minibatch,
  config: PPOLossConfig,
): { loss: tf.Scalar; stats: Record<string, tf.Scalar> } {
  const { clipParam, vfClipParam, vfLossCoeff, entropyCoeff, useKlLoss, klCoeff } = config;
  const dist = module.distribution;
  const advantages = column(batch, PPOColumns.ADVANTAGES);
  const valueTargets = column(batch, PPOColumns.VALUE_TARGETS) as tf.Tensor1D;
  const { actionDistInputs, vfPreds } = module.forwardTrain(column(batch, PPOColumns.OBS));

  // Probability ratio r = pi(a|s) / pi_old(a|s).
  const logp = dist.logp(actionDistInputs, column(batch, PPOColumns.ACTIONS));
  const logRatio = tf.sub(logp, column(batch, PPOColumns.OLD_LOGP));
  const ratio = tf.exp(logRatio);

  // Clipped surrogate objective (maximised, so its negation is the loss).
  const surrogate = tf.minimum(
    tf.mul(advantages, ratio),
    tf.mul(advantages, tf.clipByValue(ratio, 1 - clipParam, 1 + clipParam)),
  );

  // Value loss: RLlib clamps the squared error itself to [0, vfClipParam].
  const vfLossUnclipped = tf.square(tf.sub(vfPreds, valueTargets));
  const vfLossClipped = tf.clipByValue(vfLossUnclipped, 0, vfClipParam);

  const entropy = dist.entropy(actionDistInputs);

  // KL(pi_old || pi) penalty, only when enabled (RLlib reports 0 otherwise).
  let meanKlLoss: tf.Scalar = tf.scalar(0);
  if (useKlLoss) {
    const oldDistInputs = tf.reshape<tf.Rank.R2>(column(batch, PPOColumns.OLD_DIST_INPUTS), [-1, dist.inputDim]);
    meanKlLoss = tf.mean(dist.kl(oldDistInputs, actionDistInputs));
  }

  let totalLoss: tf.Scalar = tf.mean(
    tf.sub(tf.add(tf.neg(surrogate), tf.mul(vfLossClipped, vfLossCoeff)), tf.mul(entropy, entropyCoeff)),
  );
  if (useKlLoss) totalLoss = tf.add(totalLoss, tf.mul(meanKlLoss, klCoeff));

  // Diagnostics (CleanRL): approx_kl = E[(r - 1) - log r] (Schulman's k3 estimator), clip_frac.
  const approxKl = tf.mean<tf.Scalar>(tf.sub(tf.sub(ratio, 1), logRatio));
  const clipFrac = tf.mean<tf.Scalar>(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), clipParam), 'float32'));

  return {
    loss: totalLoss,
    stats: {
      policy_loss: tf.neg(tf.mean(surrogate)),
      vf_loss: tf.mean(vfLossClipped),
      vf_loss_unclipped: tf.mean(vfLossUnclipped),
      vf_explained_var: explainedVariance(valueTargets, vfPreds),
      entropy: tf.mean(entropy),
      mean_kl_loss: meanKlLoss,
      curr_kl_coeff: tf.scalar(klCoeff),
      approx_kl: approxKl,
      clip_frac: clipFrac,
      total_loss: tf.clone(totalLoss),
    },
  };
}
