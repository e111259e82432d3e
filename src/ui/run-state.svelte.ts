/**
 * The run as the page sees it: the facade's status, results, runners and failure log mirrored
 * into reactive state, and the run controls (train, pause, resume, stop, reset, chaos). Results
 * go into a MetricSeries (plain arrays) and bump `version`, which is what the charts watch.
 */
import { deepEqual } from '../core/config';
import type { AppFacade, AppStatus, FailureEvent, ResultDict, RunnerView, RunSummary } from '../app';
import type { EmbedBridge } from '../app/embed';
import { getSpec, type AnyAlgorithmConfig } from '../app/config-form';
import { MetricSeries } from './metric-series';

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class RunState {
  status: AppStatus = $state('idle');
  runners: readonly RunnerView[] = $state.raw([]);
  failures: readonly FailureEvent[] = $state.raw([]);
  /** The latest result dict (replaced each iteration). */
  last: ResultDict | null = $state.raw(null);
  /** Every result of this session, for the ETA. */
  history: readonly ResultDict[] = $state.raw([]);
  /** Bumped on every result: the charts redraw when it changes. */
  version = $state(0);
  /** What the page is waiting for ('Building workers…', 'Pausing after this iteration…'), if anything. */
  busy: string | null = $state(null);
  error: string | null = $state(null);
  summary: RunSummary | null = $state.raw(null);
  /** Stop criteria of the current run, for the ETA. */
  stop: Readonly<Record<string, number>> = $state.raw({});
  /** Env steps per second of each runner while it samples (exponential average). */
  runnerSps: Readonly<Record<number, number>> = $state.raw({});
  /** Training iteration of a restored checkpoint, until the first new result. */
  restoredIteration = $state(0);
  /** The config the current algorithm was built from (null: nothing built). */
  builtConfig: AnyAlgorithmConfig | null = $state.raw(null);
  /** From Train until train() returns (building included). */
  inRun = $state(false);

  readonly series = new MetricSeries();
  bridge: EmbedBridge | null = null;
  private running: Promise<RunSummary> | null = null;
  /** Each runner's last seen state and since when (bookkeeping only, not reactive). */
  private lastState: Record<number, { state: string; sinceMs: number }> = {};

  constructor(readonly app: AppFacade) {
    app.on('status', (s) => {
      this.status = s;
      if (s === 'paused' || s === 'training') this.busy = null;
    });
    app.on('result', (r) => this.addResult(r));
    app.on('runners', (views) => {
      this.trackRunnerSps(views);
      this.runners = views;
      this.refreshFailures();
    });
    // 'restarted' is logged after the runner's last state change: look again now and then.
    setInterval(() => this.refreshFailures(), 1000);
  }

  get iteration(): number {
    const it = this.last?.['training_iteration'];
    return typeof it === 'number' ? it : this.restoredIteration;
  }

  get built(): boolean {
    return this.builtConfig !== null;
  }

  get active(): boolean {
    return this.inRun || this.status === 'building';
  }

  /** Trains `config` until `stop`: continues the current run if it was built from the same config. */
  async train(config: AnyAlgorithmConfig, stop: Readonly<Record<string, number>>): Promise<void> {
    if (this.inRun) return;
    this.inRun = true;
    try {
      await this.buildAndTrain(config, stop);
    } finally {
      this.inRun = false;
      this.busy = null;
    }
  }

  private async buildAndTrain(config: AnyAlgorithmConfig, stop: Readonly<Record<string, number>>): Promise<void> {
    this.error = null;
    this.summary = null;
    if (!this.builtConfig || !deepEqual(config, this.builtConfig)) {
      this.busy = 'Building learner and workers…';
      this.clearHistory();
      try {
        await this.app.build(config);
        this.builtConfig = this.app.algorithm?.config ?? null;
        this.restoredIteration = 0;
      } catch (e) {
        this.builtConfig = null;
        this.fail(message(e));
        return;
      } finally {
        this.busy = null;
      }
    }
    this.stop = stop;
    this.running = this.app.train({ stop });
    try {
      const summary = await this.running;
      this.summary = summary;
      if (summary.error) this.fail(summary.error);
      this.bridge?.done(summary);
    } catch (e) {
      this.fail(message(e));
    } finally {
      this.running = null;
    }
  }

  pause(): void {
    if (this.status !== 'training') return;
    this.busy = 'Pausing after this iteration…';
    this.app.pause();
  }

  resume(): void {
    this.busy = null;
    this.app.pause(false);
  }

  async stopRun(): Promise<void> {
    if (!this.running) return;
    this.busy = 'Stopping after this iteration…';
    this.app.stop();
    await this.running.catch(() => undefined);
  }

  /** Stops, releases workers and tensors, and clears the charts; the form keeps its settings. */
  async reset(): Promise<void> {
    await this.stopRun();
    this.app.dispose();
    this.builtConfig = null;
    this.runners = [];
    this.failures = [];
    this.summary = null;
    this.error = null;
    this.restoredIteration = 0;
    this.lastState = {};
    this.runnerSps = {};
    this.clearHistory();
  }

  /** After a checkpoint was restored into a fresh algorithm. */
  afterRestore(iteration: number): void {
    this.clearHistory();
    this.builtConfig = this.app.algorithm?.config ?? null;
    this.restoredIteration = iteration;
    this.summary = null;
    this.error = null;
  }

  async kill(workerIndex: number): Promise<void> {
    try {
      await this.app.faults.killEnvRunner(workerIndex);
    } catch (e) {
      this.error = message(e);
    }
  }

  hang(workerIndex: number): void {
    try {
      this.app.faults.hangEnvRunner(workerIndex);
    } catch (e) {
      this.error = message(e);
    }
  }

  private fail(msg: string): void {
    this.error = msg;
    this.bridge?.error(msg);
  }

  private addResult(r: ResultDict): void {
    this.series.push(r);
    this.last = r;
    this.history = [...this.history.slice(-199), r];
    this.version++;
    this.refreshFailures();
  }

  private clearHistory(): void {
    this.series.clear();
    this.last = null;
    this.history = [];
    this.version++;
  }

  private refreshFailures(): void {
    const log = this.app.faults.log();
    if (log.length !== this.failures.length) this.failures = [...log];
  }

  /**
   * A runner's sample() returns rolloutFragmentLength x numEnvsPerEnvRunner steps (truncate_episodes),
   * so its speed is those steps over the time it spent in 'sampling'.
   */
  private trackRunnerSps(views: readonly RunnerView[]): void {
    const config = this.app.algorithm?.config;
    if (!config) return;
    const steps = getSpec(config.algo).samplingLayout(config).stepsPerSampleCall;
    const now = performance.now();
    let sps: Record<number, number> | null = null;
    for (const v of views) {
      const prev = this.lastState[v.workerIndex];
      if (prev?.state === v.state) continue;
      if (prev?.state === 'sampling' && v.state === 'idle' && now > prev.sinceMs) {
        const current = steps / ((now - prev.sinceMs) / 1000);
        const old = this.runnerSps[v.workerIndex];
        sps ??= { ...this.runnerSps };
        sps[v.workerIndex] = old === undefined ? current : 0.7 * old + 0.3 * current;
      }
      this.lastState[v.workerIndex] = { state: v.state, sinceMs: now };
    }
    if (sps) this.runnerSps = sps;
  }
}
