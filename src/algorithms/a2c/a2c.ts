/**
 * A2C (synchronous advantage actor-critic) with RLlib's old-stack training step: synchronous
 * sampling from all EnvRunners, advantages on the Learner, one gradient step, weight sync. The
 * step is PPO's (OnPolicyAlgorithm); only the learner's update differs.
 */
import type { SampleBatch } from '../../core/sample-batch';
import { setupAlgorithm, type BuildOptions } from '../algorithm-setup';
import { OnPolicyAlgorithm } from '../on-policy-algorithm';
import { a2cSamplingLayout, type A2CConfig } from './a2c-config';
import { A2CLearner } from './a2c-learner';

export class A2C extends OnPolicyAlgorithm<A2CConfig, A2CLearner> {
  static async build(config: A2CConfig, opts: BuildOptions = {}): Promise<A2C> {
    const setup = await setupAlgorithm(config, opts, {
      module: { kind: 'actor-critic', model: config.rlModule },
      rolloutFragmentLength: a2cSamplingLayout(config).rolloutFragmentLength,
    });
    const t = config.training;
    const learner = new A2CLearner(setup.module, {
      lr: t.lr,
      gradClip: t.gradClip,
      gradClipBy: t.gradClipBy,
      maxConsecutiveNonFiniteUpdates: t.maxConsecutiveNonFiniteUpdates,
    });
    return new A2C(config, setup.device, setup.envRunnerGroup, setup.seed, learner).start();
  }

  protected override get minSampleTimestepsPerIteration(): number {
    return this.config.training.minSampleTimestepsPerIteration;
  }

  protected updateLearner(batch: SampleBatch): Promise<Record<string, number>> {
    return this.learner.update(batch, { ...this.config.training, ...this.updateContext });
  }
}

/** The spec's `load()` contract: `build`. */
export const build = (config: A2CConfig, opts?: BuildOptions): Promise<A2C> => A2C.build(config, opts);
