/**
 * EnvRunner: steps one vector env with an inference-only copy of the RLModule and returns
 * episode-chunk batches (src/core/sample-batch.ts). RLlib's SingleAgentEnvRunner, over typed arrays.
 *
 * Per step: ONE batched forward pass for all sub-envs, then one vector-env step. Steps are staged
 * time-major in buffers reused across calls (no per-step objects) and laid out chunk by chunk
 * (sub-env, then time) once at the end of the call.
 */
import { flatDim } from '../core/spaces';
import { Rng } from '../core/rng';
import { RLError } from '../core/errors';
import { takeTurn, turnDue } from '../core/yield';
import { EXTRA_COLUMNS, type ExtraColumn, type SampleBatch } from '../core/sample-batch';
import type { BusyCursor } from '../backend/gpu-busy-meter';
import { getEnvSpec, makeVectorEnv, needsGpuError, SubEnvCrashError, type VectorEnv } from '../envs';
import { makeRLModule } from '../rl-module/module-factory';
import type { ExplorationOutputs, InferenceModule } from '../rl-module/rl-module';
import type { ModuleWeights } from '../rl-module/weights';
import type { EnvRunnerMetrics, EnvRunnerSettings, ExplorationState, SampleRequest } from './env-runner-config';
import type { NonFiniteValue } from './non-finite-check';
import { findNonFinite, nonFiniteError, obsHasNonFinite, stepHasNonFinite } from './non-finite-check';
import { RemoteEnvSampler } from './remote-env-sampler';
import type { SpawnSubEnv } from './remote-sub-envs';
import { StepStaging } from './step-staging';

/** Episode ids are unique per run: worker index in the high part, a counter below. */
const EPISODE_ID_STRIDE = 1e9;
/**
 * TF.js reads on wasm/cpu resolve as microtasks, so a sample loop never lets the worker handle
 * other messages. Yielding a macrotask this often lets health-probe pings through while sampling.
 */
const YIELD_EVERY_MS = 20;
/** A sub-env that keeps crashing while being rebuilt is a broken env, not bad luck. */
const MAX_SUB_ENV_REBUILD_TRIES = 10;
const NO_FAILURES: readonly number[] = [];

/**
 * The runner's WebGPU device (numGpusPerEnvRunner > 0, or the page's for the local runner): handed
 * to envs that step on the GPU, and metered for `perf/` (null on the page, whose busy time is the
 * learner's figure).
 */
export interface RunnerGpu {
  readonly device: GPUDevice;
  readonly meter: BusyCursor | null;
}

export class EnvRunner {
  readonly env: VectorEnv;
  readonly module: InferenceModule;
  /** The SampleBatch extra columns this module writes (all of them when it does not say). */
  private readonly extraColumns: readonly ExtraColumn[];
  private readonly rng: Rng;
  private readonly obsDim: number;
  private readonly actionDim: number;
  private readonly discrete: boolean;
  private weightsSeq = -1;
  /** The learner module whose variables this page runner shares, and the version it shares. */
  private sharedFrom: SharedWeightsSource | null = null;
  private sharedVersion = -1;

  // Per sub-env episode bookkeeping; episodes continue across sample() calls.
  private readonly episodeIds: Float64Array;
  private readonly episodeReturns: Float64Array;
  private readonly episodeLengths: Int32Array;
  private episodeCounter = 0;
  /** Time index (in the current call) where each sub-env's current episode started; -1 = before it. */
  private readonly episodeStartT: Int32Array;

  private readonly staging: StepStaging;
  private readonly stepOut: ExplorationOutputs;
  private pending = emptyPending();
  /** remoteWorkerEnvs: sampling goes through sub-env workers (this.env then only gives the spaces). */
  private readonly remote: RemoteEnvSampler | null;

  constructor(
    readonly settings: EnvRunnerSettings,
    /** How remote sub-envs start (a nested Web Worker each; tests pass in-process stand-ins). */
    spawnSubEnv?: SpawnSubEnv,
    private readonly gpu: RunnerGpu | null = null,
  ) {
    const n = settings.numEnvs;
    if (getEnvSpec(settings.env)?.requiresGpu) {
      if (settings.remoteWorkerEnvs) throw needsGpuError(settings.env, 'a remote sub-env worker (remoteWorkerEnvs)');
      if (!gpu)
        throw needsGpuError(
          settings.env,
          `EnvRunner ${settings.workerIndex} (inference on ${settings.inferenceBackend})`,
        );
    }
    this.env = makeVectorEnv(settings.env, {
      numEnvs: n,
      seed: envSeed(settings),
      ...(settings.maxEpisodeSteps !== null ? { maxEpisodeSteps: settings.maxEpisodeSteps } : {}),
      envConfig: settings.envConfig,
      workerIndex: settings.workerIndex,
      gpuDevice: gpu?.device ?? null,
    });
    this.obsDim = flatDim(this.env.singleObservationSpace);
    this.discrete = this.env.singleActionSpace.kind === 'discrete';
    this.actionDim = flatDim(this.env.singleActionSpace);
    this.module = makeRLModule(
      settings.module,
      { observationSpace: this.env.singleObservationSpace, actionSpace: this.env.singleActionSpace },
      settings.seed,
    );
    const written = this.module.explorationOutputs;
    this.extraColumns = written ? EXTRA_COLUMNS.filter((k) => written.includes(k)) : EXTRA_COLUMNS;
    this.rng = new Rng(settings.seed * 7919 + settings.workerIndex * 104729 + 17);
    this.episodeIds = new Float64Array(n);
    this.episodeReturns = new Float64Array(n);
    this.episodeLengths = new Int32Array(n);
    this.episodeStartT = new Int32Array(n).fill(-1);
    for (let i = 0; i < n; i++) this.episodeIds[i] = this.newEpisodeId();
    this.staging = new StepStaging(n, this.obsDim, this.actionDim, this.discrete);
    this.stepOut = {
      actions: this.discrete ? new Int32Array(n * this.actionDim) : new Float32Array(n * this.actionDim),
      actionLogp: new Float32Array(n),
      vfPreds: new Float32Array(n),
    };
    this.resetAll(envSeed(settings));
    this.remote = settings.remoteWorkerEnvs
      ? new RemoteEnvSampler({
          settings,
          module: this.module,
          rng: this.rng,
          obsDim: this.obsDim,
          actionDim: this.actionDim,
          discrete: this.discrete,
          extraColumns: this.extraColumns,
          envSeed: envSeed(settings),
          counters: () => this.pending,
          newEpisodeId: () => this.newEpisodeId(),
          weightsSeq: () => this.weightsSeq,
          ...(spawnSubEnv ? { spawn: spawnSubEnv } : {}),
        })
      : null;
  }

  get workerIndex(): number {
    return this.settings.workerIndex;
  }

  /**
   * Applies weights, and the exploration state sent with them, unless they are older than (or as
   * old as) what the runner has.
   */
  setWeights(weights: ModuleWeights, seq: number, exploration?: ExplorationState): boolean {
    if (seq <= this.weightsSeq) return false;
    this.module.setWeights(weights);
    this.sharedFrom = null;
    if (exploration?.epsilon !== undefined) this.module.setEpsilon?.(exploration.epsilon);
    this.weightsSeq = seq;
    return true;
  }

  /**
   * A page runner's weights, shared instead of copied: its module's variables take the learner
   * module's storage by reference. TF.js tensors are immutable and reference-counted (the target
   * network relies on the same): the learner's next update assigns new storage to its own
   * variables, so these stay the weights of `seq`. Nothing is read back or copied here; the
   * module's JS forward reads them back once, when it next acts greedily. Weights whose version
   * the runner already shares only move `seq` and the exploration state on.
   */
  shareWeights(source: SharedWeightsSource, seq: number, exploration?: ExplorationState): boolean {
    if (seq <= this.weightsSeq) return false;
    if (this.sharedVersion !== source.weightsVersion || this.sharedFrom !== source) {
      const targets = this.module.trainableVariables;
      checkSharedWeights(source, this.module.variableNames, targets);
      targets.forEach((v, i) => v.assign(source.trainableVariables[i]!));
      // A version of its own per share (negative: never a learner's), so the JS forward's cache,
      // keyed by version, is rebuilt from the shared variables.
      this.module.weightsVersion = -seq;
      this.sharedFrom = source;
      this.sharedVersion = source.weightsVersion;
    }
    if (exploration?.epsilon !== undefined) this.module.setEpsilon?.(exploration.epsilon);
    this.weightsSeq = seq;
    return true;
  }

  getWeightsSeq(): number {
    return this.weightsSeq;
  }

  /** Greedy actions for arbitrary observations (not stepping any env). */
  async computeActions(obs: Float32Array, batchSize: number): Promise<Int32Array | Float32Array> {
    const actions = this.discrete
      ? new Int32Array(batchSize * this.actionDim)
      : new Float32Array(batchSize * this.actionDim);
    await this.module.forwardInference(obs, batchSize, { actions });
    return actions;
  }

  ping(): number {
    return this.settings.workerIndex;
  }

  /** Metrics since the previous call (sample() also returns them). */
  getMetrics(): EnvRunnerMetrics {
    const { gpuBusyMs, ...counts } = this.pending;
    const m: EnvRunnerMetrics = {
      ...counts,
      workerIndex: this.workerIndex,
      weightsSeq: this.weightsSeq,
      // Only a runner with a device of its own reports one (perf/env_runner_<i>_gpu_busy_ms).
      ...(this.gpu?.meter ? { gpuBusyMs, gpuTiming: this.gpu.meter.meter.timing } : {}),
    };
    this.pending = emptyPending();
    return m;
  }

  /** The device's busy time since the last call, once the work submitted so far is done. */
  private async meterGpu(): Promise<void> {
    if (this.gpu?.meter) this.pending.gpuBusyMs += await this.gpu.meter.sinceLast();
  }

  async sample(request: SampleRequest = {}): Promise<{ batch: SampleBatch; metrics: EnvRunnerMetrics }> {
    const t0 = performance.now();
    // The batch's version is the one it started with: weights that arrive at a yield point
    // mid-call act on its later steps only (their logp is recorded per step all the same).
    const weightsSeqAtStart = this.weightsSeq;
    if (this.remote) {
      const batch = await this.remote.sample(request);
      this.pending.numEnvSteps += batch.numSteps;
      await this.meterGpu();
      this.pending.sampleMs += performance.now() - t0;
      return { batch, metrics: this.getMetrics() };
    }
    const explore = request.explore ?? this.settings.explore;
    const completeEpisodes = this.settings.batchMode === 'complete_episodes' || request.numEpisodes !== undefined;
    const n = this.settings.numEnvs;
    const stepsPerEnv = Math.ceil((request.numTimesteps ?? this.settings.rolloutFragmentLength * n) / n);
    if (completeEpisodes) this.resetAll();
    this.episodeStartT.fill(completeEpisodes ? 0 : -1);
    this.staging.begin(completeEpisodes ? stepsPerEnv * 2 : stepsPerEnv);

    let completedSteps = 0;
    let completedEpisodes = 0;
    for (let t = 0; ; t++) {
      if (turnDue(YIELD_EVERY_MS)) await takeTurn();
      if (!completeEpisodes && t >= stepsPerEnv) break;
      if (completeEpisodes) {
        const enough =
          request.numEpisodes !== undefined
            ? completedEpisodes >= request.numEpisodes
            : completedSteps >= stepsPerEnv * n;
        if (enough) break;
      }
      const ended = await this.step(t, explore);
      completedSteps += ended.steps;
      completedEpisodes += ended.episodes;
    }
    const batch = this.staging.toBatch({
      completeEpisodesOnly: completeEpisodes,
      currentObs: this.env.obs,
      workerIndex: this.workerIndex,
      weightsSeq: weightsSeqAtStart,
      extraColumns: this.extraColumns,
    });
    this.pending.numEnvSteps += batch.numSteps;
    await this.meterGpu();
    this.pending.sampleMs += performance.now() - t0;
    return { batch, metrics: this.getMetrics() };
  }

  /** One env step for all sub-envs at staging time t. Returns steps/episodes completed by it. */
  private async step(t: number, explore: boolean): Promise<{ steps: number; episodes: number }> {
    const n = this.settings.numEnvs;
    const out = this.stepOut;
    this.staging.ensureCapacity(t + 1);
    this.staging.writeObs(t, this.env.obs);

    const tInfer = performance.now();
    if (explore) {
      await this.module.forwardExploration(this.env.obs, n, this.rng, out);
    } else {
      await this.module.forwardInference(this.env.obs, n, out);
      out.actionLogp.fill(0);
      out.vfPreds.fill(0);
    }
    const tEnv = performance.now();
    this.pending.inferenceMs += tEnv - tInfer;
    this.staging.writePolicyOutputs(t, out.actions, out.actionLogp, out.vfPreds);

    let failed = NO_FAILURES;
    try {
      // An env whose physics runs on the GPU (CartPoleGpu-v1) finishes its step asynchronously.
      if (this.env.stepAsync) await this.env.stepAsync(out.actions);
      else this.env.step(out.actions);
    } catch (e) {
      failed = this.subEnvFailures(e);
    }
    if (stepHasNonFinite(this.env, this.obsDim)) failed = this.withNonFiniteSubEnvs(failed);
    this.pending.envStepMs += performance.now() - tEnv;

    let steps = 0;
    let episodes = 0;
    for (let i = 0; i < n; i++) {
      if (failed.includes(i)) continue;
      const done = this.staging.writeStepResult(t, i, this.env);
      this.episodeReturns[i] = (this.episodeReturns[i] ?? 0) + (this.env.rewards[i] ?? 0);
      this.episodeLengths[i] = (this.episodeLengths[i] ?? 0) + 1;
      this.staging.episodeIds[t * n + i] = this.episodeIds[i] ?? 0;
      if (done) {
        this.finishEpisode(i);
        steps += t + 1 - Math.max(0, this.episodeStartT[i] ?? 0);
        episodes++;
        this.episodeStartT[i] = t + 1;
      }
    }
    for (const i of failed) this.rebuildSubEnv(i, t);
    return { steps, episodes };
  }

  /** Which sub-envs failed in a step; rethrows when sub-env restarts are off (the runner fails). */
  private subEnvFailures(e: unknown): readonly number[] {
    if (e instanceof SubEnvCrashError && this.settings.restartFailedSubEnvironments) return e.subEnvIndices;
    throw e;
  }

  /**
   * Adds the sub-envs whose step returned NaN/Inf to the failed ones (restarted like a crash);
   * with sub-env restarts off, the first one is a runner error naming env, sub-env and field.
   */
  private withNonFiniteSubEnvs(failed: readonly number[]): readonly number[] {
    const out = failed.slice();
    for (let i = 0; i < this.settings.numEnvs; i++) {
      if (failed.includes(i)) continue; // a crashed sub-env's rows are not valid anyway
      const bad = findNonFinite(this.env, i, this.obsDim, true);
      if (!bad) continue;
      if (!this.settings.restartFailedSubEnvironments) throw this.nonFiniteError(bad, 'step');
      out.push(i);
    }
    return out;
  }

  /** The first sub-env with a NaN/Inf observation after a reset of sub-env `only` (or of all). */
  private nonFiniteAfterReset(only?: number): NonFiniteValue | null {
    if (only !== undefined) return findNonFinite(this.env, only, this.obsDim, false);
    if (!obsHasNonFinite(this.env.obs)) return null;
    for (let i = 0; i < this.settings.numEnvs; i++) {
      const bad = findNonFinite(this.env, i, this.obsDim, false);
      if (bad) return bad;
    }
    return null;
  }

  private nonFiniteError(bad: NonFiniteValue, phase: 'step' | 'reset'): RLError {
    return nonFiniteError(this.settings.env, this.workerIndex, bad, phase);
  }

  /** Drops the sub-env's partial episode (rows in this call) and rebuilds that sub-env alone. */
  private rebuildSubEnv(i: number, t: number): void {
    const from = Math.max(0, this.episodeStartT[i] ?? 0);
    const lost = this.staging.dropRows(i, from, t);
    this.pending.numEnvStepsLost += lost;
    this.pending.numEpisodesLost++;
    this.pending.numSubEnvRestarts++;
    for (let attempt = 1; ; attempt++) {
      try {
        if (this.env.resetSubEnv) this.env.resetSubEnv(i);
        else this.env.reset();
        // A NaN first observation is a failed rebuild too; the next try draws a new start state.
        const bad = this.nonFiniteAfterReset(this.env.resetSubEnv ? i : undefined);
        if (bad) throw this.nonFiniteError(bad, 'reset');
        break;
      } catch (e) {
        const retryable = e instanceof SubEnvCrashError || (e instanceof RLError && e.code === 'env/non-finite');
        if (!retryable || attempt >= MAX_SUB_ENV_REBUILD_TRIES) {
          throw new RLError('env/sub-env-rebuild', `Sub-env ${i} failed ${attempt} rebuilds in a row`, { cause: e });
        }
      }
    }
    this.episodeReturns[i] = 0;
    this.episodeLengths[i] = 0;
    this.episodeIds[i] = this.newEpisodeId();
    this.episodeStartT[i] = t + 1;
  }

  private finishEpisode(i: number): void {
    this.pending.episodeReturns.push(this.episodeReturns[i] ?? 0);
    this.pending.episodeLengths.push(this.episodeLengths[i] ?? 0);
    this.pending.numEpisodes++;
    this.episodeReturns[i] = 0;
    this.episodeLengths[i] = 0;
    this.episodeIds[i] = this.newEpisodeId();
  }

  /** Resets every sub-env (start of a run, or of a complete_episodes call); partial episodes are abandoned. */
  private resetAll(seed?: number): void {
    for (let attempt = 1; ; attempt++) {
      try {
        this.env.reset(seed);
        const bad = this.nonFiniteAfterReset();
        if (!bad) break;
        if (!this.settings.restartFailedSubEnvironments || attempt >= MAX_SUB_ENV_REBUILD_TRIES)
          throw this.nonFiniteError(bad, 'reset');
        this.pending.numSubEnvRestarts++;
      } catch (e) {
        if (!(e instanceof SubEnvCrashError && this.settings.restartFailedSubEnvironments)) throw e;
        if (attempt >= MAX_SUB_ENV_REBUILD_TRIES)
          throw new RLError('env/reset', 'Env reset keeps crashing', { cause: e });
        this.pending.numSubEnvRestarts += e.subEnvIndices.length;
      }
    }
    for (let i = 0; i < this.settings.numEnvs; i++) {
      this.episodeReturns[i] = 0;
      this.episodeLengths[i] = 0;
      this.episodeIds[i] = this.newEpisodeId();
    }
  }

  private newEpisodeId(): number {
    return this.settings.workerIndex * EPISODE_ID_STRIDE + this.episodeCounter++;
  }

  stop(): void {
    this.remote?.stop();
    this.module.dispose();
    this.env.close?.();
  }
}

function envSeed(settings: EnvRunnerSettings): number {
  // Distinct, reproducible env seeds per runner; sub-env i gets envSeed + i (VectorEnv contract).
  return (settings.seed + settings.workerIndex * 100_003) >>> 0;
}

function emptyPending(): {
  numEnvSteps: number;
  numEpisodes: number;
  episodeReturns: number[];
  episodeLengths: number[];
  envStepMs: number;
  inferenceMs: number;
  sampleMs: number;
  numSubEnvRestarts: number;
  numEnvStepsLost: number;
  numEpisodesLost: number;
  gpuBusyMs: number;
} {
  return {
    numEnvSteps: 0,
    numEpisodes: 0,
    episodeReturns: [],
    episodeLengths: [],
    envStepMs: 0,
    inferenceMs: 0,
    sampleMs: 0,
    numSubEnvRestarts: 0,
    numEnvStepsLost: 0,
    numEpisodesLost: 0,
    gpuBusyMs: 0,
  };
}

/** What a page runner shares weights from: the learner's module (RLModule has all of it). */
export type SharedWeightsSource = Pick<InferenceModule, 'trainableVariables' | 'variableNames' | 'weightsVersion'>;

/** Throws `module/weights-mismatch` unless `source` has the module's variables, by name and shape, in order. */
function checkSharedWeights(
  source: SharedWeightsSource,
  names: readonly string[],
  targets: readonly { readonly shape: readonly number[] }[],
): void {
  const n = Math.max(names.length, source.variableNames.length);
  for (let i = 0; i < n; i++) {
    const shape = targets[i]?.shape ?? [];
    const got = source.trainableVariables[i]?.shape ?? [];
    if (source.variableNames[i] !== names[i] || shape.length !== got.length || shape.some((d, k) => d !== got[k])) {
      throw new RLError(
        'module/weights-mismatch',
        `Shared weights do not fit this module at variable ${i}: '${names[i] ?? '(none)'}' [${shape.join(', ')}] ` +
          `against '${source.variableNames[i] ?? '(none)'}' [${got.join(', ')}]. The learner and the runner must ` +
          'build their modules from the same spaces and model config.',
      );
    }
  }
}
