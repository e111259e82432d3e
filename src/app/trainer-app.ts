/**
 * The app facade: ONE object (on `window.rl`) that the Svelte UI, the headless CLI and the e2e
 * tests all drive. Build from a JSON config, train with stop criteria, pause/resume/stop,
 * subscribe to results and runner state, save/restore checkpoints, and chaos for teaching.
 */
import type { Algorithm } from '../algorithms/algorithm';
import type { Checkpoint } from '../algorithms/checkpoint';
import { validateCheckpoint } from '../algorithms/checkpoint-schema';
import type { BuildOptions } from '../algorithms/ppo/ppo';
import { buildAlgorithm, resolveConfigWithWarnings, type AnyAlgorithmConfig } from '../algorithms/registry';
import { metStopCriterion, normalizeStopCriteria, type StopCriteria } from '../algorithms/stop-criteria';
import { RLError, errorMessage, type ConfigIssue } from '../core/errors';
import { interruptYieldsWith, untilAborted } from '../core/yield';
import type { ResultDict } from '../core/metric-keys';
import { detectDevice, type DeviceInfo } from '../runtime/device';
import type { FailureEvent, RunnerState } from '../runtime/supervisor';
import { ppoBackendParity, tinyComputation } from '../algorithms/ppo/backend-parity';
import { learnerThroughput } from '../algorithms/ppo/learner-bench';
import { measureEnvStepsPerSecond } from '../envs';
import { checkpointFromJson, checkpointToJson } from './checkpoint-codec';
import { listStoredCheckpoints, loadStoredCheckpoint, storeCheckpoint } from './checkpoint-storage';

export type AppStatus = 'idle' | 'building' | 'ready' | 'training' | 'paused' | 'stopped' | 'error';

export interface RunnerView {
  readonly workerIndex: number;
  readonly state: RunnerState;
  readonly restarts: number;
  readonly lastError: string | null;
  readonly backend: string | null;
}

export interface RunSummary {
  readonly reason: 'stop-criterion' | 'stopped' | 'error';
  /** The stop criterion met, if any. */
  readonly criterion: string | null;
  readonly iterations: number;
  readonly lastResult: ResultDict | null;
  readonly error: string | null;
}

export interface TrainOptions {
  readonly stop: Readonly<Record<string, number>>;
  /** Save a checkpoint every N iterations (0 = never); delivered to onCheckpoint listeners. */
  readonly checkpointEvery?: number;
}

type Listener<T> = (value: T) => void;

/** How to build: a forced Learner backend; `connect` (fake workers) is for tests in Node. */
export type AppBuildOptions = BuildOptions;

interface BuiltAlgorithm {
  readonly algorithm: Algorithm;
  readonly config: AnyAlgorithmConfig;
  /** Validation warnings of the config (oversubscribed cores, ...), for the CLI to print. */
  readonly warnings: readonly ConfigIssue[];
}

export interface SampleSummary {
  readonly numSteps: number;
  /** Sample calls that returned (one per runner per round). */
  readonly numBatches: number;
  readonly perWorker: Record<number, number>;
  readonly numEpisodes: number;
  readonly numEnvStepsLost: number;
  readonly numEpisodesLost: number;
  readonly numSubEnvRestarts: number;
  readonly seconds: number;
}

export class TrainerApp {
  status: AppStatus = 'idle';
  algorithm: Algorithm | null = null;
  config: AnyAlgorithmConfig | null = null;
  readonly results: ResultDict[] = [];
  lastError: string | null = null;
  /** validate()'s warnings for the built config (cores oversubscribed, numGpusPerLearner > 1, ...). */
  configWarnings: readonly ConfigIssue[] = [];
  private pauseGate: { promise: Promise<void>; open: () => void } | null = null;
  private stopRequested = false;
  /** The running train() loop, so a restore can end it before swapping algorithms. */
  private trainLoop: Promise<RunSummary> | null = null;
  private readonly resultListeners = new Set<Listener<ResultDict>>();
  private readonly statusListeners = new Set<Listener<AppStatus>>();
  private readonly checkpointListeners = new Set<Listener<Checkpoint>>();
  private readonly runnerListeners = new Set<Listener<RunnerView[]>>();
  /** Aborts the iteration in progress (interrupt()); null between iterations. */
  private iterationAbort: AbortController | null = null;
  /** interrupt() came before step() started (its call was on the way): the next step() stops at once. */
  private interruptPending = false;
  /** An iteration was cut short: the algorithm holds part of an update, so only lastCompleted is saved. */
  private interrupted = false;
  /** Snapshot the state after every iteration (keepLastCompletedIteration), so an interrupt loses nothing. */
  private keepLastCompleted = false;
  private lastCompleted: Checkpoint | null = null;

  /** Device self-checks: the same computation on several backends (used by the WebGPU e2e test). */
  readonly diagnostics = { tinyComputation, ppoBackendParity, learnerThroughput, measureEnvStepsPerSecond };

  detectDevice(): ReturnType<typeof detectDevice> {
    return detectDevice();
  }

  get device(): DeviceInfo | null {
    return this.algorithm?.device ?? null;
  }

  /** Validates and builds. Throws ConfigError (every problem at once) or a device error. */
  async build(input: unknown, opts: AppBuildOptions = {}): Promise<{ config: AnyAlgorithmConfig; device: DeviceInfo }> {
    this.dispose();
    this.setStatus('building');
    try {
      const built = await this.buildAlgorithmAside(input, opts);
      this.adopt(built);
      return { config: built.config, device: built.algorithm.device };
    } catch (e) {
      this.fail(e);
      throw e;
    }
  }

  /** Resolves the config and builds an algorithm without touching the current one. */
  private async buildAlgorithmAside(input: unknown, opts: AppBuildOptions): Promise<BuiltAlgorithm> {
    const detected = await detectDevice();
    const { config, warnings } = resolveConfigWithWarnings(input, {
      hardwareConcurrency: detected.hardwareConcurrency,
      webGpuAvailable: detected.adapter !== null,
    });
    return { config, warnings, algorithm: await buildAlgorithm(config, opts) };
  }

  /** Makes a built algorithm the current one (the previous one must be stopped already). */
  private adopt({ algorithm, config, warnings }: BuiltAlgorithm): void {
    this.algorithm = algorithm;
    this.config = config;
    this.configWarnings = warnings;
    this.interrupted = false;
    this.interruptPending = false;
    this.lastCompleted = null;
    this.results.length = 0;
    this.lastError = null;
    algorithm.envRunnerGroup.supervisor.onChange(() => this.emitRunners());
    this.setStatus('ready');
    this.emitRunners();
  }

  private get algo(): Algorithm {
    if (!this.algorithm) throw new RLError('app/not-built', 'Build an algorithm first: rl.build(config).');
    return this.algorithm;
  }

  /**
   * One training iteration. interrupt() cuts it short at its next yield point or pending runner
   * call (within ~40 ms plus one minibatch): it then rejects with `app/interrupted`, and the
   * algorithm holds a partial update, so save() returns the last completed iteration instead.
   */
  async step(): Promise<ResultDict> {
    const algo = this.algo;
    if (this.interrupted) {
      throw new RLError(
        'app/interrupted',
        'The last iteration was interrupted mid-way; restore a checkpoint (or build again) to train on.',
      );
    }
    if (this.interruptPending) {
      this.interruptPending = false;
      throw new RLError('app/interrupted', 'Interrupted before the iteration started.');
    }
    const abort = new AbortController();
    this.iterationAbort = abort;
    const release = interruptYieldsWith(abort.signal);
    const iteration = algo.train();
    // An abandoned iteration keeps running until its next yield point or runner answer; the yield
    // points throw until then, so it cannot go on updating weights in the background.
    void iteration.then(release, release);
    try {
      const result = await untilAborted(iteration, abort.signal);
      if (this.keepLastCompleted) this.lastCompleted = await algo.save();
      this.results.push(result);
      for (const l of this.resultListeners) l(result);
      return result;
    } catch (e) {
      if (!abort.signal.aborted) throw e;
      this.interrupted = true;
      throw new RLError('app/interrupted', 'Interrupted mid-iteration; the last completed iteration is kept.');
    } finally {
      this.iterationAbort = null;
      if (!abort.signal.aborted) release();
    }
  }

  /** Cuts the iteration in progress short (see step()), or the next one before it starts; true if one was running. */
  interrupt(): boolean {
    const abort = this.iterationAbort;
    if (!abort) {
      this.interruptPending = true;
      return false;
    }
    abort.abort(new RLError('app/interrupted', 'Interrupted mid-iteration.'));
    return true;
  }

  /**
   * Headless runs: keep a checkpoint of the state after every iteration (one weight read-back per
   * iteration, small next to the iteration itself), so an interrupt can save the last completed one.
   */
  keepLastCompletedIteration(on: boolean): void {
    this.keepLastCompleted = on;
    if (!on) this.lastCompleted = null;
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

  private async trainUntilStopped(opts: TrainOptions): Promise<RunSummary> {
    if (!this.algorithm) throw new RLError('app/not-built', 'Build an algorithm first: rl.build(config).');
    const stop: StopCriteria = normalizeStopCriteria(opts.stop);
    if (Object.keys(stop).length === 0) {
      throw new RLError('app/no-stop', 'train() needs at least one stop criterion, e.g. { training_iteration: 100 }.');
    }
    this.stopRequested = false;
    this.setStatus('training');
    let iterations = 0;
    let last: ResultDict | null = null;
    try {
      for (;;) {
        if (this.pauseGate) {
          this.setStatus('paused');
          await this.pauseGate.promise;
          if (!this.stopRequested) this.setStatus('training');
        }
        if (this.stopRequested) return this.finish('stopped', null, iterations, last);
        last = await this.step();
        iterations++;
        if (opts.checkpointEvery && iterations % opts.checkpointEvery === 0) await this.emitCheckpoint();
        const met = metStopCriterion(last, stop);
        if (met) return this.finish('stop-criterion', met, iterations, last);
      }
    } catch (e) {
      this.fail(e);
      return { reason: 'error', criterion: null, iterations, lastResult: last, error: errorMessage(e) };
    }
  }

  private finish(
    reason: RunSummary['reason'],
    criterion: string | null,
    iterations: number,
    last: ResultDict | null,
  ): RunSummary {
    this.setStatus(reason === 'stopped' ? 'stopped' : 'ready');
    return { reason, criterion, iterations, lastResult: last, error: null };
  }

  pause(): void {
    if (this.pauseGate) return;
    let open!: () => void;
    const promise = new Promise<void>((r) => {
      open = r;
    });
    this.pauseGate = { promise, open };
    if (this.status !== 'training') this.setStatus('paused');
  }

  resume(): void {
    const gate = this.pauseGate;
    this.pauseGate = null;
    gate?.open();
  }

  /** Stops after the current iteration. */
  stop(): void {
    this.stopRequested = true;
    this.resume();
  }

  /** Stops training and releases workers and tensors. */
  dispose(): void {
    this.stop();
    this.algorithm?.stop();
    this.algorithm = null;
    this.config = null;
    this.setStatus('idle');
  }

  /** The current state; after an interrupt, the last completed iteration's. */
  async save(): Promise<Checkpoint> {
    if (!this.interrupted) return this.algo.save();
    if (this.lastCompleted) return this.lastCompleted;
    throw new RLError(
      'app/no-completed-iteration',
      'No iteration completed before the interrupt (or keepLastCompletedIteration was off); nothing to save.',
    );
  }

  /**
   * Restores atomically: the checkpoint is validated, a new algorithm is built aside from its
   * config and restored into; only when all of that succeeded is a running train() stopped (after
   * its current iteration) and the new algorithm swapped in. On any failure the new one is
   * disposed and the current algorithm, status, config and results are as they were.
   */
  async restore(input: unknown, opts: AppBuildOptions = {}): Promise<void> {
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
  }

  /**
   * Stores the current checkpoint under `name`. Resolves only once the IndexedDB transaction has
   * committed; a full disk is `storage/quota` with the usage figures.
   */
  async saveToStorage(name: string): Promise<void> {
    await storeCheckpoint(name, await this.save());
  }

  listStoredCheckpoints(): Promise<string[]> {
    return listStoredCheckpoints();
  }

  async restoreFromStorage(name: string, opts: AppBuildOptions = {}): Promise<void> {
    const ckpt = await loadStoredCheckpoint(name);
    if (ckpt === undefined) throw new RLError('checkpoint/missing', `No stored checkpoint named '${name}'.`);
    await this.restore(ckpt, opts);
  }

  async exportCheckpointJson(): Promise<string> {
    return checkpointToJson(await this.save());
  }

  async restoreFromJson(text: string, opts: AppBuildOptions = {}): Promise<void> {
    await this.restore(checkpointFromJson(text), opts);
  }

  /** One group sample() without training: steps per runner, for the sampling tests and benchmarks. */
  async sampleOnce(numTimesteps: number): Promise<SampleSummary> {
    const group = this.algo.envRunnerGroup;
    const t0 = performance.now();
    const { batches, metrics } = await group.sample(numTimesteps);
    const perWorker: Record<number, number> = {};
    for (const b of batches) perWorker[b.workerIndex] = (perWorker[b.workerIndex] ?? 0) + b.numSteps;
    const sum = (f: (m: (typeof metrics)[number]) => number): number => metrics.reduce((n, m) => n + f(m), 0);
    return {
      numSteps: batches.reduce((n, b) => n + b.numSteps, 0),
      numBatches: batches.length,
      perWorker,
      numEpisodes: sum((m) => m.numEpisodes),
      numEnvStepsLost: sum((m) => m.numEnvStepsLost),
      numEpisodesLost: sum((m) => m.numEpisodesLost),
      numSubEnvRestarts: sum((m) => m.numSubEnvRestarts),
      seconds: (performance.now() - t0) / 1000,
    };
  }

  /** Greedy actions for `obs` from the page's (learner) module and from every runner. */
  async compareRunnerActions(
    obs: number[],
    batchSize: number,
  ): Promise<{ page: number[]; runners: Record<number, number[]> }> {
    const algo = this.algo;
    const page = await algo.computeActions(Float32Array.from(obs), batchSize);
    const perRunner = await algo.envRunnerGroup.computeActions(Float32Array.from(obs), batchSize);
    return { page: Array.from(page), runners: Object.fromEntries([...perRunner].map(([i, a]) => [i, Array.from(a)])) };
  }

  killEnvRunner(workerIndex: number): Promise<void> {
    return this.algo.envRunnerGroup.killEnvRunner(workerIndex);
  }

  hangEnvRunner(workerIndex: number, seconds?: number): void {
    this.algo.envRunnerGroup.hangEnvRunner(workerIndex, seconds);
  }

  runners(): RunnerView[] {
    const algo = this.algorithm;
    if (!algo) return [];
    return algo.envRunnerGroup.supervisor.slots.map((s) => ({
      workerIndex: s.workerIndex,
      state: s.state,
      restarts: s.restarts,
      lastError: s.lastError,
      backend: s.info?.backend ?? null,
    }));
  }

  failureLog(): readonly FailureEvent[] {
    return this.algorithm?.failureEvents ?? [];
  }

  onResult(l: Listener<ResultDict>): () => void {
    this.resultListeners.add(l);
    return () => this.resultListeners.delete(l);
  }

  onStatus(l: Listener<AppStatus>): () => void {
    this.statusListeners.add(l);
    return () => this.statusListeners.delete(l);
  }

  onCheckpoint(l: Listener<Checkpoint>): () => void {
    this.checkpointListeners.add(l);
    return () => this.checkpointListeners.delete(l);
  }

  onRunners(l: Listener<RunnerView[]>): () => void {
    this.runnerListeners.add(l);
    return () => this.runnerListeners.delete(l);
  }

  private async emitCheckpoint(): Promise<void> {
    if (this.checkpointListeners.size === 0) return;
    const ckpt = await this.save();
    for (const l of this.checkpointListeners) l(ckpt);
  }

  private emitRunners(): void {
    const view = this.runners();
    for (const l of this.runnerListeners) l(view);
  }

  private setStatus(s: AppStatus): void {
    this.status = s;
    for (const l of this.statusListeners) l(s);
  }

  private fail(e: unknown): void {
    this.lastError = errorMessage(e);
    this.setStatus('error');
  }
}
