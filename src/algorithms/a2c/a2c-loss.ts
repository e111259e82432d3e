/**
 * A2C's loss (Mnih et al. 2016, "Asynchronous Methods for Deep Reinforcement Learning", the
 * synchronous variant), as RLlib's old stack computes it (rllib/algorithms/a3c/a3c_torch_policy.py,
 * `A3CTorchPolicy.loss`): the policy gradient with advantages, half the squared value error, and
 * an entropy bonus. RLlib sums each term over the batch; here they are means, so the loss and
 * grad_clip do not scale with the batch size (the step direction is the same).
 *
 *   L = -mean(log pi(a|s) * A) + vf_loss_coeff * 0.5 * mean((V(s) - target)^2) - entropy_coeff * mean(H)
 *
 * Plain TF.js autodiff: A2C takes one gradient step per batch, so the fused-gradient trick of
 * PPO's loss (which runs ~100 minibatch steps per iteration) would buy little.
 */
import * as tf from '@tensorflow/tfjs';
import { explainedVariance } from '../../learner/explained-variance';
import type { LossOutput, Minibatch } from '../../learner/learner';
import type { MLPModule } from '../../rl-module/mlp-module';

export interface A2CLossConfig {
  /** RLlib: vf_loss_coeff. SB3: vf_coef. */
  readonly vfLossCoeff: number;
  /** RLlib: entropy_coeff. SB3: ent_coef. */
  readonly entropyCoeff: number;
  /** Train the value function (false: no value loss). RLlib: use_critic. */
  readonly useCritic: boolean;
}

/** Train-batch columns the loss reads (per row). */
export const A2CColumns = {
  OBS: 'obs',
  ACTIONS: 'actions',
  /** RLlib: Postprocessing.ADVANTAGES. */
  ADVANTAGES: 'advantages',
  /** RLlib: Postprocessing.VALUE_TARGETS. */
  VALUE_TARGETS: 'valueTargets',
} as const;

/** The parts of a module the loss uses (an MLPModule, or a stub with fixed outputs in tests). */
export type A2CLossModule = Pick<MLPModule, 'forwardTrain' | 'distribution'>;

function column(batch: Minibatch, name: string): tf.Tensor {
  const t = batch[name];
  if (!t) throw new RangeError(`A2C loss needs a '${name}' column`);
  return t;
}

/** The A2C loss of one batch, differentiable w.r.t. the module's variables, and its stats. */
export function a2cLoss(module: A2CLossModule, batch: Minibatch, config: A2CLossConfig): LossOutput {
  const { vfLossCoeff, entropyCoeff, useCritic } = config;
  const { actionDistInputs, vfPreds } = module.forwardTrain(column(batch, A2CColumns.OBS));
  const advantages = column(batch, A2CColumns.ADVANTAGES) as tf.Tensor1D;
  const valueTargets = column(batch, A2CColumns.VALUE_TARGETS) as tf.Tensor1D;

  const logp = module.distribution.logp(actionDistInputs, column(batch, A2CColumns.ACTIONS));
  const policyLoss = tf.neg(tf.mean<tf.Scalar>(tf.mul(logp, advantages)));
  const vfLoss = useCritic
    ? tf.mul<tf.Scalar>(tf.mean<tf.Scalar>(tf.square(tf.sub(vfPreds, valueTargets))), 0.5)
    : null;
  const entropy = tf.mean<tf.Scalar>(module.distribution.entropy(actionDistInputs));

  let loss: tf.Scalar = tf.sub(policyLoss, tf.mul(entropy, entropyCoeff));
  if (vfLoss) loss = tf.add(loss, tf.mul(vfLoss, vfLossCoeff));
  return {
    loss,
    stats: {
      policy_loss: policyLoss,
      vf_loss: vfLoss ?? tf.scalar(0),
      vf_explained_var: explainedVariance(valueTargets, vfPreds),
      entropy,
      total_loss: tf.clone(loss),
    },
  };
}
