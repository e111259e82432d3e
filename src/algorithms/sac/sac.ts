/**
 * SAC (Haarnoja et al. 2018, with automatic entropy tuning, "Soft Actor-Critic Algorithms and
 * Applications") for Box actions: RLlib's SAC.training_step, which is DQN's new-API-stack step
 * (rllib/algorithms/sac/sac.py calls DQN's `_training_step_new_api_stack`): runners sample from
 * the squashed Gaussian into a replay buffer on the page; once enough env steps were sampled,
 * each training_step replays `trainingIntensity`-many batches, each one gradient step of the
 * three losses, then a Polyak step of the target critics.
 */
import { makeReplayBuffer, type EpisodeReplayBuffer, type ReplayBatch } from '../../replay';
import type { DeviceInfo } from '../../backend/device';
import type { EnvRunnerGroup } from '../../runtime/env-runner-group';
import { setupAlgorithm, type BuildOptions } from '../algorithm-setup';
import type { Checkpoint, LearnerCheckpoint } from '../checkpoint';
import { OffPolicyAlgorithm, ReplayResultKeys, type ReplayStepResult } from '../off-policy-algorithm';
import { sacSamplingLayout, type SACConfig } from './sac-config';
import { SACLearner } from './sac-learner';
import { restoreSACState, saveSACState } from './sac-state';

export type { BuildOptions } from '../algorithm-setup';

export const SACResultKeys = ReplayResultKeys;

export class SAC extends OffPolicyAlgorithm<SACConfig> {
  private constructor(
    config: SACConfig,
    device: DeviceInfo,
    group: EnvRunnerGroup,
    seed: number,
    readonly learner: SACLearner,
    replayBuffer: EpisodeReplayBuffer,
  ) {
    super(config, device, group, seed, replayBuffer);
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

  /** The three losses and their steps, then a Polyak step of the target critics. */
  protected learnerStep(batch: ReplayBatch): Promise<ReplayStepResult> {
    return this.learner.update(batch, this.rng, this.envStepsSampled, this.iteration + 1);
  }

  protected learnerCounters(): Record<string, number> {
    const { numTargetUpdates, lastTargetUpdateTs } = this.learner.target;
    return { num_target_updates: numTargetUpdates, last_target_update_ts: lastTargetUpdateTs };
  }

  /** New actor weights only once there are any (SAC has no exploration state to send). */
  protected override shouldSyncWeights(numUpdates: number): boolean {
    return numUpdates > 0;
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
