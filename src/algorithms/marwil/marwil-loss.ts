/**
 * MARWIL's loss (Wang et al. 2018, "Exponentially Weighted Imitation Learning for Batched
 * Historical Data"), as RLlib computes it (rllib/algorithms/marwil/torch/marwil_torch_learner.py,
 * compute_loss_for_module):
 *
 *   A        = value_targets - V(s)
 *   c^2     <- c^2 + rate * (mean(A^2) - c^2)            (moving average, one update per step)
 *   w        = exp(beta * A / (1e-8 + sqrt(c^2)))         (no gradient)
 *   loss     = -mean(w * log pi(a|s)) + vf_coeff * 0.5 * mean(A^2)
 *
 * With beta = 0 it is behaviour cloning: w = 1 and no value loss (RLlib skips the value branch).
 * Plain autodiff: one small MLP, no fused gradient needed at these sizes.
 */
import * as tf from '@tensorflow/tfjs';
import type { Minibatch } from '../../learner/learner';
import type { MLPModule } from '../../rl-module/mlp-module';
import { stopGradient } from '../../rl-module/no-grad';
import { explainedVariance } from '../../learner/explained-variance';

export interface MARWILLossConfig {
  /** RLlib: beta. */
  readonly beta: number;
  /** RLlib: vf_coeff. */
  readonly vfCoeff: number;
  /** RLlib: moving_average_sqd_adv_norm_update_rate. */
  readonly movingAverageSqdAdvNormUpdateRate: number;
}

/** Train-batch columns the loss reads. */
export const MARWILColumns = { OBS: 'obs', ACTIONS: 'actions', VALUE_TARGETS: 'valueTargets' } as const;

export type MARWILLossModule = Pick<MLPModule, 'forwardTrain' | 'distribution'>;

function column(batch: Minibatch, name: string): tf.Tensor {
  const t = batch[name];
  if (!t) throw new RangeError(`MARWIL loss needs a '${name}' column`);
  return t;
}

/**
 * The loss of one minibatch. `movingAvgSqdAdvNorm` (c^2) is a scalar variable the loss updates
 * in place, once per call, as RLlib's learner does per update; BC leaves it alone.
 */
export function marwilLoss(
  module: MARWILLossModule,
  batch: Minibatch,
  config: MARWILLossConfig,
  movingAvgSqdAdvNorm: tf.Variable,
): { loss: tf.Scalar; stats: Record<string, tf.Scalar> } {
  const { actionDistInputs, vfPreds } = module.forwardTrain(column(batch, MARWILColumns.OBS));
  const logp = module.distribution.logp(actionDistInputs, column(batch, MARWILColumns.ACTIONS));

  if (config.beta === 0) {
    // Behaviour cloning: maximise the log-likelihood of the recorded actions.
    const policyLoss = tf.neg(tf.mean<tf.Scalar>(logp));
    return { loss: policyLoss, stats: { policy_loss: tf.clone(policyLoss), total_loss: tf.clone(policyLoss) } };
  }

  const valueTargets = column(batch, MARWILColumns.VALUE_TARGETS) as tf.Tensor1D;
  const advantages = tf.sub(valueTargets, vfPreds);
  const advantagesSquaredMean = tf.mean<tf.Scalar>(tf.square(advantages));
  const vfLoss = tf.mul<tf.Scalar>(advantagesSquaredMean, 0.5);

  const rate = config.movingAverageSqdAdvNormUpdateRate;
  const updated = tf.add<tf.Scalar>(
    movingAvgSqdAdvNorm,
    tf.mul(tf.sub(stopGradient(advantagesSquaredMean), movingAvgSqdAdvNorm), rate),
  );
  movingAvgSqdAdvNorm.assign(updated);
  const weights = stopGradient(tf.exp(tf.mul(tf.div(advantages, tf.add(tf.sqrt(updated), 1e-8)), config.beta)));

  const policyLoss = tf.neg(tf.mean<tf.Scalar>(tf.mul(weights, logp)));
  const loss = tf.add<tf.Scalar>(policyLoss, tf.mul(vfLoss, config.vfCoeff));
  return {
    loss,
    stats: {
      policy_loss: policyLoss,
      vf_loss: vfLoss,
      vf_explained_var: explainedVariance(valueTargets, stopGradient(vfPreds)),
      moving_avg_sqd_adv_norm: tf.clone(updated),
      mean_advantage_weight: tf.mean<tf.Scalar>(weights),
      total_loss: tf.clone(loss),
    },
  };
}
