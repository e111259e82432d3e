/**
 * The learner workers' supervisor (numLearners >= 1): what supervisor.ts is for EnvRunners, with
 * the same settings (RLlib has no learner equivalents of its fault-tolerance keys).
 * - Every call goes through rpcCall: control calls have envRunnerRestoreTimeoutS as deadline; an
 *   update has none (its length scales with the batch), and every call is watched by the health
 *   probe (envRunnerHealthProbeTimeoutS: the learner yields between minibatches, so it answers).
 * - A worker that crashes, misses a deadline or a probe, or never reaches the all-reduce, is
 *   terminated and counted; `recover` restarts it (restartFailedEnvRunners, at most
 *   maxNumEnvRunnerRestarts times per learner, after delayBetweenEnvRunnerRestartsS with backoff),
 *   stops the others' pending work, joins all to a fresh all-reduce and gives them the page's
 *   copy of learner 0's state (learner-group.ts). A data-parallel learner cannot be dropped (its
 *   shard is part of every minibatch), so with restarts off or used up the run stops, saying how
 *   to change that.
 */
import type { FaultToleranceConfig } from '../core/config';
import { deadlineMs, sleepMs } from '../core/deadline';
import { RLError, errorMessage } from '../core/errors';
import { makeAllReduceTransports, type AllReduceHub } from '../learner/gradient-all-reduce';
import { LearnerGroup, type LearnerFaultCounters, type LearnerWorkers } from '../learner/learner-group';
import type { LearnerApi, LearnerInfo, LearnerInit } from '../learner/learner-host';
import type { LearnerState } from '../learner/learner-types';
import type { ConnectLearner, LearnerConnection } from '../learner/learner-worker-protocol';
import type { ModuleWeights } from '../rl-module/weights';
import { rpcCall, RpcHungError, RpcTimeoutError } from './rpc';
import { FAST_FAILURE_MS, restartDelayMs, type FailureEvent } from './supervisor';

/** How long one learner waits at the all-reduce for the others before it gives up. */
const ALL_REDUCE_TIMEOUT_MS = 120_000;
/** A learner asked whether it is still alive after a peer gave up at the all-reduce gets this long to answer. */
const SILENT_PING_MS = 5_000;

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
  /** The run's fault-tolerance settings, applied to learner workers as to EnvRunners. */
  readonly faultTolerance: FaultToleranceConfig;
  /** How long a learner waits at the all-reduce for the others (default 120 s; tests shorten it). */
  readonly allReduceTimeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/** Starts the learner workers, gives them all `initialWeights`, and returns their group. */
export async function startLearnerGroup(
  opts: LearnerGroupOptions,
  initialWeights: ModuleWeights,
): Promise<LearnerGroup> {
  const workers = await LearnerSupervisor.start(opts, initialWeights);
  return LearnerGroup.remote(workers, opts.validateInSync);
}

type Connection = LearnerConnection<LearnerApi>;

class LearnerSlot {
  conn: Connection | null = null;
  /** Why the current worker failed, until a restart replaces it; null while it is healthy. */
  failed: Error | null = null;
  /** Which start of this learner is current: a report about an older one is not news. */
  incarnation = 0;
  restarts = 0;
  fastFailures = 0;
  startedAtMs = 0;
  constructor(readonly rank: number) {}
}

export class LearnerSupervisor implements LearnerWorkers {
  readonly faults: LearnerFaultCounters = { numFailures: 0, numRestarts: 0 };
  /** Every failure and restart, oldest first (workerIndex is the learner's rank). */
  readonly events: FailureEvent[] = [];
  infos: LearnerInfo[] = [];
  private readonly slots: LearnerSlot[];
  private hub: AllReduceHub | null = null;
  private stopped = false;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  private constructor(
    private readonly opts: LearnerGroupOptions,
    /** Floats of one all-reduce message: every weight, plus the shard weight. */
    private readonly gradientLength: number,
  ) {
    this.slots = Array.from({ length: opts.numLearners }, (_, rank) => new LearnerSlot(rank));
    this.sleep = opts.sleep ?? sleepMs;
    this.now = opts.now ?? (() => Date.now());
  }

  /** Starts every worker, joins them to the all-reduce and gives them `initialWeights`; any failure is the caller's. */
  static async start(opts: LearnerGroupOptions, initialWeights: ModuleWeights): Promise<LearnerSupervisor> {
    const length = initialWeights.arrays.reduce((n, a) => n + a.length, 0) + 1;
    const sup = new LearnerSupervisor(opts, length);
    try {
      await Promise.all(sup.slots.map((slot) => sup.launch(slot)));
      await sup.join();
      await sup.all('setWeights()', (api) => api.setWeights(initialWeights), 'control');
    } catch (e) {
      sup.stop();
      throw e;
    }
    return sup;
  }

  get numLearners(): number {
    return this.slots.length;
  }

  get transport(): 'shared-array' | 'port' {
    return this.opts.useSharedMemory ? 'shared-array' : 'port';
  }

  get needsRecovery(): boolean {
    return !this.stopped && this.slots.some((s) => s.failed !== null);
  }

  all<T>(what: string, fn: (api: LearnerApi, rank: number) => Promise<T>, kind: 'update' | 'control'): Promise<T[]> {
    return this.callAll(what, (api, slot) => fn(api, slot.rank), kind);
  }

  call<T>(rank: number, what: string, fn: (api: LearnerApi) => Promise<T>): Promise<T> {
    return this.callSlot(this.slots[rank]!, what, (api) => fn(api), 'control');
  }

  /**
   * Restarts every failed learner worker and brings every learner to `state`, again while that
   * fails; each restart counts against its learner's cap, so this ends.
   */
  async recover(state: LearnerState): Promise<void> {
    const ft = this.opts.faultTolerance;
    const restarted = new Set<LearnerSlot>();
    while (this.needsRecovery) {
      const failed = this.slots.filter((s) => s.failed !== null);
      for (const slot of failed) {
        restarted.add(slot);
        if (!ft.restartFailedEnvRunners || slot.restarts >= ft.maxNumEnvRunnerRestarts) throw this.fatal(slot);
      }
      await this.sleep(Math.max(...failed.map((s) => restartDelayMs(ft, s.fastFailures))));
      if (this.stopped) break;
      try {
        // Settled, not raced: a start still connecting must not look healthy to the next round.
        const starts = await Promise.allSettled(
          this.slots.map((slot) => (slot.failed ? this.restart(slot) : this.release(slot))),
        );
        for (const s of starts) if (s.status === 'rejected') throw s.reason;
        await this.join();
        await this.all('setState()', (api) => api.setState(state), 'control');
      } catch (e) {
        // A learner's own error while taking the state (not a worker failure) cannot be retried away.
        if (!this.needsRecovery) throw e;
      }
    }
    if (this.stopped) throw new RLError('learner/stopped', 'The learner group was stopped.');
    for (const slot of restarted)
      this.log(slot, `restart ${slot.restarts} of ${ft.maxNumEnvRunnerRestarts}`, 'restarted');
  }

  /** Stops every learner worker (a pending call of the group then rejects). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const slot of this.slots) {
      const conn = slot.conn;
      slot.conn = null;
      if (!conn) continue;
      // Not awaited (terminate follows at once): it only frees the worker's all-reduce and module
      // early when the message arrives first.
      void conn.api.stop().catch(() => undefined);
      conn.fail(new RLError('learner/stopped', 'The learner group was stopped.'));
      conn.terminate();
    }
    this.hub?.close();
    this.hub = null;
  }

  /** Connects a new worker for `slot` and watches it: a crash between calls is noticed at once. */
  private async launch(slot: LearnerSlot): Promise<void> {
    const incarnation = ++slot.incarnation;
    slot.failed = null;
    slot.startedAtMs = this.now();
    const conn = await this.opts.connect(slot.rank); // connectLearnerWorker has its own ready deadline
    if (this.stopped || slot.incarnation !== incarnation) {
      conn.terminate();
      return;
    }
    slot.conn = conn;
    conn.failure.catch((e: unknown) => this.fail(slot, e, incarnation));
  }

  /** A failed learner's new worker; a start that fails is one more failure of the slot. */
  private async restart(slot: LearnerSlot): Promise<void> {
    slot.restarts++;
    this.faults.numRestarts++;
    slot.conn?.terminate();
    slot.conn = null;
    try {
      await this.launch(slot);
    } catch (e) {
      this.fail(slot, e, slot.incarnation);
      throw e;
    }
  }

  /** A healthy learner's pending work (an update waiting at the all-reduce for a dead peer) ends; its learner is freed. */
  private release(slot: LearnerSlot): Promise<void> {
    return this.callSlot(slot, 'stop()', (api) => api.stop(), 'control');
  }

  /** A fresh all-reduce for every learner, and each learner (re)built on it. */
  private async join(): Promise<void> {
    const size = this.slots.length;
    const { transports, hub } = makeAllReduceTransports(
      size,
      this.gradientLength,
      this.opts.allReduceTimeoutMs ?? ALL_REDUCE_TIMEOUT_MS,
      this.opts.useSharedMemory,
    );
    this.hub?.close();
    this.hub = hub;
    this.infos = await this.callAll(
      'init()',
      (api, slot, conn) => {
        const transport = transports[slot.rank]!;
        const init: LearnerInit = { ...this.opts.init, rank: slot.rank, size, transport };
        return api.init(transport.kind === 'port' ? conn.transfer(init, [transport.port]) : init);
      },
      'control',
    );
  }

  private async callAll<T>(
    what: string,
    fn: (api: LearnerApi, slot: LearnerSlot, conn: Connection) => Promise<T>,
    kind: 'update' | 'control',
  ): Promise<T[]> {
    const pending = new Set(this.slots);
    try {
      return await Promise.all(
        this.slots.map((slot) =>
          this.callSlot(slot, what, (api, conn) => fn(api, slot, conn), kind).finally(() => pending.delete(slot)),
        ),
      );
    } catch (e) {
      // With the probe off, a learner giving up at the all-reduce is the only sign of a hung peer.
      if (e instanceof RLError && e.code === 'learner/all-reduce-timeout') await this.failSilent([...pending], what);
      throw e;
    }
  }

  /**
   * After a learner gave up at the all-reduce: of the learners whose call is still pending, those
   * waiting there too answer a ping at once; one that does not is hung and fails.
   */
  private async failSilent(slots: readonly LearnerSlot[], what: string): Promise<void> {
    const timeoutMs = Math.min(SILENT_PING_MS, this.opts.allReduceTimeoutMs ?? ALL_REDUCE_TIMEOUT_MS);
    await Promise.all(
      slots.map(async (slot) => {
        const conn = slot.conn;
        const incarnation = slot.incarnation;
        if (!conn) return;
        const name = `Learner ${slot.rank} ping`;
        try {
          await rpcCall(conn.api.ping(), { timeoutMs, failure: conn.failure, what: name });
        } catch (e) {
          if (!(e instanceof RpcTimeoutError)) return;
          const hung = new RLError('learner/hung', `Learner ${slot.rank} ${what} never reached the all-reduce (hung)`);
          this.fail(slot, hung, incarnation);
        }
      }),
    );
  }

  /** One call into a learner worker: deadline, failure, health probe. A missed deadline or probe fails the worker. */
  private async callSlot<T>(
    slot: LearnerSlot,
    what: string,
    fn: (api: LearnerApi, conn: Connection) => Promise<T>,
    kind: 'update' | 'control',
  ): Promise<T> {
    const name = `Learner ${slot.rank} ${what}`;
    const conn = slot.conn;
    const incarnation = slot.incarnation;
    if (this.stopped) throw new RLError('learner/stopped', 'The learner group was stopped.');
    if (!conn || slot.failed) {
      throw new RLError('learner/unavailable', `${name}: the worker failed (${errorMessage(slot.failed)})`);
    }
    const ft = this.opts.faultTolerance;
    try {
      return await rpcCall(fn(conn.api, conn), {
        timeoutMs: kind === 'update' ? null : deadlineMs(ft.envRunnerRestoreTimeoutS),
        failure: conn.failure,
        what: name,
        probe: { ping: () => conn.api.ping(), timeoutMs: deadlineMs(ft.envRunnerHealthProbeTimeoutS) },
      });
    } catch (e) {
      // A crash already failed the slot (conn.failure); a silent worker is failed here.
      if (e instanceof RpcTimeoutError || e instanceof RpcHungError) this.fail(slot, e, incarnation);
      throw e;
    }
  }

  /** The one entry for a failure of `incarnation` of a learner: counted once, its worker terminated. */
  private fail(slot: LearnerSlot, error: unknown, incarnation: number): void {
    if (this.stopped || incarnation !== slot.incarnation || slot.failed) return;
    const err = error instanceof Error ? error : new Error(errorMessage(error));
    slot.failed = err;
    this.faults.numFailures++;
    slot.fastFailures = this.now() - slot.startedAtMs < FAST_FAILURE_MS ? slot.fastFailures + 1 : 0;
    // Pending calls on it reject now (a hung worker's would not), then the worker goes.
    slot.conn?.fail(err);
    slot.conn?.terminate();
    slot.conn = null;
    const ft = this.opts.faultTolerance;
    const action = !ft.restartFailedEnvRunners
      ? 'fatal'
      : slot.restarts >= ft.maxNumEnvRunnerRestarts
        ? 'gave-up'
        : 'restart-scheduled';
    this.log(slot, err.message, action);
  }

  private fatal(slot: LearnerSlot): RLError {
    const ft = this.opts.faultTolerance;
    const fix = ft.restartFailedEnvRunners
      ? `It was restarted maxNumEnvRunnerRestarts (${ft.maxNumEnvRunnerRestarts}) times; raise it or fix the cause.`
      : 'Set faultTolerance.restartFailedEnvRunners = true to restart failed learner workers from the last update, ' +
        'or numLearners = 0 to train on the page (a data-parallel learner cannot be dropped: ignoreEnvRunnerFailures is for EnvRunners).';
    return new RLError(
      'learner/failed',
      `Learner ${slot.rank} failed: ${errorMessage(slot.failed)}. Training stopped. ${fix}`,
      {
        cause: slot.failed,
      },
    );
  }

  private log(slot: LearnerSlot, cause: string, action: FailureEvent['action']): void {
    this.events.push({ timeMs: this.now(), workerIndex: slot.rank, cause, action });
  }
}
