/**
 * The MLP forward pass in plain JS over Float32Arrays, for EnvRunner inference on the CPU.
 *
 * An EnvRunner runs one forward per env step on a handful of rows. Through TF.js that is ~30
 * kernels whose dispatch costs ~235 us on wasm whatever the size; these loops do 4 rows of a
 * [64, 64] policy and value net in ~60 us (bench/NOTES.md, change 6). The MLPModule picks this
 * path only for batches that small, and never when inference runs on a GPU.
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

export interface JsMlpLayers {
  readonly activation: 'tanh' | 'relu';
  /** The policy torso, or the shared torso. */
  readonly piTorso: readonly JsDense[];
  /** The value torso; null when the value head shares the policy torso. */
  readonly vfTorso: readonly JsDense[] | null;
  readonly piHead: JsDense;
  readonly vfHead: JsDense;
  /** Box actions: the state-independent log-stds appended to every row. */
  readonly logStd: Float32Array | null;
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
  return activation === 'tanh' ? fastTanh(v) : activation === 'relu' ? Math.max(0, v) : v;
}

/**
 * y[rows, outDim] = act(x[rows, inDim] W + b), as dot products. Four rows at a time share each
 * weight load, which halves the time per multiply-add in V8 (~0.9 against ~1.9 ns, measured).
 */
function denseRows(x: Float32Array, rows: number, layer: JsDense, activation: Activation, y: Float32Array): void {
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

export class JsMlp {
  /** Two ping-pong buffers for hidden activations, grown to the largest batch seen. */
  private buffers: [Float32Array, Float32Array] = [new Float32Array(0), new Float32Array(0)];
  private readonly widest: number;

  constructor(private readonly layers: JsMlpLayers) {
    const all = [...layers.piTorso, ...(layers.vfTorso ?? []), layers.piHead, layers.vfHead];
    this.widest = Math.max(...all.map((l) => l.outDim));
  }

  /**
   * Writes the distribution inputs of every row ([rows, inputDim], row-major) and then, when
   * `withValues`, the rows' values into `out`: the layout of MLPModule's packed TF.js readback.
   */
  forward(obs: Float32Array, rows: number, out: Float32Array, withValues: boolean): void {
    const { piTorso, vfTorso, piHead, vfHead, logStd, activation } = this.layers;
    if (this.buffers[0].length < rows * this.widest) {
      this.buffers = [new Float32Array(rows * this.widest), new Float32Array(rows * this.widest)];
    }
    const piFeatures = this.torso(obs, rows, piTorso, activation);
    const inputDim = piHead.outDim + (logStd?.length ?? 0);
    if (logStd) {
      // Means go to the free buffer first, then interleave with the log-stds row by row.
      const means = this.buffers[piFeatures === this.buffers[0] ? 1 : 0];
      denseRows(piFeatures, rows, piHead, 'linear', means);
      for (let r = 0; r < rows; r++) {
        out.set(means.subarray(r * piHead.outDim, (r + 1) * piHead.outDim), r * inputDim);
        out.set(logStd, r * inputDim + piHead.outDim);
      }
    } else {
      denseRows(piFeatures, rows, piHead, 'linear', out);
    }
    if (!withValues) return;
    // A shared torso's output is still intact: the policy head wrote to `out` or the other buffer.
    const vfFeatures = vfTorso ? this.torso(obs, rows, vfTorso, activation) : piFeatures;
    denseRows(vfFeatures, rows, vfHead, 'linear', out.subarray(rows * inputDim, rows * inputDim + rows));
  }

  /** Runs a torso; returns the buffer holding its output (the input itself without layers). */
  private torso(obs: Float32Array, rows: number, layers: readonly JsDense[], activation: Activation): Float32Array {
    let x = obs;
    layers.forEach((layer, i) => {
      const y = this.buffers[i % 2]!;
      denseRows(x, rows, layer, activation, y);
      x = y;
    });
    return x;
  }
}
