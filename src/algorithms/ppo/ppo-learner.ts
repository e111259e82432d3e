/**
 * PPO's learner step (RLlib: PPOLearner + its GAE learner connector): recompute values and the
 * old distribution, GAE, epochs x minibatches of the PPO loss, then adapt the KL coefficient.
 */
import { normalizeAdvantages } from '../../connectors/gae';
import type { Rng } from '../../core/rng';
import { requireColumn, type SampleBatch } from '../../core/sample-batch';
import type { LearnerConfig } from '../../learner/learner';
import type { MLPModule } from '../../rl-module/mlp-module';
import { actorCriticAdvantages } from '../actor-critic-advantages';
import { ActorCriticLearner } from '../actor-critic-learner';
import type { PPOLossConfig } from './ppo-loss';
import { PPOColumns, ppoLoss } from './ppo-loss';

export interface PPOUpdateConfig extends Omit<PPOLossConfig, 'klCoeff'> {
  /** Discount. RLlib: gamma. */
  readonly gamma: number;
  /** GAE lambda. RLlib: lambda_. CleanRL: gae_lambda. */
  readonly lambda: number;
  /** RLlib: num_epochs. CleanRL: update_epochs. */
  readonly numEpochs: number;
  /** RLlib: minibatch_size. */
  readonly minibatchSize: number;
  readonly shuffle: boolean;
  /** Target for the adaptive KL coefficient. RLlib: kl_target. */
  readonly klTarget: number;
  readonly rng: Rng;
  /** For the lr schedule. */
  readonly lifetimeEnvSteps: number;
  /** The iteration this update belongs to, named in the divergence error. */
  readonly trainingIteration?: number;
}

/** What a PPO learner adds to a checkpoint besides weights and optimizer state. */
export interface PPOLearnerState {
  readonly currKlCoeff: number;
}

export class PPOLearner extends ActorCriticLearner<PPOLossConfig> {
  /** Adaptive KL coefficient. RLlib: curr_kl_coeffs_per_module (starts at kl_coeff). */
  currKlCoeff: number;

  constructor(
    module: MLPModule,
    learnerConfig: LearnerConfig,
    /** Initial KL coefficient. RLlib: kl_coeff (default 0.2). */
    klCoeff: number,
  ) {
    super(module, learnerConfig, 'PPO', ppoLoss);
    this.currKlCoeff = klCoeff;
  }

  async update(batch: SampleBatch, cfg: PPOUpdateConfig): Promise<Record<string, number>> {
    // 1-2. Old policy outputs and values (one no-grad forward, one readback), then GAE.
    const {
      distInputs: oldDistInputs,
      advantages,
      valueTargets,
    } = await actorCriticAdvantages(this.module, batch, cfg);
    normalizeAdvantages(advantages);

    // 3. Epochs x minibatches of the PPO loss.
    this.lossConfig = {
      clipParam: cfg.clipParam,
      vfClipParam: cfg.vfClipParam,
      vfLossCoeff: cfg.vfLossCoeff,
      entropyCoeff: cfg.entropyCoeff,
      useKlLoss: cfg.useKlLoss,
      klCoeff: this.currKlCoeff,
    };
    const stats = await this.learner.update(
      {
        [PPOColumns.OBS]: batch.obs,
        [PPOColumns.ACTIONS]: batch.actions,
        [PPOColumns.OLD_LOGP]: requireColumn(batch, 'actionLogp', 'The PPO loss'),
        // Only the KL term reads the old distribution; every column is gathered per minibatch.
        ...(cfg.useKlLoss ? { [PPOColumns.OLD_DIST_INPUTS]: oldDistInputs } : {}),
        [PPOColumns.ADVANTAGES]: advantages,
        [PPOColumns.VALUE_TARGETS]: valueTargets,
      },
      batch.numSteps,
      cfg,
    );

    // 4. Adapt the KL coefficient (RLlib's PPOTorchLearner.additional_update_for_module).
    if (cfg.useKlLoss) {
      const meanKl = stats.mean_kl_loss ?? 0;
      if (meanKl > 2 * cfg.klTarget) this.currKlCoeff *= 1.5;
      else if (meanKl < 0.5 * cfg.klTarget) this.currKlCoeff *= 0.5;
    }
    return { ...stats, curr_kl_coeff: this.currKlCoeff, num_env_steps_trained: batch.numSteps };
  }

  getState(): PPOLearnerState {
    return { currKlCoeff: this.currKlCoeff };
  }

  setState(state: PPOLearnerState): void {
    this.currKlCoeff = state.currKlCoeff;
  }
}
