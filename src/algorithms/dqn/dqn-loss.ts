/**
 * DQN's loss on one minibatch of (n-step) transitions, as RLlib computes it with `num_atoms` = 1
 * (rllib/algorithms/dqn/torch/dqn_torch_learner.py, `compute_loss_for_module`) and as CleanRL's
 * dqn.py reads:
 *
 *   y      = r + gamma^k * (1 - terminated) * Q_target(s', a*)     (no gradient)
 *   a*     = argmax_a Q_online(s', a)   with double Q (van Hasselt et al. 2016),
 *            argmax_a Q_target(s', a)   without (Mnih et al. 2015)
 *   loss   = mean_i( w_i * L(Q_online(s_i, a_i) - y_i) ),  L = Huber (delta 1) or squared error
 *
 * `r` is the n-step discounted reward sum and `gamma^k` the discount of the bootstrap value, k
 * the steps actually summed (fewer than n where the episode ended), both from the replay buffer.
 * Truncated transitions bootstrap (they are not terminated) from the final observation in `s'`
 * (Pardo et al. 2018). `w` are prioritized replay's importance weights (1 for uniform replay).
 */
import * as tf from '@tensorflow/tfjs';
import type { Minibatch } from '../../learner/learner';
import type { QTrainOutputs } from '../../rl-module/q-module';
import { Columns } from '../../rl-module/rl-module';

export interface DQNLossConfig {
  /** Bootstrap action from the online net, value from the target net. RLlib: double_q. */
  readonly doubleQ: boolean;
  /** RLlib: td_error_loss_fn ('huber' uses delta 1.0, torch's HuberLoss default). */
  readonly tdErrorLossFn: 'huber' | 'mse';
}

/** Train-batch columns the loss reads, one row per transition. */
export const DQNColumns = {
  OBS: Columns.OBS,
  /** s' (the final observation for truncated episodes). RLlib: new_obs. */
  NEXT_OBS: Columns.NEXT_OBS,
  /** Int32 action indices. */
  ACTIONS: Columns.ACTIONS,
  /** n-step discounted reward sums. */
  REWARDS: Columns.REWARDS,
  /** 1 where s' is terminal (no bootstrap), else 0. */
  TERMINATEDS: Columns.TERMINATEDS,
  /** gamma^k per row, k the steps summed into the reward. RLlib computes gamma ** batch["n_step"]. */
  DISCOUNTS: 'discounts',
  /** Importance-sampling weights. RLlib: weights. */
  WEIGHTS: 'weights',
} as const;

/** The parts of a module the loss uses (a QModule, or a stub with fixed Q tables in tests). */
export interface DQNLossModule {
  forwardTrain(obs: tf.Tensor): QTrainOutputs;
  forwardTarget(obs: tf.Tensor, targetVariables: readonly tf.Variable[]): QTrainOutputs;
}

/** RLlib's stat names (rllib/algorithms/dqn/dqn_learner.py: QF_LOSS_KEY, ...). */
export interface DQNLossStats {
  readonly qf_loss: tf.Scalar;
  readonly qf_mean: tf.Scalar;
  readonly qf_max: tf.Scalar;
  readonly qf_min: tf.Scalar;
  readonly td_error_mean: tf.Scalar;
}

export interface DQNLossOutput {
  readonly loss: tf.Scalar;
  readonly stats: DQNLossStats;
  /** |Q(s, a) - y| per row, for prioritized replay's priorities. RLlib: td_error. */
  readonly tdErrors: tf.Tensor1D;
}

function column(batch: Minibatch, name: string): tf.Tensor {
  const t = batch[name];
  if (!t) throw new RangeError(`DQN loss needs a '${name}' column`);
  return t;
}

/**
 * A tensor's value with no gradient: a custom op with no inputs, so the tape never walks back
 * into what computed it (TF.js has no stop_gradient; RLlib: .detach(), CleanRL: torch.no_grad()).
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return tf.customGrad<T>(() => ({ value: x.clone(), gradFunc: () => [] }))();
}

/** Huber loss with delta 1 (torch.nn.HuberLoss): 0.5 x^2 for |x| <= 1, |x| - 0.5 beyond. */
export function huber(x: tf.Tensor1D): tf.Tensor1D {
  const absX = tf.abs(x);
  const quadratic = tf.minimum(absX, 1);
  const linear = tf.sub(absX, quadratic);
  return tf.add(tf.mul(0.5, tf.square(quadratic)), linear);
}

/** The loss, its stats and the per-row TD errors; run it under the gradient tape (the Learner tidies). */
export function dqnLoss(
  module: DQNLossModule,
  targetVariables: readonly tf.Variable[],
  batch: Minibatch,
  config: DQNLossConfig,
): DQNLossOutput {
  const actions = column(batch, DQNColumns.ACTIONS).toInt();
  const rewards = column(batch, DQNColumns.REWARDS).toFloat();
  const terminateds = column(batch, DQNColumns.TERMINATEDS).toFloat();
  const discounts = column(batch, DQNColumns.DISCOUNTS).toFloat();
  const weights = column(batch, DQNColumns.WEIGHTS).toFloat();
  const nextObs = column(batch, DQNColumns.NEXT_OBS);

  // Q(s, a) of the actions taken.
  const qValues = module.forwardTrain(column(batch, DQNColumns.OBS)).qValues;
  const numActions = qValues.shape[1];
  const qSelected = tf.sum<tf.Tensor1D>(tf.mul(qValues, tf.oneHot(actions, numActions)), 1);

  // The TD target y, held fixed (only Q(s, a) is trained).
  const qTargetNext = module.forwardTarget(nextObs, targetVariables).qValues;
  const nextActions = config.doubleQ
    ? tf.argMax(module.forwardTrain(nextObs).qValues, 1) // van Hasselt et al.: online net picks...
    : tf.argMax(qTargetNext, 1);
  const qNextBest = tf.sum(tf.mul(qTargetNext, tf.oneHot(nextActions, numActions)), 1); // ...target net values it.
  const qNextBestMasked = tf.mul(tf.sub(1, terminateds), qNextBest); // no bootstrap from terminal states
  const qTarget = stopGradient(tf.add<tf.Tensor1D>(rewards, tf.mul(discounts, qNextBestMasked)));

  const tdError = tf.sub<tf.Tensor1D>(qSelected, qTarget);
  const tdLoss = config.tdErrorLossFn === 'huber' ? huber(tdError) : tf.square(tdError);
  const loss = tf.mean<tf.Scalar>(tf.mul(weights, tdLoss));
  const tdErrors = tf.abs(tdError);

  return {
    loss,
    stats: {
      // A clone: the Learner keeps stats past the tape, which owns `loss`.
      qf_loss: tf.clone(loss),
      qf_mean: tf.mean(qSelected),
      qf_max: tf.max(qSelected),
      qf_min: tf.min(qSelected),
      td_error_mean: tf.mean(tdErrors),
    },
    tdErrors,
  };
}
