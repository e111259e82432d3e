/**
 * PPO's loss (ppo-loss.ts: readablePPOLoss, the paper's formulas) for M stacked modules at once:
 * every tensor has a leading module axis, each module's means run over its own real rows (`mask`),
 * and the result is the sum of the M module losses, so autodiff gives each module the gradient of
 * its own loss. One taped forward and one set of loss kernels serve all modules.
 * test/unit/stacked-learner.test.ts checks it against ppoLoss module by module.
 */
import * as tf from '@tensorflow/tfjs';
import type { Minibatch } from '../../learner/learner-types';
import type { StackedLossOutput } from '../../learner/stacked-learner';
import type { StackedMLP } from '../../rl-module/stacked-mlp';
import { PPOColumns, type PPOLossConfig } from './ppo-loss';

export type StackedPPOLossConfig = Omit<PPOLossConfig, 'klCoeff'>;

function column(batch: Minibatch, name: string): tf.Tensor {
  const t = batch[name];
  if (!t) throw new RangeError(`stacked PPO loss needs a '${name}' column`);
  return t;
}

/**
 * The loss of one stacked minibatch ([M, B, ...] columns). `mask` [M, B] is 1 on real rows,
 * `counts` [M] their number per module (>= 1), `klCoeffs` [M] each module's current KL coefficient.
 */
export function stackedPPOLoss(
  module: Pick<StackedMLP, 'forwardTrain' | 'distribution'>,
  batch: Minibatch,
  mask: tf.Tensor2D,
  counts: tf.Tensor1D,
  config: StackedPPOLossConfig,
  klCoeffs: tf.Tensor1D,
): StackedLossOutput {
  const { clipParam, vfClipParam, vfLossCoeff, entropyCoeff, useKlLoss } = config;
  const dist = module.distribution;
  const { actionDistInputs, vfPreds } = module.forwardTrain(column(batch, PPOColumns.OBS));
  const [M, B] = vfPreds.shape;
  // The distributions work on rows: every module's rows, one after the other.
  const rows = tf.reshape<tf.Rank.R2>(actionDistInputs, [M * B, dist.inputDim]);
  const perModule = (x: tf.Tensor): tf.Tensor2D => tf.reshape(x, [M, B]);
  /** Each module's mean over its real rows: [M, B] -> [M]. */
  const meanOf = (x: tf.Tensor2D): tf.Tensor1D => tf.div(tf.sum(tf.mul(x, mask), 1), counts);
  const advantages = column(batch, PPOColumns.ADVANTAGES) as tf.Tensor2D;
  const valueTargets = column(batch, PPOColumns.VALUE_TARGETS) as tf.Tensor2D;
  const actions = tf.reshape(
    column(batch, PPOColumns.ACTIONS),
    dist.actionDim === 1 ? [M * B] : [M * B, dist.actionDim],
  );

  // Probability ratio r = pi(a|s) / pi_old(a|s), and the clipped surrogate (maximised, so negated).
  const logRatio: tf.Tensor2D = tf.sub(perModule(dist.logp(rows, actions)), column(batch, PPOColumns.OLD_LOGP));
  const ratio: tf.Tensor2D = tf.exp(logRatio);
  const surrogate: tf.Tensor2D = tf.minimum(
    tf.mul(advantages, ratio),
    tf.mul(advantages, tf.clipByValue(ratio, 1 - clipParam, 1 + clipParam)),
  );
  const policyLoss = tf.neg(meanOf(surrogate));

  // Value loss: RLlib clamps the squared error itself to [0, vfClipParam].
  const vfLossUnclipped: tf.Tensor2D = tf.square(tf.sub(vfPreds, valueTargets));
  const vfLoss = meanOf(tf.clipByValue(vfLossUnclipped, 0, vfClipParam));
  const entropy = meanOf(perModule(dist.entropy(rows)));
  const meanKlLoss = useKlLoss
    ? meanOf(perModule(dist.kl(tf.reshape(column(batch, PPOColumns.OLD_DIST_INPUTS), [M * B, dist.inputDim]), rows)))
    : tf.zeros<tf.Rank.R1>([M]);

  let moduleLosses: tf.Tensor1D = tf.sub(
    tf.add(policyLoss, tf.mul(vfLoss, vfLossCoeff)),
    tf.mul(entropy, entropyCoeff),
  );
  if (useKlLoss) moduleLosses = tf.add(moduleLosses, tf.mul(meanKlLoss, klCoeffs));
  return {
    loss: tf.sum(moduleLosses),
    moduleLosses,
    stats: {
      policy_loss: policyLoss,
      vf_loss: vfLoss,
      vf_loss_unclipped: meanOf(vfLossUnclipped),
      vf_explained_var: maskedExplainedVariance(valueTargets, vfPreds, meanOf),
      entropy,
      mean_kl_loss: meanKlLoss,
      curr_kl_coeff: tf.clone(klCoeffs),
      // CleanRL's diagnostics: approx_kl = E[(r - 1) - log r] (Schulman's k3 estimator), clip_frac.
      approx_kl: meanOf(tf.sub(tf.sub(ratio, 1), logRatio)),
      clip_frac: meanOf(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), clipParam), 'float32')),
      total_loss: tf.clone(moduleLosses),
    },
  };
}

/** explained-variance.ts per module over its real rows: max(-1, 1 - Var[y - pred] / Var[y]); -1 when y is constant. */
function maskedExplainedVariance(
  y: tf.Tensor2D,
  pred: tf.Tensor2D,
  meanOf: (x: tf.Tensor2D) => tf.Tensor1D,
): tf.Tensor1D {
  const variance = (x: tf.Tensor2D): tf.Tensor1D => meanOf(tf.square(tf.sub(x, tf.reshape(meanOf(x), [-1, 1]))));
  const yVar = variance(y);
  const diffVar = variance(tf.sub(y, pred));
  const ev = tf.maximum(tf.sub(1, tf.div(diffVar, tf.maximum(yVar, 1e-30))), -1);
  return tf.where(tf.greater(yVar, 0), ev, tf.fill<tf.Rank.R1>([y.shape[0]], -1)) as tf.Tensor1D;
}
