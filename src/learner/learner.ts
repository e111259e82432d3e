/**
 * Learner (RLlib's role): owns a trainable module and an Adam optimizer, and runs
 * epochs x minibatches of a loss over a train batch. It knows nothing about PPO: the algorithm
 * passes a loss function.
 *
 * It runs on whatever TF.js backend is active (cpu in tests, wasm/webgpu in the browser). The
 * batch is uploaded once per update, minibatches are `tf.gather`s of it, stats stay on the device
 * as running sums and are read back once at the end (never inside the minibatch loop).
 */
import * as tf from '@tensorflow/tfjs';
import { RLError } from '../core/errors';
import type { Rng } from '../core/rng';
import { yieldIfBusy } from '../core/yield';
import { FlatAdam } from './flat-adam';
import type { GradClipBy } from './grad-clip';
import { clipFlatGradient, clipGradients } from './grad-clip';
import type { LrSchedule } from './lr-schedule';
import { lrAt, validateLrSchedule } from './lr-schedule';
import { DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES } from './defaults';
import type { NonFiniteCounts } from './non-finite-streak';
import { NonFiniteStreak, divergedError } from './non-finite-streak';

/** What the Learner needs from a module (MLPModule satisfies it). */
export interface TrainableModule {
  readonly trainableVariables: readonly tf.Variable[];
  /** Logical names in the order of `trainableVariables`, used to name optimizer state. */
  readonly variableNames: readonly string[];
  weightsVersion: number;
  dispose(): void;
}

export interface LearnerConfig {
  /** Learning rate or piecewise-linear schedule over lifetime env steps. RLlib: lr. */
  readonly lr: LrSchedule;
  /** Clip threshold, or null for none. RLlib: grad_clip. */
  readonly gradClip: number | null;
  /** RLlib: grad_clip_by. */
  readonly gradClipBy: GradClipBy;
  /** Adam epsilon (default 1e-8 as torch.optim.Adam; CleanRL uses 1e-5). */
  readonly adamEpsilon?: number;
  /**
   * Non-finite Adam steps in a row (skipped, not applied) after which `update` throws
   * `learner/diverged` (default 10). Config: training.maxConsecutiveNonFiniteUpdates.
   */
  readonly maxConsecutiveNonFiniteUpdates?: number;
}

export type Minibatch = Readonly<Record<string, tf.Tensor>>;

/** A loss over one minibatch; runs under the gradient tape, so stats tensors are kept for the caller. */
export type LossFn<M extends TrainableModule> = (
  module: M,
  minibatch: Minibatch,
) => { loss: tf.Scalar; stats: Record<string, tf.Scalar> };

export interface LearnerUpdateOptions {
  /** Passes over the batch. RLlib: num_epochs. */
  readonly numEpochs: number;
  /** Rows per gradient step. RLlib: minibatch_size. */
  readonly minibatchSize: number;
  /** Shuffle rows every epoch. RLlib: shuffle_batch_per_epoch. */
  readonly shuffle: boolean;
  readonly rng: Rng;
  /** For the lr schedule. RLlib: NUM_ENV_STEPS_SAMPLED_LIFETIME. */
  readonly lifetimeEnvSteps: number;
  /** The iteration this update belongs to, named in the divergence error. */
  readonly trainingIteration?: number;
}

/**
 * Adam's m and v per variable and its beta powers, as plain data for checkpoints: names
 * `m/<var>`..., `v/<var>`... (none before the first step), `beta1_power`, `beta2_power`.
 */
export interface OptimizerState {
  readonly names: string[];
  readonly shapes: number[][];
  readonly arrays: Float32Array[];
  /** Adam steps taken. */
  readonly step: number;
}

export type Columns = Readonly<Record<string, Float32Array | Int32Array>>;

/** Longest stretch of Adam steps without giving the page a turn (long tasks start at 50 ms). */
const YIELD_EVERY_MS = 40;

const BETA1 = 0.9;
const BETA2 = 0.999;

export class Learner<M extends TrainableModule> {
  private readonly optimizer: FlatAdam;
  /** Skipped (non-finite) Adam steps in a row at the end of the last update. */
  private consecutiveNonFinite = 0;

  constructor(
    readonly module: M,
    readonly config: LearnerConfig,
    private readonly lossFn: LossFn<M>,
  ) {
    validateLrSchedule(config.lr);
    this.optimizer = new FlatAdam(
      module.trainableVariables,
      lrAt(config.lr, 0),
      BETA1,
      BETA2,
      config.adamEpsilon ?? 1e-8,
    );
  }

  /**
   * Runs numEpochs x ceil(rows / minibatchSize) Adam steps. Every minibatch has exactly
   * minibatchSize rows: the last one of an epoch wraps around to the start of that epoch's
   * permutation (RLlib's MiniBatchCyclicIterator), so every row is used at least once per epoch.
   * Returns loss stats averaged over minibatches, plus gradient_global_norm (pre-clip), curr_lr,
   * num_module_steps_trained, num_non_finite_updates (Adam steps skipped because the loss, the
   * gradient norm or the update was NaN/Inf) and longest_non_finite_run (skipped steps in a row,
   * counting a run carried over from the last update). Bumps module.weightsVersion. Throws
   * `learner/diverged` once that run reaches maxConsecutiveNonFiniteUpdates; it is checked at the
   * end of the update, where the stats are read, and the skipped steps changed nothing.
   */
  async update(columns: Columns, rowCount: number, opts: LearnerUpdateOptions): Promise<Record<string, number>> {
    if (rowCount < 1) throw new RangeError('Learner.update needs at least one row');
    if (opts.minibatchSize < 1 || opts.numEpochs < 1) {
      throw new RangeError(`minibatchSize (${opts.minibatchSize}) and numEpochs (${opts.numEpochs}) must be >= 1`);
    }
    const lr = lrAt(this.config.lr, opts.lifetimeEnvSteps);
    this.optimizer.learningRate = lr;
    const minibatchSize = Math.min(opts.minibatchSize, rowCount);
    const numMinibatches = Math.ceil(rowCount / minibatchSize);
    const permutation = Int32Array.from({ length: rowCount }, (_, i) => i);
    const indices = new Int32Array(minibatchSize);
    // Only after an update that threw midway: its applied steps were never committed.
    if (this.optimizer.hasUncommittedSteps) await this.optimizer.syncStep();
    const batch = uploadColumns(columns, rowCount);
    const sums = new Map<string, tf.Scalar>();
    const streak = new NonFiniteStreak(this.consecutiveNonFinite);
    try {
      for (let epoch = 0; epoch < opts.numEpochs; epoch++) {
        if (opts.shuffle) shuffleInPlace(permutation, opts.rng);
        for (let mb = 0; mb < numMinibatches; mb++) {
          for (let j = 0; j < minibatchSize; j++) indices[j] = permutation[(mb * minibatchSize + j) % rowCount]!;
          // On wasm a whole update is up to ~1 s of synchronous work that would freeze the page.
          // Yield once enough work has piled up (counting the work before the update): every
          // yield lets the page render a frame, so yielding after each (~15 ms) step cost 12%.
          await yieldIfBusy(YIELD_EVERY_MS);
          const step = this.minibatchStep(batch, indices);
          accumulate(sums, step.stats);
          streak.record(step.applied);
        }
      }
      const numSteps = opts.numEpochs * numMinibatches;
      const { stats, counts, applied } = await this.readUpdateStats(sums, streak, numSteps);
      this.optimizer.commitSteps(applied);
      this.consecutiveNonFinite = counts.run;
      const limit = this.config.maxConsecutiveNonFiniteUpdates ?? DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES;
      if (counts.longest >= limit) {
        const { trainingIteration } = opts;
        throw divergedError({ run: counts.longest, limit, trainingIteration, lr, gradClip: this.config.gradClip });
      }
      stats.curr_lr = lr;
      stats.num_module_steps_trained = numSteps * minibatchSize;
      stats.num_non_finite_updates = counts.skipped;
      stats.longest_non_finite_run = counts.longest;
      this.module.weightsVersion += 1;
      return stats;
    } finally {
      tf.dispose(Object.values(batch));
      tf.dispose([...sums.values()]);
      streak.dispose();
    }
  }

  /**
   * The single readback of an update: the stat sums (returned as means over `numSteps`), the
   * non-finite counts and the optimizer's count of applied steps, stacked into one tensor.
   */
  private async readUpdateStats(
    sums: Map<string, tf.Scalar>,
    streak: NonFiniteStreak,
    numSteps: number,
  ): Promise<{ stats: Record<string, number>; counts: NonFiniteCounts; applied: number }> {
    const pending = this.optimizer.pendingAppliedSteps;
    const pendingFloat = pending ? tf.cast<tf.Scalar>(pending, 'float32') : null;
    let values: Float32Array;
    try {
      values = await readScalars([...sums.values(), ...streak.tensors(), ...(pendingFloat ? [pendingFloat] : [])]);
    } finally {
      pendingFloat?.dispose();
    }
    const stats: Record<string, number> = {};
    let i = 0;
    for (const key of sums.keys()) stats[key] = values[i++]! / numSteps;
    const applied = pending ? values[i + 2]! : 0;
    const counts = { skipped: numSteps - applied, run: values[i]!, longest: values[i + 1]! };
    return { stats, counts, applied };
  }

  /**
   * One Adam step on the gathered rows, skipped on the device when the loss or the global gradient
   * norm is not finite. Returns that step's stats and FlatAdam's applied flag (scalars owned by
   * the caller).
   */
  private minibatchStep(
    batch: Minibatch,
    indices: Int32Array,
  ): { stats: Record<string, tf.Scalar>; applied: tf.Scalar } {
    const variables = this.module.trainableVariables;
    return tf.tidy(() => {
      const rows = tf.tensor1d(indices, 'int32');
      const minibatch: Record<string, tf.Tensor> = {};
      for (const [name, column] of Object.entries(batch)) minibatch[name] = tf.gather(column, rows);
      let stats: Record<string, tf.Scalar> = {};
      const { value: loss, grads } = tf.variableGrads(() => {
        const out = this.lossFn(this.module, minibatch);
        // The tape's forward tidy would dispose the stats; keep them for the running sums.
        stats = out.stats;
        for (const s of Object.values(stats)) tf.keep(s);
        return out.loss;
      }, [...variables]);
      // Variables the loss does not reach get no gradient: Adam skips them (as torch does for None).
      let perVariable = variables.map((v) => grads[v.name] ?? null);
      const present = perVariable.map((g) => g !== null);
      const { gradClip, gradClipBy } = this.config;
      let flat: tf.Tensor1D;
      let globalNorm: tf.Scalar;
      if (gradClip !== null && gradClipBy === 'norm') {
        // Per-tensor norms: clip before flattening.
        const clipped = clipGradients(
          perVariable.flatMap((g) => (g ? [g] : [])),
          gradClip,
          gradClipBy,
        );
        let k = 0;
        perVariable = perVariable.map((g) => (g ? clipped.grads[k++]! : null));
        flat = this.optimizer.flatten(perVariable);
        globalNorm = clipped.globalNorm;
      } else {
        ({ grad: flat, globalNorm } = clipFlatGradient(this.optimizer.flatten(perVariable), gradClip, gradClipBy));
      }
      // The norm is already computed (for clipping and the stat); NaN/Inf anywhere in the gradient
      // makes it NaN/Inf, so loss + norm is one finiteness check for both.
      const applied = this.optimizer.applyFlatGradient(flat, present, tf.add(loss, globalNorm));
      return { stats: { ...stats, gradient_global_norm: globalNorm }, applied };
    });
  }

  /**
   * Adam state for checkpoints: m and v per variable (after the first step), beta powers, step.
   * The beta powers keep tf.train.adam's meaning, the power the next step will use:
   * beta^(step + 1), so checkpoints read the same as those written before FlatAdam.
   */
  async getOptimizerState(): Promise<OptimizerState> {
    const moments = await this.optimizer.readMoments();
    // Committed after each update; sync anyway in case an update threw after some steps.
    const step = await this.optimizer.syncStep();
    const variables = this.module.trainableVariables;
    const names = this.module.variableNames;
    const momentNames = moments ? [...names.map((n) => `m/${n}`), ...names.map((n) => `v/${n}`)] : [];
    const momentShapes = moments ? [...variables, ...variables].map((v) => [...v.shape]) : [];
    return {
      names: [...momentNames, 'beta1_power', 'beta2_power'],
      shapes: [...momentShapes, [], []],
      arrays: [
        ...(moments ? [...moments.m, ...moments.v] : []),
        Float32Array.of(BETA1 ** (step + 1)),
        Float32Array.of(BETA2 ** (step + 1)),
      ],
      step,
    };
  }

  /**
   * Restores Adam's moments and step; throws `learner/optimizer-state-mismatch` (leaving the
   * optimizer as it was) when the state does not fit. The stored beta powers are not read: FlatAdam
   * recomputes them from `step` (in float64; TF.js kept them as float32 running products, which
   * differ in the last bits).
   */
  setOptimizerState(state: OptimizerState): Promise<void> {
    // Synchronous work, still a Promise as before: callers await it, and a mismatch is a rejection.
    return new Promise((resolve) => {
      this.restoreOptimizerState(state);
      resolve();
    });
  }

  private restoreOptimizerState(state: OptimizerState): void {
    const variables = this.module.trainableVariables;
    const numMoments = state.arrays.length - 2;
    const expectedShapes = numMoments === 0 ? [] : [...variables, ...variables].map((v) => v.shape);
    const mismatch = (what: string): never => {
      throw new RLError(
        'learner/optimizer-state-mismatch',
        `Optimizer state does not fit this learner: ${what}. It must come from a learner with the same module config.`,
      );
    };
    if (!Number.isInteger(state.step) || state.step < 0) mismatch(`step ${state.step} is not a count of Adam steps`);
    if (numMoments !== expectedShapes.length)
      mismatch(`${numMoments} moment arrays, expected ${expectedShapes.length}`);
    expectedShapes.forEach((shape, i) => {
      const size = shape.reduce((a, b) => a * b, 1);
      if (state.arrays[i]?.length !== size)
        mismatch(`'${state.names[i]}' has ${state.arrays[i]?.length} values, expected ${size}`);
    });
    const n = variables.length;
    const moments = numMoments === 0 ? null : { m: state.arrays.slice(0, n), v: state.arrays.slice(n, 2 * n) };
    this.optimizer.restore(state.step, moments);
  }

  /** Disposes the optimizer and the module the Learner owns. */
  dispose(): void {
    this.optimizer.dispose();
    this.module.dispose();
  }
}

/** Uploads each per-row column once: width 1 -> [rows], else [rows, width]. */
function uploadColumns(columns: Columns, rowCount: number): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  try {
    for (const [name, values] of Object.entries(columns)) {
      const width = values.length / rowCount;
      if (!Number.isInteger(width) || width < 1) {
        throw new RangeError(`column '${name}' has ${values.length} values, not a multiple of ${rowCount} rows`);
      }
      const dtype = values instanceof Int32Array ? 'int32' : 'float32';
      out[name] = tf.tensor(values, width === 1 ? [rowCount] : [rowCount, width], dtype);
    }
  } catch (e) {
    tf.dispose(Object.values(out));
    throw e;
  }
  return out;
}

/** Fisher-Yates with the seeded Rng. */
function shuffleInPlace(a: Int32Array, rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.integer(i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/** Adds one step's stats into the running sums (2-input adds only) and frees them. */
function accumulate(sums: Map<string, tf.Scalar>, step: Record<string, tf.Scalar>): void {
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

/** Reads scalars with one readback (stacked into one tensor); disposes nothing it was given. */
async function readScalars(scalars: readonly tf.Scalar[]): Promise<Float32Array> {
  const packed = tf.stack([...scalars]);
  try {
    return (await packed.data()) as Float32Array;
  } finally {
    packed.dispose();
  }
}
