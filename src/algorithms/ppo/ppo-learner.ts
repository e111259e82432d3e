/**
 * PPO's Learner (RLlib: PPOLearner with its GAE learner connector): one no-grad forward for the
 * old policy's outputs and values, GAE, epochs x minibatches of the PPO loss, then the adaptive
 * KL coefficient (RLlib: PPOTorchLearner.after_gradient_based_update).
 */
import { generalAdvantageEstimation, normalizeAdvantages } from '../../connectors/gae';
import { requireColumn, type SampleBatch } from '../../core/sample-batch';
import { forwardBatch, shuffleInPlace } from '../../learner/batch-columns';
import { FusedTrainer } from '../../learner/fused-trainer';
import { Learner, type LossOutput, type Minibatch, type UpdateContext } from '../../learner/learner';
import type { MLPModule } from '../../rl-module/mlp-module';
import type { PPOConfig } from './ppo-config';
import { PPOFusedLoss } from './ppo-fused';
import { PPOColumns, ppoLoss } from './ppo-loss';

export class PPOLearner extends Learner<MLPModule> {
  /** Adaptive KL coefficient. RLlib: curr_kl_coeffs_per_module (starts at kl_coeff). */
  currKlCoeff: number;
  /** The fused path (FAST_PATHS.fusedMlp on a CPU backend), or null: the TF.js step. */
  private readonly fused: { readonly trainer: FusedTrainer; readonly loss: PPOFusedLoss } | null;

  constructor(
    module: MLPModule,
    readonly config: PPOConfig['training'],
  ) {
    super(module, config);
    this.currKlCoeff = config.klCoeff;
    const trainer = FusedTrainer.create(module, this.groups, null);
    this.fused = trainer && { trainer, loss: new PPOFusedLoss(trainer, module) };
  }

  /** Whether updates run on the fused path (a data-parallel learner never does). */
  get isFused(): boolean {
    return this.fused !== null && !this.dataParallel;
  }

  /** RLlib: Learner.update with PPO's connector pipeline, num_epochs, minibatch_size and shuffle. */
  async update(batch: SampleBatch, ctx: UpdateContext): Promise<Record<string, number>> {
    if (this.fused && !this.dataParallel) return this.updateOnFusedPath(this.fused, batch, ctx);
    const t = this.config;
    // 1. Learner connector: the old policy's outputs and V (one forward, one readback), then GAE.
    const forward = await forwardBatch(this.module, batch);
    const { advantages, valueTargets } = generalAdvantageEstimation(batch, forward, t);
    normalizeAdvantages(advantages);

    // 2. Epochs x minibatches of computeLoss. RLlib's minibatch_size is per learner, so in a
    // data-parallel group one step covers numLearners x minibatchSize rows.
    const columns = {
      [PPOColumns.OBS]: batch.obs,
      [PPOColumns.ACTIONS]: batch.actions,
      [PPOColumns.OLD_LOGP]: requireColumn(batch, 'actionLogp', 'The PPO loss'),
      // Only the KL term reads the old distribution; every column is gathered per minibatch.
      ...(t.useKlLoss ? { [PPOColumns.OLD_DIST_INPUTS]: forward.distInputs } : {}),
      [PPOColumns.ADVANTAGES]: advantages,
      [PPOColumns.VALUE_TARGETS]: valueTargets,
    };
    const loop = {
      numEpochs: t.numEpochs,
      minibatchSize: t.minibatchSize * (this.dataParallel?.size ?? 1),
      shuffle: t.shuffleBatchPerEpoch,
    };
    const stats = await this.updateEpochs(columns, batch.numSteps, loop, ctx);
    return { ...stats, num_env_steps_trained: batch.numSteps };
  }

  /**
   * `update` on the fused path: the old policy's forward and GAE, then the same epochs of
   * minibatches (the same shuffles from ctx.rng, the last minibatch of an epoch wrapping around
   * as in Learner.updateEpochs) as one fused update.
   */
  private async updateOnFusedPath(
    fused: NonNullable<PPOLearner['fused']>,
    batch: SampleBatch,
    ctx: UpdateContext,
  ): Promise<Record<string, number>> {
    const t = this.config;
    const rows = batch.numSteps;
    if (rows < 1) throw new RangeError('PPOLearner.update needs at least one row');
    fused.trainer.syncIn();
    const forward = fused.loss.forwardBatch(batch.obs, rows, batch.finalObs, batch.chunkEnds.length);
    const { advantages, valueTargets } = generalAdvantageEstimation(batch, forward, t);
    normalizeAdvantages(advantages);
    const columns = {
      obs: batch.obs,
      actions: batch.actions,
      oldLogp: requireColumn(batch, 'actionLogp', 'The PPO loss'),
      oldDistInputs: t.useKlLoss ? forward.distInputs : null,
      advantages,
      valueTargets,
    };
    const minibatchSize = Math.min(t.minibatchSize, rows);
    const numMinibatches = Math.ceil(rows / minibatchSize);
    const permutation = Int32Array.from({ length: rows }, (_, i) => i);
    const indices = new Int32Array(minibatchSize);
    const cfg = { ...t, klCoeff: this.currKlCoeff };
    const step = (k: number) => {
      const mb = k % numMinibatches;
      if (mb === 0 && t.shuffleBatchPerEpoch) shuffleInPlace(permutation, ctx.rng);
      for (let j = 0; j < minibatchSize; j++) indices[j] = permutation[(mb * minibatchSize + j) % rows]!;
      return fused.loss.step(columns, indices, cfg);
    };
    const stats = await this.updateFused(fused.trainer, t.numEpochs * numMinibatches, ctx, step);
    return { ...stats, num_env_steps_trained: rows };
  }

  computeLoss(minibatch: Minibatch): LossOutput {
    return ppoLoss(this.module, minibatch, { ...this.config, klCoeff: this.currKlCoeff });
  }

  /** 3. Adapt the KL coefficient to the update's mean KL (RLlib: PPOTorchLearner._update_module_kl_coeff). */
  protected override afterGradientUpdate(stats: Readonly<Record<string, number>>): Record<string, number> {
    const t = this.config;
    if (t.useKlLoss) {
      const meanKl = stats['mean_kl_loss'] ?? 0;
      if (meanKl > 2 * t.klTarget) this.currKlCoeff *= 1.5;
      else if (meanKl < 0.5 * t.klTarget) this.currKlCoeff *= 0.5;
    }
    return { curr_kl_coeff: this.currKlCoeff };
  }

  protected override learnerState(): Promise<Record<string, number>> {
    return Promise.resolve({ currKlCoeff: this.currKlCoeff });
  }

  protected override restoreLearnerState(state: Readonly<Record<string, number>>): void {
    this.currKlCoeff = state['currKlCoeff'] ?? this.config.klCoeff;
  }
}
