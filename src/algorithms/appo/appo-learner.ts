/**
 * APPO's Learner (RLlib: APPOLearner / APPOTorchLearner; Luo et al. 2020, "IMPACT"): IMPALA's
 * learner with V-trace computed against a target network (with lambda folded into the
 * discounts), PPO's clipped surrogate on the V-trace advantages with IMPACT's target-worker
 * clipping of mu / pi_target, and, after each update (RLlib: after_gradient_based_update), the
 * target network moving toward the policy every targetNetworkUpdateFreq * N * K *
 * trainBatchSizePerLearner trained env steps, the KL coefficient adapting when it does.
 */
import { vtraceOnBatch } from '../../connectors/vtrace';
import { requireColumn, type SampleBatch } from '../../core/sample-batch';
import { yieldIfBusy } from '../../core/yield';
import { forwardBatch } from '../../learner/batch-columns';
import type { LearnerState, LossOutput, Minibatch, UpdateContext } from '../../learner/learner';
import { TargetNetwork } from '../../learner/target-network';
import type { MLPModule } from '../../rl-module/mlp-module';
import { DEFAULT_MODULE_ID } from '../checkpoint';
import { IMPALALearner, logpOf, YIELD_EVERY_MS, type VtraceTrainBatch } from '../impala/impala-learner';
import { ImpalaColumns, impalaLoss } from '../impala/impala-loss';
import type { APPOConfig } from './appo-config';

export class APPOLearner extends IMPALALearner {
  /** RLlib: curr_kl_coeffs_per_module. */
  currKlCoeff: number;
  /** The target copy of the policy's variables (learner/target-network.ts). */
  readonly target: TargetNetwork;

  constructor(
    module: MLPModule,
    override readonly config: APPOConfig['training'],
    /** A module of the same architecture that runs the target variables (V-trace, the KL term). */
    private readonly targetModule: MLPModule,
  ) {
    super(module, config);
    this.currKlCoeff = config.klCoeff;
    this.target = TargetNetwork.fromModule(module);
  }

  /** V-trace toward the target network (IMPACT), and the surrogate's clipped importance weights. */
  protected override async vtraceConnector(batch: SampleBatch): Promise<VtraceTrainBatch> {
    const t = this.config;
    const behaviourLogp = requireColumn(batch, 'actionLogp', 'V-trace');
    const current = await forwardBatch(this.module, batch);
    await yieldIfBusy(YIELD_EVERY_MS);
    const target = await forwardBatch(this.targetModule, batch, false);
    await yieldIfBusy(YIELD_EVERY_MS);
    const targetLogp = logpOf(this.module, target.distInputs, batch);
    const estimates = { behaviourLogp, targetLogp, values: current.vfPreds, bootstrapValues: current.bootstrapValues };
    const { vs, pgAdvantages } = vtraceOnBatch(batch, estimates, {
      discount: t.gamma * t.lambda,
      clipRhoThreshold: t.vtraceClipRhoThreshold,
      clipPgRhoThreshold: t.vtraceClipPgRhoThreshold,
    });
    await yieldIfBusy(YIELD_EVERY_MS);
    // IMPACT's target-worker clipping: min(rho, mu / pi_target) per row.
    const weights = new Float32Array(batch.numSteps);
    for (let i = 0; i < batch.numSteps; i++) {
      weights[i] = Math.min(t.targetWorkerClipping, Math.exp(behaviourLogp[i]! - targetLogp[i]!));
    }
    const columns = {
      [ImpalaColumns.OBS]: batch.obs,
      [ImpalaColumns.ACTIONS]: batch.actions,
      [ImpalaColumns.PG_ADVANTAGES]: pgAdvantages,
      [ImpalaColumns.VS]: vs,
      [ImpalaColumns.BEHAVIOUR_LOGP]: behaviourLogp,
      [ImpalaColumns.TARGET_WORKER_WEIGHTS]: weights,
      ...(t.useKlLoss ? { [ImpalaColumns.TARGET_DIST_INPUTS]: target.distInputs } : {}),
    };
    return { columns, vs, pgAdvantages };
  }

  override computeLoss(minibatch: Minibatch): LossOutput {
    const { vfLossCoeff, entropyCoeff, clipParam, useKlLoss } = this.config;
    const appo = { clipParam, useKlLoss, klCoeff: this.currKlCoeff };
    return impalaLoss(this.module, minibatch, { vfLossCoeff, entropyCoeff, appo });
  }

  /** Target network and KL coefficient on RLlib's schedule (APPOLearner.after_gradient_based_update). */
  protected override afterGradientUpdate(
    stats: Readonly<Record<string, number>>,
    ctx: UpdateContext,
  ): Record<string, number> {
    const t = this.config;
    const period =
      t.targetNetworkUpdateFreq *
      t.circularBufferNumBatches *
      t.circularBufferIterationsPerBatch *
      t.trainBatchSizePerLearner;
    if (this.target.maybeUpdate(ctx.envStepsTrainedLifetime, { targetNetworkUpdateFreq: period, tau: t.tau })) {
      this.copyTargetIntoModule();
      // RLlib's APPOTorchLearner._update_module_kl_coeff.
      if (t.useKlLoss) {
        const meanKl = stats['mean_kl_loss'] ?? 0;
        if (meanKl > 2 * t.klTarget) this.currKlCoeff *= 1.5;
        else if (meanKl < 0.5 * t.klTarget) this.currKlCoeff *= 0.5;
      }
    }
    return { curr_kl_coeff: this.currKlCoeff };
  }

  private copyTargetIntoModule(): void {
    this.target.variables.forEach((v, i) => this.targetModule.trainableVariables[i]!.assign(v));
  }

  protected override learnerState(): Promise<Record<string, number>> {
    return Promise.resolve({ currKlCoeff: this.currKlCoeff });
  }

  protected override restoreLearnerState(state: Readonly<Record<string, number>>): void {
    this.currKlCoeff = state['currKlCoeff'] ?? this.config.klCoeff;
  }

  override async getState(): Promise<LearnerState> {
    return { ...(await super.getState()), targetNetworks: { [DEFAULT_MODULE_ID]: await this.target.getState() } };
  }

  /** A checkpoint without a target network (written before APPO kept one) starts it from the policy. */
  override async setState(state: LearnerState): Promise<void> {
    await super.setState(state);
    const target = state.targetNetworks?.[DEFAULT_MODULE_ID];
    if (target) this.target.setState(target);
    else this.target.hardUpdate();
    this.copyTargetIntoModule();
  }

  override dispose(): void {
    this.target.dispose();
    this.targetModule.dispose();
    super.dispose();
  }
}
