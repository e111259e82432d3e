/**
 * A stack of dense layers in plain JS over Float32Arrays: the small-batch CPU forward for any
 * MLP-shaped module (a torso, a head, or both), so each module composes stacks instead of copying
 * towers by index.
 *
 * Why plain JS at all: an EnvRunner runs one forward per env step on a handful of rows, where
 * TF.js costs ~235 us of kernel dispatch on wasm whatever the size; these loops run 4 rows of a
 * [64, 64] net in ~60 us (bench/NOTES.md, change 6; js-mlp.ts). Weights use js-mlp.ts's layout
 * (`JsDense`: kernel transposed, so each output's weights are contiguous).
 */
import type { Activation } from './dense';

/** One dense layer's weights: the kernel transposed ([outDim, inDim], row-major), bias [outDim]. */
export interface JsDense {
  readonly kernelT: Float32Array;
  readonly bias: Float32Array;
  readonly inDim: number;
  readonly outDim: number;
}

/** A JsDense from a TF.js-layout kernel [inDim, outDim]: each output's weights become contiguous. */
export function jsDense(kernel: Float32Array, bias: Float32Array, inDim: number, outDim: number): JsDense {
  const kernelT = new Float32Array(inDim * outDim);
  for (let i = 0; i < inDim; i++) for (let j = 0; j < outDim; j++) kernelT[j * inDim + i] = kernel[i * outDim + j]!;
  return { kernelT, bias, inDim, outDim };
}

/** Beyond this |x| the rational tanh below is flat at float32's 1 (Eigen clamps at the same point). */
const TANH_CLAMP = 7.90531110763549805;
// Its odd numerator and even denominator coefficients.
const A1 = 4.89352455891786e-3;
const A3 = 6.37261928875436e-4;
const A5 = 1.48572235717979e-5;
const A7 = 5.12229709037114e-8;
const A9 = -8.60467152213735e-11;
const A11 = 2.00018790482477e-13;
const A13 = -2.76076847742355e-16;
const B0 = 4.89352518554385e-3;
const B2 = 2.268434632439e-3;
const B4 = 1.18534705686654e-4;
const B6 = 1.19825839466702e-6;

/**
 * tanh as Eigen's float approximation (generic_fast_tanh_float, also XNNPACK's): a 13/6 rational
 * polynomial, within 3e-7 of Math.tanh everywhere and ~5x faster in V8 (4.9 against 23.6 ns),
 * which matters when a forward pass is a few hundred tanh per row.
 */
export function fastTanh(v: number): number {
  const x = v > TANH_CLAMP ? TANH_CLAMP : v < -TANH_CLAMP ? -TANH_CLAMP : v;
  const x2 = x * x;
  const p = x * (A1 + x2 * (A3 + x2 * (A5 + x2 * (A7 + x2 * (A9 + x2 * (A11 + x2 * A13))))));
  const q = B0 + x2 * (B2 + x2 * (B4 + x2 * B6));
  return p / q;
}

function activate(v: number, activation: Activation): number {
  return activation === 'tanh' ? fastTanh(v) : activation === 'relu' ? (v > 0 ? v : 0) : v;
}

/**
 * y[rows, outDim] = act(x[rows, inDim] W + b), as dot products. Four rows at a time share each
 * weight load, which halves the time per multiply-add in V8 (~0.9 against ~1.9 ns, measured).
 */
export function denseRows(
  x: Float32Array,
  rows: number,
  layer: JsDense,
  activation: Activation,
  y: Float32Array,
): void {
  const { kernelT, bias, inDim, outDim } = layer;
  let r = 0;
  for (; r + 3 < rows; r += 4) {
    const x0 = r * inDim;
    const x1 = x0 + inDim;
    const x2 = x1 + inDim;
    const x3 = x2 + inDim;
    const yo = r * outDim;
    for (let j = 0; j < outDim; j++) {
      const wo = j * inDim;
      let a0 = bias[j]!;
      let a1 = a0;
      let a2 = a0;
      let a3 = a0;
      for (let i = 0; i < inDim; i++) {
        const w = kernelT[wo + i]!;
        a0 += x[x0 + i]! * w;
        a1 += x[x1 + i]! * w;
        a2 += x[x2 + i]! * w;
        a3 += x[x3 + i]! * w;
      }
      y[yo + j] = activate(a0, activation);
      y[yo + outDim + j] = activate(a1, activation);
      y[yo + 2 * outDim + j] = activate(a2, activation);
      y[yo + 3 * outDim + j] = activate(a3, activation);
    }
  }
  for (; r < rows; r++) {
    const xo = r * inDim;
    const yo = r * outDim;
    for (let j = 0; j < outDim; j++) {
      const wo = j * inDim;
      let acc = bias[j]!;
      for (let i = 0; i < inDim; i++) acc += x[xo + i]! * kernelT[wo + i]!;
      y[yo + j] = activate(acc, activation);
    }
  }
}

export interface JsSequentialLayer {
  readonly dense: JsDense;
  readonly activation: Activation;
}

export class JsSequential {
  readonly inDim: number;
  readonly outDim: number;
  /** Multiply-adds per row, to decide when this beats a TF.js forward. */
  readonly macsPerRow: number;
  /** Two ping-pong buffers for activations, grown to the largest batch seen. */
  private buffers: [Float32Array, Float32Array] = [new Float32Array(0), new Float32Array(0)];
  private readonly widest: number;

  /** `inDim` is only read when there are no layers (then the stack is the identity). */
  constructor(
    private readonly layers: readonly JsSequentialLayer[],
    inDim = layers[0]?.dense.inDim ?? 0,
  ) {
    layers.forEach(({ dense }, i) => {
      const prev = layers[i - 1];
      if (prev && prev.dense.outDim !== dense.inDim) {
        throw new RangeError(`layer ${i} takes ${dense.inDim} inputs, layer ${i - 1} gives ${prev.dense.outDim}`);
      }
    });
    this.inDim = layers[0]?.dense.inDim ?? inDim;
    this.outDim = layers.at(-1)?.dense.outDim ?? this.inDim;
    this.macsPerRow = layers.reduce((sum, { dense }) => sum + dense.inDim * dense.outDim, 0);
    this.widest = Math.max(0, ...layers.map(({ dense }) => dense.outDim));
  }

  /**
   * Runs the stack on `rows` rows of `x`. With `out` the result is written there and `out` is
   * returned; without, the result lies in a buffer of this stack, valid until its next call (so a
   * torso's output can feed several heads, each its own JsSequential). Without layers it is `x`.
   */
  forward(x: Float32Array, rows: number, out?: Float32Array): Float32Array {
    const n = this.layers.length;
    if (n === 0) {
      if (!out) return x;
      out.set(x.subarray(0, rows * this.inDim));
      return out;
    }
    if (this.buffers[0].length < rows * this.widest) {
      this.buffers = [new Float32Array(rows * this.widest), new Float32Array(rows * this.widest)];
    }
    let h = x;
    this.layers.forEach(({ dense, activation }, i) => {
      const y = i === n - 1 && out ? out : this.buffers[i % 2]!;
      denseRows(h, rows, dense, activation, y);
      h = y;
    });
    return h;
  }
}
