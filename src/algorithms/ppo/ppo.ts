/**
 * PPO (Schulman et al. 2017) with RLlib's training step: synchronous sampling from all EnvRunners,
 * GAE + epochs x minibatches on the Learner, then a weight sync (the step lives in
 * OnPolicyAlgorithm, shared with A2C). With numLearners >= 1 the update runs on a PPOLearnerGroup
 * of learner workers; the page keeps a mirror of learner 0's module for computeActions and the
 * runners.
 */
import type { SampleBatch } from '../../core/sample-batch';
import type { OptimizerState } from '../../learner/learner';
import type { ModuleWeights } from '../../rl-module';
import type { DeviceInfo } from '../../backend/device';
import type { EnvRunnerGroup } from '../../runtime/env-runner-group';
import type { ConnectLearner } from '../../runtime/learner-connection';
import { setupAlgorithm, type BuildOptions } from '../algorithm-setup';
import type { Checkpoint } from '../checkpoint';
import { OnPolicyAlgorithm } from '../on-policy-algorithm';
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

export class PPO extends OnPolicyAlgorithm<PPOConfig, PPOLearner> {
  private constructor(
    config: PPOConfig,
    device: DeviceInfo,
    group: EnvRunnerGroup,
    seed: number,
    /** The page's learner (numLearners = 0), or the mirror of learner 0's module (numLearners >= 1). */
    learner: PPOLearner,
    /** The learner workers (numLearners >= 1), else null. */
    readonly learnerGroup: PPOLearnerGroup | null,
  ) {
    super(config, device, group, seed, learner);
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

  protected override get sampleAsync(): boolean {
    return this.config.training.sampleAsync;
  }

  protected override get numLearnersSampledFor(): number {
    return learnerCount(this.config.learners.numLearners);
  }

  /** Learner 0's weights with learner workers (mirrored onto the page for computeActions), else the page's. */
  protected override async currentWeights(): Promise<ModuleWeights> {
    if (!this.learnerGroup) return super.currentWeights();
    const weights = await this.learnerGroup.getWeights();
    this.learner.module.setWeights(weights);
    return weights;
  }

  /** Learner 0's optimizer state with learner workers (checkSaveable rejects non-finite ones). */
  protected override currentOptimizerState(): Promise<OptimizerState> {
    return this.learnerGroup ? this.learnerGroup.getOptimizerState() : super.currentOptimizerState();
  }

  protected async updateLearner(batch: SampleBatch): Promise<Record<string, number>> {
    const t = this.config.training;
    const cfg = { ...t, shuffle: t.shuffleBatchPerEpoch, rng: this.rng, ...this.updateContext };
    const group = this.learnerGroup;
    if (!group) return this.learner.update(batch, cfg);
    // RLlib: minibatch_size is per learner, so one group step covers numLearners x minibatchSize rows.
    const stats = await group.update(batch, { ...cfg, minibatchSize: t.minibatchSize * group.numLearners });
    this.learner.currKlCoeff = stats['curr_kl_coeff'] ?? this.learner.currKlCoeff;
    return stats;
  }

  protected override learnerState(): Record<string, number> {
    return { ...this.learner.getState() };
  }

  protected override restoreLearnerState(state: Readonly<Record<string, number>>): void {
    this.learner.setState({ currKlCoeff: state['currKlCoeff'] ?? this.config.training.klCoeff });
  }

  protected override async restoreLearner(ckpt: Checkpoint): Promise<void> {
    // The page's learner first: it checks names and shapes and throws the RLErrors restore() expects.
    await super.restoreLearner(ckpt);
    if (this.learnerGroup) {
      // Every learner gets the same state, so they stay identical.
      await this.learnerGroup.setWeights(ckpt.weights);
      await this.learnerGroup.setOptimizerState(ckpt.optimizerState);
      await this.learnerGroup.setState(this.learner.getState());
    }
  }

  override stop(): void {
    this.learnerGroup?.stop();
    super.stop();
  }
}
