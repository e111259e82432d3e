/**
 * SAC's learner (RLlib: SACTorchLearner + SACLearner): three optimizer groups over the module's
 * variables, 'qf' (both critics; RLlib gives qf_twin its own Adam, which is the same update
 * unless gradClip bounds the norm of the two together), 'policy' and 'alpha' (log alpha), each
 * with its lr; one gradient step of sacLoss per replay batch; then the target critics follow
 * RLlib's rule (DQNLearner.after_gradient_based_update; SAC's frequency 0 = every step, Polyak tau).
 */
import { Learner } from '../../learner/learner';
import { TargetNetwork } from '../../learner/target-network';
import type { ReplayBatch } from '../../replay';
import type { SACModule } from '../../rl-module/sac-module';
import { normalizeFromBounds } from '../../rl-module/squashed-gaussian';
import type { Rng } from '../../core/rng';
import { SACColumns, sacLoss } from './sac-loss';
import { resolveTargetEntropy, type SACTrainingConfig } from './sac-config';

export class SACLearner {
  readonly learner: Learner<SACModule>;
  /** Target copies of the critics only (the actor has none in SAC). */
  readonly target: TargetNetwork;
  readonly targetEntropy: number;

  constructor(
    readonly module: SACModule,
    private readonly training: SACTrainingConfig,
  ) {
    this.target = TargetNetwork.fromModule(module.criticSource);
    this.targetEntropy = resolveTargetEntropy(training.targetEntropy, module.actionDim);
    const names = module.groupVariableNames;
    const group = (lr: SACTrainingConfig['actorLr'], variables: string[]) => ({
      lr,
      gradClip: training.gradClip,
      gradClipBy: 'global_norm' as const,
      adamEpsilon: training.adamEpsilon,
      variables,
    });
    const lossConfig = { twinQ: module.twinQ, targetEntropy: this.targetEntropy };
    this.learner = new Learner(
      module,
      {
        lr: training.criticLr,
        gradClip: training.gradClip,
        gradClipBy: 'global_norm',
        maxConsecutiveNonFiniteUpdates: training.maxConsecutiveNonFiniteUpdates,
        optimizerGroups: {
          qf: group(training.criticLr, names.qf),
          policy: group(training.actorLr, names.policy),
          alpha: group(training.alphaLr, names.alpha),
        },
      },
      (m, batch) => sacLoss(m, this.target.variables, batch, lossConfig),
    );
  }

  /** One gradient step on `batch` (noise from `rng`), then maybe a target update. Returns stats and |TD error| per row. */
  async update(
    batch: ReplayBatch,
    rng: Rng,
    lifetimeEnvSteps: number,
    trainingIteration: number,
  ): Promise<{ stats: Record<string, number>; tdErrors: Float32Array }> {
    const m = this.module;
    const noise = (): Float32Array => Float32Array.from({ length: batch.batchSize * m.actionDim }, () => rng.normal());
    const { stats, tdErrors } = await this.learner.updateOnBatch(
      {
        [SACColumns.OBS]: batch.obs,
        [SACColumns.NEXT_OBS]: batch.nextObs,
        [SACColumns.ACTIONS]: normalizeFromBounds(batch.actions as Float32Array, m.actionLow, m.actionHigh),
        [SACColumns.REWARDS]: batch.rewards,
        [SACColumns.DISCOUNTS]: batch.discounts,
        [SACColumns.WEIGHTS]: batch.weights,
        [SACColumns.EPS]: noise(),
        [SACColumns.EPS_NEXT]: noise(),
      },
      batch.batchSize,
      { lifetimeEnvSteps, trainingIteration },
    );
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
