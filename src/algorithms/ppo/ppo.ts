/**
 * PPO (Schulman et al. 2017) with RLlib's training step: synchronous sampling from all
 * EnvRunners, then the LearnerGroup's update (GAE + epochs x minibatches of the clipped loss,
 * ppo-learner.ts), then a weight sync. With numLearners >= 1 the group is that many learner
 * workers; the page keeps its module, with learner 0's weights, for computeActions.
 */
import { LEARNER_RESULTS, NUM_ENV_STEPS_TRAINED, Timers } from '../../core/metric-keys';
import { concatBatches } from '../../core/sample-batch';
import type { DeviceInfo } from '../../backend/device';
import type { LearnerFaultCounters, LearnerGroup } from '../../learner/learner-group';
import type { MLPModule } from '../../rl-module/mlp-module';
import type { ModuleWeights } from '../../rl-module/weights';
import type { EnvRunnerGroup, GroupSampleResult } from '../../runtime/env-runner-group';
import { actorCriticActions, Algorithm } from '../algorithm';
import { setupAlgorithm, setupLearnerGroup, type LearnerGroupBuildOptions } from '../algorithm-setup';
import type { Checkpoint, LearnerCheckpoint } from '../checkpoint';
import { derivedSizes, learnerCount, type PPOConfig } from './ppo-config';
import { PPOLearner } from './ppo-learner';

export type { BuildOptions } from '../algorithm-setup';
export type PPOBuildOptions = LearnerGroupBuildOptions;

export class PPO extends Algorithm<PPOConfig> {
  /**
   * sampleAsync: the train batch the runners sampled while the learner updated on the previous
   * one, held for the next update; its env steps and episodes are already counted. Null otherwise.
   */
  private sampledAhead: GroupSampleResult | null = null;

  private constructor(
    config: PPOConfig,
    device: DeviceInfo,
    group: EnvRunnerGroup,
    seed: number,
    /** The page's module: the local learner's, or (numLearners >= 1) a copy of learner 0's weights. */
    readonly module: MLPModule,
    readonly learnerGroup: LearnerGroup,
  ) {
    super(config, device, group, seed);
  }

  static async build(config: PPOConfig, opts: PPOBuildOptions = {}): Promise<PPO> {
    const descriptor = { kind: 'actor-critic', model: config.rlModule } as const;
    const setup = await setupAlgorithm(config, opts, {
      module: descriptor,
      rolloutFragmentLength: derivedSizes(config).rolloutFragmentLength,
    });
    const { learnerGroup, device } = await setupLearnerGroup(
      config,
      setup,
      descriptor,
      { name: 'PPO', config: config.training, local: () => new PPOLearner(setup.module, config.training) },
      opts,
    );
    return new PPO(config, device, setup.envRunnerGroup, setup.seed, setup.module, learnerGroup).start();
  }

  /**
   * RLlib's training_step: sample, update, sync. With sampleAsync the next sample call runs
   * during the update (remote runners sample on their own threads while the learner computes)
   * and the sync waits for it, so a batch is never sampled with two policies and a run is as
   * repeatable as a synchronous one.
   */
  protected async trainingStep(): Promise<void> {
    const t = this.config.training;
    // 1. A train batch of trainBatchSizePerLearner env steps per learner from every EnvRunner
    // (RLlib: synchronous_parallel_sample), unless the last update's sampleAsync already took it.
    const ahead = this.sampledAhead;
    this.sampledAhead = null;
    const sampled = ahead ?? (await this.metrics.time(Timers.ENV_RUNNER_SAMPLING, () => this.sampleTrainBatch()));
    const batch = concatBatches(sampled.batches);
    const next = t.sampleAsync ? this.sampleTrainBatch() : null;
    // Awaited below; if the update throws first, its rejection must not go unhandled.
    next?.catch(() => undefined);

    // 2. GAE and epochs x minibatches of the PPO loss, on the learner(s).
    const stats = await this.metrics.time(Timers.LEARNER_UPDATE, () =>
      this.learnerGroup.update(batch, this.learnerContext()),
    );

    // 3. sampleAsync: only the part of the next sample the update did not hide counts as sampling.
    if (next) this.sampledAhead = await this.metrics.time(Timers.ENV_RUNNER_SAMPLING, () => next);

    // 4. The new weights to every EnvRunner (RLlib: sync_weights).
    await this.metrics.time(Timers.SYNCH_WEIGHTS, () => this.syncRunnerWeights());

    // Runner metrics count in the iteration whose sample call returned them.
    this.recordRunnerMetrics([...(ahead ? [] : sampled.metrics), ...(this.sampledAhead?.metrics ?? [])]);
    this.envStepsTrainedLifetime += batch.numSteps;
    this.metrics.set(NUM_ENV_STEPS_TRAINED, batch.numSteps);
    this.metrics.merge(LEARNER_RESULTS, stats);
  }

  /** RLlib: train_batch_size_per_learner on each of num_learners (1: the learner on the page). */
  private sampleTrainBatch(): Promise<GroupSampleResult> {
    const learners = learnerCount(this.config.learners.numLearners);
    return this.envRunnerGroup.sample(this.config.training.trainBatchSizePerLearner * learners);
  }

  /** Learner 0's weights, also onto the page's module when the learners are workers. */
  private async currentWeights(): Promise<ModuleWeights> {
    const weights = await this.learnerGroup.getWeights();
    if (this.learnerGroup.numLearners > 0) this.module.setWeights(weights);
    return weights;
  }

  protected async syncRunnerWeights(): Promise<void> {
    await this.envRunnerGroup.syncWeights(await this.currentWeights());
  }

  computeActions(obs: Float32Array, batchSize: number): Promise<Int32Array | Float32Array> {
    return actorCriticActions(this.module, obs, batchSize);
  }

  protected override get learnerFaults(): LearnerFaultCounters {
    return this.learnerGroup.faults;
  }

  protected async saveLearner(): Promise<LearnerCheckpoint> {
    const { weights, optimizerState, learnerState } = await this.learnerGroup.getState();
    return { weights, optimizerState, learnerState };
  }

  protected async restoreLearner(ckpt: Checkpoint): Promise<void> {
    // A batch sampled ahead belongs to the run being replaced; the restored one samples afresh.
    this.sampledAhead = null;
    // With workers the page's module checks names and shapes first: a misfit throws the RLError
    // restore() expects there, not an error from inside a worker.
    if (this.learnerGroup.numLearners > 0) this.module.setWeights(ckpt.weights);
    const { weights, optimizerState, learnerState } = ckpt;
    await this.learnerGroup.setState({ weights, optimizerState, learnerState });
  }

  override stop(): void {
    super.stop();
    this.learnerGroup.stop();
    // A local group's learner owned the page's module; with workers it is the page's own.
    if (this.learnerGroup.numLearners > 0) this.module.dispose();
  }
}
