/**
 * LearnerGroup (RLlib's): the learners an algorithm updates, behind one `update`.
 * - Local (numLearners = 0): the learner on the page.
 * - Data-parallel (numLearners >= 1): that many learner workers, each holding the same module and
 *   optimizer state. Every update sends each the whole batch and the algorithm's Rng state; each
 *   computes gradients on its shard of every minibatch, the gradients are averaged
 *   (SharedArrayBuffer when the page is cross-origin isolated, messages through the page
 *   otherwise; gradient-all-reduce.ts) and all apply the same mean. Learner 0's weights, state and
 *   Rng are the group's (checkpoints, runner weights). With `validateInSync` every update also
 *   compares the learners' weight checksums and fails on the first difference.
 *
 * Fault tolerance (data-parallel): the workers are supervised (runtime/learner-supervisor.ts:
 * deadlines, health probe, restarts, `fault_tolerance/*` counts). The page keeps learner 0's
 * whole state (weights, optimizer, learner state such as PPO's KL coefficient) after every
 * update; when a learner worker fails, every learner is brought back to that state and the
 * update is run again on the same batch with the same Rng state, so the run continues exactly as
 * if nothing had failed.
 */
import { RLError } from '../core/errors';
import type { ModuleWeights } from '../rl-module/weights';
import type { GroupLearner, LearnerApi, LearnerInfo, TrainBatch, UpdateReply } from './learner-host';
import type { LearnerState, UpdateContext } from './learner-types';

/** Lifetime failure and restart counts of a group's learner workers (page-side; 0 for a local group). */
export interface LearnerFaultCounters {
  /** fault_tolerance/num_learner_failures_lifetime. */
  numFailures: number;
  /** fault_tolerance/num_learner_restarts_lifetime. */
  numRestarts: number;
}

/**
 * The learner workers of a data-parallel group, as the group drives them. Implemented by
 * runtime/learner-supervisor.ts (this folder may not import runtime/): every call has a deadline
 * and a health probe, and a failed worker is marked for `recover`.
 */
export interface LearnerWorkers {
  readonly numLearners: number;
  readonly transport: 'shared-array' | 'port';
  readonly infos: readonly LearnerInfo[];
  readonly faults: LearnerFaultCounters;
  /** True from a learner worker's failure until `recover` has brought every learner back. */
  readonly needsRecovery: boolean;
  /**
   * One call on every learner; rejects with the first failure. An update has no deadline (its
   * length scales with the batch) but is watched by the health probe; other calls have one.
   */
  all<T>(what: string, fn: (api: LearnerApi, rank: number) => Promise<T>, kind: 'update' | 'control'): Promise<T[]>;
  /** One control call on learner `rank`. */
  call<T>(rank: number, what: string, fn: (api: LearnerApi) => Promise<T>): Promise<T>;
  /**
   * Restarts the failed learner workers, re-joins the others to a fresh all-reduce and gives
   * every learner `state`. Rejects with the run's error when restarts are off or used up.
   */
  recover(state: LearnerState): Promise<void>;
  stop(): void;
}

export class LearnerGroup {
  private stopped = false;
  /**
   * Learner 0's state after the last update, start or setState: what a restarted learner gets,
   * and what getWeights / getState return without a call. Null for a local group.
   */
  private snapshot: LearnerState | null = null;
  /** A local group has no workers to fail; its counts are kept (and restored) all the same. */
  private readonly localFaults: LearnerFaultCounters = { numFailures: 0, numRestarts: 0 };

  private constructor(
    /** The learner on the page, or null for a data-parallel group. */
    private readonly local: GroupLearner | null,
    private readonly workers: LearnerWorkers | null,
    private readonly validateInSync: boolean,
  ) {}

  /** A group of the one learner on the page (RLlib: num_learners = 0). The group owns it. */
  static local(learner: GroupLearner): LearnerGroup {
    return new LearnerGroup(learner, null, false);
  }

  /**
   * A data-parallel group over started workers that all hold the same weights
   * (runtime/learner-supervisor.ts: startLearnerGroup). The group owns them.
   */
  static async remote(workers: LearnerWorkers, validateInSync: boolean): Promise<LearnerGroup> {
    const group = new LearnerGroup(null, workers, validateInSync);
    try {
      group.snapshot = await group.recovering(null, () => workers.call(0, 'getState()', (api) => api.getState()));
    } catch (e) {
      group.stop();
      throw e;
    }
    return group;
  }

  /** Learner workers (RLlib: num_learners); 0 for the learner on the page. */
  get numLearners(): number {
    return this.workers?.numLearners ?? 0;
  }

  /** How the learners average gradients. */
  get transport(): 'local' | 'shared-array' | 'port' {
    return this.workers?.transport ?? 'local';
  }

  /** Each learner's backend, as its init() reported it (empty for a local group). */
  get infos(): readonly LearnerInfo[] {
    return this.workers?.infos ?? [];
  }

  /** Learner-worker failures and restarts over the group's life (restored from checkpoints by the algorithm). */
  get faults(): LearnerFaultCounters {
    return this.workers?.faults ?? this.localFaults;
  }

  /**
   * One update on `batch` (RLlib: LearnerGroup.update). Data-parallel: the learners' stats are
   * averaged weighted by the rows each trained on (loss stats are per shard; gradient norms, lr
   * and counts are the same on every learner), num_module_steps_trained is their sum, and
   * `ctx.rng` continues from where learner 0's shuffles left it.
   */
  async update(batch: TrainBatch, ctx: UpdateContext): Promise<Record<string, number>> {
    if (this.local) return this.local.update(batch, ctx);
    const workers = this.active();
    const { rng, ...rest } = ctx;
    const request = { batch, ctx: rest, rngState: rng.getState(), withChecksum: this.validateInSync };
    // The update and the snapshot after it are one step: a failure in either restores the state
    // from before the update and runs it again (same batch, same Rng state: the same result).
    const { replies, state } = await this.recovering(this.snapshot, async () => {
      const replies = await workers.all('update()', (api) => api.update(request), 'update');
      if (this.validateInSync) assertInSync(replies, ctx.trainingIteration);
      return { replies, state: await workers.call(0, 'getState()', (api) => api.getState()) };
    });
    this.snapshot = state;
    rng.setState(replies[0]!.rngState);
    return mergeShardStats(replies.map((r) => r.stats));
  }

  /** Learner 0's weights (what runners get and checkpoints hold). Read-only: they are the group's snapshot. */
  async getWeights(): Promise<ModuleWeights> {
    if (this.local) return this.local.module.getWeights();
    this.active();
    return this.snapshot!.weights;
  }

  /** Learner 0's checkpoint part (weights, optimizers, learner state): a copy the caller may keep. */
  async getState(): Promise<LearnerState> {
    if (this.local) return this.local.getState();
    this.active();
    return structuredClone(this.snapshot!);
  }

  /** Gives every learner the same state, so they stay identical. */
  async setState(state: LearnerState): Promise<void> {
    if (this.local) return this.local.setState(state);
    const workers = this.active();
    // The group keeps its own copy: the caller's checkpoint may change or be transferred later.
    const copy = structuredClone(state);
    // A learner that fails half-way is restarted with this state too.
    await this.recovering(copy, () => workers.all('setState()', (api) => api.setState(copy), 'control'));
    this.snapshot = copy;
  }

  /** Each learner worker's weights checksum (learner-worker-protocol.ts: weightsChecksum); none for a local group. */
  async checksums(): Promise<number[]> {
    if (this.local) return [];
    const workers = this.active();
    return this.recovering(this.snapshot, () => workers.all('checksum()', (api) => api.checksum(), 'control'));
  }

  /**
   * Runs `fn`; while it fails because a learner worker failed, brings every learner back to
   * `state` (restarting the failed ones) and runs it again. Restarts are capped
   * (maxNumEnvRunnerRestarts per learner), so this ends. An error of the learners themselves (a
   * divergence, learners out of sync), or a failure that cannot be recovered, stops the group
   * and is the caller's error.
   */
  private async recovering<T>(state: LearnerState | null, fn: () => Promise<T>): Promise<T> {
    const workers = this.active();
    for (;;) {
      try {
        return await fn();
      } catch (e) {
        if (!workers.needsRecovery || state === null) {
          this.stop();
          throw e;
        }
      }
      try {
        await workers.recover(state);
      } catch (e) {
        this.stop();
        throw e;
      }
    }
  }

  private active(): LearnerWorkers {
    if (this.stopped) throw new RLError('learner/stopped', 'The learner group was stopped.');
    return this.workers!;
  }

  /** Frees the local learner, or stops every learner worker. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.local?.dispose();
    this.workers?.stop();
  }
}

function assertInSync(replies: readonly UpdateReply[], iteration: number | undefined): void {
  const checksums = replies.map((r) => r.checksum ?? -1);
  if (checksums.every((c) => c === checksums[0])) return;
  const list = checksums.map((c, i) => `learner ${i}: ${c.toString(16)}`).join(', ');
  throw new RLError(
    'learner/out-of-sync',
    `The learners' weights differ after the update of iteration ${iteration ?? '?'} (${list}). ` +
      `Data-parallel learners must apply the same mean gradient; restore the last checkpoint, or set numLearners to 0.`,
  );
}

/** Weighted by the rows each learner trained on, as the gradients are: a loss stat is then the full minibatch's mean. */
function mergeShardStats(all: readonly Record<string, number>[]): Record<string, number> {
  const rows = all.map((s) => s['num_module_steps_trained'] ?? 0);
  const total = rows.reduce((a, b) => a + b, 0);
  const stats: Record<string, number> = {};
  for (const key of Object.keys(all[0]!)) {
    stats[key] = all.reduce((sum, s, rank) => sum + (rows[rank]! / total) * (s[key] ?? 0), 0);
  }
  stats['num_module_steps_trained'] = total;
  return stats;
}
