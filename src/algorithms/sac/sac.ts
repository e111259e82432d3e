/**
 * SAC (Haarnoja et al. 2018, with automatic entropy tuning, "Soft Actor-Critic Algorithms and
 * Applications") for Box actions: RLlib's SAC.training_step, which is DQN's new-API-stack step
 * (rllib/algorithms/sac/sac.py calls DQN's `_training_step_new_api_stack`): runners sample from
 * the squashed Gaussian into a replay buffer on the page; once enough env steps were sampled,
 * each training_step replays `trainingIntensity`-many batches, each one gradient step of the
 * three losses, then a Polyak step of the target critics.
 */
import { LEARNER_RESULTS, Timers } from '../../core/metric-keys';
import type { EnvRunnerMetrics } from '../../env-runner/env-runner-config';
import { makeReplayBuffer, type EpisodeReplayBuffer } from '../../replay';
import type { DeviceInfo } from '../../runtime/device';
import type { EnvRunnerGroup } from '../../runtime/env-runner-group';
import { Algorithm } from '../algorithm';
import { setupAlgorithm, type BuildOptions } from '../algorithm-setup';
import type { Checkpoint, LearnerCheckpoint } from '../checkpoint';
import { nStepRange, sacReplayRatio, sacSamplingLayout, type SACConfig } from './sac-config';
import { SACLearner } from './sac-learner';
import { restoreSACState, saveSACState } from './sac-state';
import { yieldIfBusy } from '../../core/yield';

export type { BuildOptions } from '../algorithm-setup';

export const SACResultKeys = {
  REPLAY_SIZE: 'replay_buffer/size',
  REPLAY_ADDED_LIFETIME: 'replay_buffer/num_env_steps_added_lifetime',
} as const;

/** Longest stretch of replay updates without giving the page a turn (long tasks start at 50 ms). */
const YIELD_EVERY_MS = 40;

export class SAC extends Algorithm<SACConfig> {
  private readonly ratio: { sampleRounds: number; updates: number };

  private constructor(
    config: SACConfig,
    device: DeviceInfo,
    group: EnvRunnerGroup,
    seed: number,
    readonly learner: SACLearner,
    readonly replayBuffer: EpisodeReplayBuffer,
  ) {
    super(config, device, group, seed);
    this.ratio = sacReplayRatio(config);
  }

  static async build(config: SACConfig, opts: BuildOptions = {}): Promise<SAC> {
    const t = config.training;
    const model = {
      policyFcnetHiddens: t.policyModelConfig.fcnetHiddens,
      policyFcnetActivation: t.policyModelConfig.fcnetActivation,
      qFcnetHiddens: t.qModelConfig.fcnetHiddens,
      qFcnetActivation: t.qModelConfig.fcnetActivation,
      twinQ: t.twinQ,
      initialAlpha: t.initialAlpha,
    };
    const setup = await setupAlgorithm(config, opts, {
      module: { kind: 'sac', model },
      rolloutFragmentLength: sacSamplingLayout(config).rolloutFragmentLength,
    });
    const learner = new SACLearner(setup.module, t);
    const buffer = makeReplayBuffer(
      { ...t.replayBufferConfig, storeBufferInCheckpoints: t.storeBufferInCheckpoints },
      setup,
    );
    return new SAC(config, setup.device, setup.envRunnerGroup, setup.seed, learner, buffer).start();
  }

  private get envStepsSampled(): number {
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
      // 1. Sample from the squashed Gaussian; store the fragments.
      let t0 = performance.now();
      for (let r = 0; r < this.ratio.sampleRounds; r++) {
        const sampled = await this.envRunnerGroup.sample(1);
        for (const batch of sampled.batches) this.replayBuffer.add(batch);
        runnerMetrics.push(...sampled.metrics);
      }
      timers.sampling += performance.now() - t0;
      // 2. Replay updates once enough env steps were sampled. RLlib: num_steps_sampled_before_learning_starts.
      t0 = performance.now();
      if (
        this.envStepsSampled >= t.numStepsSampledBeforeLearningStarts &&
        this.replayBuffer.size >= t.trainBatchSizePerLearner
      ) {
        for (let u = 0; u < this.ratio.updates; u++, numUpdates++) {
          // Wasm readbacks resolve as microtasks: give the page a turn every ~40 ms (as DQN and PPO do).
          await yieldIfBusy(YIELD_EVERY_MS);
          for (const [k, v] of Object.entries(await this.replayUpdate())) sums.set(k, (sums.get(k) ?? 0) + v);
        }
      }
      timers.update += performance.now() - t0;
      // 3. New actor weights to every runner.
      t0 = performance.now();
      if (numUpdates > 0) await this.syncRunnerWeights();
      timers.sync += performance.now() - t0;
    } while (this.envStepsSampled - start < t.minSampleTimestepsPerIteration);
    this.recordRunnerMetrics(runnerMetrics);
    this.recordIteration(timers, sums, numUpdates);
  }

  /** One replay batch: sample (n drawn from the n_step range), the three losses + steps, new priorities. */
  private async replayUpdate(): Promise<Record<string, number>> {
    const t = this.config.training;
    const [nMin, nMax] = nStepRange(t.nStep);
    const nStep = nMin + this.rng.integer(nMax - nMin + 1);
    const batch = this.replayBuffer.sample(t.trainBatchSizePerLearner, this.rng, {
      nStep,
      gamma: t.gamma,
      beta: t.replayBufferConfig.beta,
    });
    const { stats, tdErrors } = await this.learner.update(batch, this.rng, this.envStepsSampled, this.iteration + 1);
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
    means.num_target_updates = this.learner.target.numTargetUpdates;
    means.last_target_update_ts = this.learner.target.lastTargetUpdateTs;
    this.metrics.merge(LEARNER_RESULTS, means);
    this.metrics.set('num_env_steps_trained', numUpdates * this.config.training.trainBatchSizePerLearner);
    this.metrics.set(SACResultKeys.REPLAY_SIZE, this.replayBuffer.size);
    this.metrics.set(SACResultKeys.REPLAY_ADDED_LIFETIME, this.replayBuffer.numAdded);
  }

  protected async syncRunnerWeights(): Promise<void> {
    await this.envRunnerGroup.syncWeights(await this.learner.module.getWeights());
  }

  /** tanh(mean) scaled to the Box: the deterministic policy. */
  async computeActions(obs: Float32Array, batchSize: number): Promise<Float32Array> {
    const actions = new Float32Array(batchSize * this.learner.module.actionDim);
    await this.learner.module.forwardInference(obs, batchSize, { actions });
    return actions;
  }

  protected saveLearner(): Promise<LearnerCheckpoint> {
    return saveSACState(this);
  }

  protected restoreLearner(ckpt: Checkpoint): Promise<void> {
    return restoreSACState(this, ckpt);
  }

  override stop(): void {
    super.stop();
    this.learner.dispose();
  }
}

/** The implementation `SAC_SPEC.load()` resolves to. */
export function build(config: SACConfig, opts: BuildOptions = {}): Promise<SAC> {
  return SAC.build(config, opts);
}
