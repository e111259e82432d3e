/**
 * PPO (Schulman et al. 2017) with RLlib's training step: synchronous sampling from all EnvRunners,
 * GAE + epochs x minibatches on the Learner, then a weight sync.
 */
import { concatBatches } from '../../core/sample-batch';
import { LEARNER_RESULTS, Timers } from '../../core/metric-keys';
import type { DeviceInfo } from '../../runtime/device';
import type { EnvRunnerGroup } from '../../runtime/env-runner-group';
import { Algorithm } from '../algorithm';
import { setupAlgorithm, type BuildOptions } from '../algorithm-setup';
import type { Checkpoint, LearnerCheckpoint } from '../checkpoint';
import { derivedSizes, type PPOConfig } from './ppo-config';
import { PPOLearner } from './ppo-learner';

export type { BuildOptions } from '../algorithm-setup';

export class PPO extends Algorithm<PPOConfig> {
  private constructor(
    config: PPOConfig,
    device: DeviceInfo,
    group: EnvRunnerGroup,
    seed: number,
    readonly learner: PPOLearner,
  ) {
    super(config, device, group, seed);
  }

  static async build(config: PPOConfig, opts: BuildOptions = {}): Promise<PPO> {
    const setup = await setupAlgorithm(config, opts, {
      module: { kind: 'actor-critic', model: config.rlModule },
      rolloutFragmentLength: derivedSizes(config).rolloutFragmentLength,
    });
    const t = config.training;
    const learner = new PPOLearner(
      setup.module,
      {
        lr: t.lr,
        gradClip: t.gradClip,
        gradClipBy: t.gradClipBy,
        maxConsecutiveNonFiniteUpdates: t.maxConsecutiveNonFiniteUpdates,
      },
      t.klCoeff,
    );
    return new PPO(config, setup.device, setup.envRunnerGroup, setup.seed, learner).start();
  }

  protected async syncRunnerWeights(): Promise<void> {
    await this.envRunnerGroup.syncWeights(await this.learner.module.getWeights());
  }

  protected async trainingStep(): Promise<void> {
    const t = this.config.training;
    const sampled = await this.metrics.time(Timers.ENV_RUNNER_SAMPLING, () =>
      this.envRunnerGroup.sample(t.trainBatchSizePerLearner),
    );
    this.recordRunnerMetrics(sampled.metrics);
    const batch = concatBatches(sampled.batches);
    const stats = await this.metrics.time(Timers.LEARNER_UPDATE, () =>
      this.learner.update(batch, {
        ...t,
        shuffle: t.shuffleBatchPerEpoch,
        rng: this.rng,
        lifetimeEnvSteps: this.envRunnerGroup.lifetime.numEnvStepsSampled,
        trainingIteration: this.iteration + 1,
      }),
    );
    this.envStepsTrainedLifetime += batch.numSteps;
    this.metrics.set('num_env_steps_trained', batch.numSteps);
    await this.metrics.time(Timers.SYNCH_WEIGHTS, () => this.syncRunnerWeights());
    this.metrics.merge(LEARNER_RESULTS, stats);
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
      learnerState: { ...this.learner.getState() },
    };
  }

  protected async restoreLearner(ckpt: Checkpoint): Promise<void> {
    this.learner.module.setWeights(ckpt.weights);
    await this.learner.setOptimizerState(ckpt.optimizerState);
    this.learner.setState({ currKlCoeff: ckpt.learnerState['currKlCoeff'] ?? this.config.training.klCoeff });
  }

  override stop(): void {
    super.stop();
    this.learner.dispose();
  }
}
