/**
 * Algorithm: the driver of a training run (RLlib's Algorithm). Owns the EnvRunnerGroup and the
 * Learner, runs one iteration per `train()`, and returns a result dict with RLlib's keys.
 * Subclasses write `trainingStep()`; everything around it (device, timers, counters, fault
 * tolerance metrics, checkpoints) lives here.
 */
import type { AlgorithmConfigBase } from '../core/config';
import { RLError } from '../core/errors';
import * as K from '../core/metric-keys';
import { Rng } from '../core/rng';
import type { EnvRunnerMetrics } from '../env-runner/env-runner-config';
import type { LearnerFaultCounters } from '../learner/learner-group';
import type { UpdateContext } from '../learner/learner-types';
import type { MLPModule } from '../rl-module/mlp-module';
import { onGpuFailure } from '../backend/tf-backend';
import type { DeviceInfo } from '../backend/device';
import type { EnvRunnerGroup } from '../runtime/env-runner-group';
import { GpuPerf } from '../runtime/gpu-perf';
import type { FailureEvent } from '../runtime/supervisor';
import { CHECKPOINT_FORMAT, type AlgorithmCounters, type Checkpoint, type LearnerCheckpoint } from './checkpoint';
import { assertSaveable, validateCheckpoint } from './checkpoint-schema';
import { mean, MetricsLogger, minMax } from './metrics-logger';

export abstract class Algorithm<C extends AlgorithmConfigBase = AlgorithmConfigBase> {
  readonly metrics = new MetricsLogger();
  readonly rng: Rng;
  /** perf/: the WebGPU devices' busy time per iteration (runtime/gpu-perf.ts). */
  private readonly gpuPerf: GpuPerf;
  protected iteration = 0;
  protected envStepsTrainedLifetime = 0;
  protected timeTotalS = 0;
  private gpuFailure: string | null = null;
  private readonly stopListeningToGpu: () => void;
  private stopped = false;

  protected constructor(
    readonly config: C,
    readonly device: DeviceInfo,
    readonly envRunnerGroup: EnvRunnerGroup,
    /** The seed actually used (config.debugging.seed, or the one chosen at build time). */
    readonly seed: number,
  ) {
    this.rng = new Rng(seed);
    this.gpuPerf = new GpuPerf(device.backend === 'webgpu');
    this.stopListeningToGpu = onGpuFailure((reason) => {
      this.gpuFailure = reason;
    });
  }

  /** One iteration's work: sample, update, sync weights. Subclasses time each phase. */
  protected abstract trainingStep(): Promise<void>;

  /** Sends the learner's weights (and any exploration state) to every runner. */
  protected abstract syncRunnerWeights(): Promise<void>;

  /**
   * Starts the runners and sends them the first weights; stops everything if that fails (the
   * end of every algorithm's `build`).
   */
  protected async start(): Promise<this> {
    try {
      await this.envRunnerGroup.start();
      await this.syncRunnerWeights();
    } catch (e) {
      this.stop();
      throw e;
    }
    return this;
  }

  /** Greedy actions of the learner's module (what the runners should agree with after a sync). */
  abstract computeActions(obs: Float32Array, batchSize: number): Promise<Int32Array | Float32Array>;

  /**
   * The learner workers' lifetime failure and restart counts (an algorithm with a LearnerGroup:
   * learner-group.ts); algorithms whose learner is always on the page keep theirs at 0.
   */
  protected get learnerFaults(): LearnerFaultCounters {
    return this.pageLearnerFaults;
  }
  private readonly pageLearnerFaults: LearnerFaultCounters = { numFailures: 0, numRestarts: 0 };

  protected abstract saveLearner(): Promise<LearnerCheckpoint>;
  protected abstract restoreLearner(ckpt: Checkpoint): Promise<void>;

  /** Runs one training iteration and returns its result dict. */
  async train(): Promise<K.ResultDict> {
    if (this.stopped) throw new RLError('algorithm/stopped', 'train() called after stop(); build a new Algorithm.');
    this.throwIfGpuLost();
    const t0 = performance.now();
    const sampledBefore = this.envRunnerGroup.lifetime.numEnvStepsSampled;
    await this.trainingStep();
    await this.gpuPerf.readPage(this.device.backend === 'webgpu');
    this.throwIfGpuLost();
    this.iteration++;
    const iterS = (performance.now() - t0) / 1000;
    this.timeTotalS += iterS;
    const sampledThisIter = this.envRunnerGroup.lifetime.numEnvStepsSampled - sampledBefore;
    return this.assembleResult(iterS, sampledThisIter);
  }

  /**
   * What a learner update needs to know about the run (RLlib's `timesteps`): the seeded Rng, env
   * steps sampled (lr schedules) and trained so far, and the iteration being run.
   */
  protected learnerContext(): UpdateContext {
    return {
      rng: this.rng,
      lifetimeEnvSteps: this.envRunnerGroup.lifetime.numEnvStepsSampled,
      envStepsTrainedLifetime: this.envStepsTrainedLifetime,
      trainingIteration: this.iteration + 1,
    };
  }

  /** Feeds the runners' per-call metrics into the 100-episode window and timers. */
  protected recordRunnerMetrics(all: readonly EnvRunnerMetrics[]): void {
    this.gpuPerf.addRunners(all);
    let envStepMs = 0;
    let inferenceMs = 0;
    let sampleMs = 0;
    let episodes = 0;
    const perWorker = new Map<number, { steps: number; ms: number }>();
    for (const m of all) {
      const w = perWorker.get(m.workerIndex) ?? { steps: 0, ms: 0 };
      perWorker.set(m.workerIndex, { steps: w.steps + m.numEnvSteps, ms: w.ms + m.sampleMs });
      this.metrics.addEpisodes(m.episodeReturns, m.episodeLengths);
      envStepMs += m.envStepMs;
      inferenceMs += m.inferenceMs;
      sampleMs += m.sampleMs;
      episodes += m.numEpisodes;
    }
    this.metrics.set(K.NUM_EPISODES, episodes);
    // Per-runner counts: which runners contributed this iteration, and each one's sampling speed.
    for (const [i, w] of perWorker) {
      this.metrics.set(`env_runners/worker_${i}/num_env_steps_sampled`, w.steps);
      this.metrics.set(
        `env_runners/worker_${i}/num_env_steps_sampled_per_second`,
        w.ms > 0 ? (w.steps * 1000) / w.ms : 0,
      );
    }
    this.metrics.set(K.ENV_STEP_TIMER, envStepMs / 1000);
    this.metrics.set(K.INFERENCE_TIMER, inferenceMs / 1000);
    this.metrics.set(K.SAMPLE_TIME_S, sampleMs / 1000);
  }

  private assembleResult(iterS: number, sampledThisIter: number): K.ResultDict {
    const group = this.envRunnerGroup;
    const life = group.lifetime;
    const sup = group.supervisor;
    // The most recent episodes of the window, as many as metrics_num_episodes_for_smoothing says.
    const smoothing = this.config.reporting.metricsNumEpisodesForSmoothing;
    const returns = this.metrics.episodeReturns.slice(-smoothing);
    const returnRange = minMax(returns);
    const values = this.metrics.reduce();
    const samplingS = Number(values[K.Timers.ENV_RUNNER_SAMPLING] ?? 0);
    // Each runner's time this iteration not spent inside sample() (waiting for the Learner, or
    // for its next request), averaged over the runners that sample.
    const numRunners = Math.max(1, this.config.envRunners.numEnvRunners);
    const runnerBusyS = Number(values[K.SAMPLE_TIME_S] ?? 0) / numRunners;
    return {
      ...values,
      ...this.gpuPerf.result(iterS),
      [K.TRAINING_ITERATION]: this.iteration,
      [K.TIME_THIS_ITER_S]: iterS,
      [K.TIME_TOTAL_S]: this.timeTotalS,
      [K.EPISODE_RETURN_MEAN]: mean(returns),
      [K.NUM_EPISODES_IN_RETURN_MEAN]: returns.length,
      [K.RETURN_MEAN_WINDOW]: smoothing,
      [K.EPISODE_RETURN_MIN]: returnRange.min,
      [K.EPISODE_RETURN_MAX]: returnRange.max,
      [K.EPISODE_LEN_MEAN]: mean(this.metrics.episodeLengths.slice(-smoothing)),
      [K.NUM_EPISODES_LIFETIME]: life.numEpisodes,
      [K.ENV_RUNNERS_NUM_ENV_STEPS_SAMPLED]: sampledThisIter,
      [K.ENV_RUNNERS_NUM_ENV_STEPS_SAMPLED_LIFETIME]: life.numEnvStepsSampled,
      [K.NUM_ENV_STEPS_SAMPLED]: sampledThisIter,
      [K.NUM_ENV_STEPS_SAMPLED_LIFETIME]: life.numEnvStepsSampled,
      [K.NUM_ENV_STEPS_TRAINED_LIFETIME]: this.envStepsTrainedLifetime,
      [K.NUM_ENV_STEPS_SAMPLED_PER_SECOND]: sampledThisIter / iterS,
      [K.NUM_ENV_STEPS_SAMPLED_PER_SECOND_ITER]: samplingS > 0 ? sampledThisIter / samplingS : 0,
      [K.RUNNER_IDLE_TIME_S]: Math.max(0, iterS - runnerBusyS),
      [K.FaultToleranceKeys.NUM_HEALTHY_WORKERS]: group.numHealthy,
      [K.FaultToleranceKeys.NUM_REMOTE_WORKER_RESTARTS]: sup.numRestarts,
      [K.FaultToleranceKeys.NUM_ENV_RUNNERS_DROPPED_LIFETIME]: sup.slots.filter((s) => s.state === 'dropped').length,
      [K.FaultToleranceKeys.NUM_ENV_RUNNER_FAILURES_LIFETIME]: sup.numFailures,
      [K.FaultToleranceKeys.NUM_SUB_ENV_RESTARTS_LIFETIME]: life.numSubEnvRestarts,
      [K.FaultToleranceKeys.NUM_ENV_STEPS_LOST_LIFETIME]: life.numEnvStepsLost,
      [K.FaultToleranceKeys.NUM_EPISODES_LOST_LIFETIME]: life.numEpisodesLost,
      [K.FaultToleranceKeys.NUM_SAMPLE_FRAGMENTS_DROPPED_LIFETIME]: life.numFragmentsDropped,
      [K.FaultToleranceKeys.NUM_LEARNER_FAILURES_LIFETIME]: this.learnerFaults.numFailures,
      [K.FaultToleranceKeys.NUM_LEARNER_RESTARTS_LIFETIME]: this.learnerFaults.numRestarts,
      'device/backend': this.device.backend,
      'device/adapter': this.device.adapter ?? 'none',
      'device/wasm_threads': this.device.wasmThreads,
    };
  }

  get failureEvents(): readonly FailureEvent[] {
    return this.envRunnerGroup.supervisor.events;
  }

  get counters(): AlgorithmCounters {
    const life = this.envRunnerGroup.lifetime;
    const sup = this.envRunnerGroup.supervisor;
    return {
      trainingIteration: this.iteration,
      numEnvStepsSampledLifetime: life.numEnvStepsSampled,
      numEnvStepsTrainedLifetime: this.envStepsTrainedLifetime,
      numEpisodesLifetime: life.numEpisodes,
      timeTotalS: this.timeTotalS,
      numEnvRunnerFailuresLifetime: sup.numFailures,
      numEnvRunnerRestartsLifetime: sup.numRestarts,
      numSubEnvRestartsLifetime: life.numSubEnvRestarts,
      numEnvStepsLostLifetime: life.numEnvStepsLost,
      numEpisodesLostLifetime: life.numEpisodesLost,
      numSampleFragmentsDroppedLifetime: life.numFragmentsDropped,
      numLearnerFailuresLifetime: this.learnerFaults.numFailures,
      numLearnerRestartsLifetime: this.learnerFaults.numRestarts,
    };
  }

  /**
   * The run's state as plain data. Throws `checkpoint/non-finite` (naming each field) rather than
   * return a checkpoint holding a NaN or Inf: a diverged run must never replace a good checkpoint.
   */
  async save(): Promise<Checkpoint> {
    const learner = await this.saveLearner();
    // Rng.getState() marks "no cached normal" with NaN; leaving it out says the same in finite terms.
    const rngState = this.rng.getState().filter((v, i) => i < 4 || !Number.isNaN(v));
    const ckpt: Checkpoint = {
      format: CHECKPOINT_FORMAT,
      algo: this.config.algo,
      config: { ...this.config, debugging: { ...this.config.debugging, seed: this.seed } },
      ...learner,
      counters: this.counters,
      rngState,
      episodeReturns: [...this.metrics.episodeReturns],
      episodeLengths: [...this.metrics.episodeLengths],
      device: this.device,
      createdAt: new Date().toISOString(),
    };
    assertSaveable(ckpt);
    return ckpt;
  }

  /**
   * Restores learner state, counters (fault-tolerance ones included) and the episode window;
   * runners get the weights at once. The checkpoint is validated first (every problem at once,
   * `checkpoint/invalid`); a checkpoint that passes can still fail to fit this algorithm's module
   * (`checkpoint/mismatch`), so callers that must stay intact restore into an algorithm built
   * aside (TrainerApp.restore).
   */
  async restore(input: unknown): Promise<void> {
    const ckpt = validateCheckpoint(input);
    if (ckpt.algo !== this.config.algo) {
      throw new RLError('checkpoint/algo', `Checkpoint is for ${ckpt.algo}, this algorithm is ${this.config.algo}.`);
    }
    try {
      await this.restoreLearner(ckpt);
    } catch (e) {
      // Weights or optimizer state that do not fit the module the config describes: a bad checkpoint.
      if (e instanceof RLError) throw new RLError('checkpoint/mismatch', e.message, { cause: e });
      throw e;
    }
    const c = ckpt.counters;
    this.iteration = c.trainingIteration;
    this.envStepsTrainedLifetime = c.numEnvStepsTrainedLifetime;
    this.timeTotalS = c.timeTotalS;
    const life = this.envRunnerGroup.lifetime;
    life.numEnvStepsSampled = c.numEnvStepsSampledLifetime;
    life.numEpisodes = c.numEpisodesLifetime;
    life.numSubEnvRestarts = c.numSubEnvRestartsLifetime;
    life.numEnvStepsLost = c.numEnvStepsLostLifetime;
    life.numEpisodesLost = c.numEpisodesLostLifetime;
    life.numFragmentsDropped = c.numSampleFragmentsDroppedLifetime;
    // Lifetime totals only: each slot's restart count (what maxNumEnvRunnerRestarts caps) starts
    // afresh, as the workers themselves do.
    const sup = this.envRunnerGroup.supervisor;
    sup.numFailures = c.numEnvRunnerFailuresLifetime;
    sup.numRestarts = c.numEnvRunnerRestartsLifetime;
    this.learnerFaults.numFailures = c.numLearnerFailuresLifetime;
    this.learnerFaults.numRestarts = c.numLearnerRestartsLifetime;
    this.rng.setState(ckpt.rngState);
    // The schema caps the window at 100 entries; a loop all the same, never a spread of input data.
    this.metrics.episodeReturns.length = 0;
    this.metrics.episodeLengths.length = 0;
    for (const r of ckpt.episodeReturns) this.metrics.episodeReturns.push(r);
    for (const l of ckpt.episodeLengths) this.metrics.episodeLengths.push(l);
    await this.syncRunnerWeights();
  }

  private throwIfGpuLost(): void {
    if (this.gpuFailure) {
      throw new RLError(
        'device/lost',
        `${this.gpuFailure}. Training stopped; restore the last checkpoint to resume (on WebGPU again, or with numGpusPerLearner=0).`,
      );
    }
  }

  stop(): void {
    this.stopped = true;
    this.stopListeningToGpu();
    this.envRunnerGroup.stop();
  }
}

/** The greedy actions of an actor-critic module (what computeActions returns for PPO, A2C, IMPALA, MARWIL). */
export async function actorCriticActions(
  module: MLPModule,
  obs: Float32Array,
  batchSize: number,
): Promise<Int32Array | Float32Array> {
  const width = module.distribution.actionDim;
  const actions =
    module.spec.actionSpace.kind === 'discrete' ? new Int32Array(batchSize) : new Float32Array(batchSize * width);
  await module.forwardInference(obs, batchSize, { actions });
  return actions;
}
