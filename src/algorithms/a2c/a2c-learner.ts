/**
 * A2C's learner step (RLlib's old-stack A2C: `compute_gae_for_sample_batch` postprocessing, then
 * one `learn_on_batch`): advantages from the actor-critic's values (GAE, or returns minus V), then
 * ONE gradient step on the whole batch, its gradient optionally summed over microbatches.
 */
import { computeGae } from '../../connectors/gae';
import type { SampleBatch } from '../../core/sample-batch';
import type { LearnerConfig } from '../../learner/learner';
import type { MLPModule } from '../../rl-module/mlp-module';
import { actorCriticAdvantages, type AdvantageColumns } from '../actor-critic-advantages';
import { ActorCriticLearner } from '../actor-critic-learner';
import { A2CColumns, a2cLoss, type A2CLossConfig } from './a2c-loss';

export interface A2CUpdateConfig extends A2CLossConfig {
  /** RLlib: gamma. */
  readonly gamma: number;
  /** RLlib: lambda_. */
  readonly lambda: number;
  /** RLlib: use_gae. */
  readonly useGae: boolean;
  /** RLlib: microbatch_size (null: the whole batch at once). */
  readonly microbatchSize: number | null;
  /** For the lr schedule. */
  readonly lifetimeEnvSteps: number;
  /** The iteration this update belongs to, named in the divergence error. */
  readonly trainingIteration?: number;
}

export class A2CLearner extends ActorCriticLearner<A2CLossConfig> {
  constructor(module: MLPModule, learnerConfig: LearnerConfig) {
    super(module, learnerConfig, 'A2C', a2cLoss);
  }

  async update(batch: SampleBatch, cfg: A2CUpdateConfig): Promise<Record<string, number>> {
    // 1. Advantages and value targets. Without GAE RLlib uses discounted returns minus V, which
    // is exactly GAE with lambda 1 (same bootstrap from V on truncation and cuts).
    const { advantages, valueTargets } = cfg.useCritic
      ? await actorCriticAdvantages(this.module, batch, { gamma: cfg.gamma, lambda: cfg.useGae ? cfg.lambda : 1 })
      : discountedReturns(batch, cfg.gamma);

    // 2. One gradient step on the whole batch.
    this.lossConfig = { vfLossCoeff: cfg.vfLossCoeff, entropyCoeff: cfg.entropyCoeff, useCritic: cfg.useCritic };
    const stats = await this.learner.updateAccumulated(
      {
        [A2CColumns.OBS]: batch.obs,
        [A2CColumns.ACTIONS]: batch.actions,
        [A2CColumns.ADVANTAGES]: advantages,
        [A2CColumns.VALUE_TARGETS]: valueTargets,
      },
      batch.numSteps,
      cfg,
    );
    return { ...stats, num_env_steps_trained: batch.numSteps };
  }
}

/**
 * Without a critic (RLlib use_critic=False) the advantages are the discounted returns within each
 * chunk, with no value to bootstrap from (a cut or truncated chunk counts as ending there); the
 * value targets are unused.
 */
function discountedReturns(batch: SampleBatch, gamma: number): Omit<AdvantageColumns, 'distInputs'> {
  const { advantages } = computeGae({
    rewards: batch.rewards,
    chunkStarts: batch.chunkStarts,
    chunkEnds: batch.chunkEnds,
    vfPreds: new Float32Array(batch.numSteps),
    bootstrapValues: new Float32Array(batch.chunkEnds.length),
    gamma,
    lambda: 1,
  });
  return { advantages, valueTargets: new Float32Array(batch.numSteps) };
}
