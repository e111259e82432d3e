/**
 * The app facade: ONE object (on `window.rl`) that the Svelte UI, the headless CLI and the e2e
 * tests all drive. Build from a JSON config, train with stop criteria, pause/resume/stop,
 * subscribe to results and runner state, save/restore checkpoints, and chaos for teaching.
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
import { ConfigError, RLError, errorMessage, type ConfigIssue } from '../core/errors';
import type { ResultDict } from '../core/metric-keys';
import { detectDevice, type DeviceInfo } from '../backend/device';
import type { FailureEvent } from '../runtime/supervisor';
import { getEnvSpec, type EnvSpec } from '../envs';
import { checkpointFromJson, checkpointToJson } from './checkpoint-codec';
import { listStoredCheckpoints, loadStoredCheckpoint, storeCheckpoint } from './checkpoint-storage';
import { InterruptibleIterations } from './interruptible-iterations';
import { diagnostics, sampleOnce, type SampleSummary } from '../diagnostics';
import { recordEpisodes, type EpisodeRecording } from './episode-recording';
import { registerOfflineFile, registeredOfflineFiles, setOfflineFileReader } from '../offline/offline-files';
import { UserEnvs, type LoadedEnvModule } from './user-envs';
import type { TuneEvent, TuneRunOptions, TuneSession, TrialView } from './tune-session';
import { Listeners, type Listener } from './listeners';
import { bytesFromBase64, importWeightsInto } from './weights-import';

import type { AppStatus, RunnerView, RunSummary, TrainOptions } from './app-types';

export type { AppStatus, RunnerView, RunSummary, TrainOptions } from './app-types';
export type { SampleSummary } from '../diagnostics';
export type { EpisodeRecording } from './episode-recording';

/** How to build: a forced Learner backend; `connect` (fake workers) is for tests in Node. */
export type AppBuildOptions = BuildOptions;

interface BuiltAlgorithm {
  readonly algorithm: Algorithm;
  readonly config: AnyAlgorithmConfig;
  /** Validation warnings of the config (oversubscribed cores, ...), for the CLI to print. */
  readonly warnings: readonly ConfigIssue[];
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
  private readonly resultListeners = new Listeners<ResultDict>();
  private readonly statusListeners = new Listeners<AppStatus>();
  private readonly checkpointListeners = new Listeners<Checkpoint>();
  private readonly runnerListeners = new Listeners<RunnerView[]>();
  private readonly iterations = new InterruptibleIterations();
  /** Env modules loaded by URL, the check a user env gets before training, and the last env fault. */
  readonly userEnvs = new UserEnvs();
  /** The sweep running in this tab (rl.tune), or the last one; each trial is a TrainerApp of its own. */
  tuneSession: TuneSession | null = null;
  private readonly tuneListeners = new Listeners<TuneEvent>();

  /** Device self-checks and the benchmarks' in-page probes (src/diagnostics/). */
  readonly diagnostics = diagnostics;

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

  /**
   * Imports a same-origin env module (Gymnasium's entry_point) on the page; every EnvRunner worker
   * built afterwards imports it too. Throws EnvFaultError (`env/module-load`) with the file:line.
   */
  loadEnvModule(url: string): Promise<LoadedEnvModule> {
    return this.userEnvs.load(url);
  }

  /** A registered env's metadata (time limit, reward threshold), or null. */
  envSpec(id: string): EnvSpec | null {
    return getEnvSpec(id) ?? null;
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
    return { config, warnings, algorithm: await buildAlgorithm(config, opts) };
  }

  /** Makes a built algorithm the current one (the previous one must be stopped already). */
  private adopt({ algorithm, config, warnings }: BuiltAlgorithm): void {
    this.algorithm = algorithm;
    this.config = config;
    this.configWarnings = warnings;
    this.iterations.reset();
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
   * call: it then rejects with `app/interrupted`, and save() returns the last completed iteration.
   */
  async step(): Promise<ResultDict> {
    const algo = this.algo;
    let result: ResultDict;
    try {
      result = await this.iterations.step(algo);
    } catch (e) {
      // A user env that throws on the page's local runner is told with its file:line.
      throw await this.userEnvs.runtimeError(e, algo.config.environment.env);
    }
    this.results.push(result);
    this.resultListeners.emit(result);
    return result;
  }

  /** Cuts the iteration in progress short (see step()), or the next one before it starts; true if one was running. */
  interrupt(): boolean {
    return this.iterations.interrupt();
  }

  /**
   * Headless runs: keep a checkpoint of the state after every iteration (one weight read-back per
   * iteration, small next to the iteration itself), so an interrupt can save the last completed one.
   */
  keepLastCompletedIteration(on: boolean): void {
    this.iterations.keepLastCompletedIteration(on);
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
  save(): Promise<Checkpoint> {
    return this.iterations.save(() => this.algo);
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

  /** Loads a policy's weights from a safetensors file in RLlib's layout (app/weights-import.ts). */
  importWeights(
    bytes: Uint8Array,
    opts: AppBuildOptions = {},
    fallbackConfig: unknown = null,
  ): Promise<{ algo: string; numTensors: number }> {
    return importWeightsInto(this, bytes, opts, fallbackConfig);
  }

  /** importWeights for text transports (the CLI hands the page base64). */
  importWeightsBase64(text: string, opts: AppBuildOptions = {}): Promise<{ algo: string; numTensors: number }> {
    return this.importWeights(bytesFromBase64(text), opts);
  }

  /**
   * Runs a sweep (tune/sweep.ts's layout: param_space, tune_config, run_config) as trials in this
   * tab and resolves with every trial's row once all have ended. Bad sweep input is a ConfigError
   * listing every problem; a trial's own failure is in its row, never a rejection.
   */
  async tune(input: unknown, opts: TuneRunOptions = {}): Promise<TrialView[]> {
    const [{ parseSweep }, { TuneSession }] = await Promise.all([import('../tune/sweep'), import('./tune-session')]);
    const { sweep, issues } = parseSweep(input);
    if (!sweep) throw new ConfigError(issues.filter((i) => i.severity === 'error'));
    const session = new TuneSession(sweep, () => new TrainerApp(), opts);
    session.onEvent((e) => {
      this.tuneListeners.emit(e);
    });
    this.tuneSession = session;
    return session.run();
  }

  onTuneEvent(l: Listener<TuneEvent>): () => void {
    return this.tuneListeners.add(l);
  }

  /** One group sample() without training: steps per runner, for the sampling tests and benchmarks. */
  sampleOnce(numTimesteps: number): Promise<SampleSummary> {
    return sampleOnce(this.algo.envRunnerGroup, numTimesteps);
  }

  /**
   * Runs the current policy for `numEnvSteps` env steps without training and returns the
   * episodes as a Parquet file (RLlib's `output`; offline algorithms read it as `input_`).
   */
  recordEpisodes(numEnvSteps: number, onProgress?: (stepsSoFar: number) => void): Promise<EpisodeRecording> {
    return recordEpisodes(this.algo, numEnvSteps, onProgress);
  }

  /** Makes a recorded episode file available to offline algorithms as offlineData.input `name`. */
  loadOfflineFile(name: string, bytes: Uint8Array): void {
    registerOfflineFile(name, bytes);
  }

  /** Names of the offline files loaded on this page. */
  offlineFiles(): string[] {
    return registeredOfflineFiles();
  }

  /** Headless runs: where offlineData.input names not loaded on the page are read from (disk, via the CLI). */
  readOfflineFilesWith(reader: ((name: string) => Promise<Uint8Array>) | null): void {
    setOfflineFileReader(reader);
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
    return this.resultListeners.add(l);
  }

  onStatus(l: Listener<AppStatus>): () => void {
    return this.statusListeners.add(l);
  }

  onCheckpoint(l: Listener<Checkpoint>): () => void {
    return this.checkpointListeners.add(l);
  }

  onRunners(l: Listener<RunnerView[]>): () => void {
    return this.runnerListeners.add(l);
  }

  private async emitCheckpoint(): Promise<void> {
    if (this.checkpointListeners.size === 0) return;
    const ckpt = await this.save();
    this.checkpointListeners.emit(ckpt);
  }

  private emitRunners(): void {
    const view = this.runners();
    this.runnerListeners.emit(view);
  }

  private setStatus(s: AppStatus): void {
    this.status = s;
    this.statusListeners.emit(s);
  }

  private fail(e: unknown): void {
    this.lastError = errorMessage(e);
    this.setStatus('error');
  }
}
