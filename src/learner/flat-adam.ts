/**
 * Adam on one flat vector of all parameters (torch.optim.Adam / tf.train.adam arithmetic).
 *
 * Why not `tf.AdamOptimizer`: it runs ~15 kernels per variable per step (moments, bias
 * correction, update, beta powers). A PPO step on wasm is dispatch-bound (~11 us per kernel
 * whatever its size), so for an MLP with 12 small variables Adam plus per-tensor clipping were
 * a third of the step. Here the gradients are concatenated once, the moments and the update are
 * a dozen kernels on that vector whatever the number of variables, and the update is split back
 * into one `sub` + `assign` per variable. The bias corrections are JS numbers (float64) from a
 * JS step counter, so there are no beta-power tensors to update either.
 *
 * Layout: variable i owns `[offsets[i], offsets[i] + sizes[i])` of the flat m and v, in the
 * order of the variables given to the constructor. The moments are created on the first step,
 * so an optimizer that has not stepped has none (as TF.js's).
 *
 * Non-finite steps are skipped on the device: a step whose update (or the caller's `check`
 * scalar: loss + gradient norm) is NaN/Inf changes nothing, not the variables, not m and v, not
 * the step count. Whether a step was applied is only known on the device, and reading it back
 * per step would stall the minibatch loop (DESIGN section 4), so the count of applied steps is a
 * device counter: the bias corrections of step `committed + 1 + k` are precomputed in float64 (as
 * before) into two small tables that the step gathers from at k = applied-since-commit, and the
 * caller tells `commitSteps` how many were applied once it reads its stats.
 */
import * as tf from '@tensorflow/tfjs';

/** Adam's moments cut back into one array per variable (checkpoint layout). */
export interface AdamMoments {
  readonly m: readonly Float32Array[];
  readonly v: readonly Float32Array[];
}

/** How many times the weights' norm one Adam step may move them before it counts as divergence. */
export const MAX_STEP_TO_WEIGHT_RATIO = 1000;

export class FlatAdam {
  /** Number of parameters over all variables (length of the flat vectors). */
  readonly size: number;
  private readonly sizes: number[];
  private readonly offsets: number[];
  /** Adam steps applied up to the last commit. */
  private committed = 0;
  /** Steps tried since the last commit (a JS count: the correction tables must cover them). */
  private triedSinceCommit = 0;
  /** Device int32 scalar: steps applied since the last commit. */
  private appliedSinceCommit: tf.Variable<tf.Rank.R0> | null = null;
  private moments: { m: tf.Variable<tf.Rank.R1>; v: tf.Variable<tf.Rank.R1> } | null = null;
  private corrections: BiasCorrections | null = null;
  /** The update of a skipped step. */
  private zeros: tf.Tensor1D | null = null;
  /** The largest squared update norm a step may take (boundStepsByWeights), or null: unbounded. */
  private stepBound2: tf.Scalar | null = null;
  /**
   * Bumped whenever the moments or the step change, so the fused path (fused-trainer.ts) knows
   * whether the copy it wrote back is still current.
   */
  revision = 0;

  constructor(
    private readonly variables: readonly tf.Variable[],
    /** Set before each step to follow an lr schedule. */
    public learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-8,
  ) {
    this.sizes = variables.map((v) => v.size);
    this.offsets = [];
    let offset = 0;
    for (const size of this.sizes) {
      this.offsets.push(offset);
      offset += size;
    }
    this.size = offset;
  }

  /**
   * Adam steps applied, as of the last `commitSteps` / `syncStep` (steps since then are only
   * counted on the device).
   */
  get step(): number {
    return this.committed;
  }

  /**
   * Device int32 scalar: steps applied since the last commit. Read it with the caller's other
   * stats and pass the value to `commitSteps`. Null before the first step.
   */
  get pendingAppliedSteps(): tf.Scalar | null {
    return this.appliedSinceCommit;
  }

  /** Whether steps were tried since the last commit (an update that threw before committing). */
  get hasUncommittedSteps(): boolean {
    return this.triedSinceCommit > 0;
  }

  /** Adds `applied` (read back from `pendingAppliedSteps`) to `step` and restarts the device count. */
  commitSteps(applied: number): void {
    if (!Number.isInteger(applied) || applied < 0 || applied > this.triedSinceCommit) {
      throw new RangeError(`FlatAdam.commitSteps(${applied}): ${this.triedSinceCommit} steps were tried`);
    }
    this.committed += applied;
    this.triedSinceCommit = 0;
    this.resetPendingCount();
    this.revision++;
  }

  /** Reads the device count and commits it (one readback; for callers without their own). */
  async syncStep(): Promise<number> {
    if (this.appliedSinceCommit && this.triedSinceCommit > 0) {
      const [applied] = await this.appliedSinceCommit.data();
      this.commitSteps(applied ?? 0);
    }
    return this.committed;
  }

  /**
   * Bounds the next steps' update norm by the weights' norm now: an update more than
   * MAX_STEP_TO_WEIGHT_RATIO times max(||w||, 1) counts as not finite (skipped, and in the
   * divergence streak). A learning rate of 1e30 keeps everything finite while tanh saturates and
   * the weights grow to 1e30: useless, and divergence all the same. Adam's step is about lr per
   * parameter, so sane runs stay orders of magnitude below the bound. Once per update (a reduction
   * over the variables), so a step pays 4 small kernels.
   */
  boundStepsByWeights(): void {
    this.stepBound2?.dispose();
    this.stepBound2 = tf.tidy(() => {
      // A running add, not tf.addN: addN of 8 or more tensors is wrong on TF.js's WebGPU backend.
      let sumSquares: tf.Scalar = tf.scalar(0);
      for (const v of this.variables) sumSquares = tf.add(sumSquares, tf.sum(tf.square(v)));
      return tf.keep(tf.mul(tf.maximum(sumSquares, 1), MAX_STEP_TO_WEIGHT_RATIO ** 2));
    });
  }

  /**
   * The gradients (one per variable, null where the loss does not reach it) as one flat vector in
   * this optimizer's layout, zeros for the missing ones: a reshape per non-1-D gradient and one
   * concat. Call inside `tf.tidy`.
   */
  flatten(grads: readonly (tf.Tensor | null)[]): tf.Tensor1D {
    if (grads.length !== this.variables.length) {
      throw new RangeError(`FlatAdam.flatten got ${grads.length} gradients for ${this.variables.length} variables`);
    }
    const parts = grads.map((g, i) =>
      g === null ? tf.zeros([this.sizes[i]!]) : g.rank === 1 ? (g as tf.Tensor1D) : tf.reshape(g, [-1]),
    );
    return tf.concat(parts) as tf.Tensor1D;
  }

  /**
   * One Adam step from a flat gradient (layout of `flatten`), unless it is not finite. `present[i]`
   * false: variable i got no gradient, so neither it nor its slice of m and v changes (torch
   * skips a parameter whose grad is None). The step counter is shared, as in tf.train.adam; torch
   * counts steps per parameter, which only differs for a parameter that skipped steps. PPO's loss
   * reaches every variable, so the masked path (2 extra kernels) only runs for losses like the
   * value-only regression in the tests.
   *
   * The step is skipped (nothing changes) when `check + sum(update)` is NaN or +-Inf: `check` is
   * the caller's loss + global gradient norm, the sum catches an update that overflows (a huge lr).
   * Selection is a select (where), never a multiply by 0 (NaN * 0 is NaN). Returns a bool scalar,
   * true if the step was applied. Call inside `tf.tidy`.
   */
  applyFlatGradient(grad: tf.Tensor1D, present: readonly boolean[], check?: tf.Scalar): tf.Scalar {
    if (grad.size !== this.size || present.length !== this.variables.length) {
      throw new RangeError(
        `FlatAdam: gradient of ${grad.size} values and ${present.length} flags for ${this.size} parameters in ${this.variables.length} variables`,
      );
    }
    const { m, v } = (this.moments ??= {
      m: flatVariable(new Float32Array(this.size)),
      v: flatVariable(new Float32Array(this.size)),
    });
    const applied = (this.appliedSinceCommit ??= countVariable());
    const corrections = this.correctionsCovering(this.triedSinceCommit + 1);
    const { beta1: b1, beta2: b2 } = this;
    let newM: tf.Tensor1D = tf.add(tf.mul(m, b1), tf.mul(grad, 1 - b1));
    let newV: tf.Tensor1D = tf.add(tf.mul(v, b2), tf.mul(tf.square(grad), 1 - b2));
    if (!present.every(Boolean)) {
      const keep = new Uint8Array(this.size);
      present.forEach((p, i) => p && keep.fill(1, this.offsets[i], this.offsets[i]! + this.sizes[i]!));
      const mask = tf.tensor1d(keep, 'bool');
      newM = tf.where(mask, newM, m);
      newV = tf.where(mask, newV, v);
    }
    // torch.optim.Adam (single-tensor path): step_size = lr / bc1 and sqrt(bc2) as host scalars,
    // denom = sqrt(v) / sqrt(bc2) + eps, p -= step_size * m / denom. Equal to TF.js's
    // lr * (m / bc1) / (sqrt(v / bc2) + eps) up to float32 rounding. The host scalars come from the
    // tables, at the number of steps applied so far.
    const stepSize = tf.gather(corrections.stepSize, applied);
    const sqrtBc2 = tf.gather(corrections.sqrtBc2, applied);
    const denom = tf.add(tf.div(tf.sqrt(newV), sqrtBc2), this.epsilon);
    const rawUpdate: tf.Tensor1D = tf.mul(tf.div(newM, denom), stepSize);
    const sum = tf.sum<tf.Scalar>(rawUpdate);
    let total: tf.Scalar = check ? tf.add(check, sum) : sum;
    if (this.stepBound2) {
      // An update far larger than the weights is divergence too: made non-finite, so skipped.
      const tooBig = tf.greater(tf.sum(tf.square(rawUpdate)), this.stepBound2);
      total = tf.where(tooBig, tf.scalar(Number.NaN), total);
    }
    const finite = tf.isFinite(total);
    // The flag spread over the vector as zeros + total (NaN/Inf everywhere or nowhere), not
    // tf.broadcastTo: its Tile of a bool took ~0.6 ms per step on wasm, 15% of a PPO step.
    const zeros = (this.zeros ??= tf.keep(tf.zeros([this.size])));
    const ok = tf.isFinite(tf.add(zeros, total));
    m.assign(select(ok, newM, m));
    v.assign(select(ok, newV, v));
    const update = select(ok, rawUpdate, zeros);
    applied.assign(tf.add(applied, tf.cast(finite, 'int32')));
    this.revision++;
    const pieces = tf.split(update, this.sizes);
    this.variables.forEach((variable, i) => {
      if (!present[i]) return;
      const piece = pieces[i]!;
      variable.assign(tf.sub(variable, variable.rank === 1 ? piece : tf.reshape(piece, variable.shape)));
    });
    this.triedSinceCommit++;
    return finite;
  }

  /**
   * Bias-correction tables for steps committed + 1 .. committed + length, length >= `tries`
   * (rebuilt, doubling, when the learning rate, the commit or the number of tries outgrows them).
   */
  private correctionsCovering(tries: number): BiasCorrections {
    const c = this.corrections;
    if (c && c.firstStep === this.committed + 1 && c.lr === this.learningRate && c.length >= tries) return c;
    const length = Math.max(64, 2 * tries, c?.length ?? 0);
    const stepSize = new Float32Array(length);
    const sqrtBc2 = new Float32Array(length);
    for (let k = 0; k < length; k++) {
      const t = this.committed + 1 + k;
      stepSize[k] = this.learningRate / (1 - this.beta1 ** t);
      sqrtBc2[k] = Math.sqrt(1 - this.beta2 ** t);
    }
    this.disposeCorrections();
    this.corrections = {
      firstStep: this.committed + 1,
      lr: this.learningRate,
      length,
      stepSize: tf.keep(tf.tensor1d(stepSize)),
      sqrtBc2: tf.keep(tf.tensor1d(sqrtBc2)),
    };
    return this.corrections;
  }

  /** m and v per variable (one readback each), or null before the first step. */
  async readMoments(): Promise<AdamMoments | null> {
    if (!this.moments) return null;
    const [m, v] = await Promise.all([this.moments.m.data(), this.moments.v.data()]);
    const cut = (flat: Float32Array | Int32Array | Uint8Array) =>
      this.sizes.map((size, i) => Float32Array.from(flat.subarray(this.offsets[i], this.offsets[i]! + size)));
    return { m: cut(m), v: cut(v) };
  }

  /**
   * Restores the step counter and the moments (per variable, in this optimizer's order; null for
   * "no moments yet"). The caller checks the sizes; this only asserts them.
   */
  restore(step: number, moments: AdamMoments | null): void {
    const flat = (arrays: readonly Float32Array[]): Float32Array => {
      if (arrays.length !== this.sizes.length)
        throw new RangeError('FlatAdam.restore: one array per variable expected');
      const out = new Float32Array(this.size);
      arrays.forEach((a, i) => {
        if (a.length !== this.sizes[i]) throw new RangeError(`FlatAdam.restore: moment ${i} has ${a.length} values`);
        out.set(a, this.offsets[i]);
      });
      return out;
    };
    const values = moments && { m: flat(moments.m), v: flat(moments.v) };
    this.restoreFlat(step, values?.m ?? null, values?.v ?? null);
  }

  /** `restore` with the moments flat, in this optimizer's layout (null: none yet). */
  restoreFlat(step: number, m: Float32Array | null, v: Float32Array | null): void {
    if ((m && m.length !== this.size) || (v && v.length !== this.size) || !m !== !v) {
      throw new RangeError(`FlatAdam.restoreFlat: both moments with ${this.size} values expected`);
    }
    this.disposeMoments();
    if (m && v) this.moments = { m: flatVariable(m), v: flatVariable(v) };
    this.committed = step;
    this.triedSinceCommit = 0;
    this.resetPendingCount();
    this.revision++;
  }

  /**
   * m and v as flat copies, read synchronously (null before the first step): for the fused path,
   * which runs only where the learner's backend is on the CPU (wasm, cpu), so a sync read is a copy.
   */
  readMomentsSync(): { m: Float32Array; v: Float32Array } | null {
    if (!this.moments) return null;
    return { m: this.moments.m.dataSync() as Float32Array, v: this.moments.v.dataSync() as Float32Array };
  }

  dispose(): void {
    this.disposeMoments();
    this.disposeCorrections();
    tf.dispose([this.appliedSinceCommit ?? [], this.zeros ?? [], this.stepBound2 ?? []]);
    this.appliedSinceCommit = null;
    this.zeros = null;
    this.stepBound2 = null;
  }

  private resetPendingCount(): void {
    const counter = this.appliedSinceCommit;
    if (counter) tf.tidy(() => counter.assign(tf.scalar(0, 'int32')));
  }

  private disposeMoments(): void {
    if (this.moments) tf.dispose([this.moments.m, this.moments.v]);
    this.moments = null;
  }

  private disposeCorrections(): void {
    if (this.corrections) tf.dispose([this.corrections.stepSize, this.corrections.sqrtBc2]);
    this.corrections = null;
  }
}

/** lr / (1 - beta1^t) and sqrt(1 - beta2^t) for t = firstStep .. firstStep + length - 1. */
interface BiasCorrections {
  readonly firstStep: number;
  readonly lr: number;
  readonly length: number;
  readonly stepSize: tf.Tensor1D;
  readonly sqrtBc2: tf.Tensor1D;
}

/** A non-trainable variable holding `values`, with no stray initial tensor (tidy or not). */
function flatVariable(values: Float32Array): tf.Variable<tf.Rank.R1> {
  const initial = tf.tensor1d(values);
  const variable = tf.variable(initial, false);
  initial.dispose();
  return variable;
}

/** A non-trainable int32 scalar variable at 0. */
function countVariable(): tf.Variable<tf.Rank.R0> {
  const initial = tf.scalar(0, 'int32');
  const variable = tf.variable(initial, false);
  initial.dispose();
  return variable;
}

/**
 * `tf.where(condition, a, b)` for three operands of one shape, as the Select kernel alone. tf.where
 * first broadcasts every operand, even to its own shape, and that is a clone: a copy kernel on
 * wasm, so 3 extra kernels per select (9 per Adam step here).
 */
function select<T extends tf.Tensor>(condition: tf.Tensor, a: T, b: T): T {
  return tf.engine().runKernel<T>('Select', { condition, t: a, e: b });
}
