/**
 * The synchronous on-policy training step PPO and A2C share (RLlib's `training_step` of both):
 * every EnvRunner samples, the batches are concatenated, the Learner updates on them, then the
 * runners get the new weights. Subclasses say how the learner updates (PPO: epochs x minibatches
 * of the clipped loss; A2C: one gradient step) and what learner state a checkpoint keeps.
 */
import { LEARNER_RESULTS, Timers } from '../core/metric-keys';
import { concatBatches, type SampleBatch } from '../core/sample-batch';
import type { OptimizerState } from '../learner/learner';
import type { MLPModule } from '../rl-module/mlp-module';
import type { DeviceInfo } from '../runtime/device';
import type { EnvRunnerGroup } from '../runtime/env-runner-group';
import { Algorithm } from './algorithm';
import type { Checkpoint, LearnerCheckpoint } from './checkpoint';
import type { AnyAlgorithmConfig } from './spec';

/** What the shared step needs from an on-policy learner (PPOLearner, A2CLearner). */
export interface OnPolicyLearner {
  readonly module: MLPModule;
  getOptimizerState(): Promise<OptimizerState>;
  setOptimizerState(state: OptimizerState): Promise<void>;
  /** Disposes the optimizer and the module. */
  dispose(): void;
}

export abstract class OnPolicyAlgorithm<C extends AnyAlgorithmConfig, L extends OnPolicyLearner> extends Algorithm<C> {
  protected constructor(
    config: C,
    device: DeviceInfo,
    group: EnvRunnerGroup,
    seed: number,
    readonly learner: L,
  ) {
    super(config, device, group, seed);
  }

  /** The learner's update on one train batch; returns its stats (RLlib's learner results). */
  protected abstract updateLearner(batch: SampleBatch): Promise<Record<string, number>>;

  /** Learner state a checkpoint keeps besides weights and optimizer state (PPO: the KL coefficient). */
  protected learnerState(): Record<string, number> {
    return {};
  }

  /** Restores what `learnerState` saved (a checkpoint's values, possibly missing keys). */
  protected restoreLearnerState(state: Readonly<Record<string, number>>): void {
    void state;
  }

  protected async syncRunnerWeights(): Promise<void> {
    await this.envRunnerGroup.syncWeights(await this.learner.module.getWeights());
  }

  protected async trainingStep(): Promise<void> {
    const sampled = await this.metrics.time(Timers.ENV_RUNNER_SAMPLING, () =>
      this.envRunnerGroup.sample(this.config.training.trainBatchSizePerLearner),
    );
    this.recordRunnerMetrics(sampled.metrics);
    const batch = concatBatches(sampled.batches);
    const stats = await this.metrics.time(Timers.LEARNER_UPDATE, () => this.updateLearner(batch));
    this.envStepsTrainedLifetime += batch.numSteps;
    this.metrics.set('num_env_steps_trained', batch.numSteps);
    await this.metrics.time(Timers.SYNCH_WEIGHTS, () => this.syncRunnerWeights());
    this.metrics.merge(LEARNER_RESULTS, stats);
  }

  /** Learner-update options every on-policy learner reads: the lr schedule's step and the iteration. */
  protected get updateContext(): { readonly lifetimeEnvSteps: number; readonly trainingIteration: number } {
    return { lifetimeEnvSteps: this.envRunnerGroup.lifetime.numEnvStepsSampled, trainingIteration: this.iteration + 1 };
  }

  async computeActions(obs: Float32Array, batchSize: number): Promise<Int32Array | Float32Array> {
    const module = this.learner.module;
    const width = module.distribution.actionDim;
    const actions =
      module.spec.actionSpace.kind === 'discrete' ? new Int32Array(batchSize) : new Float32Array(batchSize * width);
    await module.forwardInference(obs, batchSize, { actions });
    return actions;
  }

  protected async saveLearner(): Promise<LearnerCheckpoint> {
    return {
      weights: await this.learner.module.getWeights(),
      optimizerState: await this.learner.getOptimizerState(),
      learnerState: this.learnerState(),
    };
  }

  protected async restoreLearner(ckpt: Checkpoint): Promise<void> {
    this.learner.module.setWeights(ckpt.weights);
    await this.learner.setOptimizerState(ckpt.optimizerState);
    this.restoreLearnerState(ckpt.learnerState);
  }

  override stop(): void {
    super.stop();
    this.learner.dispose();
  }
}
