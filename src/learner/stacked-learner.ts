/**
 * The Learner's epochs-of-minibatches loop (learner.ts: updateEpochs) for M modules stacked on a
 * leading axis (rl-module/stacked-mlp.ts): each gradient step takes one minibatch of every module
 * at once, [M, B, ...], computes the loss of all of them in one taped forward (the subclass's
 * `computeLoss`, the sum of the per-module losses, so module m's gradient is its own loss's), clips
 * per module and takes one StackedAdam step. A module's result equals what its own Learner would
 * have done with the same rows (test/unit/stacked-learner.test.ts):
 *  - its minibatch size is min(minibatchSize, its rows), its minibatches per epoch
 *    ceil(rows / minibatchSize), each wrapping around its epoch's permutation (learner.ts);
 *  - its shuffles come from its own Rng, which the caller positions where a sequential loop over
 *    the modules' learners would have drawn them;
 *  - modules with fewer minibatches sit out the later steps of an epoch (inactive: masked out of
 *    the loss, no Adam step, no count);
 *  - gradient clipping, the non-finite skip and the divergence streak are per module.
 * Rows a module lacks (its batch is shorter than the longest) are padding that the mask removes.
 * Stats are per module, summed on the device and read back once per update.
 */
import * as tf from '@tensorflow/tfjs';
import { RLError } from '../core/errors';
import type { Rng } from '../core/rng';
import { yieldIfBusy } from '../core/yield';
import { shuffleInPlace, uploadColumns } from './batch-columns';
import { DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES } from './defaults';
import type { GradClipBy } from './grad-clip';
import type { EpochsLoop, LearnerConfig, Minibatch, TrainableModule, UpdateContext } from './learner-types';
import { lrAt, validateLrSchedule } from './lr-schedule';
import { divergedError } from './non-finite-streak';
import { StackedAdam } from './stacked-adam';

const YIELD_EVERY_MS = 40;

/** What a stacked learner trains: variables with a leading module axis. */
export interface StackedTrainable extends TrainableModule {
  readonly numModules: number;
  /** Called after the learner stepped the variables (a host copy of them is stale). */
  markTrained(): void;
}

/** A stacked minibatch's loss: the sum over modules (for the gradient), and each module's loss and stats ([M]). */
export interface StackedLossOutput {
  readonly loss: tf.Scalar;
  readonly moduleLosses: tf.Tensor1D;
  readonly stats: Readonly<Record<string, tf.Tensor1D>>;
}

/** Every module's train batch, padded to the same number of rows. */
export interface StackedBatch {
  /** Per column M * rowsPerModule * width values, module-major. */
  readonly columns: Readonly<Record<string, Float32Array | Int32Array>>;
  /** Real rows of each module (0: it trains nothing in this update). */
  readonly rowCounts: Int32Array;
  /** Rows per module in `columns` (>= every rowCount, >= 1). */
  readonly rowsPerModule: number;
}

export abstract class StackedLearner<M extends StackedTrainable = StackedTrainable> {
  readonly optimizer: StackedAdam;
  /** Skipped steps in a row per module at the end of the last update. */
  private readonly consecutiveNonFinite: Float32Array;

  constructor(
    readonly module: M,
    private readonly optimizerConfig: LearnerConfig,
  ) {
    if (optimizerConfig.optimizerGroups) {
      throw new RLError(
        'learner/stacked-groups',
        'Stacked modules train with one optimizer; optimizerGroups are not supported.',
      );
    }
    validateLrSchedule(optimizerConfig.lr);
    this.optimizer = new StackedAdam(
      module.trainableVariables,
      lrAt(optimizerConfig.lr, 0),
      0.9,
      0.999,
      optimizerConfig.adamEpsilon ?? 1e-8,
    );
    this.consecutiveNonFinite = new Float32Array(module.numModules);
  }

  /** The loss of one stacked minibatch ([M, B, ...]); `mask` [M, B] marks real rows, `counts` [M] their number (>= 1). */
  abstract computeLoss(minibatch: Minibatch, mask: tf.Tensor2D, counts: tf.Tensor1D): StackedLossOutput;

  /**
   * numEpochs x minibatches for every module with rows; returns per module (null: no rows) its loss
   * stats averaged over its steps, gradient_global_norm, curr_lr, num_module_steps_trained,
   * num_non_finite_updates and longest_non_finite_run. `rngs[m]` shuffles module m's rows.
   */
  async updateEpochs(
    batch: StackedBatch,
    loop: EpochsLoop,
    rngs: readonly (Rng | null)[],
    ctx: UpdateContext,
  ): Promise<(Record<string, number> | null)[]> {
    const numModules = this.module.numModules;
    const { rowCounts, rowsPerModule: R } = batch;
    if (rowCounts.length !== numModules || rngs.length !== numModules) {
      throw new RangeError(
        `StackedLearner: ${rowCounts.length} row counts and ${rngs.length} Rngs for ${numModules} modules`,
      );
    }
    const lr = lrAt(this.optimizerConfig.lr, ctx.lifetimeEnvSteps);
    this.optimizer.learningRate = lr;
    this.optimizer.boundStepsByWeights();
    if (this.optimizer.hasUncommittedSteps) await this.optimizer.syncSteps();
    const mbs = Array.from(rowCounts, (n) => Math.min(loop.minibatchSize, Math.max(n, 1)));
    const numMb = Array.from(rowCounts, (n, m) => (n > 0 ? Math.ceil(n / mbs[m]!) : 0));
    const width = Math.max(1, ...mbs);
    const stepsPerEpoch = Math.max(0, ...numMb);
    const perms = Array.from(rowCounts, (n) => Int32Array.from({ length: n }, (_, i) => i));
    const indices = new Int32Array(numModules * width);
    const mask = new Float32Array(numModules * width);
    const active = new Float32Array(numModules);
    const counts = tf.tensor1d(Float32Array.from(mbs));
    const columns = uploadColumns(batch.columns, numModules * R);
    const streak = new StackedStreak(this.consecutiveNonFinite);
    const sums = new Map<string, tf.Tensor1D>();
    try {
      for (let epoch = 0; epoch < loop.numEpochs; epoch++) {
        for (let m = 0; m < numModules; m++) if (loop.shuffle && rowCounts[m]! > 0) shuffleInPlace(perms[m]!, rngs[m]!);
        for (let k = 0; k < stepsPerEpoch; k++) {
          for (let m = 0; m < numModules; m++) {
            const on = k < numMb[m]!;
            active[m] = on ? 1 : 0;
            const n = rowCounts[m]!;
            for (let j = 0; j < width; j++) {
              const real = on && j < mbs[m]!;
              indices[m * width + j] = m * R + (real ? perms[m]![(k * mbs[m]! + j) % n]! : 0);
              mask[m * width + j] = real ? 1 : 0;
            }
          }
          await yieldIfBusy(YIELD_EVERY_MS);
          const step = this.gradientStep(columns, indices, mask, active, counts, width);
          accumulate(sums, step.stats);
          streak.record(step.applied, step.active);
        }
      }
      const stepsOf = numMb.map((n) => n * loop.numEpochs);
      return await this.finishUpdate(sums, streak, stepsOf, mbs, lr, ctx.trainingIteration);
    } finally {
      tf.dispose([counts, ...Object.values(columns), ...sums.values()]);
      streak.dispose();
    }
  }

  /** One stacked step: gather every module's minibatch, loss and gradient, per-module clip, Adam. */
  private gradientStep(
    columns: Readonly<Record<string, tf.Tensor>>,
    indices: Int32Array,
    mask: Float32Array,
    active: Float32Array,
    counts: tf.Tensor1D,
    width: number,
  ): { stats: Record<string, tf.Tensor1D>; applied: tf.Tensor1D; active: tf.Tensor1D } {
    const numModules = this.module.numModules;
    return tf.tidy(() => {
      const rows = tf.tensor1d(indices, 'int32');
      const minibatch: Record<string, tf.Tensor> = {};
      for (const [name, column] of Object.entries(columns)) {
        const gathered = tf.gather(column, rows);
        minibatch[name] = tf.reshape(gathered, [numModules, width, ...gathered.shape.slice(1)]);
      }
      const maskT = tf.tensor2d(mask, [numModules, width]);
      const activeT = tf.tensor1d(active);
      const variables = this.module.trainableVariables;
      let out: StackedLossOutput | null = null;
      const { grads } = tf.variableGrads(() => {
        const o = this.computeLoss(minibatch, maskT, counts);
        out = o;
        tf.keep(o.moduleLosses);
        for (const s of Object.values(o.stats)) tf.keep(s);
        return o.loss;
      }, [...variables]);
      const loss = out as unknown as StackedLossOutput;
      const ordered = variables.map((v) => grads[v.name]!);
      const { flat, globalNorm } = clipStacked(
        this.optimizer,
        ordered,
        this.optimizerConfig.gradClip,
        this.optimizerConfig.gradClipBy,
      );
      // NaN/Inf anywhere in a module's gradient makes its norm NaN/Inf, so loss + norm checks both.
      const applied = this.optimizer.apply(flat, activeT, tf.add(loss.moduleLosses, globalNorm));
      const stats = { ...loss.stats, gradient_global_norm: globalNorm };
      // Running sums count a module's active steps only.
      const weighted: Record<string, tf.Tensor1D> = {};
      for (const [k, v] of Object.entries(stats)) weighted[k] = tf.keep(tf.mul(v, activeT));
      // Kept above so they outlived the tape's scope; this tidy does not own them.
      tf.dispose([loss.moduleLosses, ...Object.values(loss.stats)]);
      return { stats: weighted, applied: tf.keep(applied), active: tf.keep(activeT) };
    });
  }

  /** The update's one readback: stat sums, streaks, applied steps; commits steps and checks divergence. */
  private async finishUpdate(
    sums: Map<string, tf.Tensor1D>,
    streak: StackedStreak,
    stepsOf: readonly number[],
    mbs: readonly number[],
    lr: number,
    trainingIteration: number | undefined,
  ): Promise<(Record<string, number> | null)[]> {
    const numModules = this.module.numModules;
    const pending = this.optimizer.pendingAppliedSteps;
    const packed = tf.tidy(() =>
      tf.stack([...sums.values(), ...streak.tensors(), pending ? tf.cast(pending, 'float32') : tf.zeros([numModules])]),
    );
    let values: Float32Array;
    try {
      values = (await packed.data()) as Float32Array;
    } finally {
      packed.dispose();
    }
    const row = (r: number): Float32Array => values.subarray(r * numModules, (r + 1) * numModules);
    const keys = [...sums.keys()];
    const run = row(keys.length);
    const longest = row(keys.length + 1);
    const applied = row(keys.length + 2);
    this.optimizer.commitSteps(applied);
    this.consecutiveNonFinite.set(run);
    const limit = this.optimizerConfig.maxConsecutiveNonFiniteUpdates ?? DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES;
    const worst = longest.reduce((a, b) => Math.max(a, b), 0);
    if (worst >= limit) {
      throw divergedError({ run: worst, limit, trainingIteration, lr, gradClip: this.optimizerConfig.gradClip });
    }
    this.module.markTrained();
    return stepsOf.map((steps, m) => {
      if (steps === 0) return null;
      const stats: Record<string, number> = {};
      keys.forEach((key, r) => (stats[key] = row(r)[m]! / steps));
      stats.curr_lr = lr;
      stats.num_module_steps_trained = steps * mbs[m]!;
      stats.num_non_finite_updates = steps - applied[m]!;
      stats.longest_non_finite_run = longest[m]!;
      return stats;
    });
  }

  dispose(): void {
    this.optimizer.dispose();
    this.module.dispose();
  }
}

/** Per-module clipping (grad-clip.ts's modes, each module by its own norm); the flat [M, P] gradient and the pre-clip norms [M]. */
function clipStacked(
  optimizer: StackedAdam,
  grads: readonly tf.Tensor[],
  gradClip: number | null,
  gradClipBy: GradClipBy,
): { flat: tf.Tensor2D; globalNorm: tf.Tensor1D } {
  const M = optimizer.numModules;
  const perModule = (g: tf.Tensor): tf.Tensor1D => tf.sum(tf.square(tf.reshape(g, [M, -1])), 1);
  if (gradClip !== null && gradClipBy === 'norm') {
    const sq = grads.map(perModule);
    let total: tf.Tensor1D = tf.zeros([M]);
    for (const s of sq) total = tf.add(total, s);
    const clipped = grads.map((g, i) => {
      const coeff = tf.div(gradClip, tf.maximum(tf.sqrt(sq[i]!), gradClip));
      return tf.mul(g, tf.reshape(coeff, [M, ...g.shape.slice(1).map(() => 1)]));
    });
    return { flat: optimizer.flatten(clipped), globalNorm: tf.sqrt(total) };
  }
  const flat = optimizer.flatten(grads);
  const norm: tf.Tensor1D = tf.sqrt(tf.sum(tf.square(flat), 1));
  if (gradClip === null) return { flat, globalNorm: norm };
  if (gradClipBy === 'value') return { flat: tf.clipByValue(flat, -gradClip, gradClip), globalNorm: norm };
  const coeff = tf.div(gradClip, tf.maximum(tf.add(norm, 1e-6), gradClip));
  return { flat: tf.mul(flat, tf.reshape(coeff, [M, 1])), globalNorm: norm };
}

/** Adds one step's [M] stats into the running sums and frees them. */
function accumulate(sums: Map<string, tf.Tensor1D>, step: Record<string, tf.Tensor1D>): void {
  for (const [key, value] of Object.entries(step)) {
    const prev = sums.get(key);
    if (!prev) {
      sums.set(key, value);
      continue;
    }
    sums.set(key, tf.add(prev, value));
    prev.dispose();
    value.dispose();
  }
}

/** non-finite-streak.ts per module: the run of skipped steps and its longest, [M] each; inactive steps leave both. */
class StackedStreak {
  private run: tf.Tensor1D;
  private longest: tf.Tensor1D;

  constructor(carried: Float32Array) {
    this.run = tf.tensor1d(carried);
    this.longest = tf.tensor1d(carried);
  }

  /** `applied` and `active` ([M]) are disposed here. */
  record(applied: tf.Tensor1D, active: tf.Tensor1D): void {
    const next = tf.tidy(() => {
      const skipped = tf.mul(tf.sub(1, tf.cast(applied, 'float32')), active);
      // Active and applied: 0; active and skipped: run + 1; inactive: run.
      const run: tf.Tensor1D = tf.add(tf.mul(this.run, tf.sub(1, active)), tf.mul(tf.add(this.run, 1), skipped));
      const longest: tf.Tensor1D = tf.maximum(this.longest, run);
      return { run, longest };
    });
    tf.dispose([applied, active, this.run, this.longest]);
    this.run = next.run;
    this.longest = next.longest;
  }

  tensors(): tf.Tensor1D[] {
    return [this.run, this.longest];
  }

  dispose(): void {
    tf.dispose([this.run, this.longest]);
  }
}
