/**
 * SAC (Haarnoja et al. 2018, with automatic entropy tuning, "Soft Actor-Critic Algorithms and
 * Applications") for Box actions: RLlib's SAC.training_step, which is DQN's new-API-stack step
 * (rllib/algorithms/sac/sac.py calls DQN's `_training_step_new_api_stack`; here SAC extends the
 * same OffPolicyAlgorithm, dqn/dqn.ts): runners sample from the squashed Gaussian into a replay
 * buffer on the page; once enough env steps were sampled, each training_step replays
 * `trainingIntensity`-many batches, each one gradient step of the three losses, then a Polyak
 * step of the target critics (sac-learner.ts).
 */
import { makeReplayBuffer } from '../../replay';
import type { ModuleDescriptor } from '../../rl-module/module-factory';
import { setupAlgorithm, type BuildOptions } from '../algorithm-setup';
import { DQNResultKeys, OffPolicyAlgorithm } from '../dqn/dqn';
import { sacSamplingLayout, type SACConfig } from './sac-config';
import { SACLearner } from './sac-learner';

export type { BuildOptions } from '../algorithm-setup';

/** The replay buffer's result keys (SAC has no epsilon). */
export const SACResultKeys = {
  REPLAY_SIZE: DQNResultKeys.REPLAY_SIZE,
  REPLAY_ADDED_LIFETIME: DQNResultKeys.REPLAY_ADDED_LIFETIME,
} as const;

/** SAC's module (actor, critics, log alpha) as the runners and the learner build it (multi-agent SAC: one per module). */
export function sacModule(config: SACConfig): Extract<ModuleDescriptor, { kind: 'sac' }> {
  const t = config.training;
  const model = {
    policyFcnetHiddens: t.policyModelConfig.fcnetHiddens,
    policyFcnetActivation: t.policyModelConfig.fcnetActivation,
    qFcnetHiddens: t.qModelConfig.fcnetHiddens,
    qFcnetActivation: t.qModelConfig.fcnetActivation,
    twinQ: t.twinQ,
    initialAlpha: t.initialAlpha,
    explorationNoiseCorrelation: t.explorationNoiseCorrelation,
  };
  return { kind: 'sac', model };
}

export class SAC extends OffPolicyAlgorithm<SACConfig, SACLearner> {
  static async build(config: SACConfig, opts: BuildOptions = {}): Promise<SAC> {
    const t = config.training;
    const setup = await setupAlgorithm(config, opts, {
      module: sacModule(config),
      rolloutFragmentLength: sacSamplingLayout(config).rolloutFragmentLength,
    });
    const learner = new SACLearner(setup.module, t);
    const buffer = makeReplayBuffer(
      { ...t.replayBufferConfig, storeBufferInCheckpoints: t.storeBufferInCheckpoints },
      setup,
    );
    const { device, envRunnerGroup, seed } = setup;
    return new SAC(config, device, envRunnerGroup, seed, learner, buffer, null, t.storeBufferInCheckpoints).start();
  }

  /** tanh(mean) scaled to the Box: the deterministic policy. */
  async computeActions(obs: Float32Array, batchSize: number): Promise<Float32Array> {
    const actions = new Float32Array(batchSize * this.learner.module.actionDim);
    await this.learner.module.forwardInference(obs, batchSize, { actions });
    return actions;
  }
}

/** The implementation `SAC_SPEC.load()` resolves to. */
export function build(config: SACConfig, opts: BuildOptions = {}): Promise<SAC> {
  return SAC.build(config, opts);
}
