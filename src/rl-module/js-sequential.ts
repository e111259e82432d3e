/**
 * A stack of dense layers in plain JS over Float32Arrays: the small-batch CPU forward for any
 * MLP-shaped module (a torso, a head, or both), so each module composes stacks instead of copying
 * towers by index.
 *
 * Why plain JS at all: an EnvRunner runs one forward per env step on a handful of rows, where
 * TF.js costs ~235 us of kernel dispatch on wasm whatever the size; these loops run 4 rows of a
 * [64, 64] net in ~60 us (bench/NOTES.md, change 6; js-mlp.ts). Weights use js-mlp.ts's layout
 * (`JsDense`: kernel transposed, so each output's weights are contiguous) and its tanh.
 */
import type { Activation } from './dense';
import type { JsDense } from './js-mlp';
import { fastTanh } from './js-mlp';

function activate(v: number, activation: Activation): number {
  return activation === 'tanh' ? fastTanh(v) : activation === 'relu' ? (v > 0 ? v : 0) : v;
}

/**
 * y[rows, outDim] = act(x[rows, inDim] W + b), as dot products. Four rows at a time share each
 * weight load, which halves the time per multiply-add in V8 (~0.9 against ~1.9 ns, measured for
 * js-mlp.ts's copy of this loop).
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
