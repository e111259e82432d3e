/**
 * What PPO's and A2C's learners share: a Learner over the actor-critic module whose loss reads
 * the loss settings of the update in progress, and the optimizer-state plumbing checkpoints use.
 * Each subclass says how it updates (PPO: epochs x minibatches; A2C: one step).
 */
import { Learner, type LearnerConfig, type LossOutput, type Minibatch, type OptimizerState } from '../learner/learner';
import type { MLPModule } from '../rl-module/mlp-module';

export abstract class ActorCriticLearner<LossConfig> {
  readonly learner: Learner<MLPModule>;
  /** Set by `update` before the Learner runs the loss. */
  protected lossConfig: LossConfig | null = null;

  constructor(
    readonly module: MLPModule,
    learnerConfig: LearnerConfig,
    name: string,
    loss: (module: MLPModule, minibatch: Minibatch, config: LossConfig) => LossOutput,
  ) {
    this.learner = new Learner(module, learnerConfig, (m, minibatch) => {
      if (!this.lossConfig) throw new Error(`${name} loss called outside ${name}Learner.update`);
      return loss(m, minibatch, this.lossConfig);
    });
  }

  getOptimizerState(): Promise<OptimizerState> {
    return this.learner.getOptimizerState();
  }

  setOptimizerState(state: OptimizerState): Promise<void> {
    return this.learner.setOptimizerState(state);
  }

  /** Disposes the optimizer and the module. */
  dispose(): void {
    this.learner.dispose();
  }
}
