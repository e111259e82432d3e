/**
 * A dense layer over a leading module axis: y[m] = act(x[m] W[m] + b[m]) for every module m at
 * once, x [M, B, in], W [M, in, out], b [M, 1, out]. One batched matMul serves all M modules, so
 * a step of 1,000 small MLPs costs the kernels of one (dense.ts dispatches per module; TF.js on
 * wasm pays ~10 us per kernel whatever its size, so per-module calls cost M times that).
 *
 * The backward pass is written by hand, as in dense.ts: the kernel is a variable read from the
 * closure (not cloned onto the tape), and the input gets a gradient only for hidden layers.
 */
import * as tf from '@tensorflow/tfjs';
import type { Activation } from './dense';

export interface StackedDenseParams {
  /** [M, in, out]. */
  readonly kernel: tf.Variable;
  /** [M, 1, out]: broadcast over the rows of each module. */
  readonly bias: tf.Variable;
}

function onWasm(): boolean {
  return tf.getBackend() === 'wasm';
}

function tanh(z: tf.Tensor3D): tf.Tensor3D {
  // XNNPACK's sigmoid beats wasm's tanh kernel ~3x (dense.ts).
  if (!onWasm()) return tf.tanh(z);
  return tf.sub(tf.mul(tf.sigmoid(tf.mul(z, 2)), 2), 1);
}

/**
 * a^T b or a b^T per module. On wasm the transposes stay flags: the batched kernel there is
 * backend/wasm-batch-matmul.ts's JS loops, which read either layout at the same speed.
 */
function batchMatMul(a: tf.Tensor3D, b: tf.Tensor3D, transposeA: boolean, transposeB: boolean): tf.Tensor3D {
  return tf.matMul(a, b, transposeA, transposeB);
}

/** Sum over each module's rows: [M, B, n] -> [M, 1, n] (a matMul with a row of ones on wasm). */
function sumRows(x: tf.Tensor3D): tf.Tensor3D {
  if (!onWasm()) return tf.sum(x, 1, true);
  const [modules, rows] = x.shape;
  return tf.matMul(tf.ones([modules, 1, rows]), x);
}

function activate(z: tf.Tensor3D, activation: Activation): tf.Tensor3D {
  return activation === 'tanh' ? tanh(z) : activation === 'relu' ? tf.relu(z) : z;
}

function activationGrad(dy: tf.Tensor3D, y: tf.Tensor3D, activation: Activation): tf.Tensor3D {
  if (activation === 'tanh') return tf.mul(dy, tf.sub(1, tf.square(y)));
  if (activation === 'relu') return tf.mul(dy, tf.step(y));
  return dy;
}

/** act(x W + b) per module, without a tape (inference). */
export function stackedDenseForward(x: tf.Tensor3D, params: StackedDenseParams, activation: Activation): tf.Tensor3D {
  return activate(tf.add(tf.matMul(x, params.kernel as tf.Tensor3D), params.bias), activation);
}

/**
 * act(x W + b) per module, differentiable. Gradients flow to W and b always, and to x only when
 * `inputNeedsGrad` (hidden layers; not the first layer, whose input is the observations).
 */
export function stackedDense(
  x: tf.Tensor3D,
  params: StackedDenseParams,
  activation: Activation,
  inputNeedsGrad: boolean,
): tf.Tensor3D {
  const kernel = params.kernel as tf.Tensor3D;
  const grads = (dy: tf.Tensor3D, input: tf.Tensor3D, y: tf.Tensor3D): tf.Tensor[] => {
    const dz = activationGrad(dy, y, activation);
    const weightGrads: tf.Tensor[] = [batchMatMul(input, dz, true, false), sumRows(dz)];
    return inputNeedsGrad ? [batchMatMul(dz, kernel, false, true), ...weightGrads] : weightGrads;
  };
  type Args = (tf.Tensor | tf.GradSaveFunc)[];
  const op = (input: tf.Tensor3D, save: tf.GradSaveFunc) => {
    const y = stackedDenseForward(input, params, activation);
    save([input, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor3D, saved: tf.Tensor[]) => grads(dy, saved[0] as tf.Tensor3D, saved[1] as tf.Tensor3D),
    };
  };
  if (inputNeedsGrad) {
    return tf.customGrad<tf.Tensor3D>((...args: Args) => op(args[0] as tf.Tensor3D, args[3] as tf.GradSaveFunc))(
      x,
      kernel,
      params.bias,
    );
  }
  return tf.customGrad<tf.Tensor3D>((...args: Args) => op(x, args[2] as tf.GradSaveFunc))(kernel, params.bias);
}
