/**
 * Runs a sweep's trials side by side in one tab, as Tune's TuneController does across a cluster:
 * a trial starts when its resource bundle fits (and fewer than max_concurrent_trials run), trials
 * that do not fit wait in order, each trial stops on its own criteria (or ASHA's), and a trial that
 * throws is retried up to max_failures times from its last checkpoint (from scratch without one)
 * while the others keep running. Knows nothing of browsers or files: the trials come from a
 * TrialRunner and everything that happens is told through TuneEvents.
 */
import { metStopCriterion, type StopCriteria } from '../algorithms/stop-criteria';
import { errorMessage } from '../core/errors';
import { TRAINING_ITERATION, type ResultDict } from '../core/metric-keys';
import type { AshaScheduler } from './asha';
import { infeasibleReason, type ResourcePool, type Resources } from './trial-resources';

/** Tune's trial states. */
export type TrialStatus = 'PENDING' | 'RUNNING' | 'TERMINATED' | 'ERROR';

export interface TrialSpec {
  /** Folder name and table key, e.g. `trial_00003`. */
  readonly id: string;
  /** The searched values (dotted path -> value). */
  readonly params: Readonly<Record<string, unknown>>;
  /** What the algorithm is built from (a config input for rl.build). */
  readonly config: unknown;
  readonly demand: Resources;
  readonly stop: StopCriteria;
}

/** One built algorithm for a trial. */
export interface RunningTrial {
  step(): Promise<ResultDict>;
  /** A checkpoint as text (restart() takes it back). */
  save(): Promise<string>;
  /** Releases workers and tensors. */
  dispose(): void;
}

export interface TrialRunner {
  /** Builds the trial's algorithm, restored from `checkpoint` when given. */
  start(trial: TrialSpec, checkpoint: string | null): Promise<RunningTrial>;
}

export interface TrialState {
  readonly spec: TrialSpec;
  status: TrialStatus;
  readonly results: ResultDict[];
  /** Failures so far (Tune's num_failures); the trial errors once it passes maxFailures. */
  failures: number;
  error: string | null;
  /** Why a TERMINATED trial ended: a stop criterion key, 'asha', 'interrupted'. */
  stopReason: string | null;
  checkpoint: { readonly text: string; readonly iteration: number } | null;
}

export interface TuneEvents {
  onStatus?(trial: TrialState): void;
  onResult?(trial: TrialState, result: ResultDict): void;
  onCheckpoint?(trial: TrialState, text: string, final: boolean): void;
  /** A failure to be retried: results after `fromIteration` were dropped. */
  onRetry?(trial: TrialState, error: string, fromIteration: number): void;
}

export interface SchedulerOptions {
  /** At most this many trials at once; 0: as many as the resources allow. Tune: max_concurrent_trials. */
  readonly maxConcurrentTrials: number;
  /** Retries per trial after a failure; -1 retries forever. Tune: FailureConfig.max_failures. */
  readonly maxFailures: number;
  /** Checkpoint every N iterations (0: only at the end). Tune: CheckpointConfig.checkpoint_frequency. */
  readonly checkpointFrequency: number;
  readonly asha: AshaScheduler | null;
}

export class TrialScheduler {
  readonly trials: TrialState[];
  private running = 0;
  private interrupted = false;
  private readonly stopRequests = new Set<string>();
  private wake: (() => void) | null = null;

  constructor(
    specs: readonly TrialSpec[],
    private readonly pool: ResourcePool,
    private readonly runner: TrialRunner,
    private readonly opts: SchedulerOptions,
    private readonly events: TuneEvents = {},
  ) {
    this.trials = specs.map((spec) => ({
      spec,
      status: 'PENDING',
      results: [],
      failures: 0,
      error: null,
      stopReason: null,
      checkpoint: null,
    }));
  }

  /** Ctrl-C / the Stop button: every running trial stops after its iteration; pending ones never start. */
  interrupt(): void {
    this.interrupted = true;
    this.wake?.();
  }

  /** Stops one trial after its current iteration (or before it starts). */
  stopTrial(id: string): void {
    this.stopRequests.add(id);
    this.wake?.();
  }

  /** Runs every trial to its end; resolves with their final states (never rejects for a trial's error). */
  async run(): Promise<TrialState[]> {
    for (const t of this.trials) {
      // A bundle bigger than the whole tab would wait forever (Ray warns and waits; a tab has no autoscaler).
      const infeasible = infeasibleReason(t.spec.demand, this.pool.total);
      if (infeasible !== null) this.setError(t, infeasible);
    }
    const loops: Promise<void>[] = [];
    for (;;) {
      for (const t of this.trials) {
        if (t.status !== 'PENDING') continue;
        if (this.interrupted || this.stopRequests.has(t.spec.id)) {
          this.finish(t, 'TERMINATED', 'interrupted');
          continue;
        }
        if (this.opts.maxConcurrentTrials > 0 && this.running >= this.opts.maxConcurrentTrials) break;
        if (!this.pool.tryAcquire(t.spec.demand)) continue; // a smaller trial further on may fit
        this.running++;
        this.setStatus(t, 'RUNNING');
        loops.push(
          this.runTrial(t).finally(() => {
            this.running--;
            this.pool.release(t.spec.demand);
            this.wake?.();
          }),
        );
      }
      if (this.trials.every((t) => t.status === 'TERMINATED' || t.status === 'ERROR')) break;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
    await Promise.all(loops);
    return this.trials;
  }

  private async runTrial(t: TrialState): Promise<void> {
    for (;;) {
      let algo: RunningTrial | null = null;
      try {
        algo = await this.runner.start(t.spec, t.checkpoint?.text ?? null);
        const reason = await this.trainUntilStopped(t, algo);
        await this.saveCheckpoint(t, algo, true);
        this.finish(t, 'TERMINATED', reason);
        return;
      } catch (e) {
        t.failures++;
        const message = errorMessage(e);
        const budget = this.opts.maxFailures;
        if ((budget >= 0 && t.failures > budget) || this.interrupted) {
          t.error = message;
          this.finish(t, 'ERROR', null);
          return;
        }
        const from = t.checkpoint?.iteration ?? 0;
        t.results.splice(0, Infinity, ...t.results.filter((r) => Number(r[TRAINING_ITERATION]) <= from));
        this.events.onRetry?.(t, message, from);
      } finally {
        algo?.dispose();
      }
    }
  }

  /** Steps until a stop criterion, ASHA, or a stop request; returns why it stopped. */
  private async trainUntilStopped(t: TrialState, algo: RunningTrial): Promise<string> {
    for (;;) {
      if (this.interrupted || this.stopRequests.has(t.spec.id)) return 'interrupted';
      const result = await algo.step();
      t.results.push(result);
      this.events.onResult?.(t, result);
      const iteration = Number(result[TRAINING_ITERATION]);
      const every = this.opts.checkpointFrequency;
      if (every > 0 && iteration % every === 0) await this.saveCheckpoint(t, algo, false);
      const met = metStopCriterion(result, t.spec.stop);
      if (met) return met;
      if (this.opts.asha?.onResult(t.spec.id, result) === 'stop') return 'asha';
    }
  }

  private async saveCheckpoint(t: TrialState, algo: RunningTrial, final: boolean): Promise<void> {
    if (final && t.results.length === 0) return;
    const text = await algo.save();
    const last = t.results[t.results.length - 1];
    t.checkpoint = { text, iteration: last ? Number(last[TRAINING_ITERATION]) : 0 };
    this.events.onCheckpoint?.(t, text, final);
  }

  private setError(t: TrialState, message: string): void {
    t.error = message;
    this.finish(t, 'ERROR', null);
  }

  private finish(t: TrialState, status: 'TERMINATED' | 'ERROR', reason: string | null): void {
    t.stopReason = reason;
    this.setStatus(t, status);
  }

  private setStatus(t: TrialState, status: TrialStatus): void {
    t.status = status;
    this.events.onStatus?.(t);
  }
}
