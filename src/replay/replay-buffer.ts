/**
 * Uniform, episode-aware replay over preallocated typed arrays (RLlib: `EpisodeReplayBuffer`).
 *
 * Storage is a ring of `capacity` env steps. Each slot holds one step of one episode: s_t, a_t,
 * r_t, terminated_t, truncated_t, s_{t+1} (`nextObs`), and `successorIds`, the lifetime id of
 * s_{t+1}'s own slot when the episode continues (-1 when it ended here or its next chunk is not
 * in yet). Storing s_{t+1} per slot doubles observation memory (Stable-Baselines3's ReplayBuffer
 * without `optimize_memory_usage`) but makes every step a complete transition the moment it is
 * added, whatever the chunk layout: inside a chunk s_{t+1} is the next row; at a chunk's last row
 * it is the chunk's `finalObs` (Gymnasium's final observation at truncation, the observation the
 * episode continues from at a fragment cut).
 *
 * n-step returns (Hessel et al. 2018) follow `successorIds`, so steps of one episode need not be
 * adjacent in the ring (sub-envs and runners interleave) and never chain across an episode end.
 * Every step gets a lifetime id (`numAdded` when added); the ring holds ids
 * [numAdded - size, numAdded) and overwrites oldest first, so a successor (always younger than
 * its predecessor) is still stored whenever its predecessor is.
 *
 * Fragment cuts are stitched by episode id: a chunk that ends in a cut leaves its last step
 * pending under `chunkEpisodeIds[c]` (ids are unique per runner: workerIndex * stride + counter);
 * when the next chunk with that episode id arrives from the same sub-env index and starts with the
 * observation the cut ended on, the pending step is linked to its first step. Until then, an
 * n-step return starting near the cut stops there and bootstraps from the cut's observation with
 * gamma^k, k < n, as RLlib's EpisodeReplayBuffer does for the still-running end of an episode.
 */
import { ChunkEnd } from '../core/sample-batch';
import type { Rng } from '../core/rng';
import {
  allocReplayBatch,
  type MutableReplayBatch,
  type ReplayBatch,
  type ReplayInput,
  type ReplaySampleOptions,
} from './replay-batch';

export interface ReplayBufferSpec {
  /** Env steps (transitions) the ring holds; the oldest are overwritten first. */
  readonly capacity: number;
  /** Scalars per observation. */
  readonly obsDim: number;
  /** Scalars per action: 1 for Discrete, the Box size otherwise. */
  readonly actionDim: number;
  /** Int32 actions (Discrete) or Float32 actions (Box). */
  readonly discreteActions: boolean;
}

/** Plain typed arrays and counters: everything `setState` needs (RLlib: store_buffer_in_checkpoints). */
export interface ReplayBufferState extends ReplayBufferSpec {
  readonly type: 'EpisodeReplayBuffer' | 'PrioritizedEpisodeReplayBuffer';
  readonly numAdded: number;
  readonly obs: Float32Array;
  readonly nextObs: Float32Array;
  readonly actions: Int32Array | Float32Array;
  readonly rewards: Float32Array;
  readonly terminateds: Uint8Array;
  readonly truncateds: Uint8Array;
  readonly successorIds: Float64Array;
  /** Cut episodes waiting for their next chunk: episode id, lifetime id of the last step, sub-env. */
  readonly pendingEpisodeIds: Float64Array;
  readonly pendingStepIds: Float64Array;
  readonly pendingEnvIndices: Int32Array;
  /** Prioritized only: leaf priorities p_i^alpha per slot, and the max raw priority seen. */
  readonly priorities?: Float64Array;
  readonly maxPriority?: number;
}

interface PendingStep {
  readonly stepId: number;
  readonly envIndex: number;
}

export class EpisodeReplayBuffer {
  readonly capacity: number;
  readonly obsDim: number;
  readonly actionDim: number;
  readonly discreteActions: boolean;
  /** Whether `sample` draws by priority and `updatePriorities` matters. */
  readonly prioritized: boolean = false;

  protected readonly obs: Float32Array;
  protected readonly nextObs: Float32Array;
  protected readonly actions: Int32Array | Float32Array;
  protected readonly rewards: Float32Array;
  protected readonly terminateds: Uint8Array;
  protected readonly truncateds: Uint8Array;
  protected readonly successorIds: Float64Array;
  private readonly pending = new Map<number, PendingStep>();
  private lifetimeSteps = 0;
  private out: MutableReplayBatch | null = null;

  constructor(spec: ReplayBufferSpec) {
    for (const [name, v] of [
      ['capacity', spec.capacity],
      ['obsDim', spec.obsDim],
      ['actionDim', spec.actionDim],
    ] as const) {
      if (!Number.isInteger(v) || v < 1)
        throw new RangeError(`Replay buffer ${name} must be a positive integer, got ${v}`);
    }
    this.capacity = spec.capacity;
    this.obsDim = spec.obsDim;
    this.actionDim = spec.actionDim;
    this.discreteActions = spec.discreteActions;
    const n = spec.capacity;
    this.obs = new Float32Array(n * spec.obsDim);
    this.nextObs = new Float32Array(n * spec.obsDim);
    this.actions = spec.discreteActions ? new Int32Array(n * spec.actionDim) : new Float32Array(n * spec.actionDim);
    this.rewards = new Float32Array(n);
    this.terminateds = new Uint8Array(n);
    this.truncateds = new Uint8Array(n);
    this.successorIds = new Float64Array(n).fill(-1);
  }

  /** Steps stored now (<= capacity). */
  get size(): number {
    return Math.min(this.lifetimeSteps, this.capacity);
  }

  /** Steps added over the buffer's lifetime, overwritten ones included. */
  get numAdded(): number {
    return this.lifetimeSteps;
  }

  /** Adds every step of an EnvRunner batch, chunk by chunk; see the file comment for stitching. */
  add(batch: ReplayInput): void {
    this.checkBatch(batch);
    const numChunks = batch.chunkEnds.length;
    for (let c = 0; c < numChunks; c++) {
      const start = batch.chunkStarts[c] ?? 0;
      const end = batch.chunkStarts[c + 1] ?? start;
      if (end <= start) continue;
      const episodeId = batch.chunkEpisodeIds[c] ?? -1;
      const envIndex = batch.chunkEnvIndices[c] ?? -1;
      const predecessor = this.continuedStep(episodeId, envIndex, batch.obs, start);
      const firstId = this.lifetimeSteps;
      for (let row = start; row < end; row++) this.writeStep(batch, c, row, row === end - 1);
      // Link only if neither end was overwritten while writing the chunk (capacity < chunk length).
      if (predecessor >= 0 && this.holds(predecessor) && this.holds(firstId)) {
        this.successorIds[predecessor % this.capacity] = firstId;
      }
      this.pending.delete(episodeId);
      if (batch.chunkEnds[c] === ChunkEnd.CUT)
        this.pending.set(episodeId, { stepId: this.lifetimeSteps - 1, envIndex });
    }
    for (const [id, p] of this.pending) if (!this.holds(p.stepId)) this.pending.delete(id);
  }

  /**
   * Draws `batchSize` start steps and builds their n-step transitions. The returned batch and
   * its arrays are reused by the next `sample` call with the same batch size: copy what must outlive it.
   */
  sample(batchSize: number, rng: Rng, options: ReplaySampleOptions): ReplayBatch {
    const { nStep, gamma } = options;
    if (this.size === 0) throw new RangeError('Cannot sample from an empty replay buffer; add steps first.');
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
    if (!Number.isInteger(nStep) || nStep < 1) throw new RangeError(`nStep must be a positive integer, got ${nStep}`);
    if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`gamma must be in [0, 1], got ${gamma}`);
    if (this.out?.batchSize !== batchSize) {
      this.out = allocReplayBatch(batchSize, this.obsDim, this.actionDim, this.discreteActions);
    }
    const out = this.out;
    this.drawSlots(out.indices, rng);
    const { obsDim: od, actionDim: ad } = this;
    for (let b = 0; b < batchSize; b++) {
      const slot = out.indices[b] ?? 0;
      out.stepIds[b] = this.stepIdAt(slot);
      copyRow(this.obs, slot, out.obs, b, od);
      copyRow(this.actions, slot, out.actions, b, ad);
      this.writeNStep(out, b, slot, nStep, gamma);
    }
    this.writeWeights(out, options.beta);
    return out;
  }

  /** Uniform replay has no priorities; kept so a learner can call it whatever the buffer type. */
  updatePriorities(_indices: Int32Array, _tdErrors: ArrayLike<number>, _stepIds?: Float64Array): void {}

  /** Lifetime id of the step now in `slot` (the ring holds ids [numAdded - size, numAdded)). */
  stepIdAt(slot: number): number {
    const n = this.lifetimeSteps;
    if (n <= this.capacity) return slot;
    const head = n % this.capacity;
    return slot < head ? n - head + slot : n - head - this.capacity + slot;
  }

  /** Whether the step with this lifetime id is still stored (not yet overwritten). */
  holds(stepId: number): boolean {
    return stepId >= this.lifetimeSteps - this.size && stepId < this.lifetimeSteps;
  }

  getState(): ReplayBufferState {
    const pending = [...this.pending];
    return {
      type: 'EpisodeReplayBuffer',
      capacity: this.capacity,
      obsDim: this.obsDim,
      actionDim: this.actionDim,
      discreteActions: this.discreteActions,
      numAdded: this.lifetimeSteps,
      obs: this.obs.slice(),
      nextObs: this.nextObs.slice(),
      actions: this.actions.slice(),
      rewards: this.rewards.slice(),
      terminateds: this.terminateds.slice(),
      truncateds: this.truncateds.slice(),
      successorIds: this.successorIds.slice(),
      pendingEpisodeIds: Float64Array.from(pending, ([id]) => id),
      pendingStepIds: Float64Array.from(pending, ([, p]) => p.stepId),
      pendingEnvIndices: Int32Array.from(pending, ([, p]) => p.envIndex),
    };
  }

  /** Restores a `getState()` of a buffer with the same capacity, dims and action type. */
  setState(state: ReplayBufferState): void {
    const mismatch = (['capacity', 'obsDim', 'actionDim', 'discreteActions'] as const).filter(
      (k) => state[k] !== this[k],
    );
    if (mismatch.length > 0) {
      throw new RangeError(
        `Replay buffer state does not fit this buffer (${mismatch.map((k) => `${k}: ${String(state[k])} vs ${String(this[k])}`).join(', ')}); build the buffer with the checkpoint's replay_buffer_config and spaces.`,
      );
    }
    if (!Number.isInteger(state.numAdded) || state.numAdded < 0) throw new RangeError(`Bad numAdded ${state.numAdded}`);
    this.obs.set(state.obs);
    this.nextObs.set(state.nextObs);
    this.actions.set(state.actions);
    this.rewards.set(state.rewards);
    this.terminateds.set(state.terminateds);
    this.truncateds.set(state.truncateds);
    this.successorIds.set(state.successorIds);
    this.lifetimeSteps = state.numAdded;
    this.pending.clear();
    state.pendingEpisodeIds.forEach((id, i) => {
      this.pending.set(id, { stepId: state.pendingStepIds[i] ?? -1, envIndex: state.pendingEnvIndices[i] ?? -1 });
    });
  }

  /** Uniform over stored slots; the prioritized buffer overrides this. */
  protected drawSlots(out: Int32Array, rng: Rng): void {
    const size = this.size;
    for (let b = 0; b < out.length; b++) out[b] = rng.integer(size);
  }

  /** Importance weights; uniform sampling needs none, so they stay 1. */
  protected writeWeights(_out: MutableReplayBatch, _beta: number | undefined): void {}

  /** Called after a step was written into `slot`. */
  protected onStepAdded(_slot: number): void {}

  /**
   * Sums up to nStep rewards along the episode from `slot` (Hessel et al. 2018). Stops at a
   * termination (no bootstrap: discount 0), at a truncation (bootstrap from the final observation
   * with gamma^k; Pardo et al. 2018), and where the episode's next step is not stored.
   */
  private writeNStep(out: MutableReplayBatch, b: number, startSlot: number, nStep: number, gamma: number): void {
    let slot = startSlot;
    let ret = 0;
    let discount = 1;
    let k = 0;
    let terminated = 0;
    for (;;) {
      ret += discount * (this.rewards[slot] ?? 0);
      discount *= gamma;
      k++;
      if (this.terminateds[slot]) {
        terminated = 1;
        break;
      }
      if (this.truncateds[slot] || k >= nStep) break;
      const successor = this.successorIds[slot] ?? -1;
      if (successor < 0 || !this.holds(successor)) break;
      slot = successor % this.capacity;
    }
    const od = this.obsDim;
    out.rewards[b] = ret;
    copyRow(this.nextObs, slot, out.nextObs, b, od);
    out.terminateds[b] = terminated;
    out.discounts[b] = terminated ? 0 : discount;
    out.nSteps[b] = k;
  }

  private writeStep(batch: ReplayInput, chunk: number, row: number, lastInChunk: boolean): void {
    const { obsDim: od, actionDim: ad } = this;
    const stepId = this.lifetimeSteps;
    const slot = stepId % this.capacity;
    copyRow(batch.obs, row, this.obs, slot, od);
    copyRow(batch.actions, row, this.actions, slot, ad);
    this.rewards[slot] = batch.rewards[row] ?? 0;
    const chunkEnd = batch.chunkEnds[chunk];
    const terminated = lastInChunk && (chunkEnd === ChunkEnd.TERMINATED || batch.terminateds[row] === 1);
    const truncated = lastInChunk && !terminated && (chunkEnd === ChunkEnd.TRUNCATED || batch.truncateds[row] === 1);
    this.terminateds[slot] = terminated ? 1 : 0;
    this.truncateds[slot] = truncated ? 1 : 0;
    if (lastInChunk) copyRow(batch.finalObs, chunk, this.nextObs, slot, od);
    else copyRow(batch.obs, row + 1, this.nextObs, slot, od);
    this.successorIds[slot] = lastInChunk ? -1 : stepId + 1;
    this.lifetimeSteps++;
    this.onStepAdded(slot);
  }

  /**
   * The lifetime id of the cut step this chunk continues, or -1. Guards against a reused episode
   * id (a restarted runner counts ids from 0 again) by also matching the sub-env and requiring the
   * chunk to start on exactly the observation the cut ended on.
   */
  private continuedStep(episodeId: number, envIndex: number, obs: Float32Array, row: number): number {
    const p = this.pending.get(episodeId);
    if (!p || p.envIndex !== envIndex || !this.holds(p.stepId)) return -1;
    const od = this.obsDim;
    const slot = p.stepId % this.capacity;
    for (let j = 0; j < od; j++) {
      if (!Object.is(this.nextObs[slot * od + j], obs[row * od + j])) return -1;
    }
    return p.stepId;
  }

  private checkBatch(batch: ReplayInput): void {
    const fail = (what: string): never => {
      throw new RangeError(`Replay buffer cannot add this batch: ${what}`);
    };
    if (batch.obsDim !== this.obsDim) fail(`obsDim ${batch.obsDim}, buffer was built for ${this.obsDim}`);
    if (batch.actionDim !== this.actionDim)
      fail(`actionDim ${batch.actionDim}, buffer was built for ${this.actionDim}`);
    if (batch.actions instanceof Int32Array !== this.discreteActions) {
      fail(
        `actions are ${batch.actions.constructor.name}, buffer expects ${this.discreteActions ? 'Int32Array (Discrete)' : 'Float32Array (Box)'}`,
      );
    }
    const numChunks = batch.chunkEnds.length;
    if (batch.chunkStarts.length !== numChunks + 1 || batch.chunkStarts[numChunks] !== batch.numSteps) {
      fail(`chunkStarts must hold numChunks + 1 offsets ending at numSteps (${batch.numSteps})`);
    }
    if (batch.finalObs.length !== numChunks * this.obsDim) fail(`finalObs must hold numChunks * obsDim values`);
    // An episode may only end on a chunk's last row; otherwise the next row would belong to another episode.
    for (let c = 0; c < numChunks; c++) {
      const last = (batch.chunkStarts[c + 1] ?? 0) - 1;
      for (let row = batch.chunkStarts[c] ?? 0; row < last; row++) {
        if (batch.terminateds[row] || batch.truncateds[row]) fail(`row ${row} ends an episode inside chunk ${c}`);
      }
    }
  }
}

/**
 * Copies row `srcRow` of a row-major column into row `dstRow` of another, `width` values each.
 * A plain loop: `set(subarray(...))` would allocate a view per row on the sampling hot path.
 */
function copyRow<T extends Float32Array | Int32Array>(
  src: T,
  srcRow: number,
  dst: T,
  dstRow: number,
  width: number,
): void {
  const from = srcRow * width;
  const to = dstRow * width;
  for (let j = 0; j < width; j++) dst[to + j] = src[from + j] ?? 0;
}
