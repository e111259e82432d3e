/**
 * IMPALA's Learner (RLlib: IMPALALearner with its V-trace learner connector): one no-grad
 * forward of the batch, V-trace per chunk in plain JS (connectors/vtrace.ts), then one gradient
 * step on the whole batch (RLlib's IMPALA default: num_epochs 1, minibatch = train batch).
 * APPO's learner (appo/appo-learner.ts) extends it.
 */
import { vtraceOnBatch } from '../../connectors/vtrace';
import { requireColumn, type SampleBatch } from '../../core/sample-batch';
import { yieldIfBusy } from '../../core/yield';
import { forwardBatch, type Columns } from '../../learner/batch-columns';
import { Learner, type LossOutput, type Minibatch, type UpdateContext } from '../../learner/learner';
import type { MLPModule } from '../../rl-module/mlp-module';
import type { IMPALAConfig } from './impala-config';
import { ImpalaColumns, impalaLoss } from './impala-loss';

/** Longest stretch of learner work without giving the page a turn (long tasks start at 50 ms). */
export const YIELD_EVERY_MS = 40;

/** The train batch the V-trace connector builds, with its targets for the learner's stats. */
export interface VtraceTrainBatch {
  readonly columns: Columns;
  readonly vs: Float32Array;
  readonly pgAdvantages: Float32Array;
}

export class IMPALALearner extends Learner<MLPModule> {
  constructor(
    module: MLPModule,
    readonly config: IMPALAConfig['training'],
  ) {
    super(module, config);
  }

  /** One gradient step on `batch` with V-trace targets; returns the learner stats. */
  async update(batch: SampleBatch, ctx: UpdateContext): Promise<Record<string, number>> {
    // 1. Learner connector: V-trace value targets and advantages, without gradient.
    const { columns, vs, pgAdvantages } = await this.vtraceConnector(batch);
    // 2. One gradient step on the whole batch.
    const loop = { numEpochs: 1, minibatchSize: batch.numSteps, shuffle: false };
    const stats = await this.updateEpochs(columns, batch.numSteps, loop, ctx);
    return { ...stats, vtrace_vs_mean: mean(vs), vtrace_pg_advantages_mean: mean(pgAdvantages) };
  }

  /**
   * V-trace toward the policy being trained. The forward, V-trace and the gradient step each take
   * tens of ms on wasm for a few thousand rows: the page gets a turn between them when one is due.
   */
  protected async vtraceConnector(batch: SampleBatch): Promise<VtraceTrainBatch> {
    const t = this.config;
    const current = await forwardBatch(this.module, batch);
    await yieldIfBusy(YIELD_EVERY_MS);
    const estimates = {
      behaviourLogp: requireColumn(batch, 'actionLogp', 'V-trace'),
      targetLogp: logpOf(this.module, current.distInputs, batch),
      values: current.vfPreds,
      bootstrapValues: current.bootstrapValues,
    };
    const { vs, pgAdvantages } = vtraceOnBatch(batch, estimates, {
      discount: t.gamma,
      clipRhoThreshold: t.vtraceClipRhoThreshold,
      clipPgRhoThreshold: t.vtraceClipPgRhoThreshold,
    });
    await yieldIfBusy(YIELD_EVERY_MS);
    const columns = {
      [ImpalaColumns.OBS]: batch.obs,
      [ImpalaColumns.ACTIONS]: batch.actions,
      [ImpalaColumns.PG_ADVANTAGES]: pgAdvantages,
      [ImpalaColumns.VS]: vs,
    };
    return { columns, vs, pgAdvantages };
  }

  computeLoss(minibatch: Minibatch): LossOutput {
    const { vfLossCoeff, entropyCoeff } = this.config;
    return impalaLoss(this.module, minibatch, { vfLossCoeff, entropyCoeff, appo: null });
  }
}

/** log pi(a_t|s_t) of each row's action under `distInputs` (plain JS, one row at a time). */
export function logpOf(module: MLPModule, distInputs: Float32Array, batch: SampleBatch): Float32Array {
  const out = new Float32Array(batch.numSteps);
  for (let i = 0; i < batch.numSteps; i++) out[i] = module.distribution.logpRow(distInputs, i, batch.actions);
  return out;
}

function mean(xs: Float32Array): number {
  let s = 0;
  for (const x of xs) s += x;
  return xs.length > 0 ? s / xs.length : 0;
}
