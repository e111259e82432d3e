/**
 * PPO (Schulman et al. 2017) with RLlib's training step: synchronous sampling from all EnvRunners,
 * GAE + epochs x minibatches on the Learner, then a weight sync.
 */
import { concatBatches } from '../../core/sample-batch';
import { LEARNER_RESULTS, Timers } from '../../core/metric-keys';
import { makeVectorEnv } from '../../envs';
import { makeModule } from '../../rl-module';
import type { BackendName } from '../../env-runner/tf-backend';
import { selectLearnerDevice, type DeviceInfo } from '../../runtime/device';
import { EnvRunnerGroup } from '../../runtime/env-runner-group';
import type { ConnectRunner } from '../../runtime/runner-connection';
import { Algorithm } from '../algorithm';
import type { Checkpoint } from '../checkpoint';
import { derivedSizes, type PPOConfig } from './ppo-config';
import { PPOLearner } from './ppo-learner';

export interface BuildOptions {
  /** Force a TF.js backend for the Learner instead of deciding from numGpusPerLearner. */
  readonly backend?: BackendName;
  /** Fake workers, for tests. */
  readonly connect?: ConnectRunner;
}

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
    const seed = config.debugging.seed ?? Math.floor(Date.now() % 2_147_483_647);
    const device = await selectLearnerDevice(config.learners.numGpusPerLearner, opts.backend);
    const probe = makeVectorEnv(config.environment.env, { numEnvs: 1, seed, envConfig: config.environment.envConfig });
    const module = makeModule({
      observationSpace: probe.singleObservationSpace,
      actionSpace: probe.singleActionSpace,
      model: config.rlModule,
      seed,
    });
    const t = config.training;
    const learner = new PPOLearner(
      module,
      {
        lr: t.lr,
        gradClip: t.gradClip,
        gradClipBy: t.gradClipBy,
        maxConsecutiveNonFiniteUpdates: t.maxConsecutiveNonFiniteUpdates,
      },
      t.klCoeff,
    );
    const sizes = derivedSizes(config);
    const er = config.envRunners;
    const group = new EnvRunnerGroup({
      numEnvRunners: er.numEnvRunners,
      faultTolerance: config.faultTolerance,
      sampleTimeoutS: er.sampleTimeoutS,
      ...(opts.connect ? { connect: opts.connect } : {}),
      settingsFor: (workerIndex, incarnation) => ({
        workerIndex,
        env: config.environment.env,
        envConfig: config.environment.envConfig,
        maxEpisodeSteps: config.environment.maxEpisodeSteps,
        numEnvs: er.numEnvsPerEnvRunner,
        rolloutFragmentLength: sizes.rolloutFragmentLength,
        batchMode: er.batchMode,
        explore: er.explore,
        model: config.rlModule,
        // A restarted runner gets fresh env seeds, so it does not replay its first life.
        seed: seed + incarnation * 7_919_993,
        restartFailedSubEnvironments: config.faultTolerance.restartFailedSubEnvironments,
        inferenceBackend: er.numGpusPerEnvRunner > 0 ? 'webgpu' : 'wasm',
      }),
    });
    const algo = new PPO(config, device, group, seed, learner);
    try {
      await group.start();
      await group.syncWeights(await module.getWeights());
    } catch (e) {
      algo.stop();
      throw e;
    }
    return algo;
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
    await this.metrics.time(Timers.SYNCH_WEIGHTS, async () =>
      this.envRunnerGroup.syncWeights(await this.learner.module.getWeights()),
    );
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

  protected async saveLearner(): Promise<Pick<Checkpoint, 'weights' | 'optimizerState' | 'learnerState'>> {
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
