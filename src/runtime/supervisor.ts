/**
 * The worker supervisor: owns every EnvRunner's lifecycle. It detects failures (worker error
 * events, failed or timed-out calls, missed health probes), terminates the worker, and then
 * restarts it (restartFailedEnvRunners), drops it (ignoreEnvRunnerFailures), or stops training
 * with an error that names the runner and the cause (neither). RLlib's semantics, plus backoff for
 * runners that keep failing fast and an event log the UI and CLI show.
 */
import type { FaultToleranceConfig } from '../core/config';
import { RLError, errorMessage } from '../core/errors';
import type { EnvRunnerSettings, ExplorationState } from '../env-runner/env-runner-config';
import type { EnvRunnerWorkerApi, RunnerInfo } from '../env-runner/protocol';
import type { ModuleWeights } from '../rl-module';
import type { ConnectRunner, RunnerConnection } from './runner-connection';
import { deadlineMs, sleepMs } from '../core/deadline';
import { rpcCall } from './rpc';

export type RunnerState = 'starting' | 'idle' | 'sampling' | 'crashed' | 'restarting' | 'dropped' | 'stopped';

export interface FailureEvent {
  /** ms since epoch. */
  readonly timeMs: number;
  readonly workerIndex: number;
  readonly cause: string;
  readonly action: 'restart-scheduled' | 'restarted' | 'dropped' | 'gave-up' | 'fatal';
}

/** A worker that fails again within this long of starting is "failing fast": the next delay doubles. */
export const FAST_FAILURE_MS = 10_000;
const MAX_RESTART_DELAY_MS = 60_000;

/**
 * Delay before restarting a failed worker (an EnvRunner, or a learner worker: learner-supervisor.ts):
 * delayBetweenEnvRunnerRestartsS, doubled for each fast failure in a row, capped at a minute (or
 * the configured delay if longer).
 */
export function restartDelayMs(ft: FaultToleranceConfig, fastFailures: number): number {
  const baseMs = deadlineMs(ft.delayBetweenEnvRunnerRestartsS) ?? 0;
  const backoffMs = baseMs * 2 ** Math.max(0, fastFailures - 1);
  return Math.max(baseMs, Math.min(MAX_RESTART_DELAY_MS, backoffMs));
}

export class RunnerSlot {
  state: RunnerState = 'starting';
  conn: RunnerConnection | null = null;
  info: RunnerInfo | null = null;
  /**
   * Which start of this runner is current (0 = the first). Every failure report carries the
   * incarnation it is about; a report about an incarnation that is no longer current, or that is
   * already being handled, is ignored (a dying worker fails its pending call AND fires its error
   * event: only the first report may act).
   */
  incarnation = 0;
  restarts = 0;
  fastFailures = 0;
  startedAtMs = 0;
  lastError: string | null = null;
  /** The slot's recovery loop while one runs (restart until healthy, dropped or stopped); else null. */
  restarting: Promise<void> | null = null;
  /** Delay before the recovery loop's next start attempt. */
  nextRestartDelayMs = 0;
  constructor(readonly workerIndex: number) {}
  get healthy(): boolean {
    return this.state === 'idle' || this.state === 'sampling';
  }
  /** Starting or running: a failure of the current incarnation in these states needs handling. */
  get live(): boolean {
    return this.state === 'starting' || this.healthy;
  }
}

export interface SupervisorOptions {
  readonly workerIndices: readonly number[];
  readonly connect: ConnectRunner;
  readonly settingsFor: (workerIndex: number, incarnation: number) => EnvRunnerSettings;
  readonly faultTolerance: FaultToleranceConfig;
  /** Deadline (ms, null = none) for a first start's init() and setWeights(); restarts use envRunnerRestoreTimeoutS. */
  readonly initTimeoutMs: number | null;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

export class Supervisor {
  readonly slots: RunnerSlot[];
  readonly events: FailureEvent[] = [];
  numRestarts = 0;
  numFailures = 0;
  fatalError: RLError | null = null;
  /** The newest weights, or a function that reads them (a learner module shared with the page's runner). */
  private latestWeights: {
    weights: ModuleWeights | (() => Promise<ModuleWeights>);
    seq: number;
    exploration?: ExplorationState;
  } | null = null;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private stopped = false;
  private listeners = new Set<() => void>();

  constructor(private readonly opts: SupervisorOptions) {
    this.slots = opts.workerIndices.map((i) => new RunnerSlot(i));
    this.sleep = opts.sleep ?? sleepMs;
    this.now = opts.now ?? (() => Date.now());
  }

  /** Called on every state change (the UI's workers panel listens). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  /** Starts every runner; a runner that fails to start is handled like any other failure. */
  async startAll(): Promise<void> {
    await Promise.all(
      this.slots.map((slot) =>
        this.launch(slot, this.opts.initTimeoutMs).catch((e: unknown) => this.handleFailure(slot, e, 0)),
      ),
    );
    this.throwIfFatal();
  }

  healthySlots(): RunnerSlot[] {
    return this.slots.filter((s) => s.healthy);
  }

  /** Whether some runner may still become healthy (a recovery loop is running). */
  get anyRecovering(): boolean {
    return this.slots.some((s) => s.restarting !== null);
  }

  /** Remembers the newest weights so restarted runners get them before they sample. */
  setLatestWeights(
    weights: ModuleWeights | (() => Promise<ModuleWeights>),
    seq: number,
    exploration?: ExplorationState,
  ): void {
    this.latestWeights = { weights, seq, ...(exploration ? { exploration } : {}) };
  }

  throwIfFatal(): void {
    if (this.fatalError) throw this.fatalError;
  }

  /**
   * Calls into a runner with a deadline (ms, null = none) and, with `probe`, the health probe
   * while it runs (a long sample); any failure is handled (restart/drop/fatal) and rethrown.
   */
  async call<T>(
    slot: RunnerSlot,
    fn: (api: EnvRunnerWorkerApi) => Promise<T>,
    timeoutMs: number | null,
    what: string,
    probe = false,
  ): Promise<T> {
    const conn = slot.conn;
    const incarnation = slot.incarnation;
    if (!conn || !slot.healthy)
      throw new RLError('env-runner/unavailable', `EnvRunner ${slot.workerIndex} is ${slot.state}`);
    const probeMs = deadlineMs(this.opts.faultTolerance.envRunnerHealthProbeTimeoutS);
    try {
      return await rpcCall(fn(conn.api), {
        timeoutMs,
        failure: conn.failure,
        what: `EnvRunner ${slot.workerIndex} ${what}`,
        ...(probe ? { probe: { ping: () => conn.api.ping(), timeoutMs: probeMs } } : {}),
      });
    } catch (e) {
      this.handleFailure(slot, e, incarnation);
      throw e;
    }
  }

  /** Pings every healthy runner; one that does not answer in time is hung and fails. Off when the probe timeout is null. */
  async probeHealth(): Promise<void> {
    const timeoutMs = deadlineMs(this.opts.faultTolerance.envRunnerHealthProbeTimeoutS);
    if (timeoutMs === null) return;
    await Promise.allSettled(
      this.healthySlots().map((s) => this.call(s, (api) => api.ping(), timeoutMs, 'health probe (ping)')),
    );
  }

  /** Resolves when at least one runner is healthy, or when none can become healthy again. */
  async waitForHealthy(): Promise<void> {
    while (!this.stopped && !this.fatalError && this.healthySlots().length === 0) {
      const pending = this.slots.map((s) => s.restarting).filter((p): p is Promise<void> => p !== null);
      if (pending.length === 0) return;
      // A recovery loop settles only when its slot is healthy, dropped or stopped; wake on a state change too.
      await Promise.race([...pending, this.nextChange()]);
    }
  }

  private nextChange(): Promise<void> {
    return new Promise((resolve) => {
      const off = this.onChange(() => {
        off();
        resolve();
      });
    });
  }

  /**
   * The one entry for a failure of `incarnation` of a runner (a failed or timed-out call, an error
   * event, a missed probe, a failed start). Reports about an older incarnation, or about one that
   * is already crashed/restarting/dropped, are ignored, so each failure acts exactly once.
   */
  handleFailure(slot: RunnerSlot, error: unknown, incarnation: number = slot.incarnation): void {
    if (this.stopped || incarnation !== slot.incarnation || !slot.live) return;
    const cause = errorMessage(error);
    const err = error instanceof Error ? error : new Error(cause);
    slot.conn?.fail(err);
    slot.conn?.terminate();
    slot.conn = null;
    slot.state = 'crashed';
    slot.lastError = cause;
    this.numFailures++;
    const ft = this.opts.faultTolerance;
    slot.fastFailures = this.now() - slot.startedAtMs < FAST_FAILURE_MS ? slot.fastFailures + 1 : 0;
    if (ft.restartFailedEnvRunners) {
      if (slot.restarts >= ft.maxNumEnvRunnerRestarts) {
        slot.state = 'dropped';
        this.log(
          slot,
          `${cause} (restart cap maxNumEnvRunnerRestarts=${ft.maxNumEnvRunnerRestarts} reached)`,
          'gave-up',
        );
      } else {
        slot.nextRestartDelayMs = this.restartDelayMs(slot);
        slot.state = 'restarting';
        this.log(slot, cause, 'restart-scheduled');
        // One recovery loop per slot: if it is already running (this failure came from its own
        // start attempt), it sees state 'restarting' and tries again.
        slot.restarting ??= this.recover(slot);
      }
    } else if (ft.ignoreEnvRunnerFailures) {
      slot.state = 'dropped';
      this.log(slot, cause, 'dropped');
    } else {
      this.fatalError = new RLError(
        'env-runner/failed',
        `EnvRunner ${slot.workerIndex} failed: ${cause}. Training stopped. Set faultTolerance.restartFailedEnvRunners ` +
          `= true to restart failed runners, or ignoreEnvRunnerFailures = true to continue without them.`,
        { cause: error },
      );
      this.log(slot, cause, 'fatal');
    }
    this.changed();
  }

  private restartDelayMs(slot: RunnerSlot): number {
    return restartDelayMs(this.opts.faultTolerance, slot.fastFailures);
  }

  /**
   * The slot's recovery loop, the only code that moves it from 'restarting' to 'starting' and on:
   * wait, start a new incarnation, and again while its start fails (handleFailure sets
   * 'restarting' again, or 'dropped' at the cap). Ends when the slot is healthy, dropped or stopped.
   */
  private async recover(slot: RunnerSlot): Promise<void> {
    try {
      while (slot.state === 'restarting' && !this.stopped) {
        await this.sleep(slot.nextRestartDelayMs);
        if (this.stopped || slot.state !== 'restarting') return;
        slot.restarts++;
        this.numRestarts++;
        slot.incarnation++;
        const incarnation = slot.incarnation;
        const restoreMs = deadlineMs(this.opts.faultTolerance.envRunnerRestoreTimeoutS);
        try {
          await this.launch(slot, restoreMs);
          const max = this.opts.faultTolerance.maxNumEnvRunnerRestarts;
          if (slot.incarnation === incarnation && slot.healthy)
            this.log(slot, `restart ${slot.restarts} of ${max}`, 'restarted');
        } catch (e) {
          this.handleFailure(slot, e, incarnation);
        }
      }
    } finally {
      slot.restarting = null;
      this.changed();
    }
  }

  /** Starts a worker, sends it its settings, then the latest weights; only then is it healthy. */
  private async launch(slot: RunnerSlot, timeoutMs: number | null): Promise<void> {
    const incarnation = slot.incarnation;
    slot.startedAtMs = this.now();
    slot.state = 'starting';
    this.changed();
    const what = `EnvRunner ${slot.workerIndex}`;
    const conn = await this.opts.connect(slot.workerIndex); // connectWorker has its own ready deadline
    if (this.stopped || slot.incarnation !== incarnation) {
      conn.terminate();
      return;
    }
    slot.conn = conn;
    // Watch the worker from now on: a crash between calls (an idle worker's uncaught error) must
    // start a restart at once, not when someone next calls it.
    conn.failure.catch((e: unknown) => this.handleFailure(slot, e, incarnation));
    const settings = this.opts.settingsFor(slot.workerIndex, incarnation);
    slot.info = await rpcCall(conn.api.init(settings), { timeoutMs, failure: conn.failure, what: `${what} init()` });
    const latest = this.latestWeights;
    if (latest) {
      const weights = typeof latest.weights === 'function' ? await latest.weights() : latest.weights;
      await rpcCall(conn.api.setWeights(weights, latest.seq, latest.exploration), {
        timeoutMs,
        failure: conn.failure,
        what: `${what} setWeights()`,
      });
    }
    // A failure reported meanwhile (or stop()) already moved the slot on; do not resurrect it.
    if (slot.incarnation !== incarnation || slot.state !== 'starting') return;
    slot.state = 'idle';
    this.changed();
  }

  private log(slot: RunnerSlot, cause: string, action: FailureEvent['action']): void {
    this.events.push({ timeMs: this.now(), workerIndex: slot.workerIndex, cause, action });
  }

  setState(slot: RunnerSlot, state: 'idle' | 'sampling'): void {
    if (!slot.healthy) return;
    slot.state = state;
    this.changed();
  }

  stop(): void {
    this.stopped = true;
    for (const slot of this.slots) {
      slot.conn?.terminate();
      slot.conn = null;
      slot.state = 'stopped';
    }
    this.changed();
  }
}
