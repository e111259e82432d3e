/**
 * PPO's loss (ppo-loss.ts: readablePPOLoss, the paper's formulas) for M stacked modules at once:
 * every tensor has a leading module axis, each module's means run over its own real rows (`mask`),
 * and the result is the sum of the M module losses, so each module gets the gradient of its own
 * loss. One taped forward and one set of loss kernels serve all modules.
 *
 * Two versions behind FAST_PATHS.fusedLosses, as ppo-loss.ts: the readable one differentiated by
 * TF.js, and the fused one, one custom op on the module outputs whose gradient is written in
 * closed form (ppo-loss.ts's lossTerms, per module: each row weighted by mask / count). Autodiff of
 * the readable one spent a third of a stacked update on the tape's clones and the gradient of
 * logSumExp's max (an Equal over every row). test/unit/stacked-learner.test.ts checks both against
 * ppoLoss module by module.
 */
import * as tf from '@tensorflow/tfjs';
import type { Minibatch } from '../../learner/learner-types';
import type { StackedLossOutput } from '../../learner/stacked-learner';
import type { StackedMLP } from '../../rl-module/stacked-mlp';
import { FAST_PATHS } from '../../learner/fast-paths';
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
 * The fused version unless the readable one is switched on (learner/fast-paths.ts).
 */
export function stackedPPOLoss(
  module: Pick<StackedMLP, 'forwardTrain' | 'distribution'>,
  batch: Minibatch,
  mask: tf.Tensor2D,
  counts: tf.Tensor1D,
  config: StackedPPOLossConfig,
  klCoeffs: tf.Tensor1D,
): StackedLossOutput {
  const loss = FAST_PATHS.fusedLosses ? fusedStackedPPOLoss : readableStackedPPOLoss;
  return loss(module, batch, mask, counts, config, klCoeffs);
}

/** The readable version: the paper's formulas per module, differentiated by TF.js autodiff. */
export function readableStackedPPOLoss(
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

/**
 * The fused version: the same loss and stats, its gradient w.r.t. the distribution inputs
 * [M, B, k] and the values [M, B] computed alongside from the same intermediates.
 */
export function fusedStackedPPOLoss(
  module: Pick<StackedMLP, 'forwardTrain' | 'distribution'>,
  batch: Minibatch,
  mask: tf.Tensor2D,
  counts: tf.Tensor1D,
  config: StackedPPOLossConfig,
  klCoeffs: tf.Tensor1D,
): StackedLossOutput {
  const { actionDistInputs, vfPreds } = module.forwardTrain(column(batch, PPOColumns.OBS));
  let moduleLosses: tf.Tensor1D | null = null;
  let stats: Record<string, tf.Tensor1D> = {};
  const fused = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [distInputs, values, save] = args as [tf.Tensor3D, tf.Tensor2D, tf.GradSaveFunc];
    const terms = stackedLossTerms(module.distribution, distInputs, values, batch, mask, counts, config, klCoeffs);
    // The op's scope disposes everything it does not return, save or keep.
    moduleLosses = tf.keep(terms.moduleLosses);
    stats = terms.stats;
    for (const s of Object.values(stats)) tf.keep(s);
    save([terms.dDistInputs, terms.dVfPreds]);
    return {
      value: tf.sum<tf.Scalar>(terms.moduleLosses),
      gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => saved.map((grad) => tf.mul(grad, dy)),
    };
  });
  const loss = fused(actionDistInputs, vfPreds);
  return { loss, moduleLosses: moduleLosses!, stats };
}

/** Module losses, their gradient w.r.t. the module outputs, and the stats of one stacked minibatch. */
function stackedLossTerms(
  dist: StackedMLP['distribution'],
  distInputs: tf.Tensor3D,
  vfPreds: tf.Tensor2D,
  batch: Minibatch,
  mask: tf.Tensor2D,
  counts: tf.Tensor1D,
  config: StackedPPOLossConfig,
  klCoeffs: tf.Tensor1D,
): {
  moduleLosses: tf.Tensor1D;
  dDistInputs: tf.Tensor3D;
  dVfPreds: tf.Tensor2D;
  stats: Record<string, tf.Tensor1D>;
} {
  const { clipParam, vfClipParam, vfLossCoeff, entropyCoeff, useKlLoss } = config;
  const [M, B] = vfPreds.shape;
  const k = dist.inputDim;
  const rows = tf.reshape<tf.Rank.R2>(distInputs, [M * B, k]);
  const perModule = (x: tf.Tensor): tf.Tensor2D => tf.reshape(x, [M, B]);
  const meanOf = (x: tf.Tensor2D): tf.Tensor1D => tf.div(tf.sum(tf.mul(x, mask), 1), counts);
  // Each row's weight in its module's mean: mask / count. Gradients of means are scaled by it.
  const weight: tf.Tensor2D = tf.div(mask, tf.reshape(counts, [M, 1]));
  const rowWeight = tf.reshape(weight, [M * B, 1]);
  const advantages = column(batch, PPOColumns.ADVANTAGES) as tf.Tensor2D;
  const valueTargets = column(batch, PPOColumns.VALUE_TARGETS) as tf.Tensor2D;
  const actions = tf.reshape(
    column(batch, PPOColumns.ACTIONS),
    dist.actionDim === 1 ? [M * B] : [M * B, dist.actionDim],
  );
  const oldRows = useKlLoss ? tf.reshape<tf.Rank.R2>(column(batch, PPOColumns.OLD_DIST_INPUTS), [M * B, k]) : null;
  const terms = dist.policyTerms(rows, actions, oldRows);

  // Probability ratio and the clipped surrogate, as ppo-loss.ts's lossTerms.
  const logRatio: tf.Tensor2D = tf.sub(perModule(terms.logp), column(batch, PPOColumns.OLD_LOGP));
  const ratio: tf.Tensor2D = tf.exp(logRatio);
  const unclipped: tf.Tensor2D = tf.mul(advantages, ratio);
  const surrogate: tf.Tensor2D = tf.minimum(
    unclipped,
    tf.mul(advantages, tf.clipByValue(ratio, 1 - clipParam, 1 + clipParam)),
  );
  const passes = tf.cast(tf.lessEqual(unclipped, surrogate), 'float32');
  const dLossDLogp = tf.neg(tf.mul(tf.mul(unclipped, passes), weight));

  // Value loss: the squared error clamped to [0, vfClipParam].
  const valueError: tf.Tensor2D = tf.sub(vfPreds, valueTargets);
  const vfLossUnclipped: tf.Tensor2D = tf.square(valueError);
  const inRange = tf.cast(tf.lessEqual(vfLossUnclipped, vfClipParam), 'float32');
  const dVfPreds: tf.Tensor2D = tf.mul(tf.mul(tf.mul(valueError, inRange), weight), 2 * vfLossCoeff);

  // d loss / d dist inputs: the policy term through logp, minus the entropy bonus, plus each module's KL penalty.
  let dRows: tf.Tensor2D = tf.sub(
    tf.mul(terms.dLogp, tf.reshape(dLossDLogp, [M * B, 1])),
    tf.mul(terms.dEntropy, tf.mul(rowWeight, entropyCoeff)),
  );
  if (terms.kl) {
    const klPerRow = tf.reshape(tf.mul(weight, tf.reshape(klCoeffs, [M, 1])), [M * B, 1]);
    dRows = tf.add(dRows, tf.mul(terms.kl.grad, klPerRow));
  }

  const policyLoss = tf.neg(meanOf(surrogate));
  const vfLoss = meanOf(tf.clipByValue(vfLossUnclipped, 0, vfClipParam));
  const entropy = meanOf(perModule(terms.entropy));
  const meanKlLoss = terms.kl ? meanOf(perModule(terms.kl.value)) : tf.zeros<tf.Rank.R1>([M]);
  let moduleLosses: tf.Tensor1D = tf.sub(
    tf.add(policyLoss, tf.mul(vfLoss, vfLossCoeff)),
    tf.mul(entropy, entropyCoeff),
  );
  if (terms.kl) moduleLosses = tf.add(moduleLosses, tf.mul(meanKlLoss, klCoeffs));
  return {
    moduleLosses,
    dDistInputs: tf.reshape(dRows, [M, B, k]),
    dVfPreds,
    stats: {
      policy_loss: policyLoss,
      vf_loss: vfLoss,
      vf_loss_unclipped: meanOf(vfLossUnclipped),
      vf_explained_var: maskedExplainedVariance(valueTargets, vfPreds, meanOf),
      entropy,
      mean_kl_loss: meanKlLoss,
      curr_kl_coeff: tf.clone(klCoeffs),
      approx_kl: meanOf(tf.sub(tf.sub(ratio, 1), logRatio)),
      clip_frac: meanOf(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), clipParam), 'float32')),
      total_loss: tf.clone(moduleLosses),
    },
  };
}
