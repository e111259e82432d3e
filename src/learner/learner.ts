/**
 * Learner (RLlib's role, and where an algorithm plugs in): owns a trainable module and its
 * optimizer groups (one FlatAdam each, over a subset of the variables, with its own lr schedule
 * and clip). A subclass writes `computeLoss` (RLlib: compute_loss_for_module), optionally
 * `afterGradientUpdate` (RLlib: after_gradient_based_update: target networks, KL coefficients),
 * and its `update`, which runs its learner connector (GAE, V-trace) on the batch and then one of
 * the loops below. Each gradient step is compute-gradients (the loss under the tape) then
 * apply-gradients (every group, skipped on the device when not finite).
 *
 * Three loops: epochs x minibatches (PPO, IMPALA, MARWIL), one step summed over microbatches
 * (A2C), one step per replay batch with its TD errors (DQN, SAC). The batch is uploaded once per
 * update, minibatches are `tf.gather`s of it, stats stay on the device as running sums and are
 * read back once at the end (never inside the minibatch loop). It runs on whatever TF.js backend
 * is active (cpu in tests, wasm/webgpu in the browser).
 */
import * as tf from '@tensorflow/tfjs';
import { RLError } from '../core/errors';
import { yieldIfBusy } from '../core/yield';
import {
  accumulate,
  addWeightedGradients,
  shuffleInPlace,
  sliceRows,
  uploadColumns,
  type Columns,
  type SummedGradients,
} from './batch-columns';
import { dataParallelStep, shardRange, type DataParallelShard } from './data-parallel-step';
import { DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES } from './defaults';
import type {
  EpochsLoop,
  Gradients,
  LearnerConfig,
  LearnerState,
  LossOutput,
  Minibatch,
  TrainableModule,
  UpdateContext,
} from './learner-types';
import type { FusedTrainer } from './fused-trainer';
import { runFusedSteps, type FusedLossResult } from './fused-update';
import { divergedError, NonFiniteStreak } from './non-finite-streak';
import { DEFAULT_OPTIMIZER, OptimizerGroup, type OptimizerState } from './optimizer-group';

export type * from './learner-types';
export type { OptimizerState } from './optimizer-group';
export type { Columns } from './batch-columns';

/** Longest stretch of Adam steps without giving the page a turn (long tasks start at 50 ms). */
const YIELD_EVERY_MS = 40;

export abstract class Learner<M extends TrainableModule = TrainableModule> {
  /** Optimizer groups in the order given ('default' alone unless the config names groups). */
  readonly groups: readonly OptimizerGroup[];
  /** Skipped (non-finite) steps in a row at the end of the last update. */
  private consecutiveNonFinite = 0;
  /**
   * Set on each learner of a data-parallel group (numLearners >= 1): `updateEpochs` then computes
   * gradients on its shard of every minibatch and applies the group's mean gradient.
   */
  dataParallel: DataParallelShard | null = null;

  constructor(
    readonly module: M,
    /** Read at every update (a subclass passes its readonly training config). */
    private readonly optimizerConfig: LearnerConfig,
  ) {
    const groups = optimizerConfig.optimizerGroups ?? {
      [DEFAULT_OPTIMIZER]: {
        lr: optimizerConfig.lr,
        gradClip: optimizerConfig.gradClip,
        gradClipBy: optimizerConfig.gradClipBy,
        ...(optimizerConfig.adamEpsilon !== undefined ? { adamEpsilon: optimizerConfig.adamEpsilon } : {}),
      },
    };
    this.groups = Object.entries(groups).map(([name, g]) => new OptimizerGroup(name, g, module));
  }

  /**
   * The loss of one minibatch (RLlib: compute_loss_for_module), run under the gradient tape. It
   * reads its settings from the learner's own config and state. Stats are kept for the caller.
   */
  abstract computeLoss(minibatch: Minibatch): LossOutput;

  /**
   * Runs once an update's steps are applied and its stats read (RLlib:
   * after_gradient_based_update): target networks, KL coefficients. Returns stats to add.
   */
  protected afterGradientUpdate(stats: Readonly<Record<string, number>>, ctx: UpdateContext): Record<string, number> {
    void stats;
    void ctx;
    return {};
  }

  /** What a subclass keeps in checkpoints besides weights, optimizers and target networks. */
  protected learnerState(): Promise<Record<string, number>> {
    return Promise.resolve({});
  }

  /** Restores what `learnerState` saved (a checkpoint's values, possibly missing keys). */
  protected restoreLearnerState(state: Readonly<Record<string, number>>): void {
    void state;
  }

  /**
   * Runs numEpochs x ceil(rows / minibatchSize) gradient steps. Every minibatch has exactly
   * minibatchSize rows: the last one of an epoch wraps around to the start of that epoch's
   * permutation (RLlib's MiniBatchCyclicIterator), so every row is used at least once per epoch.
   * Returns loss stats averaged over minibatches, plus gradient_global_norm (pre-clip), curr_lr,
   * num_module_steps_trained (rows this learner computed the loss on), num_non_finite_updates
   * (steps skipped because the loss, the gradient norm or the update was NaN/Inf) and
   * longest_non_finite_run (skipped steps in a row, counting a run carried over from the last
   * update), then what `afterGradientUpdate` adds. Bumps module.weightsVersion. Throws
   * `learner/diverged` once that run reaches maxConsecutiveNonFiniteUpdates; it is checked at the
   * end of the update, where the stats are read, and the skipped steps changed nothing.
   */
  async updateEpochs(
    columns: Columns,
    rowCount: number,
    loop: EpochsLoop,
    ctx: UpdateContext,
  ): Promise<Record<string, number>> {
    if (rowCount < 1) throw new RangeError('Learner.updateEpochs needs at least one row');
    if (loop.minibatchSize < 1 || loop.numEpochs < 1) {
      throw new RangeError(`minibatchSize (${loop.minibatchSize}) and numEpochs (${loop.numEpochs}) must be >= 1`);
    }
    const lrs = this.beginUpdate(ctx.lifetimeEnvSteps);
    const minibatchSize = Math.min(loop.minibatchSize, rowCount);
    const numMinibatches = Math.ceil(rowCount / minibatchSize);
    const permutation = Int32Array.from({ length: rowCount }, (_, i) => i);
    const indices = new Int32Array(minibatchSize);
    await this.commitLeftoverSteps();
    const batch = uploadColumns(columns, rowCount);
    const sums = new Map<string, tf.Scalar>();
    const streak = new NonFiniteStreak(this.consecutiveNonFinite);
    try {
      for (let epoch = 0; epoch < loop.numEpochs; epoch++) {
        if (loop.shuffle) shuffleInPlace(permutation, ctx.rng);
        for (let mb = 0; mb < numMinibatches; mb++) {
          for (let j = 0; j < minibatchSize; j++) indices[j] = permutation[(mb * minibatchSize + j) % rowCount]!;
          // On wasm a whole update is up to ~1 s of synchronous work that would freeze the page.
          // Yield once enough work has piled up (counting the work before the update): every
          // yield lets the page render a frame, so yielding after each (~15 ms) step cost 12%.
          await yieldIfBusy(YIELD_EVERY_MS);
          const step = this.dataParallel
            ? await dataParallelStep(this, batch, indices, this.dataParallel)
            : this.gradientStep(batch, indices);
          accumulate(sums, step.stats);
          streak.record(step.applied);
        }
      }
      const numSteps = loop.numEpochs * numMinibatches;
      // A data-parallel learner trains on its shard of each minibatch; the group sums the counts.
      const [lo, hi] = this.dataParallel
        ? shardRange(minibatchSize, this.dataParallel.rank, this.dataParallel.size)
        : [0, minibatchSize];
      const { stats } = await this.finishUpdate(sums, streak, numSteps, null, ctx.trainingIteration);
      return this.withAfterUpdate({ ...stats, ...lrs, num_module_steps_trained: numSteps * (hi - lo) }, ctx);
    } finally {
      tf.dispose(Object.values(batch));
      tf.dispose([...sums.values()]);
      streak.dispose();
    }
  }

  /**
   * One gradient step on the whole batch (A2C), its gradient summed over microbatches of at most
   * `microbatchSize` rows (RLlib A2C's microbatch_size: the same step in less memory). Each
   * microbatch's mean-loss gradient and stats are weighted by its share of the rows, so the sum is
   * the whole batch's mean. One readback, as `updateEpochs`.
   */
  async updateAccumulated(
    columns: Columns,
    rowCount: number,
    microbatchSize: number | null,
    ctx: UpdateContext,
  ): Promise<Record<string, number>> {
    if (rowCount < 1) throw new RangeError('Learner.updateAccumulated needs at least one row');
    if (this.dataParallel) throw new RangeError('Data-parallel learners run the epochs-of-minibatches update only');
    const lrs = this.beginUpdate(ctx.lifetimeEnvSteps);
    const size = Math.min(microbatchSize ?? rowCount, rowCount);
    await this.commitLeftoverSteps();
    const batch = uploadColumns(columns, rowCount);
    const sums = new Map<string, tf.Scalar>();
    const streak = new NonFiniteStreak(this.consecutiveNonFinite);
    let total: SummedGradients | null = null;
    try {
      for (let start = 0; start < rowCount; start += size) {
        await yieldIfBusy(YIELD_EVERY_MS);
        const rows = Math.min(size, rowCount - start);
        const microbatch = (): Minibatch => (rows === rowCount ? batch : sliceRows(batch, start, rows));
        const added = addWeightedGradients(total, rows / rowCount, () => this.computeGradients(microbatch()));
        total = added.sum;
        accumulate(sums, added.stats);
      }
      const summed = total!;
      let norms: Record<string, tf.Scalar> = {};
      const applied = tf.tidy(() => {
        const step = this.applyGradients({ ...summed, stats: {}, tdErrors: null });
        norms = step.norms;
        for (const n of Object.values(norms)) tf.keep(n);
        return step.applied;
      });
      accumulate(sums, norms);
      streak.record(applied);
      const { stats } = await this.finishUpdate(sums, streak, 1, null, ctx.trainingIteration);
      return this.withAfterUpdate({ ...stats, ...lrs, num_module_steps_trained: rowCount }, ctx);
    } finally {
      if (total) tf.dispose([total.loss, ...total.grads.flatMap((x) => (x ? [x] : []))]);
      tf.dispose(Object.values(batch));
      tf.dispose([...sums.values()]);
      streak.dispose();
    }
  }

  /**
   * One gradient step on a whole (replay) batch: the off-policy loop (RLlib's DQN learner update
   * on each sampled batch). Stats, the non-finite counts and the loss's per-row TD errors come
   * back in one readback per step: prioritized replay needs the TD errors before it samples
   * again, so this step cannot defer its read as `updateEpochs` does (RLlib's DQN also moves the
   * TD errors to the CPU after every update, to update the priorities).
   */
  async updateOnBatch(
    columns: Columns,
    rowCount: number,
    ctx: UpdateContext,
  ): Promise<{ stats: Record<string, number>; tdErrors: Float32Array | null }> {
    if (rowCount < 1) throw new RangeError('Learner.updateOnBatch needs at least one row');
    if (this.dataParallel) throw new RangeError('Data-parallel learners run the epochs-of-minibatches update only');
    const lrs = this.beginUpdate(ctx.lifetimeEnvSteps);
    await this.commitLeftoverSteps();
    const batch = uploadColumns(columns, rowCount);
    const streak = new NonFiniteStreak(this.consecutiveNonFinite);
    let step: ReturnType<Learner['gradientStep']> | null = null;
    try {
      step = this.gradientStep(batch, null);
      streak.record(step.applied);
      const sums = new Map(Object.entries(step.stats));
      const { stats, tdErrors } = await this.finishUpdate(
        sums,
        streak,
        1,
        step.tdErrors ?? null,
        ctx.trainingIteration,
      );
      return {
        stats: this.withAfterUpdate({ ...stats, ...lrs, num_module_steps_trained: rowCount }, ctx),
        tdErrors,
      };
    } finally {
      tf.dispose(Object.values(batch));
      if (step) tf.dispose([...Object.values(step.stats), ...(step.tdErrors ? [step.tdErrors] : [])]);
      streak.dispose();
    }
  }

  /**
   * The fused path's update (FAST_PATHS.fusedMlp; fused-update.ts): `numSteps` gradient steps,
   * each `step(k)` writing its loss's gradient into the trainer's G, then
   * every group's Adam step, then `afterStep(k)`. The same stats, counts, divergence error and
   * after-update hook as `updateOnBatch`, with the stats averaged over the steps.
   */
  protected async updateFused(
    trainer: FusedTrainer,
    numSteps: number,
    ctx: UpdateContext,
    step: (k: number) => FusedLossResult,
    afterStep: ((k: number) => void) | null = null,
  ): Promise<Record<string, number>> {
    if (this.dataParallel) throw new RangeError('Data-parallel learners run the epochs-of-minibatches update only');
    await this.commitLeftoverSteps();
    const lrs: Record<string, number> = {};
    this.groups.forEach((g, i) => (lrs[i === 0 ? 'curr_lr' : `${g.name}/curr_lr`] = g.setLrAt(ctx.lifetimeEnvSteps)));
    const run = await runFusedSteps(trainer, numSteps, this.consecutiveNonFinite, step, afterStep);
    this.consecutiveNonFinite = run.run;
    const limit = this.optimizerConfig.maxConsecutiveNonFiniteUpdates ?? DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES;
    if (run.longest >= limit) {
      const first = this.groups[0]!;
      throw divergedError({
        run: run.longest,
        limit,
        trainingIteration: ctx.trainingIteration,
        lr: first.optimizer.learningRate,
        gradClip: first.config.gradClip,
      });
    }
    const stats: Record<string, number> = {};
    for (const [key, sum] of run.sums) stats[key] = sum / numSteps;
    this.module.weightsVersion += 1;
    return this.withAfterUpdate(
      {
        ...stats,
        ...lrs,
        num_module_steps_trained: run.rows,
        num_non_finite_updates: run.skipped,
        longest_non_finite_run: run.longest,
      },
      ctx,
    );
  }

  private withAfterUpdate(stats: Record<string, number>, ctx: UpdateContext): Record<string, number> {
    return { ...stats, ...this.afterGradientUpdate(stats, ctx) };
  }

  /** Sets every group's lr from its schedule; returns curr_lr (first group) and <group>/curr_lr. */
  private beginUpdate(lifetimeEnvSteps: number): Record<string, number> {
    const out: Record<string, number> = {};
    this.groups.forEach((g, i) => {
      g.optimizer.boundStepsByWeights();
      const lr = g.setLrAt(lifetimeEnvSteps);
      out[i === 0 ? 'curr_lr' : `${g.name}/curr_lr`] = lr;
    });
    return out;
  }

  /** Only after an update that threw midway: its applied steps were never committed. */
  private async commitLeftoverSteps(): Promise<void> {
    for (const g of this.groups) if (g.optimizer.hasUncommittedSteps) await g.optimizer.syncStep();
  }

  /**
   * The single readback of an update (the stat sums as means over `numSteps`, the non-finite
   * counts, each group's applied steps and the TD errors, in one tensor); then commits each
   * group's applied steps, carries the non-finite run over, throws `learner/diverged` when it
   * reached the limit, and bumps the weights version.
   */
  private async finishUpdate(
    sums: Map<string, tf.Scalar>,
    streak: NonFiniteStreak,
    numSteps: number,
    tdErrors: tf.Tensor1D | null,
    trainingIteration: number | undefined,
  ): Promise<{ stats: Record<string, number>; tdErrors: Float32Array | null }> {
    const pending = this.groups.map((g) => g.optimizer.pendingAppliedSteps);
    const packed = tf.tidy(() => {
      const pendingFloats = pending.map((p) => (p ? tf.cast<tf.Scalar>(p, 'float32') : tf.scalar(0)));
      const scalars = tf.stack([...sums.values(), ...streak.tensors(), ...pendingFloats]);
      return tdErrors ? tf.concat([scalars, tf.reshape(tdErrors, [-1])]) : scalars;
    });
    let values: Float32Array;
    try {
      values = (await packed.data()) as Float32Array;
    } finally {
      packed.dispose();
    }
    const stats: Record<string, number> = {};
    let i = 0;
    for (const key of sums.keys()) stats[key] = values[i++]! / numSteps;
    const run = values[i++]!;
    const longest = values[i++]!;
    const applied = pending.map(() => values[i++]!);
    this.groups.forEach((g, k) => g.optimizer.commitSteps(applied[k]!));
    this.consecutiveNonFinite = run;
    const limit = this.optimizerConfig.maxConsecutiveNonFiniteUpdates ?? DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES;
    if (longest >= limit) {
      const first = this.groups[0]!;
      throw divergedError({
        run: longest,
        limit,
        trainingIteration,
        lr: first.optimizer.learningRate,
        gradClip: first.config.gradClip,
      });
    }
    // A step counts as applied when every group applied it; a group skips on its own check.
    stats.num_non_finite_updates = numSteps - applied.reduce((a, b) => Math.min(a, b), numSteps);
    stats.longest_non_finite_run = longest;
    this.module.weightsVersion += 1;
    return { stats, tdErrors: tdErrors ? values.slice(i) : null };
  }

  /**
   * Compute-gradients: `computeLoss` on `minibatch` under the tape, one gradient per variable
   * (null where the loss does not reach one). Stats and TD errors are kept past the tape's tidy.
   * Call inside `tf.tidy`.
   */
  computeGradients(minibatch: Minibatch): Gradients {
    const variables = this.module.trainableVariables;
    let stats: Record<string, tf.Scalar> = {};
    let tdErrors: tf.Tensor1D | null = null;
    const { value: loss, grads } = tf.variableGrads(() => {
      const out = this.computeLoss(minibatch);
      // The tape's forward tidy would dispose the stats; keep them for the running sums.
      stats = { ...out.stats };
      for (const s of Object.values(stats)) tf.keep(s);
      if (out.tdErrors) tdErrors = tf.keep(out.tdErrors);
      return out.loss;
    }, [...variables]);
    return { loss, stats, tdErrors, grads: variables.map((v) => grads[v.name] ?? null) };
  }

  /**
   * Apply-gradients: every optimizer group takes its step on its variables. Returns one applied
   * flag (all groups applied) and each group's pre-clip norm as `gradient_global_norm` (first
   * group) / `<group>/gradient_global_norm`. Call inside `tf.tidy`.
   */
  applyGradients(gradients: Gradients): { applied: tf.Scalar; norms: Record<string, tf.Scalar> } {
    const norms: Record<string, tf.Scalar> = {};
    let applied: tf.Scalar | null = null;
    this.groups.forEach((g, i) => {
      const step = g.apply(gradients.grads, gradients.loss);
      norms[i === 0 ? 'gradient_global_norm' : `${g.name}/gradient_global_norm`] = step.globalNorm;
      applied = applied ? tf.logicalAnd(applied, step.applied) : step.applied;
    });
    return { applied: applied!, norms };
  }

  /** One step on the gathered rows (`indices`, or every row for null). Tensors owned by the caller. */
  private gradientStep(
    batch: Minibatch,
    indices: Int32Array | null,
  ): { stats: Record<string, tf.Scalar>; applied: tf.Scalar; tdErrors?: tf.Tensor1D } {
    return tf.tidy(() => {
      let minibatch: Minibatch = batch;
      if (indices) {
        const rows = tf.tensor1d(indices, 'int32');
        const gathered: Record<string, tf.Tensor> = {};
        for (const [name, column] of Object.entries(batch)) gathered[name] = tf.gather(column, rows);
        minibatch = gathered;
      }
      const gradients = this.computeGradients(minibatch);
      const { applied, norms } = this.applyGradients(gradients);
      const stats = { ...gradients.stats, ...norms };
      return gradients.tdErrors ? { stats, applied, tdErrors: gradients.tdErrors } : { stats, applied };
    });
  }

  /** The first group's Adam state (the single optimizer of most learners; v1 checkpoints hold this one). */
  getOptimizerState(): Promise<OptimizerState> {
    return this.groups[0]!.getState();
  }

  /** Restores the first group's Adam state; rejects with `learner/optimizer-state-mismatch` when it does not fit. */
  setOptimizerState(state: OptimizerState): Promise<void> {
    // Synchronous work, still a Promise: callers await it, and a mismatch is a rejection.
    return new Promise((resolve) => {
      this.groups[0]!.setState(state);
      resolve();
    });
  }

  /**
   * The learner's part of a checkpoint (RLlib: Learner.get_state): weights, the first group's Adam
   * state, the others by name (only when there are others), and the subclass's scalars.
   */
  async getState(): Promise<LearnerState> {
    const [first, ...rest] = this.groups;
    const optimizers: Record<string, OptimizerState> = {};
    for (const g of rest) optimizers[g.name] = await g.getState();
    return {
      weights: await this.module.getWeights(),
      optimizerState: await first!.getState(),
      ...(rest.length > 0 ? { optimizers } : {}),
      learnerState: await this.learnerState(),
    };
  }

  /**
   * Restores `getState`'s parts. Weights that do not fit throw `module/weights-mismatch`, an
   * optimizer state that does not fit (or a group missing) `learner/optimizer-state-mismatch`.
   */
  async setState(state: LearnerState): Promise<void> {
    this.module.setWeights(state.weights);
    await this.setOptimizerState(state.optimizerState);
    for (const g of this.groups.slice(1)) g.setState(optimizerStateOf(g.name, state.optimizers));
    this.restoreLearnerState(state.learnerState);
  }

  /** Disposes the optimizers and the module the Learner owns. */
  dispose(): void {
    for (const g of this.groups) g.dispose();
    this.module.dispose();
  }
}

function optimizerStateOf(name: string, states: LearnerState['optimizers']): OptimizerState {
  const state = states && Object.hasOwn(states, name) ? states[name] : undefined;
  if (state) return state;
  const have = Object.keys(states ?? {}).join(', ') || 'none';
  throw new RLError(
    'learner/optimizer-state-mismatch',
    `The checkpoint has no state for optimizer group '${name}' (it has ${have}).`,
  );
}
