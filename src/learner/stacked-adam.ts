/**
 * Adam over stacked variables (a leading module axis, stacked-mlp.ts): FlatAdam's arithmetic for
 * M modules at once, each module with its own step count, its own skip of a non-finite step and
 * its own bound on the update. The gradients of all M modules are one [M, P] matrix (P parameters
 * per module), so a step is the same dozen kernels whatever M is; M FlatAdams would run M times
 * as many.
 *
 * Per module, exactly FlatAdam's step (tested against it, test/unit/stacked-learner.test.ts):
 * m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, p -= stepSize m / (sqrt(v) / sqrt(bc2) + eps),
 * with stepSize = lr / (1 - b1^t) and sqrt(bc2) = sqrt(1 - b2^t) computed in float64 on the host
 * for t = committed steps + 1 + k and gathered on the device at k = steps applied since the commit
 * (a module's skipped steps are only known on the device; reading them per step would stall the
 * minibatch loop). A module that is not `active` in a step (its minibatches ran out, or it had no
 * rows) changes nothing, as if it took no step.
 */
import * as tf from '@tensorflow/tfjs';
import { MAX_STEP_TO_WEIGHT_RATIO } from './flat-adam';

export class StackedAdam {
  readonly numModules: number;
  /** Parameters per module (the width of the flat gradient). */
  readonly size: number;
  private readonly sizes: number[];
  /** Adam steps each module applied up to the last commit. */
  private readonly committed: Float64Array;
  /** Steps tried since the last commit (the correction tables must cover them). */
  private triedSinceCommit = 0;
  /** Device int32 [M]: steps each module applied since the last commit. */
  private appliedSinceCommit: tf.Variable<tf.Rank.R1> | null = null;
  private moments: { m: tf.Variable<tf.Rank.R2>; v: tf.Variable<tf.Rank.R2> } | null = null;
  private corrections: Corrections | null = null;
  private stepBound2: tf.Tensor1D | null = null;
  private zeros: tf.Tensor2D | null = null;

  constructor(
    private readonly variables: readonly tf.Variable[],
    public learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-8,
  ) {
    const first = variables[0];
    if (!first) throw new RangeError('StackedAdam needs at least one variable');
    this.numModules = first.shape[0]!;
    this.sizes = variables.map((v) => {
      if (v.shape[0] !== this.numModules)
        throw new RangeError('StackedAdam: every variable needs the same module axis');
      return v.size / this.numModules;
    });
    this.size = this.sizes.reduce((a, b) => a + b, 0);
    this.committed = new Float64Array(this.numModules);
  }

  /** Steps module m applied, as of the last commit. */
  stepOf(m: number): number {
    return this.committed[m]!;
  }

  /** Device int32 [M] of steps applied since the last commit (null before the first step). */
  get pendingAppliedSteps(): tf.Tensor1D | null {
    return this.appliedSinceCommit;
  }

  get hasUncommittedSteps(): boolean {
    return this.triedSinceCommit > 0;
  }

  /** Adds each module's applied steps (read back from `pendingAppliedSteps`) and restarts the device count. */
  commitSteps(applied: ArrayLike<number>): void {
    for (let m = 0; m < this.numModules; m++) {
      const a = applied[m]!;
      if (!Number.isInteger(a) || a < 0 || a > this.triedSinceCommit) {
        throw new RangeError(`StackedAdam.commitSteps: module ${m} applied ${a} of ${this.triedSinceCommit} steps`);
      }
      this.committed[m] = this.committed[m]! + a;
    }
    this.triedSinceCommit = 0;
    // The tables start at each module's committed step + 1: rebuilt on the next step.
    if (this.corrections) this.corrections.valid = false;
    const counter = this.appliedSinceCommit;
    if (counter) tf.tidy(() => counter.assign(tf.zeros([this.numModules], 'int32')));
  }

  /** Reads the device count and commits it (for callers without their own readback). */
  async syncSteps(): Promise<void> {
    if (!this.appliedSinceCommit || this.triedSinceCommit === 0) return;
    this.commitSteps(await this.appliedSinceCommit.data());
  }

  /** Bounds each module's next updates by its weights' norm now (FlatAdam.boundStepsByWeights, per module). */
  boundStepsByWeights(): void {
    this.stepBound2?.dispose();
    this.stepBound2 = tf.tidy(() => {
      let sumSquares: tf.Tensor1D = tf.zeros([this.numModules]);
      for (const v of this.variables) {
        sumSquares = tf.add(sumSquares, tf.sum(tf.square(tf.reshape(v, [this.numModules, -1])), 1));
      }
      return tf.keep(tf.mul(tf.maximum(sumSquares, 1), MAX_STEP_TO_WEIGHT_RATIO ** 2));
    });
  }

  /** The gradients (one per variable, stacked) as [M, P] in this optimizer's layout. Call inside `tf.tidy`. */
  flatten(grads: readonly tf.Tensor[]): tf.Tensor2D {
    if (grads.length !== this.variables.length) {
      throw new RangeError(`StackedAdam.flatten got ${grads.length} gradients for ${this.variables.length} variables`);
    }
    return tf.concat<tf.Tensor2D>(
      grads.map((g) => tf.reshape(g, [this.numModules, -1])),
      1,
    );
  }

  /**
   * One Adam step per active module from `grad` [M, P]; module m's step is skipped (nothing
   * changes) when it is not active, or `check[m] + sum(update[m])` is not finite, or its update is
   * over the bound. Returns [M] bool: applied. Call inside `tf.tidy`.
   */
  apply(grad: tf.Tensor2D, active: tf.Tensor1D, check: tf.Tensor1D): tf.Tensor1D {
    const M = this.numModules;
    const { m, v } = (this.moments ??= {
      m: tf.variable(tf.zeros([M, this.size]), false),
      v: tf.variable(tf.zeros([M, this.size]), false),
    });
    const applied = (this.appliedSinceCommit ??= tf.variable(tf.zeros([M], 'int32'), false));
    const c = this.correctionsCovering(this.triedSinceCommit + 1);
    const { beta1: b1, beta2: b2 } = this;
    const newM: tf.Tensor2D = tf.add(tf.mul(m, b1), tf.mul(grad, 1 - b1));
    const newV: tf.Tensor2D = tf.add(tf.mul(v, b2), tf.mul(tf.square(grad), 1 - b2));
    // Module m's corrections at its own step: row m, column = its steps applied since the commit.
    const at = tf.add(c.rowStarts, applied);
    const stepSize = tf.reshape(tf.gather(c.stepSize, at), [M, 1]);
    const sqrtBc2 = tf.reshape(tf.gather(c.sqrtBc2, at), [M, 1]);
    const rawUpdate: tf.Tensor2D = tf.mul(tf.div(newM, tf.add(tf.div(tf.sqrt(newV), sqrtBc2), this.epsilon)), stepSize);
    let total: tf.Tensor1D = tf.add(check, tf.sum(rawUpdate, 1));
    if (this.stepBound2) {
      const tooBig = tf.greater(tf.sum(tf.square(rawUpdate), 1), this.stepBound2);
      total = tf.where(tooBig, tf.fill([M], Number.NaN), total);
    }
    const isActive = tf.cast(active, 'bool');
    // Inactive modules take no step: NaN routes them through the same select as a skipped one.
    total = tf.where(isActive, total, tf.fill([M], Number.NaN));
    const finite = tf.isFinite(total);
    const zeros = (this.zeros ??= tf.keep(tf.zeros([M, this.size])));
    const ok = tf.isFinite(tf.add(zeros, tf.reshape(total, [M, 1])));
    m.assign(select(ok, newM, m));
    v.assign(select(ok, newV, v));
    const update = select(ok, rawUpdate, zeros);
    applied.assign(tf.add(applied, tf.cast(finite, 'int32')));
    const pieces = tf.split(update, this.sizes, 1);
    this.variables.forEach((variable, i) => {
      variable.assign(tf.sub(variable, tf.reshape(pieces[i]!, variable.shape)));
    });
    this.triedSinceCommit++;
    return finite;
  }

  /** Tables of lr / (1 - b1^t) and sqrt(1 - b2^t), row m for t = committed[m] + 1 .. + length. */
  private correctionsCovering(tries: number): Corrections {
    const c = this.corrections;
    if (c && c.valid && c.lr === this.learningRate && c.length >= tries) return c;
    const length = Math.max(64, 2 * tries, c?.length ?? 0);
    const M = this.numModules;
    const stepSize = new Float32Array(M * length);
    const sqrtBc2 = new Float32Array(M * length);
    for (let m = 0; m < M; m++) {
      for (let k = 0; k < length; k++) {
        const t = this.committed[m]! + 1 + k;
        stepSize[m * length + k] = this.learningRate / (1 - this.beta1 ** t);
        sqrtBc2[m * length + k] = Math.sqrt(1 - this.beta2 ** t);
      }
    }
    this.disposeCorrections();
    this.corrections = {
      valid: true,
      lr: this.learningRate,
      length,
      stepSize: tf.keep(tf.tensor1d(stepSize)),
      sqrtBc2: tf.keep(tf.tensor1d(sqrtBc2)),
      rowStarts: tf.keep(
        tf.tensor1d(
          Int32Array.from({ length: M }, (_, m) => m * length),
          'int32',
        ),
      ),
    };
    return this.corrections;
  }

  /** Every module's m and v ([M, P] each, module-major), or null before the first step. */
  async readMoments(): Promise<{ m: Float32Array; v: Float32Array } | null> {
    if (!this.moments) return null;
    const [m, v] = await Promise.all([this.moments.m.data(), this.moments.v.data()]);
    return { m: m as Float32Array, v: v as Float32Array };
  }

  /** Parameters of variable i per module, and where they start in a module's flat row. */
  layout(): { readonly sizes: readonly number[]; readonly offsets: readonly number[] } {
    const offsets: number[] = [];
    let o = 0;
    for (const s of this.sizes) {
      offsets.push(o);
      o += s;
    }
    return { sizes: this.sizes, offsets };
  }

  /** Restores every module's step count and moments ([M, P] module-major; null: zeros). */
  restore(steps: ArrayLike<number>, moments: { m: Float32Array; v: Float32Array } | null): void {
    const M = this.numModules;
    if (steps.length !== M) throw new RangeError(`StackedAdam.restore: ${steps.length} step counts for ${M} modules`);
    if (moments && (moments.m.length !== M * this.size || moments.v.length !== M * this.size)) {
      throw new RangeError(`StackedAdam.restore: moments need ${M * this.size} values each`);
    }
    this.disposeMoments();
    if (moments) {
      this.moments = { m: matrixVariable(moments.m, M, this.size), v: matrixVariable(moments.v, M, this.size) };
    }
    for (let m = 0; m < M; m++) this.committed[m] = steps[m]!;
    this.triedSinceCommit = 0;
    if (this.corrections) this.corrections.valid = false;
    const counter = this.appliedSinceCommit;
    if (counter) tf.tidy(() => counter.assign(tf.zeros([M], 'int32')));
  }

  dispose(): void {
    this.disposeMoments();
    this.disposeCorrections();
    tf.dispose([this.appliedSinceCommit ?? [], this.zeros ?? [], this.stepBound2 ?? []]);
    this.appliedSinceCommit = null;
    this.zeros = null;
    this.stepBound2 = null;
  }

  private disposeMoments(): void {
    if (this.moments) tf.dispose([this.moments.m, this.moments.v]);
    this.moments = null;
  }

  private disposeCorrections(): void {
    const c = this.corrections;
    if (c) tf.dispose([c.stepSize, c.sqrtBc2, c.rowStarts]);
    this.corrections = null;
  }
}

interface Corrections {
  /** False once a commit or restore moved the steps the rows start from. */
  valid: boolean;
  readonly lr: number;
  readonly length: number;
  /** [M * length]: row m holds module m's corrections. */
  readonly stepSize: tf.Tensor1D;
  readonly sqrtBc2: tf.Tensor1D;
  /** [M] int32: m * length. */
  readonly rowStarts: tf.Tensor1D;
}

/** A non-trainable [rows, cols] variable holding a copy of `values`, with no stray initial tensor. */
function matrixVariable(values: Float32Array, rows: number, cols: number): tf.Variable<tf.Rank.R2> {
  const initial = tf.tensor2d(values.slice(), [rows, cols]);
  const variable = tf.variable(initial, false);
  initial.dispose();
  return variable;
}

/** The Select kernel alone (FlatAdam's select: tf.where would clone its operands first). */
function select<T extends tf.Tensor>(condition: tf.Tensor, a: T, b: T): T {
  return tf.engine().runKernel<T>('Select', { condition, t: a, e: b });
}
