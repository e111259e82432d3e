/**
 * torch.no_grad and Tensor.detach for TF.js, which has neither (tf.variableGrads differentiates
 * through everything a loss computes).
 *
 * Both run inside a custom op with no inputs: ops inside a kernel's forward are not recorded on
 * the tape, and an op without inputs cannot lie on a path from a variable to the loss, so the
 * backward pass never visits it (no zero gradients computed and thrown away).
 */
import * as tf from '@tensorflow/tfjs';

/** `fn()` with no gradient to anything it reads (torch.no_grad). Call inside a tidy. */
export function noGrad<T extends tf.Tensor>(fn: () => T): T {
  return tf.customGrad<T>(() => ({ value: fn(), gradFunc: () => [] }))();
}

/** `x` as a constant: the same values, no gradient back to what computed it (Tensor.detach). */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return noGrad(() => tf.clone(x));
}
