/**
 * PPO's clipped surrogate loss (Schulman et al. 2017), as RLlib computes it
 * (rllib/algorithms/ppo/torch/ppo_torch_learner.py: compute_loss_for_module), with CleanRL's
 * diagnostics (approx_kl, clip_frac).
 *
 * Two versions of the same formulas behind one switch (learner/fast-paths.ts: fusedLosses):
 * `readablePPOLoss`, the paper's formulas differentiated by TF.js, and `fusedPPOLoss`, one custom
 * op on the module's outputs (distribution inputs and values) with its gradient in closed form,
 * computed alongside the value from the same intermediates. Autodiff recorded ~300 kernels per
 * minibatch (every taped op clones its inputs, and the diagnostics were taped too); on wasm,
 * where each kernel costs ~7 us of dispatch, that was ~40% of an Adam step (bench/NOTES.md,
 * change 5). test/unit/ppo-loss.test.ts checks that both give the same loss, stats and gradients.
 */
import * as tf from '@tensorflow/tfjs';
import { explainedVariance } from '../../learner/explained-variance';
import { FAST_PATHS } from '../../learner/fast-paths';
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
} as const;

/** The loss and its stats (kept tensors the caller disposes); a type literal, so `tf.tidy` can return it. */
export type PPOLossOutput = { readonly loss: tf.Scalar; readonly stats: Record<string, tf.Scalar> };

/** The parts of a module the loss uses (an MLPModule, or a stub with fixed outputs in tests). */
export type PPOLossModule = Pick<MLPModule, 'forwardTrain' | 'distribution'>;

function column(batch: Minibatch, name: string): tf.Tensor {
  const t = batch[name];
  if (!t) throw new RangeError(`PPO loss needs a '${name}' column`);
  return t;
}

/** The loss, its gradient w.r.t. the module outputs, and the stats of one minibatch. */
interface LossTerms {
  readonly loss: tf.Scalar;
  readonly dDistInputs: tf.Tensor2D;
  readonly dVfPreds: tf.Tensor1D;
  readonly stats: Record<string, tf.Scalar>;
}

function lossTerms(
  dist: PPOLossModule['distribution'],
  distInputs: tf.Tensor2D,
  vfPreds: tf.Tensor1D,
  batch: Minibatch,
  config: PPOLossConfig,
): LossTerms {
  const { clipParam, vfClipParam, vfLossCoeff, entropyCoeff, useKlLoss, klCoeff } = config;
  const rows = distInputs.shape[0];
  const advantages = column(batch, PPOColumns.ADVANTAGES);
  const valueTargets = column(batch, PPOColumns.VALUE_TARGETS) as tf.Tensor1D;
  const oldDistInputs = useKlLoss
    ? tf.reshape<tf.Rank.R2>(column(batch, PPOColumns.OLD_DIST_INPUTS), [-1, dist.inputDim])
    : null;
  const terms = dist.policyTerms(distInputs, column(batch, PPOColumns.ACTIONS), oldDistInputs);

  // Probability ratio r = pi(a|s) / pi_old(a|s).
  const logRatio = tf.sub(terms.logp, column(batch, PPOColumns.OLD_LOGP));
  const ratio = tf.exp(logRatio);
  const clippedRatio = tf.clipByValue(ratio, 1 - clipParam, 1 + clipParam);

  // Clipped surrogate objective (maximised, so its negation is the loss).
  const unclippedSurrogate = tf.mul(advantages, ratio);
  const surrogate = tf.minimum(unclippedSurrogate, tf.mul(advantages, clippedRatio));
  // d surrogate / d r = A where the unclipped term is the min (ties included, as tf.minimum's
  // gradient), else 0: the clipped term is the min only when r is outside the clip range, where
  // clip(r) is flat. d r / d logp = r.
  const passes = tf.lessEqual(unclippedSurrogate, surrogate);
  const dLossDLogp = tf.mul(tf.mul(unclippedSurrogate, tf.cast(passes, 'float32')), -1 / rows);

  // Value loss: RLlib clamps the squared error itself to [0, vfClipParam].
  const valueError: tf.Tensor1D = tf.sub(vfPreds, valueTargets);
  const vfLossUnclipped = tf.square(valueError);
  const vfLossClipped = tf.clipByValue(vfLossUnclipped, 0, vfClipParam);
  const vfInRange = tf.cast(tf.lessEqual(vfLossUnclipped, vfClipParam), 'float32');
  const dVfPreds: tf.Tensor1D = tf.mul(tf.mul(valueError, vfInRange), (2 * vfLossCoeff) / rows);

  // d loss / d dist inputs: the policy term through logp, minus the entropy bonus, plus the KL penalty.
  let dDistInputs: tf.Tensor2D = tf.sub(
    tf.mul<tf.Tensor2D>(terms.dLogp, tf.reshape(dLossDLogp, [-1, 1])),
    tf.mul(terms.dEntropy, entropyCoeff / rows),
  );
  if (terms.kl) dDistInputs = tf.add(dDistInputs, tf.mul(terms.kl.grad, klCoeff / rows));

  const policyLoss = tf.neg(tf.mean<tf.Scalar>(surrogate));
  const vfLoss = tf.mean<tf.Scalar>(vfLossClipped);
  const entropy = tf.mean<tf.Scalar>(terms.entropy);
  const meanKlLoss = terms.kl ? tf.mean<tf.Scalar>(terms.kl.value) : tf.scalar(0);
  let loss: tf.Scalar = tf.sub(tf.add(policyLoss, tf.mul(vfLoss, vfLossCoeff)), tf.mul(entropy, entropyCoeff));
  if (terms.kl) loss = tf.add(loss, tf.mul(meanKlLoss, klCoeff));

  // Diagnostics (CleanRL): approx_kl = E[(r - 1) - log r] (Schulman's k3 estimator), clip_frac.
  const approxKl = tf.mean<tf.Scalar>(tf.sub(tf.sub(ratio, 1), logRatio));
  const clipFrac = tf.mean<tf.Scalar>(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), clipParam), 'float32'));
  return {
    loss,
    dDistInputs,
    dVfPreds,
    stats: {
      policy_loss: policyLoss,
      vf_loss: vfLoss,
      vf_loss_unclipped: tf.mean<tf.Scalar>(vfLossUnclipped),
      vf_explained_var: explainedVariance(valueTargets, vfPreds),
      entropy,
      mean_kl_loss: meanKlLoss,
      curr_kl_coeff: tf.scalar(klCoeff),
      approx_kl: approxKl,
      clip_frac: clipFrac,
      total_loss: tf.clone(loss),
    },
  };
}

/**
 * The PPO loss of one minibatch, differentiable w.r.t. the module's variables. The stats are
 * kept tensors that the caller disposes (the Learner sums them).
 */
export function ppoLoss(module: PPOLossModule, batch: Minibatch, config: PPOLossConfig): PPOLossOutput {
  return FAST_PATHS.fusedLosses ? fusedPPOLoss(module, batch, config) : readablePPOLoss(module, batch, config);
}

/** The readable version: the paper's formulas in its names, differentiated by TF.js autodiff. */
export function readablePPOLoss(module: PPOLossModule, batch: Minibatch, config: PPOLossConfig): PPOLossOutput {
  const { clipParam, vfClipParam, vfLossCoeff, entropyCoeff, useKlLoss, klCoeff } = config;
  const dist = module.distribution;
  const { actionDistInputs, vfPreds } = module.forwardTrain(column(batch, PPOColumns.OBS));
  const advantages = column(batch, PPOColumns.ADVANTAGES);
  const valueTargets = column(batch, PPOColumns.VALUE_TARGETS) as tf.Tensor1D;

  // Probability ratio r = pi(a|s) / pi_old(a|s), and the clipped surrogate (maximised, so negated).
  const logRatio = tf.sub(
    dist.logp(actionDistInputs, column(batch, PPOColumns.ACTIONS)),
    column(batch, PPOColumns.OLD_LOGP),
  );
  const ratio = tf.exp(logRatio);
  const pgLoss1 = tf.neg(tf.mul(advantages, ratio));
  const pgLoss2 = tf.neg(tf.mul(advantages, tf.clipByValue(ratio, 1 - clipParam, 1 + clipParam)));
  const policyLoss = tf.mean<tf.Scalar>(tf.maximum(pgLoss1, pgLoss2));

  // Value loss: RLlib clamps the squared error itself to [0, vfClipParam].
  const vfLossUnclipped = tf.square(tf.sub(vfPreds, valueTargets));
  const vfLoss = tf.mean<tf.Scalar>(tf.clipByValue(vfLossUnclipped, 0, vfClipParam));
  const entropy = tf.mean<tf.Scalar>(dist.entropy(actionDistInputs));
  const oldDistInputs = useKlLoss
    ? tf.reshape<tf.Rank.R2>(column(batch, PPOColumns.OLD_DIST_INPUTS), [-1, dist.inputDim])
    : null;
  const meanKlLoss = oldDistInputs ? tf.mean<tf.Scalar>(dist.kl(oldDistInputs, actionDistInputs)) : tf.scalar(0);

  let loss: tf.Scalar = tf.sub(tf.add(policyLoss, tf.mul(vfLoss, vfLossCoeff)), tf.mul(entropy, entropyCoeff));
  if (useKlLoss) loss = tf.add(loss, tf.mul(meanKlLoss, klCoeff));
  return {
    loss,
    stats: {
      policy_loss: policyLoss,
      vf_loss: vfLoss,
      vf_loss_unclipped: tf.mean<tf.Scalar>(vfLossUnclipped),
      vf_explained_var: explainedVariance(valueTargets, vfPreds),
      entropy,
      mean_kl_loss: meanKlLoss,
      curr_kl_coeff: tf.scalar(klCoeff),
      // CleanRL's diagnostics: approx_kl = E[(r - 1) - log r] (Schulman's k3 estimator), clip_frac.
      approx_kl: tf.mean<tf.Scalar>(tf.sub(tf.sub(ratio, 1), logRatio)),
      clip_frac: tf.mean<tf.Scalar>(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), clipParam), 'float32')),
      total_loss: tf.clone(loss),
    },
  };
}

/** The fast version: one custom op whose gradient w.r.t. the module's outputs is `lossTerms`' closed form. */
export function fusedPPOLoss(module: PPOLossModule, batch: Minibatch, config: PPOLossConfig): PPOLossOutput {
  const { actionDistInputs, vfPreds } = module.forwardTrain(column(batch, PPOColumns.OBS));
  let stats: Record<string, tf.Scalar> = {};
  const fusedLoss = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [distInputs, values, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    const terms = lossTerms(module.distribution, distInputs, values, batch, config);
    // The op's scope disposes everything it does not return, save or keep.
    stats = terms.stats;
    for (const s of Object.values(stats)) tf.keep(s);
    save([terms.dDistInputs, terms.dVfPreds]);
    return {
      value: terms.loss,
      gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => saved.map((grad) => tf.mul(grad, dy)),
    };
  });
  const loss = fusedLoss(actionDistInputs, vfPreds);
  return { loss, stats };
}
