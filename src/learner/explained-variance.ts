/** The value function's fit, as every actor-critic learner reports it (RLlib: vf_explained_var). */
import * as tf from '@tensorflow/tfjs';

/** max(-1, 1 - Var[y - pred] / Var[y]); -1 when y is constant (RLlib's explained_variance). */
export function explainedVariance(y: tf.Tensor1D, pred: tf.Tensor1D): tf.Scalar {
  const yVar = tf.moments(y).variance;
  const diffVar = tf.moments(tf.sub(y, pred)).variance;
  const ev = tf.maximum(tf.sub(1, tf.div(diffVar, yVar)), -1);
  return tf.where(tf.greater(yVar, 0), ev, tf.scalar(-1)) as tf.Scalar;
}
