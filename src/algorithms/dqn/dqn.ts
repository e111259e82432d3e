/**
 * DQN (Mnih et al. 2015) with double Q (van Hasselt et al. 2016), dueling heads (Wang et al.
 * 2016), n-step returns and prioritized replay (Schaul et al. 2016): RLlib's DQN.training_step
 * (rllib/algorithms/dqn/dqn.py, new API stack) over the generic core. Runners sample with an
 * epsilon the algorithm evaluates; the fragments go into a replay buffer on the page; once enough
 * env steps were sampled, each training_step replays `trainingIntensity`-many batches.
 */
import { LEARNER_RESULTS, Timers } from '../../core/metric-keys';
import { yieldIfBusy } from '../../core/yield';
import type { EnvRunnerMetrics } from '../../env-runner/env-runner-config';
import { lrAt } from '../../learner/lr-schedule';
import { makeReplayBuffer, type EpisodeReplayBuffer } from '../../replay';
import type { DeviceInfo } from '../../runtime/device';
import type { EnvRunnerGroup } from '../../runtime/env-runner-group';
import { Algorithm } from '../algorithm';
import { setupAlgorithm, type BuildOptions } from '../algorithm-setup';
import type { Checkpoint, LearnerCheckpoint } from '../checkpoint';
import { dqnSamplingLayout, nStepRange, replayRatio, type DQNConfig } from './dqn-config';
import { DQNLearner } from './dqn-learner';
import { restoreDQNState, saveDQNState } from './dqn-state';

export type { BuildOptions } from '../algorithm-setup';

/** Result keys beyond the learner's (RLlib reports its replay buffer under `replay_buffer/`). */
export const DQNResultKeys = {
  EPSILON: 'env_runners/epsilon',
  REPLAY_SIZE: 'replay_buffer/size',
  REPLAY_ADDED_LIFETIME: 'replay_buffer/num_env_steps_added_lifetime',
} as const;

/** Longest stretch of replay updates without giving the page a turn (long tasks start at 50 ms). */
const YIELD_EVERY_MS = 40;

export class DQN extends Algorithm<DQNConfig> {
  private readonly ratio: { sampleRounds: number; updates: number };

  private constructor(
    config: DQNConfig,
    device: DeviceInfo,
    group: EnvRunnerGroup,
    seed: number,
    readonly learner: DQNLearner,
    readonly replayBuffer: EpisodeReplayBuffer,
  ) {
    super(config, device, group, seed);
    this.ratio = replayRatio(config);
  }

  static async build(config: DQNConfig, opts: BuildOptions = {}): Promise<DQN> {
    const t = config.training;
    const model = {
      ...config.rlModule,
      headFcnetHiddens: t.headFcnetHiddens,
      headFcnetActivation: t.headFcnetActivation,
      dueling: t.dueling,
    };
    const setup = await setupAlgorithm(config, opts, {
      module: { kind: 'q', model },
      rolloutFragmentLength: dqnSamplingLayout(config).rolloutFragmentLength,
    });
    const learner = new DQNLearner(
      setup.module,
      {
        lr: t.lr,
        gradClip: t.gradClip,
        gradClipBy: t.gradClipBy,
        adamEpsilon: t.adamEpsilon,
        maxConsecutiveNonFiniteUpdates: t.maxConsecutiveNonFiniteUpdates,
      },
      t,
    );
    const buffer = makeReplayBuffer(
      { ...t.replayBufferConfig, storeBufferInCheckpoints: t.storeBufferInCheckpoints },
      setup,
    );
    return new DQN(config, setup.device, setup.envRunnerGroup, setup.seed, learner, buffer).start();
  }

  private get envStepsSampled(): number {
    return this.envRunnerGroup.lifetime.numEnvStepsSampled;
  }

  /** Epsilon of the schedule at the lifetime env steps sampled. RLlib: epsilon. */
  get epsilon(): number {
    return lrAt(this.config.training.epsilon, this.envStepsSampled);
  }

  /** RLlib's training_step, repeated until min_sample_timesteps_per_iteration env steps are sampled. */
  protected async trainingStep(): Promise<void> {
    const t = this.config.training;
    const start = this.envStepsSampled;
    const runnerMetrics: EnvRunnerMetrics[] = [];
    const timers = { sampling: 0, update: 0, sync: 0 };
    const sums = new Map<string, number>();
    let numUpdates = 0;
    do {
      // 1. Sample with the current epsilon; store the fragments. RLlib: synchronous_parallel_sample + add.
      let t0 = performance.now();
      for (let r = 0; r < this.ratio.sampleRounds; r++) {
        const sampled = await this.envRunnerGroup.sample(1);
        for (const batch of sampled.batches) this.replayBuffer.add(batch);
        runnerMetrics.push(...sampled.metrics);
      }
      timers.sampling += performance.now() - t0;
      // 2. Replay updates once enough env steps were sampled. RLlib: num_steps_sampled_before_learning_starts.
      // (A run restored without its buffer refills one batch first.)
      t0 = performance.now();
      if (
        this.envStepsSampled >= t.numStepsSampledBeforeLearningStarts &&
        this.replayBuffer.size >= t.trainBatchSizePerLearner
      ) {
        for (let u = 0; u < this.ratio.updates; u++, numUpdates++) {
          // The readbacks of a wasm update resolve as microtasks, which never let the page paint:
          // give it a turn every ~40 ms, as the PPO learner does (and an interrupt can stop here).
          await yieldIfBusy(YIELD_EVERY_MS);
          for (const [k, v] of Object.entries(await this.replayUpdate())) sums.set(k, (sums.get(k) ?? 0) + v);
        }
      }
      timers.update += performance.now() - t0;
      // 3. Weights and epsilon to every runner.
      t0 = performance.now();
      await this.syncRunnerWeights();
      timers.sync += performance.now() - t0;
    } while (this.envStepsSampled - start < t.minSampleTimestepsPerIteration);
    this.recordRunnerMetrics(runnerMetrics);
    this.recordIteration(timers, sums, numUpdates);
  }

  /** One replay batch: sample (n drawn from the n_step range), loss + step, new priorities. */
  private async replayUpdate(): Promise<Record<string, number>> {
    const t = this.config.training;
    const [nMin, nMax] = nStepRange(t.nStep);
    const nStep = nMin + this.rng.integer(nMax - nMin + 1);
    const batch = this.replayBuffer.sample(t.trainBatchSizePerLearner, this.rng, {
      nStep,
      gamma: t.gamma,
      beta: t.replayBufferConfig.beta,
    });
    const { stats, tdErrors } = await this.learner.update(batch, this.envStepsSampled, this.iteration + 1);
    this.replayBuffer.updatePriorities(batch.indices, tdErrors, batch.stepIds);
    this.envStepsTrainedLifetime += batch.batchSize;
    return stats;
  }

  private recordIteration(
    timers: Record<'sampling' | 'update' | 'sync', number>,
    sums: Map<string, number>,
    numUpdates: number,
  ): void {
    this.metrics.set(Timers.ENV_RUNNER_SAMPLING, timers.sampling / 1000);
    this.metrics.set(Timers.LEARNER_UPDATE, timers.update / 1000);
    this.metrics.set(Timers.SYNCH_WEIGHTS, timers.sync / 1000);
    const means: Record<string, number> = {};
    for (const [k, v] of sums) means[k] = v / numUpdates;
    // Counters, not means: the values after the last update.
    means.num_target_updates = this.learner.target.numTargetUpdates;
    means.last_target_update_ts = this.learner.target.lastTargetUpdateTs;
    this.metrics.merge(LEARNER_RESULTS, means);
    this.metrics.set('num_env_steps_trained', numUpdates * this.config.training.trainBatchSizePerLearner);
    this.metrics.set(DQNResultKeys.EPSILON, this.epsilon);
    this.metrics.set(DQNResultKeys.REPLAY_SIZE, this.replayBuffer.size);
    this.metrics.set(DQNResultKeys.REPLAY_ADDED_LIFETIME, this.replayBuffer.numAdded);
  }

  protected async syncRunnerWeights(): Promise<void> {
    await this.envRunnerGroup.syncWeights(await this.learner.module.getWeights(), { epsilon: this.epsilon });
  }

  async computeActions(obs: Float32Array, batchSize: number): Promise<Int32Array> {
    const actions = new Int32Array(batchSize);
    await this.learner.module.forwardInference(obs, batchSize, { actions });
    return actions;
  }

  protected saveLearner(): Promise<LearnerCheckpoint> {
    return saveDQNState(this);
  }

  protected restoreLearner(ckpt: Checkpoint): Promise<void> {
    return restoreDQNState(this, ckpt);
  }

  override stop(): void {
    super.stop();
    this.learner.dispose();
  }
}

/** The implementation `DQN_SPEC.load()` resolves to. */
export function build(config: DQNConfig, opts: BuildOptions = {}): Promise<DQN> {
  return DQN.build(config, opts);
}
