/**
 * PPO (Schulman et al. 2017) with RLlib's training step: synchronous sampling from all EnvRunners,
 * GAE + epochs x minibatches on the Learner, then a weight sync (the step lives in
 * OnPolicyAlgorithm, shared with A2C).
 */
import type { SampleBatch } from '../../core/sample-batch';
import { setupAlgorithm, type BuildOptions } from '../algorithm-setup';
import { OnPolicyAlgorithm } from '../on-policy-algorithm';
import { derivedSizes, type PPOConfig } from './ppo-config';
import { PPOLearner } from './ppo-learner';

export type { BuildOptions } from '../algorithm-setup';

export class PPO extends OnPolicyAlgorithm<PPOConfig, PPOLearner> {
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

  protected updateLearner(batch: SampleBatch): Promise<Record<string, number>> {
    const t = this.config.training;
    return this.learner.update(batch, { ...t, shuffle: t.shuffleBatchPerEpoch, rng: this.rng, ...this.updateContext });
  }

  protected override learnerState(): Record<string, number> {
    return { ...this.learner.getState() };
  }

  protected override restoreLearnerState(state: Readonly<Record<string, number>>): void {
    this.learner.setState({ currKlCoeff: state['currKlCoeff'] ?? this.config.training.klCoeff });
  }
}
