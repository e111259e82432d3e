/**
 * PPO (Schulman et al. 2017) with RLlib's training step: synchronous sampling from all EnvRunners,
 * GAE + epochs x minibatches on the Learner, then a weight sync. With numLearners >= 1 the update
 * runs on a PPOLearnerGroup of learner workers; the page keeps a mirror of learner 0's module for
 * computeActions and the runners.
 */
import { concatBatches } from '../../core/sample-batch';
import { LEARNER_RESULTS, Timers } from '../../core/metric-keys';
import type { DeviceInfo } from '../../runtime/device';
import type { EnvRunnerGroup } from '../../runtime/env-runner-group';
import type { ConnectLearner } from '../../runtime/learner-connection';
import type { ModuleWeights } from '../../rl-module';
import { Algorithm } from '../algorithm';
import { setupAlgorithm, type BuildOptions } from '../algorithm-setup';
import type { Checkpoint, LearnerCheckpoint } from '../checkpoint';
import { derivedSizes, learnerCount, type PPOConfig } from './ppo-config';
import { PPOLearner } from './ppo-learner';
import { PPOLearnerGroup, type PPOLearnerApi } from './ppo-learner-group';

export type { BuildOptions } from '../algorithm-setup';

export interface PPOBuildOptions extends BuildOptions {
  /** In-process learners for numLearners >= 1, for tests (Node has no Web Workers). */
  readonly connectLearner?: ConnectLearner<PPOLearnerApi>;
  /** Force the all-reduce transport; default: shared memory when the page is cross-origin isolated. */
  readonly learnerTransport?: 'shared-array' | 'port';
}

export class PPO extends Algorithm<PPOConfig> {
  private constructor(
    config: PPOConfig,
    device: DeviceInfo,
    group: EnvRunnerGroup,
    seed: number,
    /** The page's learner (numLearners = 0), or the mirror of learner 0's module (numLearners >= 1). */
    readonly learner: PPOLearner,
    /** The learner workers (numLearners >= 1), else null. */
    readonly learnerGroup: PPOLearnerGroup | null,
  ) {
    super(config, device, group, seed);
  }

  static async build(config: PPOConfig, opts: PPOBuildOptions = {}): Promise<PPO> {
    const setup = await setupAlgorithm(config, opts, {
      module: { kind: 'actor-critic', model: config.rlModule },
      rolloutFragmentLength: derivedSizes(config).rolloutFragmentLength,
    });
    const t = config.training;
    const learnerConfig = {
      lr: t.lr,
      gradClip: t.gradClip,
      gradClipBy: t.gradClipBy,
      maxConsecutiveNonFiniteUpdates: t.maxConsecutiveNonFiniteUpdates,
    };
    const learner = new PPOLearner(setup.module, learnerConfig, t.klCoeff);
    let learnerGroup: PPOLearnerGroup | null = null;
    let device = setup.device;
    if (config.learners.numLearners > 0) {
      const transport = opts.learnerTransport ?? (globalThis.crossOriginIsolated === true ? 'shared-array' : 'port');
      try {
        learnerGroup = await PPOLearnerGroup.start(
          {
            numLearners: config.learners.numLearners,
            init: {
              module: { kind: 'actor-critic', model: config.rlModule },
              observationSpace: setup.observationSpace,
              actionSpace: setup.actionSpace,
              seed: setup.seed,
              learnerConfig,
              klCoeff: t.klCoeff,
              // Each worker activates the backend chosen for the learner (its own WebGPU device).
              backend: opts.connectLearner ? null : setup.device.backend,
            },
            validateInSync: config.debugging.validateLearnerWeightsInSync,
            useSharedMemory: transport === 'shared-array',
            ...(opts.connectLearner ? { connect: opts.connectLearner } : {}),
          },
          await setup.module.getWeights(),
        );
      } catch (e) {
        learner.dispose();
        setup.envRunnerGroup.stop();
        throw e;
      }
      const backends = [...new Set(learnerGroup.infos.map((i) => i.backend))].join('/');
      device = {
        ...device,
        reason:
          `${device.reason}; numLearners=${learnerGroup.numLearners}: one ${backends} learner per worker, ` +
          `gradients averaged over ${transport === 'shared-array' ? 'a SharedArrayBuffer' : 'messages'}`,
      };
    }
    return new PPO(config, device, setup.envRunnerGroup, setup.seed, learner, learnerGroup).start();
  }

  /** The weights that count: learner 0's with learner workers (mirrored onto the page), else the page's. */
  private async currentWeights(): Promise<ModuleWeights> {
    if (!this.learnerGroup) return this.learner.module.getWeights();
    const weights = await this.learnerGroup.getWeights();
    this.learner.module.setWeights(weights);
    return weights;
  }

  protected async syncRunnerWeights(): Promise<void> {
    await this.envRunnerGroup.syncWeights(await this.currentWeights());
  }

  protected async trainingStep(): Promise<void> {
    const t = this.config.training;
    const sampled = await this.metrics.time(Timers.ENV_RUNNER_SAMPLING, () =>
      this.envRunnerGroup.sample(t.trainBatchSizePerLearner * learnerCount(this.config.learners.numLearners)),
    );
    this.recordRunnerMetrics(sampled.metrics);
    const batch = concatBatches(sampled.batches);
    const cfg = {
      ...t,
      shuffle: t.shuffleBatchPerEpoch,
      rng: this.rng,
      lifetimeEnvSteps: this.envRunnerGroup.lifetime.numEnvStepsSampled,
      trainingIteration: this.iteration + 1,
    };
    const group = this.learnerGroup;
    const stats = await this.metrics.time(Timers.LEARNER_UPDATE, () =>
      group
        ? // RLlib: minibatch_size is per learner, so one group step covers numLearners x minibatchSize rows.
          group.update(batch, { ...cfg, minibatchSize: t.minibatchSize * group.numLearners })
        : this.learner.update(batch, cfg),
    );
    if (group) this.learner.currKlCoeff = stats.curr_kl_coeff ?? this.learner.currKlCoeff;
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

  /** Learner 0's weights and optimizer state with learner workers (checkSaveable rejects non-finite ones). */
  protected async saveLearner(): Promise<LearnerCheckpoint> {
    const group = this.learnerGroup;
    return {
      weights: await this.currentWeights(),
      optimizerState: group ? await group.getOptimizerState() : await this.learner.getOptimizerState(),
      learnerState: { ...this.learner.getState() },
    };
  }

  protected async restoreLearner(ckpt: Checkpoint): Promise<void> {
    const state = { currKlCoeff: ckpt.learnerState['currKlCoeff'] ?? this.config.training.klCoeff };
    // The page's learner first: it checks names and shapes and throws the RLErrors restore() expects.
    this.learner.module.setWeights(ckpt.weights);
    await this.learner.setOptimizerState(ckpt.optimizerState);
    this.learner.setState(state);
    if (this.learnerGroup) {
      // Every learner gets the same state, so they stay identical.
      await this.learnerGroup.setWeights(ckpt.weights);
      await this.learnerGroup.setOptimizerState(ckpt.optimizerState);
      await this.learnerGroup.setState(state);
    }
  }

  override stop(): void {
    super.stop();
    this.learnerGroup?.stop();
    this.learner.dispose();
  }
}
