/**
 * DQN's learner (RLlib: DQNTorchLearner + DQNLearner.after_gradient_based_update): one gradient
 * step of the DQN loss per replay batch, then the target network follows RLlib's rule (an update
 * once targetNetworkUpdateFreq env steps were sampled since the last one, Polyak with tau).
 */
import type { ReplayBatch } from '../../replay';
import { Learner, type LearnerConfig } from '../../learner/learner';
import { TargetNetwork } from '../../learner/target-network';
import type { QModule } from '../../rl-module/q-module';
import { DQNColumns, dqnLoss, type DQNLossConfig } from './dqn-loss';
import type { DQNTrainingConfig } from './dqn-config';

export class DQNLearner {
  readonly learner: Learner<QModule>;
  /** The frozen copy the TD target bootstraps from (Mnih et al. 2015). */
  readonly target: TargetNetwork;

  constructor(
    readonly module: QModule,
    learnerConfig: LearnerConfig,
    private readonly training: DQNTrainingConfig,
  ) {
    this.target = TargetNetwork.fromModule(module);
    const lossConfig: DQNLossConfig = { doubleQ: training.doubleQ, tdErrorLossFn: training.tdErrorLossFn };
    this.learner = new Learner(module, learnerConfig, (m, batch) => {
      const { loss, stats, tdErrors } = dqnLoss(m, this.target.variables, batch, lossConfig);
      return { loss, stats: { ...stats }, tdErrors };
    });
  }

  /** One gradient step on `batch`, then maybe a target update. Returns stats and |TD error| per row. */
  async update(
    batch: ReplayBatch,
    lifetimeEnvSteps: number,
    trainingIteration: number,
  ): Promise<{ stats: Record<string, number>; tdErrors: Float32Array }> {
    const { stats, tdErrors } = await this.learner.updateOnBatch(
      {
        [DQNColumns.OBS]: batch.obs,
        [DQNColumns.NEXT_OBS]: batch.nextObs,
        [DQNColumns.ACTIONS]: batch.actions,
        [DQNColumns.REWARDS]: batch.rewards,
        [DQNColumns.TERMINATEDS]: Float32Array.from(batch.terminateds),
        [DQNColumns.DISCOUNTS]: batch.discounts,
        [DQNColumns.WEIGHTS]: batch.weights,
      },
      batch.batchSize,
      { lifetimeEnvSteps, trainingIteration },
    );
    // RLlib's DQNLearner.after_gradient_based_update: the frequency counts env steps sampled.
    this.target.maybeUpdate(lifetimeEnvSteps, this.training);
    return {
      stats: {
        ...stats,
        num_target_updates: this.target.numTargetUpdates,
        last_target_update_ts: this.target.lastTargetUpdateTs,
      },
      tdErrors: tdErrors ?? new Float32Array(batch.batchSize),
    };
  }

  dispose(): void {
    this.target.dispose();
    this.learner.dispose();
  }
}
