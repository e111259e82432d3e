/**
 * SAC's loss for Box actions (Haarnoja et al. 2018, "Soft Actor-Critic Algorithms and
 * Applications", eqs. 5-7 and 18), as RLlib's SACTorchLearner._compute_loss_for_module_continuous
 * (rllib/algorithms/sac/torch/sac_torch_learner.py) with DefaultSACTorchRLModule._forward_train:
 *
 *   y        = r + gamma^k (1 - terminated) (min_i Q'_i(s', a') - alpha log pi(a'|s')),  a' ~ pi(.|s')
 *   qf_loss  = mean(w * huber(Q_1(s, a) - y))        (and qf_twin_loss for Q_2; w: PER weights)
 *   policy   = mean(alpha log pi(a~|s) - min_i Q_i(s, a~)),  a~ reparameterised
 *   alpha    = -mean(log_alpha (log pi(a~|s) + target_entropy))
 *
 * Their sum is one scalar; each optimizer group owns disjoint variables and each term reaches
 * only its own group's: the target is computed without gradient (RLlib: .detach()), the actor's
 * pass through the critics is frozen (RLlib: requires_grad = False), alpha is detached in the
 * policy loss and log pi in the alpha loss. So one backward pass gives RLlib's three gradients.
 */
import * as tf from '@tensorflow/tfjs';
import type { LossOutput, Minibatch } from '../../learner/learner';
import { noGrad, stopGradient } from '../../rl-module/no-grad';
import type { SACModule } from '../../rl-module/sac-module';
import { squashedGaussianSample } from '../../rl-module/squashed-gaussian';

/** The replay columns the loss reads (actions already normalised to [-1, 1]). */
export const SACColumns = {
  OBS: 'obs',
  NEXT_OBS: 'new_obs',
  ACTIONS: 'actions',
  REWARDS: 'rewards',
  /** gamma^k, 0 where the episode terminated within the k steps. */
  DISCOUNTS: 'discounts',
  /** Prioritized replay's importance weights. RLlib: weights. */
  WEIGHTS: 'weights',
  /** Standard-normal noise for a~ at s and a' at s' (drawn by the algorithm's seeded Rng). */
  EPS: 'eps',
  EPS_NEXT: 'eps_next',
} as const;

export interface SACLossConfig {
  readonly twinQ: boolean;
  /** Resolved: -|A| for 'auto'. */
  readonly targetEntropy: number;
}

/** Huber with delta 1 (torch.nn.HuberLoss, as RLlib's critic loss). */
function huber(x: tf.Tensor1D): tf.Tensor1D {
  const a = tf.abs(x);
  const q = tf.minimum(a, 1);
  return tf.add(tf.mul(tf.square(q), 0.5), tf.sub(a, q));
}

/** min over the critics (one or two) at concat(obs, action). */
function minQ(m: SACModule, x: tf.Tensor2D, critics: readonly tf.Variable[], mode: 'frozen' | 'const') {
  const q = m.qValues(x, 'qf', critics, mode);
  return m.twinQ ? tf.minimum(q, m.qValues(x, 'qf_twin', critics, mode)) : q;
}

function col2d(b: Minibatch, name: string, width: number): tf.Tensor2D {
  return tf.reshape(b[name]!, [-1, width]);
}

/**
 * The TD target y = r + gamma^k (1 - terminated) (min_i Q'_i(s', a') - alpha log pi(a'|s')),
 * a' ~ pi(.|s'), with no gradient (eqs. 3 and 5; twin min: Fujimoto et al. 2018). `discounts`
 * is already 0 where the episode terminated.
 */
function softTdTarget(m: SACModule, targetCritics: readonly tf.Variable[], batch: Minibatch, alpha: tf.Tensor) {
  return noGrad(() => {
    const nextObs = col2d(batch, SACColumns.NEXT_OBS, m.obsDim);
    const { mean, logStd } = m.splitDistInputs(m.forwardTrain(nextObs).actionDistInputs);
    const next = squashedGaussianSample(mean, logStd, col2d(batch, SACColumns.EPS_NEXT, m.actionDim));
    const qNext = minQ(m, tf.concat([nextObs, next.action], 1), targetCritics, 'const');
    const v = tf.sub(qNext, tf.mul(alpha, next.logp));
    return tf.add<tf.Tensor1D>(batch[SACColumns.REWARDS]!, tf.mul(batch[SACColumns.DISCOUNTS]!, v));
  });
}

export function sacLoss(
  m: SACModule,
  targetCritics: readonly tf.Variable[],
  batch: Minibatch,
  cfg: SACLossConfig,
): LossOutput {
  const d = m.actionDim;
  const obs = col2d(batch, SACColumns.OBS, m.obsDim);
  const critics = m.criticSource.trainableVariables;
  const logAlpha = m.logAlpha;
  const alpha = noGrad(() => tf.exp(logAlpha));

  const y = softTdTarget(m, targetCritics, batch, alpha);

  // Critic loss on the replayed actions.
  const weights = batch[SACColumns.WEIGHTS]!;
  const obsAction = tf.concat([obs, col2d(batch, SACColumns.ACTIONS, d)], 1);
  const td1: tf.Tensor1D = tf.sub(m.qValues(obsAction, 'qf', critics, 'train'), y);
  const qfLoss = tf.mean<tf.Scalar>(tf.mul(weights, huber(td1)));
  let tdErrors = tf.abs(td1);
  let qfTwinLoss: tf.Scalar | null = null;
  if (m.twinQ) {
    const td2: tf.Tensor1D = tf.sub(m.qValues(obsAction, 'qf_twin', critics, 'train'), y);
    qfTwinLoss = tf.mean<tf.Scalar>(tf.mul(weights, huber(td2)));
    tdErrors = tf.mul(tf.add(tdErrors, tf.abs(td2)), 0.5);
  }

  // Actor loss through frozen critics (reparameterisation, eq. 11-13).
  const { mean, logStd } = m.splitDistInputs(m.forwardTrain(obs).actionDistInputs);
  const cur = squashedGaussianSample(mean, logStd, col2d(batch, SACColumns.EPS, d));
  const qCurr = minQ(m, tf.concat([obs, cur.action], 1), critics, 'frozen');
  const policyLoss = tf.mean<tf.Scalar>(tf.sub(tf.mul(alpha, cur.logp), qCurr));

  // Temperature loss on log(alpha) (eq. 18; RLlib optimizes log alpha, as SB3 and CleanRL).
  const meanLogp = tf.mean<tf.Scalar>(cur.logp);
  const alphaLoss = tf.neg<tf.Scalar>(
    tf.mul(tf.reshape(logAlpha, []), tf.add(stopGradient(meanLogp), cfg.targetEntropy)),
  );

  let loss = tf.add<tf.Scalar>(tf.add(policyLoss, qfLoss), alphaLoss);
  if (qfTwinLoss) loss = tf.add(loss, qfTwinLoss);
  const alphaScalar = tf.reshape<tf.Rank.R0>(alpha, []);
  return {
    loss,
    stats: {
      // RLlib's keys (sac_learner.py, sac_torch_learner.py); entropy = -logps is ours, for the chart.
      policy_loss: policyLoss,
      qf_loss: qfLoss,
      ...(qfTwinLoss ? { qf_twin_loss: qfTwinLoss } : {}),
      alpha_loss: alphaLoss,
      alpha_value: alphaScalar,
      log_alpha_value: tf.reshape<tf.Rank.R0>(logAlpha, []),
      target_entropy: tf.scalar(cfg.targetEntropy),
      logps: meanLogp,
      entropy: tf.neg(meanLogp),
      qf_mean: tf.mean<tf.Scalar>(qCurr),
      qf_max: tf.max<tf.Scalar>(qCurr),
      qf_min: tf.min<tf.Scalar>(qCurr),
      td_error_mean: tf.mean<tf.Scalar>(tdErrors),
    },
    tdErrors,
  };
}
