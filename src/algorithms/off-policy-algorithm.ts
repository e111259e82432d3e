/**
 * The off-policy training step DQN and SAC share (RLlib's SAC calls DQN's
 * `_training_step_new_api_stack`, rllib/algorithms/dqn/dqn.py): runners sample into a replay
 * buffer on the page; once enough env steps were sampled, each round replays `trainingIntensity`
 * batches, each one learner step and new priorities; then the runners get the new weights.
 * Subclasses say how one replay batch trains and what the runners receive.
 */
import { LEARNER_RESULTS, Timers } from '../core/metric-keys';
import { yieldIfBusy } from '../core/yield';
import type { EnvRunnerMetrics } from '../env-runner/env-runner-config';
import type { EpisodeReplayBuffer, ReplayBatch } from '../replay';
import type { DeviceInfo } from '../backend/device';
import type { EnvRunnerGroup } from '../runtime/env-runner-group';
import { Algorithm } from './algorithm';
import { nStepRange, replayRatio, type OffPolicyConfig } from './off-policy-config';

/** Result keys of the replay buffer (RLlib reports its buffer under `replay_buffer/`). */
export const ReplayResultKeys = {
  REPLAY_SIZE: 'replay_buffer/size',
  REPLAY_ADDED_LIFETIME: 'replay_buffer/num_env_steps_added_lifetime',
} as const;

/** Longest stretch of replay updates without giving the page a turn (long tasks start at 50 ms). */
const YIELD_EVERY_MS = 40;

/** What one learner step on a replay batch returns. */
export interface ReplayStepResult {
  readonly stats: Readonly<Record<string, number>>;
  /** Per-row TD errors, for the new priorities. */
  readonly tdErrors: ArrayLike<number>;
}

export abstract class OffPolicyAlgorithm<C extends OffPolicyConfig> extends Algorithm<C> {
  private readonly ratio: { sampleRounds: number; updates: number };

  protected constructor(
    config: C,
    device: DeviceInfo,
    group: EnvRunnerGroup,
    seed: number,
    readonly replayBuffer: EpisodeReplayBuffer,
  ) {
    super(config, device, group, seed);
    this.ratio = replayRatio(config);
  }

  /** One gradient step (of every loss) on a replay batch. */
  protected abstract learnerStep(batch: ReplayBatch): Promise<ReplayStepResult>;

  /** Whether a round's end sends weights to the runners; `numUpdates`: replay updates so far this iteration. */
  protected shouldSyncWeights(numUpdates: number): boolean {
    void numUpdates;
    return true;
  }

  /** Learner results that are counters, not means (the target network's update counts). */
  protected abstract learnerCounters(): Record<string, number>;

  /** Result keys of the algorithm's own, set after each iteration (epsilon, ...). */
  protected recordAlgorithmMetrics(): void {}

  protected get envStepsSampled(): number {
    return this.envRunnerGroup.lifetime.numEnvStepsSampled;
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
      // 1. Sample with the current exploration; store the fragments. RLlib: synchronous_parallel_sample + add.
      let t0 = performance.now();
      for (let r = 0; r < this.ratio.sampleRounds; r++) {
        const sampled = await this.envRunnerGroup.sample(1);
        for (const batch of sampled.batches) this.replayBuffer.add(batch);
        for (const m of sampled.metrics) runnerMetrics.push(m);
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
      // 3. Weights (and exploration state) to every runner.
      t0 = performance.now();
      if (this.shouldSyncWeights(numUpdates)) await this.syncRunnerWeights();
      timers.sync += performance.now() - t0;
    } while (this.envStepsSampled - start < t.minSampleTimestepsPerIteration);
    this.recordRunnerMetrics(runnerMetrics);
    this.recordIteration(timers, sums, numUpdates);
  }

  /** One replay batch: sample (n drawn from the n_step range), the learner step, new priorities. */
  private async replayUpdate(): Promise<Readonly<Record<string, number>>> {
    const t = this.config.training;
    const [nMin, nMax] = nStepRange(t.nStep);
    const nStep = nMin + this.rng.integer(nMax - nMin + 1);
    const batch = this.replayBuffer.sample(t.trainBatchSizePerLearner, this.rng, {
      nStep,
      gamma: t.gamma,
      beta: t.replayBufferConfig.beta,
    });
    const { stats, tdErrors } = await this.learnerStep(batch);
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
    this.metrics.merge(LEARNER_RESULTS, { ...means, ...this.learnerCounters() });
    this.metrics.set('num_env_steps_trained', numUpdates * this.config.training.trainBatchSizePerLearner);
    this.metrics.set(ReplayResultKeys.REPLAY_SIZE, this.replayBuffer.size);
    this.metrics.set(ReplayResultKeys.REPLAY_ADDED_LIFETIME, this.replayBuffer.numAdded);
    this.recordAlgorithmMetrics();
  }
}
