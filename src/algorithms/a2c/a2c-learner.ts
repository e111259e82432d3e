/**
 * A2C's Learner (RLlib's old-stack A2C: `compute_gae_for_sample_batch` postprocessing, then one
 * `learn_on_batch`): advantages from the actor-critic's values (GAE, or returns minus V), then
 * ONE gradient step on the whole batch, its gradient optionally summed over microbatches.
 */
import { generalAdvantageEstimation, type GaeResult } from '../../connectors/gae';
import type { SampleBatch } from '../../core/sample-batch';
import { forwardBatch } from '../../learner/batch-columns';
import { Learner, type LossOutput, type Minibatch, type UpdateContext } from '../../learner/learner';
import type { MLPModule } from '../../rl-module/mlp-module';
import type { A2CConfig } from './a2c-config';
import { A2CColumns, a2cLoss } from './a2c-loss';

export class A2CLearner extends Learner<MLPModule> {
  constructor(
    module: MLPModule,
    readonly config: A2CConfig['training'],
  ) {
    super(module, config);
  }

  async update(batch: SampleBatch, ctx: UpdateContext): Promise<Record<string, number>> {
    const t = this.config;
    // 1. Learner connector: advantages and value targets. Without GAE RLlib uses discounted
    // returns minus V, which is exactly GAE with lambda 1 (same bootstrap from V on truncation and cuts).
    const { advantages, valueTargets } = t.useCritic
      ? generalAdvantageEstimation(batch, await forwardBatch(this.module, batch), {
          gamma: t.gamma,
          lambda: t.useGae ? t.lambda : 1,
        })
      : discountedReturns(batch, t.gamma);

    // 2. One gradient step on the whole batch.
    const columns = {
      [A2CColumns.OBS]: batch.obs,
      [A2CColumns.ACTIONS]: batch.actions,
      [A2CColumns.ADVANTAGES]: advantages,
      [A2CColumns.VALUE_TARGETS]: valueTargets,
    };
    const stats = await this.updateAccumulated(columns, batch.numSteps, t.microbatchSize, ctx);
    return { ...stats, num_env_steps_trained: batch.numSteps };
  }

  computeLoss(minibatch: Minibatch): LossOutput {
    return a2cLoss(this.module, minibatch, this.config);
  }
}

/**
 * Without a critic (RLlib use_critic=False) the advantages are the discounted returns within each
 * chunk, with no value to bootstrap from (a cut or truncated chunk counts as ending there); the
 * value targets are unused.
 */
function discountedReturns(batch: SampleBatch, gamma: number): GaeResult {
  const zeros = {
    vfPreds: new Float32Array(batch.numSteps),
    bootstrapValues: new Float32Array(batch.chunkEnds.length),
  };
  const { advantages } = generalAdvantageEstimation(batch, zeros, { gamma, lambda: 1 });
  return { advantages, valueTargets: new Float32Array(batch.numSteps) };
}
