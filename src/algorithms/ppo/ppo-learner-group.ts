/**
 * PPO's LearnerGroup for numLearners >= 1 (RLlib: LearnerGroup with remote Learner actors): that
 * many learner workers, each holding the same module and optimizer state. Every update sends each
 * the whole batch and the algorithm's Rng state; each computes gradients on its shard of every
 * minibatch, the gradients are averaged (SharedArrayBuffer when the page is cross-origin isolated,
 * messages through the page otherwise) and all apply the same mean. Learner 0's weights, optimizer
 * state and Rng are the group's (checkpoints, runner weights). With `validateInSync` every update
 * also compares the learners' weight checksums and fails on the first difference.
 */
import { RLError } from '../../core/errors';
import type { SampleBatch } from '../../core/sample-batch';
import { shardRange } from '../../learner/data-parallel-step';
import { makeAllReduceTransports, type AllReduceHub } from '../../learner/gradient-all-reduce';
import type { OptimizerState } from '../../learner/learner';
import type { ModuleWeights } from '../../rl-module';
import { connectLearnerWorker, type ConnectLearner, type LearnerConnection } from '../../runtime/learner-connection';
import { rpcCall } from '../../runtime/rpc';
import type { PPOLearnerHost, PPOLearnerInfo, PPOLearnerInit } from './ppo-learner-host';
import type { PPOLearnerState, PPOUpdateConfig } from './ppo-learner';

/** What the page calls on a learner (the host's async methods; Comlink makes them remote). */
export type PPOLearnerApi = Pick<
  PPOLearnerHost,
  | 'init'
  | 'update'
  | 'getWeights'
  | 'setWeights'
  | 'getOptimizerState'
  | 'setOptimizerState'
  | 'setState'
  | 'checksum'
  | 'stop'
>;

/** How long one learner waits at the all-reduce for the others before it gives up. */
const ALL_REDUCE_TIMEOUT_MS = 120_000;

export interface PPOLearnerGroupOptions {
  readonly numLearners: number;
  /** Module, spaces, seed, learner config, backend: the same for every learner. */
  readonly init: Omit<PPOLearnerInit, 'rank' | 'size' | 'transport'>;
  /** Compare weight checksums after every update. Config: debugging.validateLearnerWeightsInSync. */
  readonly validateInSync: boolean;
  /** Averages over a SharedArrayBuffer (needs cross-origin isolation) instead of messages. */
  readonly useSharedMemory: boolean;
  /** In-process learners for tests; default: one Web Worker each. */
  readonly connect?: ConnectLearner<PPOLearnerApi>;
}

const connectWorker: ConnectLearner<PPOLearnerApi> = (rank) =>
  connectLearnerWorker<PPOLearnerApi>(
    () => new Worker(new URL('./ppo-learner.worker.ts', import.meta.url), { type: 'module', name: `learner-${rank}` }),
    rank,
  );

export class PPOLearnerGroup {
  private stopped = false;
  /** Each learner's backend, as its init() reported it. */
  infos: readonly PPOLearnerInfo[] = [];

  private constructor(
    private readonly learners: readonly LearnerConnection<PPOLearnerApi>[],
    private readonly hub: AllReduceHub | null,
    readonly transport: 'shared-array' | 'port',
    private readonly validateInSync: boolean,
  ) {}

  /** Starts the learners and gives them all `initialWeights` (so they start identical). */
  static async start(opts: PPOLearnerGroupOptions, initialWeights: ModuleWeights): Promise<PPOLearnerGroup> {
    const size = opts.numLearners;
    const length = initialWeights.arrays.reduce((n, a) => n + a.length, 0) + 1;
    const connect = opts.connect ?? connectWorker;
    const { transports, hub } = makeAllReduceTransports(size, length, ALL_REDUCE_TIMEOUT_MS, opts.useSharedMemory);
    const settled = await Promise.allSettled(Array.from({ length: size }, (_, rank) => connect(rank)));
    const learners = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      for (const l of learners) l.terminate();
      hub?.close();
      throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
    }
    const kind = opts.useSharedMemory ? 'shared-array' : 'port';
    const group = new PPOLearnerGroup(learners, hub, kind, opts.validateInSync);
    try {
      group.infos = await group.all('init()', (api, rank, l) => {
        const transport = transports[rank]!;
        const init: PPOLearnerInit = { ...opts.init, rank, size, transport };
        return api.init(transport.kind === 'port' ? l.transfer(init, [transport.port]) : init);
      });
      await group.setWeights(initialWeights);
    } catch (e) {
      group.stop();
      throw e;
    }
    return group;
  }

  get numLearners(): number {
    return this.learners.length;
  }

  /**
   * One PPO update on `batch` across the group; `cfg.minibatchSize` is the group's minibatch, split
   * over the learners. Returns the learners' stats averaged by shard rows (loss stats are per
   * shard; gradient norms, lr and counts are the same on every learner) and leaves
   * `cfg.rng` where learner 0's shuffles left it.
   */
  async update(batch: SampleBatch, cfg: PPOUpdateConfig): Promise<Record<string, number>> {
    const { rng, ...rest } = cfg;
    const request = { batch, cfg: rest, rngState: rng.getState(), withChecksum: this.validateInSync };
    let replies;
    try {
      replies = await this.all('update()', (api) => api.update(request));
    } catch (e) {
      // The others may be waiting at the all-reduce for a learner that failed: the group is done.
      this.stop();
      throw e;
    }
    rng.setState(replies[0]!.rngState);
    if (this.validateInSync)
      this.assertInSync(
        replies.map((r) => r.checksum ?? -1),
        cfg.trainingIteration,
      );
    // Weighted by shard rows, as the gradients are: a loss stat is then the full minibatch's mean.
    const rows = Math.min(cfg.minibatchSize, batch.numSteps);
    const weights = replies.map((_, rank) => {
      const [lo, hi] = shardRange(rows, rank, replies.length);
      return (hi - lo) / rows;
    });
    const stats: Record<string, number> = {};
    for (const key of Object.keys(replies[0]!.stats)) {
      stats[key] = replies.reduce((sum, r, rank) => sum + weights[rank]! * (r.stats[key] ?? 0), 0);
    }
    return stats;
  }

  /** Each learner's weights checksum (learner-worker-protocol.ts: weightsChecksum). */
  checksums(): Promise<number[]> {
    return this.all('checksum()', (api) => api.checksum());
  }

  private assertInSync(checksums: readonly number[], iteration: number | undefined): void {
    if (checksums.every((c) => c === checksums[0])) return;
    const list = checksums.map((c, i) => `learner ${i}: ${c.toString(16)}`).join(', ');
    throw new RLError(
      'learner/out-of-sync',
      `The learners' weights differ after the update of iteration ${iteration ?? '?'} (${list}). ` +
        `Data-parallel learners must apply the same mean gradient; restore the last checkpoint, or set numLearners to 0.`,
    );
  }

  /** Learner 0's weights (what runners get and checkpoints hold). */
  getWeights(): Promise<ModuleWeights> {
    return this.call(0, 'getWeights()', (api) => api.getWeights());
  }

  async setWeights(weights: ModuleWeights): Promise<void> {
    await this.all('setWeights()', (api) => api.setWeights(weights));
  }

  getOptimizerState(): Promise<OptimizerState> {
    return this.call(0, 'getOptimizerState()', (api) => api.getOptimizerState());
  }

  async setOptimizerState(state: OptimizerState): Promise<void> {
    await this.all('setOptimizerState()', (api) => api.setOptimizerState(state));
  }

  async setState(state: PPOLearnerState): Promise<void> {
    await this.all('setState()', (api) => api.setState(state));
  }

  private call<T>(
    rank: number,
    what: string,
    fn: (api: PPOLearnerApi, rank: number, l: LearnerConnection<PPOLearnerApi>) => Promise<T>,
  ): Promise<T> {
    if (this.stopped) return Promise.reject(new RLError('learner/stopped', 'The learner group was stopped.'));
    const l = this.learners[rank]!;
    // No deadline: an update's length scales with the batch; a dead worker rejects through `failure`
    // and the others' all-reduce gives up after ALL_REDUCE_TIMEOUT_MS.
    return rpcCall(fn(l.api, rank, l), { timeoutMs: null, failure: l.failure, what: `Learner ${rank} ${what}` });
  }

  private all<T>(
    what: string,
    fn: (api: PPOLearnerApi, rank: number, l: LearnerConnection<PPOLearnerApi>) => Promise<T>,
  ): Promise<T[]> {
    return Promise.all(this.learners.map((_, rank) => this.call(rank, what, fn)));
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const l of this.learners) {
      // Closing first releases any learner waiting at the all-reduce; then the worker goes.
      void l.api.stop().catch(() => undefined);
      l.terminate();
    }
    this.hub?.close();
  }
}
