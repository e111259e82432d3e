/**
 * The IMPALA loss (Espeholt et al. 2018, section 4.2) and APPO's clipped surrogate on V-trace
 * advantages (Luo et al. 2020, "IMPACT"), as RLlib computes them
 * (rllib/algorithms/impala/torch/impala_torch_learner.py and
 * rllib/algorithms/appo/torch/appo_torch_learner.py, `compute_loss_for_module`):
 *
 *   IMPALA: policy = -mean(logp * A^pg)
 *   APPO:   r = clip(mu / pi_target, 0, targetWorkerClipping) * pi / mu
 *           policy = -mean(min(A^pg r, A^pg clip(r, 1 - clipParam, 1 + clipParam)))
 *   both:   vf = 0.5 * mean((V - v_s)^2), entropy bonus, APPO's optional KL(pi_target || pi)
 *   total = policy + vfLossCoeff * vf - entropyCoeff * entropy (+ klCoeff * kl)
 *
 * V-trace targets v_s and advantages A^pg come in as columns (connectors/vtrace.ts, computed
 * without gradient, as RLlib's are). Like PPO's loss (ppo-loss.ts), two versions behind one
 * switch (learner/fast-paths.ts: fusedLosses): `readableImpalaLoss`, the formulas above
 * differentiated by TF.js, and `fusedImpalaLoss`, one custom op on the module's outputs with its
 * gradient in closed form (on wasm every taped kernel costs dispatch time).
 * test/unit/impala-loss.test.ts checks that both give the same loss, stats and gradients.
 */
import * as tf from '@tensorflow/tfjs';
import { explainedVariance } from '../../learner/explained-variance';
import { FAST_PATHS } from '../../learner/fast-paths';
import type { Minibatch } from '../../learner/learner';
import type { MLPModule } from '../../rl-module/mlp-module';

/** Train-batch columns the loss reads (per row). */
export const ImpalaColumns = {
  OBS: 'obs',
  ACTIONS: 'actions',
  /** V-trace advantages. RLlib: pg_advantages. */
  PG_ADVANTAGES: 'pgAdvantages',
  /** V-trace value targets. RLlib: vs. */
  VS: 'vs',
  /** APPO: log mu(a|s) of the EnvRunner's policy. RLlib: action_logp. */
  BEHAVIOUR_LOGP: 'behaviourLogp',
  /** APPO: clip(mu / pi_target, 0, targetWorkerClipping), per row. */
  TARGET_WORKER_WEIGHTS: 'targetWorkerWeights',
  /** APPO with useKlLoss: the target network's distribution inputs. */
  TARGET_DIST_INPUTS: 'targetDistInputs',
} as const;

export interface ImpalaLossConfig {
  /** RLlib: vf_loss_coeff. */
  readonly vfLossCoeff: number;
  /** RLlib: entropy_coeff. */
  readonly entropyCoeff: number;
  /** APPO's surrogate (null: IMPALA's plain policy gradient). */
  readonly appo: null | {
    /** RLlib: clip_param (0.4). */
    readonly clipParam: number;
    readonly useKlLoss: boolean;
    /** Current (adapted) KL coefficient. RLlib: curr_kl_coeff. */
    readonly klCoeff: number;
  };
}

export type ImpalaLossModule = Pick<MLPModule, 'forwardTrain' | 'distribution'>;

function column(batch: Minibatch, name: string): tf.Tensor {
  const t = batch[name];
  if (!t) throw new RangeError(`IMPALA loss needs a '${name}' column`);
  return t;
}

interface LossTerms {
  readonly loss: tf.Scalar;
  readonly dDistInputs: tf.Tensor2D;
  readonly dVfPreds: tf.Tensor1D;
  readonly stats: Record<string, tf.Scalar>;
}

/** d policy_loss / d logp and the policy loss: IMPALA's policy gradient or APPO's clipped surrogate. */
function policyTerm(
  logp: tf.Tensor1D,
  batch: Minibatch,
  config: ImpalaLossConfig,
  rows: number,
): { policyLoss: tf.Scalar; dLossDLogp: tf.Tensor1D; extra: Record<string, tf.Scalar> } {
  const advantages = column(batch, ImpalaColumns.PG_ADVANTAGES) as tf.Tensor1D;
  if (!config.appo) {
    return {
      policyLoss: tf.neg(tf.mean<tf.Scalar>(tf.mul(logp, advantages))),
      dLossDLogp: tf.mul(advantages, -1 / rows),
      extra: {},
    };
  }
  const { clipParam } = config.appo;
  // r = clip(mu / pi_target, 0, rho) * pi / mu (IMPACT's target-worker clipping).
  const ratio: tf.Tensor1D = tf.mul(
    column(batch, ImpalaColumns.TARGET_WORKER_WEIGHTS),
    tf.exp(tf.sub(logp, column(batch, ImpalaColumns.BEHAVIOUR_LOGP))),
  );
  const unclipped = tf.mul(advantages, ratio);
  const surrogate = tf.minimum(unclipped, tf.mul(advantages, tf.clipByValue(ratio, 1 - clipParam, 1 + clipParam)));
  // d min(.)/d r = A where the unclipped term is the min (else the clipped term is flat); d r / d logp = r.
  const passes = tf.cast(tf.lessEqual(unclipped, surrogate), 'float32');
  return {
    policyLoss: tf.neg(tf.mean<tf.Scalar>(surrogate)),
    dLossDLogp: tf.mul(tf.mul(unclipped, passes), -1 / rows),
    extra: {
      mean_ratio: tf.mean<tf.Scalar>(ratio),
      clip_frac: tf.mean<tf.Scalar>(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), clipParam), 'float32')),
    },
  };
}

function lossTerms(
  dist: ImpalaLossModule['distribution'],
  distInputs: tf.Tensor2D,
  vfPreds: tf.Tensor1D,
  batch: Minibatch,
  config: ImpalaLossConfig,
): LossTerms {
  const rows = distInputs.shape[0];
  const { vfLossCoeff, entropyCoeff } = config;
  const useKl = config.appo?.useKlLoss === true;
  const klCoeff = config.appo?.klCoeff ?? 0;
  const targetInputs = useKl
    ? tf.reshape<tf.Rank.R2>(column(batch, ImpalaColumns.TARGET_DIST_INPUTS), [-1, dist.inputDim])
    : null;
  const terms = dist.policyTerms(distInputs, column(batch, ImpalaColumns.ACTIONS), targetInputs);
  const { policyLoss, dLossDLogp, extra } = policyTerm(terms.logp, batch, config, rows);

  // Value loss: 0.5 * mean((V - v_s)^2), RLlib's (no clipping).
  const vs = column(batch, ImpalaColumns.VS) as tf.Tensor1D;
  const valueError: tf.Tensor1D = tf.sub(vfPreds, vs);
  const vfLoss: tf.Scalar = tf.mul(tf.mean<tf.Scalar>(tf.square(valueError)), 0.5);
  const dVfPreds: tf.Tensor1D = tf.mul(valueError, vfLossCoeff / rows);

  let dDistInputs: tf.Tensor2D = tf.sub(
    tf.mul<tf.Tensor2D>(terms.dLogp, tf.reshape(dLossDLogp, [-1, 1])),
    tf.mul(terms.dEntropy, entropyCoeff / rows),
  );
  if (terms.kl) dDistInputs = tf.add(dDistInputs, tf.mul(terms.kl.grad, klCoeff / rows));

  const entropy = tf.mean<tf.Scalar>(terms.entropy);
  const meanKl = terms.kl ? tf.mean<tf.Scalar>(terms.kl.value) : tf.scalar(0);
  let loss: tf.Scalar = tf.sub(tf.add(policyLoss, tf.mul(vfLoss, vfLossCoeff)), tf.mul(entropy, entropyCoeff));
  if (terms.kl) loss = tf.add(loss, tf.mul(meanKl, klCoeff));
  return {
    loss,
    dDistInputs,
    dVfPreds,
    stats: {
      policy_loss: policyLoss,
      vf_loss: vfLoss,
      vf_explained_var: explainedVariance(vs, vfPreds),
      entropy,
      mean_kl_loss: meanKl,
      total_loss: tf.clone(loss),
      ...extra,
    },
  };
}

/** The loss and its stats (kept tensors the caller disposes); a type literal, so `tf.tidy` can return it. */
export type ImpalaLossOutput = { readonly loss: tf.Scalar; readonly stats: Record<string, tf.Scalar> };

/** The loss of one batch, differentiable w.r.t. the module's variables; stats are kept tensors. */
export function impalaLoss(module: ImpalaLossModule, batch: Minibatch, config: ImpalaLossConfig): ImpalaLossOutput {
  return FAST_PATHS.fusedLosses ? fusedImpalaLoss(module, batch, config) : readableImpalaLoss(module, batch, config);
}

/** The readable version: the formulas in the header, differentiated by TF.js autodiff. */
export function readableImpalaLoss(
  module: ImpalaLossModule,
  batch: Minibatch,
  config: ImpalaLossConfig,
): ImpalaLossOutput {
  const { vfLossCoeff, entropyCoeff, appo } = config;
  const dist = module.distribution;
  const { actionDistInputs, vfPreds } = module.forwardTrain(column(batch, ImpalaColumns.OBS));
  const logp = dist.logp(actionDistInputs, column(batch, ImpalaColumns.ACTIONS));
  const advantages = column(batch, ImpalaColumns.PG_ADVANTAGES);

  let policyLoss: tf.Scalar;
  let extra: Record<string, tf.Scalar> = {};
  if (!appo) {
    // IMPALA: the policy gradient on V-trace advantages.
    policyLoss = tf.neg(tf.mean<tf.Scalar>(tf.mul(logp, advantages)));
  } else {
    // APPO: r = clip(mu / pi_target, 0, rho) * pi / mu, and PPO's clipped surrogate on it.
    const ratio = tf.mul(
      column(batch, ImpalaColumns.TARGET_WORKER_WEIGHTS),
      tf.exp(tf.sub(logp, column(batch, ImpalaColumns.BEHAVIOUR_LOGP))),
    );
    const pgLoss1 = tf.neg(tf.mul(advantages, ratio));
    const pgLoss2 = tf.neg(tf.mul(advantages, tf.clipByValue(ratio, 1 - appo.clipParam, 1 + appo.clipParam)));
    policyLoss = tf.mean<tf.Scalar>(tf.maximum(pgLoss1, pgLoss2));
    extra = {
      mean_ratio: tf.mean<tf.Scalar>(ratio),
      clip_frac: tf.mean<tf.Scalar>(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), appo.clipParam), 'float32')),
    };
  }

  // Value loss: 0.5 * mean((V - v_s)^2), RLlib's (no clipping).
  const vs = column(batch, ImpalaColumns.VS) as tf.Tensor1D;
  const vfLoss = tf.mul<tf.Scalar>(tf.mean<tf.Scalar>(tf.square(tf.sub(vfPreds, vs))), 0.5);
  const entropy = tf.mean<tf.Scalar>(dist.entropy(actionDistInputs));
  const targetInputs = appo?.useKlLoss
    ? tf.reshape<tf.Rank.R2>(column(batch, ImpalaColumns.TARGET_DIST_INPUTS), [-1, dist.inputDim])
    : null;
  const meanKl = targetInputs ? tf.mean<tf.Scalar>(dist.kl(targetInputs, actionDistInputs)) : tf.scalar(0);

  let loss: tf.Scalar = tf.sub(tf.add(policyLoss, tf.mul(vfLoss, vfLossCoeff)), tf.mul(entropy, entropyCoeff));
  if (targetInputs && appo) loss = tf.add(loss, tf.mul(meanKl, appo.klCoeff));
  return {
    loss,
    stats: {
      policy_loss: policyLoss,
      vf_loss: vfLoss,
      vf_explained_var: explainedVariance(vs, vfPreds),
      entropy,
      mean_kl_loss: meanKl,
      total_loss: tf.clone(loss),
      ...extra,
    },
  };
}

/** The fast version: one custom op whose gradient w.r.t. the module's outputs is `lossTerms`' closed form. */
export function fusedImpalaLoss(
  module: ImpalaLossModule,
  batch: Minibatch,
  config: ImpalaLossConfig,
): ImpalaLossOutput {
  const { actionDistInputs, vfPreds } = module.forwardTrain(column(batch, ImpalaColumns.OBS));
  let stats: Record<string, tf.Scalar> = {};
  const fusedLoss = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [distInputs, values, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    const terms = lossTerms(module.distribution, distInputs, values, batch, config);
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
