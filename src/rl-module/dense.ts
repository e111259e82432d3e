/**
 * A dense layer, y = act(x W + b), with a hand-written backward pass.
 *
 * TF.js's own gradients are correct but slow on the wasm backend, where an MLP's Adam step is
 * small enough that each kernel's cost shows (bench/NOTES.md, change 5). Measured in Node on wasm
 * at 128 rows x 64 units:
 *  - a matMul with `transposeA` or `transposeB` (the matMul gradient's two products) takes
 *    ~530 us, against ~70 us for an explicit transpose and a plain matMul;
 *  - `tanh` takes ~150 us, against ~55 us for 2 sigmoid(2z) - 1 (sigmoid goes through XNNPACK);
 *  - a column sum (the bias gradient) takes ~27 us, against ~8 us as a matMul with a row of ones;
 *  - `fused.matMul` reshapes both operands to 3-D and back (4 more kernels than matMul + add);
 *  - every taped op clones the tensors its gradient needs; one custom op per layer saves two.
 * Other backends keep the plain ops (a transpose there is one more dispatch for nothing).
 */
import * as tf from '@tensorflow/tfjs';

export type Activation = 'tanh' | 'relu' | 'linear';

interface DenseParams {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;
}

/** The ops that are slow on wasm are rewritten only there. */
function onWasm(): boolean {
  return tf.getBackend() === 'wasm';
}

function tanh(z: tf.Tensor2D): tf.Tensor2D {
  if (!onWasm()) return tf.tanh(z);
  return tf.sub(tf.mul(tf.sigmoid(tf.mul(z, 2)), 2), 1);
}

/** a^T b or a b^T, with the transpose made explicit on wasm. */
function matMulTransposed(a: tf.Tensor2D, b: tf.Tensor2D, transposeA: boolean, transposeB: boolean): tf.Tensor2D {
  if (!onWasm()) return tf.matMul(a, b, transposeA, transposeB);
  return tf.matMul(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b);
}

/** Sum over rows, [B, n] -> [n]. */
function sumRows(x: tf.Tensor2D): tf.Tensor1D {
  if (!onWasm()) return tf.sum(x, 0);
  const [rows, width] = x.shape;
  return tf.reshape(tf.matMul(tf.ones([1, rows]), x), [width]);
}

function forward(x: tf.Tensor2D, { kernel, bias }: DenseParams, activation: Activation): tf.Tensor2D {
  let z: tf.Tensor2D;
  if (onWasm()) {
    z = tf.add(tf.matMul(x, kernel as tf.Tensor2D), bias);
    if (activation === 'relu') return tf.relu(z);
  } else {
    const fused = activation === 'relu' ? 'relu' : 'linear';
    z = tf.fused.matMul({ a: x, b: kernel, bias, activation: fused }) as tf.Tensor2D;
    if (activation === 'relu') return z;
  }
  return activation === 'tanh' ? tanh(z) : z;
}

/** dL/dz from dL/dy and the layer's output y. */
function activationGrad(dy: tf.Tensor2D, y: tf.Tensor2D, activation: Activation): tf.Tensor2D {
  if (activation === 'tanh') return tf.mul(dy, tf.sub(1, tf.square(y)));
  if (activation === 'relu') return tf.mul(dy, tf.step(y));
  return dy;
}

/**
 * act(x W + b). Gradients flow to W and b always, and to x only when `inputNeedsGrad` (hidden
 * layers; not the first layer, whose input is the observation batch).
 */
export function dense(
  x: tf.Tensor2D,
  params: DenseParams,
  activation: Activation,
  inputNeedsGrad: boolean,
): tf.Tensor2D {
  const { kernel } = params;
  // The kernel is a variable: it outlives the backward pass (Adam updates it only afterwards), so
  // it is read from the closure rather than cloned onto the tape.
  const weightGrads = (dy: tf.Tensor2D, input: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor[] => {
    const dz = activationGrad(dy, y, activation);
    const grads: tf.Tensor[] = [matMulTransposed(input, dz, true, false), sumRows(dz)];
    return inputNeedsGrad ? [matMulTransposed(dz, kernel as tf.Tensor2D, false, true), ...grads] : grads;
  };
  const op = (
    input: tf.Tensor2D,
    save: tf.GradSaveFunc,
  ): { value: tf.Tensor2D; gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => tf.Tensor[] } => {
    const y = forward(input, params, activation);
    // The input is saved even when it gets no gradient: it may be an intermediate that the
    // tape's forward scope disposes.
    save([input, y]);
    return { value: y, gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => weightGrads(dy, ...pair(saved)) };
  };
  type Args = (tf.Tensor | tf.GradSaveFunc)[];
  if (inputNeedsGrad) {
    return tf.customGrad<tf.Tensor2D>((...args: Args) => op(args[0] as tf.Tensor2D, args[3] as tf.GradSaveFunc))(
      x,
      kernel,
      params.bias,
    );
  }
  // No gradient for the input, so it is not an input of the op (no wasted x-gradient).
  return tf.customGrad<tf.Tensor2D>((...args: Args) => op(x, args[2] as tf.GradSaveFunc))(kernel, params.bias);
}

function pair(saved: tf.Tensor[]): [tf.Tensor2D, tf.Tensor2D] {
  return [saved[0] as tf.Tensor2D, saved[1] as tf.Tensor2D];
}

/**
 * act(x W + b) with gradients to x only: W and b act as constants (read from the closure, not
 * inputs of the op). SAC's actor loss runs the critics on the policy's action this way, so the
 * policy gradient passes through Q(s, a) without touching the critics (RLlib sets
 * requires_grad = False on them around that pass: default_sac_torch_rl_module.py).
 */
export function denseFrozen(x: tf.Tensor2D, params: DenseParams, activation: Activation): tf.Tensor2D {
  const kernel = params.kernel as tf.Tensor2D;
  return tf.customGrad<tf.Tensor2D>((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor2D;
    const y = forward(input, params, activation);
    (args[1] as tf.GradSaveFunc)([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => [
        matMulTransposed(activationGrad(dy, saved[0] as tf.Tensor2D, activation), kernel, false, true),
      ],
    };
  })(x);
}
