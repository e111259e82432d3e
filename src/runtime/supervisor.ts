/**
 * The worker supervisor: owns every EnvRunner's lifecycle. It detects failures (worker error
 * events, failed or timed-out calls, missed health probes), terminates the worker, and then
 * restarts it (restartFailedEnvRunners), drops it (ignoreEnvRunnerFailures), or stops training
 * with an error that names the runner and the cause (neither). RLlib's semantics, plus backoff for
 * runners that keep failing fast and an event log the UI and CLI show.
 */
import type { FaultToleranceConfig } from '../core/config';
import { RLError, errorMessage } from '../core/errors';
import type { EnvRunnerSettings } from '../env-runner/env-runner-config';
import type { EnvRunnerWorkerApi, RunnerInfo } from '../env-runner/protocol';
import type { ModuleWeights } from '../rl-module';
import type { ConnectRunner, RunnerConnection } from './runner-connection';
import { rpcCall } from './rpc';

export type RunnerState = 'starting' | 'idle' | 'sampling' | 'crashed' | 'restarting' | 'dropped' | 'stopped';

export interface FailureEvent {
  /** ms since epoch. */
  readonly timeMs: number;
  readonly workerIndex: number;
  readonly cause: string;
  readonly action: 'restart-scheduled' | 'restarted' | 'dropped' | 'gave-up' | 'fatal';
}

/** A runner that fails again within this long of starting is "failing fast": the next delay doubles. */
const FAST_FAILURE_MS = 10_000;
const MAX_RESTART_DELAY_MS = 60_000;

export class RunnerSlot {
  state: RunnerState = 'starting';
  conn: RunnerConnection | null = null;
  info: RunnerInfo | null = null;
  incarnation = 0;
  restarts = 0;
  fastFailures = 0;
  startedAtMs = 0;
  lastError: string | null = null;
  /** Settles when a scheduled restart has finished (either way). */
  restarting: Promise<void> | null = null;
  constructor(readonly workerIndex: number) {}
  get healthy(): boolean {
    return this.state === 'idle' || this.state === 'sampling';
  }
}

export interface SupervisorOptions {
  readonly workerIndices: readonly number[];
  readonly connect: ConnectRunner;
  readonly settingsFor: (workerIndex: number, incarnation: number) => EnvRunnerSettings;
  readonly faultTolerance: FaultToleranceConfig;
  readonly initTimeoutMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

export class Supervisor {
  readonly slots: RunnerSlot[];
  readonly events: FailureEvent[] = [];
  numRestarts = 0;
  numFailures = 0;
  fatalError: RLError | null = null;
  private latestWeights: { weights: ModuleWeights; seq: number } | null = null;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private stopped = false;
  private listeners = new Set<() => void>();

  constructor(private readonly opts: SupervisorOptions) {
    this.slots = opts.workerIndices.map((i) => new RunnerSlot(i));
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
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
    await Promise.all(this.slots.map((slot) => this.launch(slot).catch((e: unknown) => this.handleFailure(slot, e))));
    this.throwIfFatal();
  }

  healthySlots(): RunnerSlot[] {
    return this.slots.filter((s) => s.healthy);
  }

  /** Remembers the newest weights so restarted runners get them before they sample. */
  setLatestWeights(weights: ModuleWeights, seq: number): void {
    this.latestWeights = { weights, seq };
  }

  throwIfFatal(): void {
    if (this.fatalError) throw this.fatalError;
  }

  /** Calls into a runner with a deadline; any failure is handled (restart/drop/fatal) and rethrown. */
  async call<T>(
    slot: RunnerSlot,
    fn: (api: EnvRunnerWorkerApi) => Promise<T>,
    timeoutMs: number,
    what: string,
  ): Promise<T> {
    const conn = slot.conn;
    if (!conn || !slot.healthy)
      throw new RLError('env-runner/unavailable', `EnvRunner ${slot.workerIndex} is ${slot.state}`);
    try {
      return await rpcCall(fn(conn.api), {
        timeoutMs,
        failure: conn.failure,
        what: `EnvRunner ${slot.workerIndex} ${what}`,
      });
    } catch (e) {
      if (slot.conn === conn) this.handleFailure(slot, e);
      throw e;
    }
  }

  /** Pings every healthy runner; one that does not answer in time is hung and fails. */
  async probeHealth(): Promise<void> {
    const timeoutMs = this.opts.faultTolerance.envRunnerHealthProbeTimeoutS * 1000;
    await Promise.allSettled(
      this.healthySlots().map((s) => this.call(s, (api) => api.ping(), timeoutMs, 'health probe (ping)')),
    );
  }

  /** Resolves when at least one runner is healthy, or when none can become healthy again. */
  async waitForHealthy(): Promise<void> {
    while (!this.stopped && !this.fatalError && this.healthySlots().length === 0) {
      const pending = this.slots.map((s) => s.restarting).filter((p): p is Promise<void> => p !== null);
      if (pending.length === 0) return;
      await Promise.race(pending);
    }
  }

  handleFailure(slot: RunnerSlot, error: unknown): void {
    if (this.stopped || slot.state === 'crashed' || slot.state === 'restarting' || slot.state === 'dropped') return;
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
        const delayMs = Math.min(
          MAX_RESTART_DELAY_MS,
          ft.delayBetweenEnvRunnerRestartsS * 1000 * 2 ** Math.max(0, slot.fastFailures - 1),
        );
        slot.state = 'restarting';
        this.log(slot, cause, 'restart-scheduled');
        slot.restarting = this.restart(slot, delayMs);
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

  private async restart(slot: RunnerSlot, delayMs: number): Promise<void> {
    await this.sleep(delayMs);
    if (this.stopped) return;
    slot.restarts++;
    this.numRestarts++;
    slot.state = 'starting';
    slot.incarnation++;
    this.changed();
    try {
      await this.launch(slot);
      this.log(slot, `restart ${slot.restarts} of ${this.opts.faultTolerance.maxNumEnvRunnerRestarts}`, 'restarted');
    } catch (e) {
      slot.restarting = null;
      this.handleFailure(slot, e);
      return;
    }
    slot.restarting = null;
  }

  /** Starts a worker, sends it its settings, then the latest weights; only then is it healthy. */
  private async launch(slot: RunnerSlot): Promise<void> {
    slot.startedAtMs = this.now();
    slot.state = 'starting';
    const conn = await this.opts.connect(slot.workerIndex);
    if (this.stopped) {
      conn.terminate();
      return;
    }
    slot.conn = conn;
    // Watch the worker from now on: a crash between calls (an idle worker's uncaught error) must
    // start a restart at once, not when someone next calls it.
    conn.failure.catch((e: unknown) => {
      if (slot.conn === conn) this.handleFailure(slot, e);
    });
    const settings = this.opts.settingsFor(slot.workerIndex, slot.incarnation);
    const timeoutMs = this.opts.initTimeoutMs;
    const what = `EnvRunner ${slot.workerIndex}`;
    slot.info = await rpcCall(conn.api.init(settings), { timeoutMs, failure: conn.failure, what: `${what} init()` });
    const latest = this.latestWeights;
    if (latest) {
      await rpcCall(conn.api.setWeights(latest.weights, latest.seq), {
        timeoutMs,
        failure: conn.failure,
        what: `${what} setWeights()`,
      });
    }
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
