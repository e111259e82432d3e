/**
 * The MLP forward pass in plain JS over Float32Arrays, for EnvRunner inference on the CPU.
 *
 * An EnvRunner runs one forward per env step on a handful of rows. Through TF.js that is ~30
 * kernels whose dispatch costs ~235 us on wasm whatever the size; these loops do 4 rows of a
 * [64, 64] policy and value net in ~60 us (bench/NOTES.md, change 6). The MLPModule picks this
 * path only for batches that small, and never when inference runs on a GPU.
 */
import type { JsDense } from './js-sequential';
import { JsSequential, denseRows } from './js-sequential';

export type { JsDense } from './js-sequential';
export { jsDense, fastTanh } from './js-sequential';

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

/**
 * The actor-critic layout over JsSequential stacks: the policy (or shared) torso, the value torso,
 * and the two heads, packed the way MLPModule's TF.js readback is.
 */
export class JsMlp {
  private readonly piTorso: JsSequential;
  private readonly vfTorso: JsSequential | null;
  private readonly piHead: JsSequential;
  private readonly vfHead: JsDense;
  /** Holds the policy means before they are interleaved with the log-stds (Box only). */
  private means = new Float32Array(0);

  constructor(private readonly layers: JsMlpLayers) {
    // Without hidden layers a torso is the identity on the observations, which its head takes.
    const stack = (torso: readonly JsDense[], head: JsDense): JsSequential =>
      new JsSequential(
        torso.map((dense) => ({ dense, activation: layers.activation })),
        head.inDim,
      );
    this.piTorso = stack(layers.piTorso, layers.piHead);
    this.vfTorso = layers.vfTorso ? stack(layers.vfTorso, layers.vfHead) : null;
    this.piHead = new JsSequential([{ dense: layers.piHead, activation: 'linear' }]);
    this.vfHead = layers.vfHead;
  }

  /**
   * Writes the distribution inputs of every row ([rows, inputDim], row-major) and then, when
   * `withValues`, the rows' values into `out`: the layout of MLPModule's packed TF.js readback.
   */
  forward(obs: Float32Array, rows: number, out: Float32Array, withValues: boolean): void {
    const { piHead, logStd } = this.layers;
    const piFeatures = this.piTorso.forward(obs, rows);
    const inputDim = piHead.outDim + (logStd?.length ?? 0);
    if (logStd) {
      if (this.means.length < rows * piHead.outDim) this.means = new Float32Array(rows * piHead.outDim);
      this.piHead.forward(piFeatures, rows, this.means);
      for (let r = 0; r < rows; r++) {
        out.set(this.means.subarray(r * piHead.outDim, (r + 1) * piHead.outDim), r * inputDim);
        out.set(logStd, r * inputDim + piHead.outDim);
      }
    } else {
      this.piHead.forward(piFeatures, rows, out);
    }
    if (!withValues) return;
    // A shared torso's output is still intact: the heads write to `out` or `means`, not its buffers.
    const vfFeatures = this.vfTorso ? this.vfTorso.forward(obs, rows) : piFeatures;
    denseRows(vfFeatures, rows, this.vfHead, 'linear', out.subarray(rows * inputDim, rows * inputDim + rows));
  }
}
