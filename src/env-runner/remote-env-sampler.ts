/**
 * The sample loop of a runner whose sub-envs step in their own workers (remoteWorkerEnvs). Each
 * sub-env advances on its own clock: the loop runs one batched forward pass over the sub-envs
 * whose step results arrived (RemoteSubEnvs.poll, waiting at most remoteEnvBatchWaitMs for the
 * others), sends each its action, and stages rows at that sub-env's own time index. A crashed
 * sub-env worker is replaced (restartFailedSubEnvironments): its partial episode is dropped and
 * counted, as for an inline sub-env that throws.
 */
import { deadlineMs } from '../core/deadline';
import type { Rng } from '../core/rng';
import type { ExtraColumn, SampleBatch } from '../core/sample-batch';
import { takeTurn, turnDue } from '../core/yield';
import type { ExplorationOutputs, InferenceModule } from '../rl-module/rl-module';
import type { EnvRunnerSettings, SampleRequest } from './env-runner-config';
import { findNonFinite, nonFiniteError } from './non-finite-check';
import { RemoteSubEnvs, type SpawnSubEnv } from './remote-sub-envs';
import { StepStaging } from './step-staging';

const YIELD_EVERY_MS = 20;
/** A restarted sub-env worker gets new seeds, so it does not replay its first life. */
const RESTART_SEED_STRIDE = 7_919_993;

/** The runner's metric counters this loop adds to (EnvRunner's pending metrics). */
export interface SamplerCounters {
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
}

export interface RemoteSamplerParts {
  readonly settings: EnvRunnerSettings;
  readonly module: InferenceModule;
  readonly rng: Rng;
  readonly obsDim: number;
  readonly actionDim: number;
  readonly discrete: boolean;
  readonly extraColumns: readonly ExtraColumn[];
  /** Base env seed of the runner; sub-env i gets envSeed + i (the VectorEnv contract). */
  readonly envSeed: number;
  readonly counters: () => SamplerCounters;
  readonly newEpisodeId: () => number;
  readonly weightsSeq: () => number;
  readonly spawn?: SpawnSubEnv;
}

export class RemoteEnvSampler {
  private readonly envs: RemoteSubEnvs;
  private readonly staging: StepStaging;
  private started = false;
  /** Each sub-env's time index in the current call. */
  private readonly t: Int32Array;
  private readonly episodeIds: Float64Array;
  private readonly episodeReturns: Float64Array;
  private readonly episodeLengths: Int32Array;
  /** Time index (own clock) where each sub-env's current episode started; -1 = before the call. */
  private readonly episodeStartT: Int32Array;
  private readonly batchObs: Float32Array;
  private readonly outputs = new Map<number, ExplorationOutputs>();

  constructor(private readonly p: RemoteSamplerParts) {
    const { settings: s, obsDim, actionDim, discrete } = p;
    const n = s.numEnvs;
    this.envs = new RemoteSubEnvs(
      n,
      obsDim,
      (i, life) => ({
        type: 'init',
        env: s.env,
        envConfig: s.envConfig,
        maxEpisodeSteps: s.maxEpisodeSteps,
        seed: (p.envSeed + i + life * RESTART_SEED_STRIDE) >>> 0,
        workerIndex: s.workerIndex,
      }),
      p.spawn,
      deadlineMs(s.subEnvHealthProbeTimeoutS ?? null),
    );
    this.staging = new StepStaging(n, obsDim, actionDim, discrete);
    this.t = new Int32Array(n);
    this.episodeIds = new Float64Array(n);
    this.episodeReturns = new Float64Array(n);
    this.episodeLengths = new Int32Array(n);
    this.episodeStartT = new Int32Array(n).fill(-1);
    for (let i = 0; i < n; i++) this.episodeIds[i] = p.newEpisodeId();
    this.batchObs = new Float32Array(n * obsDim);
  }

  async sample(request: SampleRequest): Promise<SampleBatch> {
    try {
      return await this.sampleOnce(request);
    } catch (e) {
      // Steps may still be in flight and a crashed worker is gone: start afresh on the next call.
      this.envs.stop();
      this.started = false;
      throw e;
    }
  }

  private async sampleOnce(request: SampleRequest): Promise<SampleBatch> {
    const s = this.p.settings;
    const n = s.numEnvs;
    const restart = s.restartFailedSubEnvironments;
    if (!this.started) {
      await this.envs.start(restart);
      this.started = true;
    }
    const explore = request.explore ?? s.explore;
    const completeEpisodes = s.batchMode === 'complete_episodes' || request.numEpisodes !== undefined;
    const stepsPerEnv = Math.ceil((request.numTimesteps ?? s.rolloutFragmentLength * n) / n);
    if (completeEpisodes) {
      await this.envs.resetAll(restart);
      for (let i = 0; i < n; i++) this.newEpisode(i);
    }
    this.episodeStartT.fill(completeEpisodes ? 0 : -1);
    this.staging.begin(completeEpisodes ? stepsPerEnv * 2 : stepsPerEnv);
    this.t.fill(0);

    let steps = 0;
    let episodes = 0;
    const enough = (): boolean =>
      request.numEpisodes !== undefined ? episodes >= request.numEpisodes : steps >= stepsPerEnv * n;
    const wantsAction = (i: number): boolean => (completeEpisodes ? !enough() : (this.t[i] ?? 0) < stepsPerEnv);
    let ready = Array.from({ length: n }, (_, i) => i);
    for (;;) {
      if (turnDue(YIELD_EVERY_MS)) await takeTurn();
      // Index order: a batch of the same sub-envs draws the same random numbers as inline sampling.
      await this.act(
        ready.filter(wantsAction).sort((a, b) => a - b),
        explore,
      );
      if (!this.envs.busy) break;
      const tWait = performance.now();
      const arrivals = await this.envs.poll(s.remoteEnvBatchWaitMs);
      this.p.counters().envStepMs += performance.now() - tWait;
      ready = [];
      for (const a of arrivals) {
        const ended = a.crashed === null ? this.recordStep(a.index) : null;
        if (ended === null) await this.rebuild(a.index, a.crashed ?? 'non-finite step result');
        else if (ended > 0) {
          steps += ended;
          episodes++;
        }
        this.t[a.index] = (this.t[a.index] ?? 0) + 1;
        ready.push(a.index);
      }
    }
    // Complete-episodes calls: rows after a sub-env's last episode end are left out by toBatch.
    return this.staging.toBatch({
      completeEpisodesOnly: completeEpisodes,
      currentObs: this.envs.obs,
      workerIndex: s.workerIndex,
      weightsSeq: this.p.weightsSeq(),
      extraColumns: this.p.extraColumns,
    });
  }

  stop(): void {
    this.envs.stop();
  }

  /** One forward pass over the given sub-envs, then each gets its action. */
  private async act(indices: readonly number[], explore: boolean): Promise<void> {
    const k = indices.length;
    if (k === 0) return;
    const od = this.p.obsDim;
    const ad = this.p.actionDim;
    for (let j = 0; j < k; j++) {
      const i = indices[j] ?? 0;
      this.batchObs.set(this.envs.obs.subarray(i * od, i * od + od), j * od);
    }
    const out = this.outputsFor(k);
    const obs = this.batchObs.subarray(0, k * od);
    const tInfer = performance.now();
    if (explore) await this.p.module.forwardExploration(obs, k, this.p.rng, out);
    else {
      await this.p.module.forwardInference(obs, k, out);
      out.actionLogp.fill(0);
      out.vfPreds.fill(0);
    }
    this.p.counters().inferenceMs += performance.now() - tInfer;
    for (let j = 0; j < k; j++) {
      const i = indices[j] ?? 0;
      const t = this.t[i] ?? 0;
      this.staging.ensureCapacity(t + 1);
      this.staging.writeRowInputs(t, i, obs, j, out, j);
      this.envs.step(i, out.actions.slice(j * ad, j * ad + ad));
    }
  }

  /**
   * Stages sub-env i's step result at its time index. Returns the finished episode's length
   * counted in this call (0 when none finished), or null for a non-finite result to restart.
   */
  private recordStep(i: number): number | null {
    const s = this.p.settings;
    const bad = findNonFinite(this.envs, i, this.p.obsDim, true);
    if (bad) {
      if (!s.restartFailedSubEnvironments) throw nonFiniteError(s.env, s.workerIndex, bad, 'step');
      return null;
    }
    const t = this.t[i] ?? 0;
    const done = this.staging.writeStepResult(t, i, this.envs);
    this.staging.episodeIds[t * s.numEnvs + i] = this.episodeIds[i] ?? 0;
    this.episodeReturns[i] = (this.episodeReturns[i] ?? 0) + (this.envs.rewards[i] ?? 0);
    this.episodeLengths[i] = (this.episodeLengths[i] ?? 0) + 1;
    if (!done) return 0;
    const c = this.p.counters();
    c.episodeReturns.push(this.episodeReturns[i] ?? 0);
    c.episodeLengths.push(this.episodeLengths[i] ?? 0);
    c.numEpisodes++;
    const inCall = t + 1 - Math.max(0, this.episodeStartT[i] ?? 0);
    this.newEpisode(i);
    this.episodeStartT[i] = t + 1;
    return inCall;
  }

  /** Drops sub-env i's partial episode and replaces its worker (a fresh env, new seed). */
  private async rebuild(i: number, reason: string): Promise<void> {
    const t = this.t[i] ?? 0;
    const c = this.p.counters();
    c.numEnvStepsLost += this.staging.dropRows(i, Math.max(0, this.episodeStartT[i] ?? 0), t);
    c.numEpisodesLost++;
    c.numSubEnvRestarts++;
    await this.envs.restart(i, reason, this.p.settings.restartFailedSubEnvironments);
    this.newEpisode(i);
    this.episodeStartT[i] = t + 1;
  }

  private newEpisode(i: number): void {
    this.episodeReturns[i] = 0;
    this.episodeLengths[i] = 0;
    this.episodeIds[i] = this.p.newEpisodeId();
  }

  private outputsFor(k: number): ExplorationOutputs {
    let out = this.outputs.get(k);
    if (!out) {
      const ad = this.p.actionDim;
      out = {
        actions: this.p.discrete ? new Int32Array(k * ad) : new Float32Array(k * ad),
        actionLogp: new Float32Array(k),
        vfPreds: new Float32Array(k),
      };
      this.outputs.set(k, out);
    }
    return out;
  }
}
