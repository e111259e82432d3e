/**
 * A stack of dense layers, y = act(x W + b), run forward and backward by the fused kernels over
 * an Arena: the fused path's counterpart of dense.ts. Parameters are not owned here: each layer
 * names the float offsets of its kernel ([inDim, outDim], row-major, TF.js's layout) and bias in
 * a flat parameter vector (the module's variables, concatenated in order), and each call passes
 * that vector's byte address, so the same stack runs the online net, a target copy, or reads
 * and writes a gradient vector of the same layout.
 *
 * The forward keeps every layer's output (the backward needs them) until the next forward.
 */
import type { Activation } from '../dense';
import { Arena, type Region } from './arena';

/** Layers narrower than one lane group (4 floats) run their products in the dot-product form. */
const NARROW = 4;

/** One layer: offsets (floats) of its kernel and bias in the parameter vector. */
export interface FusedLayer {
  readonly kernel: number;
  readonly bias: number;
  readonly inDim: number;
  readonly outDim: number;
  readonly activation: Activation;
}

/** A module's layer: its kernel's index in the variable list (the bias follows it). */
export interface ModuleLayerRef {
  readonly index: number;
  readonly inDim: number;
  readonly outDim: number;
  readonly activation: Activation;
}

/** A module's layers placed in a parameter vector whose variable i starts at `offsets[i]`. */
export function placeLayers(refs: readonly ModuleLayerRef[], offsets: readonly number[]): FusedLayer[] {
  return refs.map((l) => ({
    kernel: offsets[l.index]!,
    bias: offsets[l.index + 1]!,
    inDim: l.inDim,
    outDim: l.outDim,
    activation: l.activation,
  }));
}

/** A matrix in the arena: byte address and row stride in floats. */
export interface Matrix {
  readonly ptr: number;
  readonly ld: number;
}

export class FusedStack {
  readonly inDim: number;
  readonly outDim: number;
  /** Multiply-adds per row of one forward pass. */
  readonly macsPerRow: number;
  private rows = 0;
  private outputs: Region[] = [];
  /** Two delta buffers, each rows x the widest hidden layer. */
  private deltas: [Region, Region] | null = null;
  /** One kernel, transposed, for the input gradient dZ W^T. */
  private readonly transposed: Region;

  constructor(
    private readonly arena: Arena,
    readonly layers: readonly FusedLayer[],
    inDim: number,
  ) {
    layers.forEach((l, i) => {
      const prev = i === 0 ? inDim : layers[i - 1]!.outDim;
      if (l.inDim !== prev) throw new RangeError(`fused layer ${i} takes ${l.inDim} inputs, gets ${prev}`);
    });
    this.inDim = inDim;
    this.outDim = layers.at(-1)?.outDim ?? inDim;
    this.macsPerRow = layers.reduce((s, l) => s + l.inDim * l.outDim, 0);
    this.transposed = arena.alloc(Math.max(1, ...layers.map((l) => l.inDim * l.outDim)));
  }

  /**
   * Output and delta buffers for at least `rows` rows (allocated once per larger batch). An
   * allocation may grow the memory, which detaches every view of it: reserve before taking any.
   */
  reserve(rows: number): void {
    if (rows <= this.rows) return;
    this.rows = rows;
    this.outputs = this.layers.map((l) => this.arena.alloc(rows * l.outDim));
    const widest = Math.max(this.inDim, ...this.layers.map((l) => l.outDim));
    this.deltas = [this.arena.alloc(rows * widest), this.arena.alloc(rows * widest)];
  }

  /**
   * act(x W + b) through every layer, on the parameters at byte address `params`. Returns the
   * last output (contiguous), or `x` itself for a stack without layers.
   */
  forward(params: number, x: Matrix, rows: number): Matrix {
    this.reserve(rows);
    const k = this.arena.kernels;
    let input = x;
    this.layers.forEach((l, i) => {
      const out = this.outputs[i]!.ptr;
      const bias = params + 4 * l.bias;
      if (l.outDim < NARROW) {
        // A head of 1-3 outputs: dot products along the input, on W^T.
        this.transposeKernel(params, l);
        k.gemmDot(input.ptr, input.ld, this.transposed.ptr, l.inDim, out, l.outDim, rows, l.inDim, l.outDim, 2, bias);
      } else {
        k.gemm(
          input.ptr,
          input.ld,
          1,
          params + 4 * l.kernel,
          l.outDim,
          out,
          l.outDim,
          rows,
          l.inDim,
          l.outDim,
          2,
          bias,
        );
      }
      if (l.activation === 'tanh') k.tanh(out, out, rows * l.outDim);
      else if (l.activation === 'relu') k.relu(out, out, rows * l.outDim);
      input = { ptr: out, ld: l.outDim };
    });
    return input;
  }

  /**
   * Backpropagates `dOut` (rows x outDim, contiguous; overwritten) through the last forward pass,
   * whose input was `x`. Adds dL/dW and dL/db into the gradient vector at byte address `grads`
   * (null: the layers are frozen, only the input gradient is wanted), and writes dL/dx to `dx`
   * (added to what is there when `accumulate`), if given.
   */
  backward(
    params: number,
    grads: number | null,
    x: Matrix,
    rows: number,
    dOut: number,
    dx: Matrix | null,
    accumulate = false,
  ): void {
    const k = this.arena.kernels;
    const deltas = this.deltas!;
    let dy = dOut;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const l = this.layers[i]!;
      const y = this.outputs[i]!.ptr;
      const n = rows * l.outDim;
      // dZ, in place of dY.
      if (l.activation === 'tanh') k.tanhGrad(dy, y, dy, n);
      else if (l.activation === 'relu') k.reluGrad(dy, y, dy, n);
      const input = i === 0 ? x : { ptr: this.outputs[i - 1]!.ptr, ld: this.layers[i - 1]!.outDim };
      if (grads !== null) {
        // dW += X^T dZ (A read transposed through its strides); db += 1^T dZ (a stride-0 row of ones).
        if (l.outDim < NARROW) this.addNarrowKernelGrad(grads, l, input, dy, rows);
        else
          k.gemm(input.ptr, 1, input.ld, dy, l.outDim, grads + 4 * l.kernel, l.outDim, l.inDim, rows, l.outDim, 1, 0);
        k.gemm(Arena.ONE, 0, 0, dy, l.outDim, grads + 4 * l.bias, l.outDim, 1, rows, l.outDim, 1, 0);
      }
      if (i === 0 && !dx) break;
      this.transposeKernel(params, l);
      const into: Matrix = i === 0 ? dx! : { ptr: deltas[i % 2]!.ptr, ld: l.inDim };
      const init = i === 0 && accumulate ? 1 : 0;
      k.gemm(dy, l.outDim, 1, this.transposed.ptr, l.inDim, into.ptr, into.ld, rows, l.outDim, l.inDim, init, 0);
      dy = into.ptr;
    }
    if (this.layers.length === 0 && dx) {
      // The identity: dx (+)= dOut.
      const f = this.arena.f32;
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < this.inDim; j++) {
          const at = (dx.ptr >> 2) + r * dx.ld + j;
          f[at] = (accumulate ? f[at]! : 0) + f[(dOut >> 2) + r * this.inDim + j]!;
        }
      }
    }
  }

  /**
   * dW += X^T dZ for a layer of 1-3 outputs, as (dW)^T = dZ^T X (lanes along the inputs) into the
   * scratch buffer, then added back transposed.
   */
  private addNarrowKernelGrad(grads: number, l: FusedLayer, x: Matrix, dz: number, rows: number): void {
    const t = this.transposed.ptr;
    this.arena.kernels.gemm(dz, 1, l.outDim, x.ptr, x.ld, t, l.inDim, l.outDim, rows, l.inDim, 0, 0);
    const f = this.arena.f32;
    const g = (grads >> 2) + l.kernel;
    for (let j = 0; j < l.outDim; j++) {
      for (let i = 0; i < l.inDim; i++)
        f[g + i * l.outDim + j] = f[g + i * l.outDim + j]! + f[(t >> 2) + j * l.inDim + i]!;
    }
  }

  /** W^T ([outDim, inDim]) of layer `l` into the scratch buffer. */
  private transposeKernel(params: number, l: FusedLayer): void {
    const f = this.arena.f32;
    const w = (params >> 2) + l.kernel;
    const t = this.transposed.ptr >> 2;
    const { inDim, outDim } = l;
    for (let a = 0; a < inDim; a++) {
      const row = w + a * outDim;
      for (let b = 0; b < outDim; b++) f[t + b * inDim + a] = f[row + b]!;
    }
  }
}
