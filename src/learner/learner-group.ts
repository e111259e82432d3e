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
 */
import { RLError } from '../core/errors';
import type { SampleBatch } from '../core/sample-batch';
import type { ModuleWeights } from '../rl-module/weights';
import { makeAllReduceTransports, type AllReduceHub } from './gradient-all-reduce';
import type { GroupLearner, LearnerApi, LearnerInfo, LearnerInit, UpdateReply } from './learner-host';
import type { LearnerState, UpdateContext } from './learner-types';
import type { ConnectLearner, LearnerConnection } from './learner-worker-protocol';

/** How long one learner waits at the all-reduce for the others before it gives up. */
const ALL_REDUCE_TIMEOUT_MS = 120_000;

export interface LearnerGroupOptions {
  readonly numLearners: number;
  /** Learner class, its config, module, spaces, seed, backend: the same for every learner. */
  readonly init: Omit<LearnerInit, 'rank' | 'size' | 'transport'>;
  /** Compare weight checksums after every update. Config: debugging.validateLearnerWeightsInSync. */
  readonly validateInSync: boolean;
  /** Averages over a SharedArrayBuffer (needs cross-origin isolation) instead of messages. */
  readonly useSharedMemory: boolean;
  /** One Web Worker per learner in the browser; in-process hosts in tests. */
  readonly connect: ConnectLearner<LearnerApi>;
}

type Connection = LearnerConnection<LearnerApi>;

export class LearnerGroup {
  private stopped = false;
  /** Each learner's backend, as its init() reported it (empty for a local group). */
  infos: readonly LearnerInfo[] = [];

  private constructor(
    /** The learner on the page, or null for a data-parallel group. */
    private readonly local: GroupLearner | null,
    private readonly remote: readonly Connection[],
    private readonly hub: AllReduceHub | null,
    readonly transport: 'local' | 'shared-array' | 'port',
    private readonly validateInSync: boolean,
  ) {}

  /** A group of the one learner on the page (RLlib: num_learners = 0). The group owns it. */
  static local(learner: GroupLearner): LearnerGroup {
    return new LearnerGroup(learner, [], null, 'local', false);
  }

  /** Starts the learner workers and gives them all `initialWeights` (so they start identical). */
  static async start(opts: LearnerGroupOptions, initialWeights: ModuleWeights): Promise<LearnerGroup> {
    const size = opts.numLearners;
    const length = initialWeights.arrays.reduce((n, a) => n + a.length, 0) + 1;
    const { transports, hub } = makeAllReduceTransports(size, length, ALL_REDUCE_TIMEOUT_MS, opts.useSharedMemory);
    const settled = await Promise.allSettled(Array.from({ length: size }, (_, rank) => opts.connect(rank)));
    const learners = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      for (const l of learners) l.terminate();
      hub?.close();
      throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
    }
    const kind = opts.useSharedMemory ? 'shared-array' : 'port';
    const group = new LearnerGroup(null, learners, hub, kind, opts.validateInSync);
    try {
      group.infos = await group.all('init()', (api, rank, l) => {
        const transport = transports[rank]!;
        const init: LearnerInit = { ...opts.init, rank, size, transport };
        return api.init(transport.kind === 'port' ? l.transfer(init, [transport.port]) : init);
      });
      await group.all('setWeights()', (api) => api.setWeights(initialWeights));
    } catch (e) {
      group.stop();
      throw e;
    }
    return group;
  }

  /** Learner workers (RLlib: num_learners); 0 for the learner on the page. */
  get numLearners(): number {
    return this.remote.length;
  }

  /**
   * One update on `batch` (RLlib: LearnerGroup.update). Data-parallel: the learners' stats are
   * averaged weighted by the rows each trained on (loss stats are per shard; gradient norms, lr
   * and counts are the same on every learner), num_module_steps_trained is their sum, and
   * `ctx.rng` continues from where learner 0's shuffles left it.
   */
  async update(batch: SampleBatch, ctx: UpdateContext): Promise<Record<string, number>> {
    if (this.local) return this.local.update(batch, ctx);
    const { rng, ...rest } = ctx;
    const request = { batch, ctx: rest, rngState: rng.getState(), withChecksum: this.validateInSync };
    let replies: UpdateReply[];
    try {
      replies = await this.all('update()', (api) => api.update(request));
    } catch (e) {
      // The others may be waiting at the all-reduce for a learner that failed: the group is done.
      this.stop();
      throw e;
    }
    rng.setState(replies[0]!.rngState);
    if (this.validateInSync) assertInSync(replies, ctx.trainingIteration);
    return mergeShardStats(replies.map((r) => r.stats));
  }

  /** Learner 0's weights (what runners get and checkpoints hold). */
  async getWeights(): Promise<ModuleWeights> {
    if (this.local) return this.local.module.getWeights();
    return this.call(0, 'getWeights()', (api) => api.getWeights());
  }

  /** Learner 0's checkpoint part (weights, optimizers, learner state). */
  getState(): Promise<LearnerState> {
    if (this.local) return this.local.getState();
    return this.call(0, 'getState()', (api) => api.getState());
  }

  /** Gives every learner the same state, so they stay identical. */
  async setState(state: LearnerState): Promise<void> {
    if (this.local) return this.local.setState(state);
    await this.all('setState()', (api) => api.setState(state));
  }

  /** Each learner worker's weights checksum (learner-worker-protocol.ts: weightsChecksum). */
  checksums(): Promise<number[]> {
    return this.all('checksum()', (api) => api.checksum());
  }

  private call<T>(rank: number, what: string, fn: (api: LearnerApi, rank: number, l: Connection) => Promise<T>) {
    if (this.stopped) return Promise.reject(new RLError('learner/stopped', 'The learner group was stopped.'));
    const l = this.remote[rank]!;
    // No deadline: an update's length scales with the batch. A dead worker rejects through
    // `failure` (a raw Comlink promise would never settle), and the others' all-reduce gives up
    // after ALL_REDUCE_TIMEOUT_MS.
    const reply = fn(l.api, rank, l).catch((e: unknown) => {
      throw e instanceof Error ? e : new Error(`Learner ${rank} ${what}: ${String(e)}`);
    });
    return Promise.race([reply, l.failure]);
  }

  private all<T>(what: string, fn: (api: LearnerApi, rank: number, l: Connection) => Promise<T>): Promise<T[]> {
    return Promise.all(this.remote.map((_, rank) => this.call(rank, what, fn)));
  }

  /** Frees the local learner, or stops every learner worker. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.local?.dispose();
    for (const l of this.remote) {
      // Closing first releases any learner waiting at the all-reduce; then the worker goes.
      void l.api.stop().catch(() => undefined);
      l.terminate();
    }
    this.hub?.close();
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
