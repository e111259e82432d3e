/**
 * PPO's loss written with plain TF.js ops and the distributions' differentiable `logp`, `entropy`
 * and `kl`, for TF.js autodiff: the reference the fused loss's closed-form gradient is checked
 * against (it was the Learner's loss before the fused op).
 */
import * as tf from '@tensorflow/tfjs';
import type { PPOLossConfig } from '../../../src/algorithms/ppo/ppo-loss';
import type { ActionDistribution } from '../../../src/rl-module';

export interface ReferenceBatch {
  readonly actions: tf.Tensor;
  readonly oldLogp: tf.Tensor1D;
  readonly oldDistInputs: tf.Tensor2D;
  readonly advantages: tf.Tensor1D;
  readonly valueTargets: tf.Tensor1D;
}

export function referencePPOLoss(
  dist: ActionDistribution,
  distInputs: tf.Tensor2D,
  vfPreds: tf.Tensor1D,
  batch: ReferenceBatch,
  config: PPOLossConfig,
): tf.Scalar {
  const { clipParam, vfClipParam, vfLossCoeff, entropyCoeff, useKlLoss, klCoeff } = config;
  const ratio = tf.exp(tf.sub(dist.logp(distInputs, batch.actions), batch.oldLogp));
  const surrogate = tf.minimum(
    tf.mul(batch.advantages, ratio),
    tf.mul(batch.advantages, tf.clipByValue(ratio, 1 - clipParam, 1 + clipParam)),
  );
  const vfLoss = tf.clipByValue(tf.square(tf.sub(vfPreds, batch.valueTargets)), 0, vfClipParam);
  const entropy = dist.entropy(distInputs);
  let loss: tf.Scalar = tf.mean(
    tf.sub(tf.add(tf.neg(surrogate), tf.mul(vfLoss, vfLossCoeff)), tf.mul(entropy, entropyCoeff)),
  );
  if (useKlLoss) loss = tf.add(loss, tf.mul(tf.mean(dist.kl(batch.oldDistInputs, distInputs)), klCoeff));
  return loss;
}
