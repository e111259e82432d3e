/**
 * The run: build an algorithm from a JSON config, step or train it with stop criteria,
 * pause/stop, save/restore its checkpoint, and watch it through `on(...)`: twelve members. `window.rl` is
 * this run plus one namespace per service (app-facade.ts); each trial of a sweep is a run of its own.
 */
import type { Algorithm } from '../algorithms/algorithm';
import type { Checkpoint } from '../algorithms/checkpoint';
import {
  buildAlgorithm,
  resolveConfigWithWarnings,
  validateCheckpoint,
  type AnyAlgorithmConfig,
} from '../algorithms/registry';
import type { BuildOptions } from '../algorithms/spec';
import { metStopCriterion, normalizeStopCriteria, type StopCriteria } from '../algorithms/stop-criteria';
import { RLError, errorMessage, type ConfigIssue } from '../core/errors';
import type { ResultDict } from '../core/metric-keys';
import { detectDevice, type DeviceInfo } from '../backend/device';
import { InterruptibleIterations } from './interruptible-iterations';
import { Subscriptions, type Listener } from './subscriptions';
import { UserEnvs } from './user-envs';

import type { AppStatus, RunnerView, RunSummary, StepOptions, StopOptions, TrainOptions } from './app-types';

export type { AppStatus, RunnerView, RunSummary, StepOptions, StopOptions, TrainOptions } from './app-types';

/** How to build: a forced Learner backend; `connect` (fake workers) is for tests in Node. */
export type AppBuildOptions = BuildOptions;

/** What a build (or a restore, which builds) made: for the CLI's header and the page's device line. */
export interface BuiltRun {
  readonly config: AnyAlgorithmConfig;
  readonly device: DeviceInfo;
  /** The seed actually used (config.debugging.seed, or the one chosen at build time). */
  readonly seed: number;
  /** validate()'s warnings for the config (cores oversubscribed, numGpusPerLearner > 1, ...). */
  readonly warnings: readonly ConfigIssue[];
}

/** What `on(type, listener)` delivers. */
export interface RunEvents {
  readonly status: AppStatus;
  readonly result: ResultDict;
  /** Every `checkpointEvery` iterations of train(). */
  readonly checkpoint: Checkpoint;
  readonly runners: RunnerView[];
}

interface BuiltAlgorithm {
  readonly algorithm: Algorithm<AnyAlgorithmConfig>;
  readonly run: BuiltRun;
}

export class TrainerApp {
  status: AppStatus = 'idle';
  /** The built algorithm (its `config`, `device` and `seed` are the run's), or null before a build. */
  algorithm: Algorithm<AnyAlgorithmConfig> | null = null;
  readonly results: ResultDict[] = [];
  private pauseGate: { promise: Promise<void>; open: () => void } | null = null;
  private stopRequested = false;
  /** The running train() loop, so a restore can end it before swapping algorithms. */
  private trainLoop: Promise<RunSummary> | null = null;
  private readonly subscriptions = new Subscriptions<RunEvents>();
  private readonly iterations = new InterruptibleIterations();

  /** `userEnvs` checks a user env before a build and tells its faults (shared with the page's rl.envs). */
  constructor(private readonly userEnvs: UserEnvs = new UserEnvs()) {}

  /** Validates and builds. Throws ConfigError (every problem at once) or a device error. */
  async build(input: unknown, opts: AppBuildOptions = {}): Promise<BuiltRun> {
    this.dispose();
    this.setStatus('building');
    try {
      const built = await this.buildAlgorithmAside(input, opts);
      this.adopt(built);
      return built.run;
    } catch (e) {
      this.setStatus('error');
      throw e;
    }
  }

  /**
   * One training iteration. `stop({ midIteration: true })` cuts it short at its next yield point or
   * pending runner call: it then rejects with `app/interrupted`, and save() returns the last
   * completed iteration, kept when `keepLastCompletedIteration` was asked for (headless runs).
   */
  async step(opts: StepOptions = {}): Promise<ResultDict> {
    const algo = this.algo;
    let result: ResultDict;
    try {
      result = await this.iterations.step(algo, opts.keepLastCompletedIteration === true);
    } catch (e) {
      // A user env that throws on the page's local runner is told with its file:line.
      throw await this.userEnvs.runtimeError(e, algo.config.environment.env);
    }
    this.results.push(result);
    this.subscriptions.emit('result', result);
    return result;
  }

  /** Trains until a stop criterion is met or stop() is called; pause() holds between iterations. */
  async train(opts: TrainOptions): Promise<RunSummary> {
    const loop = this.trainUntilStopped(opts);
    this.trainLoop = loop;
    try {
      return await loop;
    } finally {
      if (this.trainLoop === loop) this.trainLoop = null;
    }
  }

  /** Holds train() between iterations; `pause(false)` lets it go on. */
  pause(paused = true): void {
    if (!paused) {
      const gate = this.pauseGate;
      this.pauseGate = null;
      gate?.open();
      return;
    }
    if (this.pauseGate) return;
    let open!: () => void;
    const promise = new Promise<void>((r) => {
      open = r;
    });
    this.pauseGate = { promise, open };
    if (this.status !== 'training') this.setStatus('paused');
  }

  /**
   * Stops after the current iteration. `midIteration` (the CLI's Ctrl-C, an embed's stop) cuts the
   * iteration in progress short instead, or the next one before it starts (see step()).
   */
  stop(opts: StopOptions = {}): void {
    this.stopRequested = true;
    if (opts.midIteration) this.iterations.interrupt();
    this.pause(false);
  }

  /** Stops training and releases workers and tensors. */
  dispose(): void {
    this.stop();
    this.algorithm?.stop();
    this.algorithm = null;
    this.setStatus('idle');
  }

  /** The current state; after an interrupt, the last completed iteration's. */
  save(): Promise<Checkpoint> {
    return this.iterations.save(() => this.algo);
  }

  /**
   * Restores atomically: the checkpoint is validated, a new algorithm is built aside from its
   * config and restored into; only when all of that succeeded is a running train() stopped (after
   * its current iteration) and the new algorithm swapped in. On any failure the new one is
   * disposed and the current algorithm, status, config and results are as they were.
   */
  async restore(input: unknown, opts: AppBuildOptions = {}): Promise<BuiltRun> {
    const ckpt = validateCheckpoint(input);
    const built = await this.buildAlgorithmAside(ckpt.config, opts);
    try {
      await built.algorithm.restore(ckpt);
    } catch (e) {
      built.algorithm.stop();
      throw e;
    }
    if (this.trainLoop) {
      this.stop();
      await this.trainLoop;
    }
    this.algorithm?.stop();
    this.pauseGate = null;
    this.adopt(built);
    return built.run;
  }

  /** Watches the run: `status`, `result`, `checkpoint` or `runners`; returns the unsubscribe function. */
  on<K extends keyof RunEvents>(type: K, listener: Listener<RunEvents[K]>): () => void {
    return this.subscriptions.on(type, listener);
  }

  /** Resolves the config and builds an algorithm without touching the current one. */
  private async buildAlgorithmAside(input: unknown, opts: AppBuildOptions): Promise<BuiltAlgorithm> {
    const detected = await detectDevice();
    const { config, warnings } = resolveConfigWithWarnings(input, {
      hardwareConcurrency: detected.hardwareConcurrency,
      webGpuAvailable: detected.adapter !== null,
    });
    // A user env is checked before anything heavy loads, so its faults show within a second.
    await this.userEnvs.preflight(config.environment.env, {
      envConfig: config.environment.envConfig,
      maxEpisodeSteps: config.environment.maxEpisodeSteps,
    });
    const algorithm = await buildAlgorithm(config, opts);
    return { algorithm, run: { config, device: algorithm.device, seed: algorithm.seed, warnings } };
  }

  /** Makes a built algorithm the current one (the previous one must be stopped already). */
  private adopt({ algorithm }: BuiltAlgorithm): void {
    this.algorithm = algorithm;
    this.iterations.reset();
    this.results.length = 0;
    algorithm.envRunnerGroup.supervisor.onChange(() => this.subscriptions.emit('runners', runnerViews(algorithm)));
    this.setStatus('ready');
    this.subscriptions.emit('runners', runnerViews(algorithm));
  }

  private get algo(): Algorithm {
    return builtAlgorithm(this);
  }

  private async trainUntilStopped(opts: TrainOptions): Promise<RunSummary> {
    builtAlgorithm(this);
    const stop: StopCriteria = normalizeStopCriteria(opts.stop);
    if (Object.keys(stop).length === 0) {
      throw new RLError('app/no-stop', 'train() needs at least one stop criterion, e.g. { training_iteration: 100 }.');
    }
    this.stopRequested = false;
    this.iterations.forgetPendingInterrupt();
    this.setStatus('training');
    let iterations = 0;
    let last: ResultDict | null = null;
    const summary = (reason: RunSummary['reason'], criterion: string | null): RunSummary => {
      this.setStatus(reason === 'stopped' ? 'stopped' : 'ready');
      return { reason, criterion, iterations, lastResult: last, error: null };
    };
    try {
      for (;;) {
        if (this.pauseGate) {
          this.setStatus('paused');
          await this.pauseGate.promise;
          if (!this.stopRequested) this.setStatus('training');
        }
        if (this.stopRequested) return summary('stopped', null);
        last = await this.step();
        iterations++;
        if (opts.checkpointEvery && iterations % opts.checkpointEvery === 0) await this.emitCheckpoint();
        const met = metStopCriterion(last, stop);
        if (met) return summary('stop-criterion', met);
      }
    } catch (e) {
      this.setStatus('error');
      return { reason: 'error', criterion: null, iterations, lastResult: last, error: errorMessage(e) };
    }
  }

  private async emitCheckpoint(): Promise<void> {
    if (this.subscriptions.has('checkpoint')) this.subscriptions.emit('checkpoint', await this.save());
  }

  private setStatus(s: AppStatus): void {
    this.status = s;
    this.subscriptions.emit('status', s);
  }
}

/** The run's built algorithm, for the services that act on it; `app/not-built` before a build. */
export function builtAlgorithm(run: TrainerApp): Algorithm {
  if (!run.algorithm) throw new RLError('app/not-built', 'Build an algorithm first: rl.build(config).');
  return run.algorithm;
}

/** Each EnvRunner's state, restarts, last error and backend, from the supervisor. */
export function runnerViews(algo: Algorithm | null): RunnerView[] {
  if (!algo) return [];
  return algo.envRunnerGroup.supervisor.slots.map((s) => ({
    workerIndex: s.workerIndex,
    state: s.state,
    restarts: s.restarts,
    lastError: s.lastError,
    backend: s.info?.backend ?? null,
  }));
}
