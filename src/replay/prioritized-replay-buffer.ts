/**
 * Proportional prioritized replay (Schaul et al. 2016, "Prioritized Experience Replay"; RLlib:
 * `PrioritizedEpisodeReplayBuffer`). Step i is drawn with P(i) = p_i^alpha / sum_k p_k^alpha,
 * p_i = |delta_i| + epsilon, and its loss is weighted by w_i = (N * P(i))^-beta / max_j w_j.
 * New steps get the largest priority seen so far, so each is replayed at least once soon.
 * Episode handling, n-step returns and storage are the uniform buffer's.
 */
import type { Rng } from '../core/rng';
import type { MutableReplayBatch } from './replay-batch';
import { EpisodeReplayBuffer, type ReplayBufferSpec, type ReplayBufferState } from './replay-buffer';
import { MinTree, SumTree } from './sum-tree';

export interface PrioritizedReplayBufferSpec extends ReplayBufferSpec {
  /** Priority exponent: 0 = uniform, 1 = fully proportional. RLlib: alpha (0.6). */
  readonly alpha: number;
  /** Importance-sampling exponent used when `sample` is given none. RLlib: beta (0.4). */
  readonly beta: number;
  /** Added to |TD error| so no step gets priority 0. RLlib: prioritized_replay_eps (1e-6). */
  readonly priorityEpsilon?: number;
}

export class PrioritizedEpisodeReplayBuffer extends EpisodeReplayBuffer {
  override readonly prioritized = true;
  readonly alpha: number;
  readonly beta: number;
  readonly priorityEpsilon: number;
  /** Leaves hold p_i^alpha. */
  private readonly sumTree: SumTree;
  private readonly minTree: MinTree;
  /** Largest raw priority p_i seen so far (before alpha); new steps start with it. */
  private maxPriority = 1;
  /** maxPriority^alpha, cached: every added step needs it. */
  private maxPriorityAlpha = 1;

  constructor(spec: PrioritizedReplayBufferSpec) {
    super(spec);
    if (!(spec.alpha >= 0)) throw new RangeError(`alpha must be >= 0, got ${spec.alpha}`);
    if (!(spec.beta >= 0)) throw new RangeError(`beta must be >= 0, got ${spec.beta}`);
    this.alpha = spec.alpha;
    this.beta = spec.beta;
    this.priorityEpsilon = spec.priorityEpsilon ?? 1e-6;
    this.sumTree = new SumTree(spec.capacity);
    this.minTree = new MinTree(spec.capacity);
  }

  /** The priority p_i^alpha of the step in `slot` (0 for an empty slot). */
  priorityAt(slot: number): number {
    return this.sumTree.get(slot);
  }

  /**
   * Sets p_i = |tdError_i| + epsilon for the sampled slots. With `stepIds` (from the sampled
   * batch), slots overwritten since the sample are skipped instead of getting a stranger's priority.
   */
  override updatePriorities(indices: Int32Array, tdErrors: ArrayLike<number>, stepIds?: Float64Array): void {
    if (tdErrors.length !== indices.length) {
      throw new RangeError(`updatePriorities got ${indices.length} indices but ${tdErrors.length} TD errors`);
    }
    for (let i = 0; i < indices.length; i++) {
      const slot = indices[i] ?? 0;
      if (stepIds && this.stepIdAt(slot) !== stepIds[i]) continue;
      const td = tdErrors[i] ?? 0;
      if (!Number.isFinite(td)) {
        throw new RangeError(
          `TD error ${td} at batch row ${i} is not finite; the loss diverged (lower lr or clip gradients).`,
        );
      }
      const priority = Math.abs(td) + this.priorityEpsilon;
      const priorityAlpha = priority ** this.alpha;
      if (priority > this.maxPriority) {
        this.maxPriority = priority;
        this.maxPriorityAlpha = priorityAlpha;
      }
      this.setTreePriority(slot, priorityAlpha);
    }
  }

  override getState(): ReplayBufferState {
    return {
      ...super.getState(),
      type: 'PrioritizedEpisodeReplayBuffer',
      priorities: this.sumTree.getLeaves(),
      maxPriority: this.maxPriority,
    };
  }

  override setState(state: ReplayBufferState): void {
    super.setState(state);
    const leaves = state.priorities ?? new Float64Array(this.capacity);
    if (!state.priorities) {
      // A uniform buffer's state: every stored step starts at priority 1 (= maxPriority^alpha).
      for (let slot = 0; slot < this.size; slot++) leaves[slot] = 1;
    }
    this.sumTree.setLeaves(leaves);
    this.minTree.setLeaves(leaves.map((p, slot) => (slot < this.size ? p : Infinity)));
    this.maxPriority = state.maxPriority ?? 1;
    this.maxPriorityAlpha = this.maxPriority ** this.alpha;
  }

  /**
   * Stratified proportional draw (Schaul et al. 2016, appendix B.2.1): [0, total) is split into
   * batchSize equal segments and one prefix sum is drawn uniformly in each, which lowers the
   * variance of the batch's priority mix compared with independent draws.
   */
  protected override drawSlots(out: Int32Array, rng: Rng): void {
    const segment = this.sumTree.total / out.length;
    for (let b = 0; b < out.length; b++) out[b] = this.sumTree.find((b + rng.random()) * segment);
  }

  /** w_i = (N * P(i))^-beta / max_j w_j, the max from the smallest priority (min tree). */
  protected override writeWeights(out: MutableReplayBatch, beta: number | undefined): void {
    const b = beta ?? this.beta;
    if (!(b >= 0)) throw new RangeError(`beta must be >= 0, got ${b}`);
    const total = this.sumTree.total;
    const n = this.size;
    const maxWeight = ((n * this.minTree.min) / total) ** -b;
    for (let i = 0; i < out.batchSize; i++) {
      const probability = this.sumTree.get(out.indices[i] ?? 0) / total;
      out.weights[i] = (n * probability) ** -b / maxWeight;
    }
  }

  protected override onStepAdded(slot: number): void {
    this.setTreePriority(slot, this.maxPriorityAlpha);
  }

  private setTreePriority(slot: number, priorityAlpha: number): void {
    this.sumTree.update(slot, priorityAlpha);
    this.minTree.update(slot, priorityAlpha);
  }
}
