/**
 * IMPALA's and APPO's learner step (RLlib: IMPALALearner / APPOLearner with their V-trace in the
 * loss): one no-grad forward of the batch (the policy being trained, and APPO's target network),
 * V-trace per chunk in plain JS (connectors/vtrace.ts), then one gradient step on the whole batch
 * (RLlib's IMPALA default: num_epochs 1, minibatch = train batch).
 */
import * as tf from '@tensorflow/tfjs';
import { computeVtrace } from '../../connectors/vtrace';
import type { Rng } from '../../core/rng';
import { requireColumn, type SampleBatch } from '../../core/sample-batch';
import { yieldIfBusy } from '../../core/yield';
import type { LearnerConfig, OptimizerState } from '../../learner/learner';
import { Learner } from '../../learner/learner';
import type { MLPModule } from '../../rl-module/mlp-module';
import { ImpalaColumns, impalaLoss, type ImpalaLossConfig } from './impala-loss';

/** Longest stretch of learner work without giving the page a turn (long tasks start at 50 ms). */
const YIELD_EVERY_MS = 40;

export interface ImpalaUpdateConfig {
  readonly gamma: number;
  readonly vtraceClipRhoThreshold: number;
  readonly vtraceClipPgRhoThreshold: number;
  readonly vfLossCoeff: number;
  readonly entropyCoeff: number;
  readonly rng: Rng;
  /** For the lr schedule. */
  readonly lifetimeEnvSteps: number;
  readonly trainingIteration?: number;
  /** APPO's additions; null for IMPALA. */
  readonly appo: null | {
    /** Folded into V-trace's discounts (IMPACT section 3.1). RLlib: lambda_ (1.0). */
    readonly lambda: number;
    readonly clipParam: number;
    readonly useKlLoss: boolean;
    readonly klCoeff: number;
    /** RLlib: target_worker_clipping (2.0). */
    readonly targetWorkerClipping: number;
  };
}

/** What one no-grad forward over obs ++ finalObs gives. */
interface BatchForward {
  /** numSteps * inputDim. */
  readonly distInputs: Float32Array;
  readonly values: Float32Array;
  /** V(finalObs) per chunk. */
  readonly bootstrapValues: Float32Array;
}

export class ImpalaLearner {
  readonly learner: Learner<MLPModule>;
  private lossConfig: ImpalaLossConfig | null = null;

  constructor(
    readonly module: MLPModule,
    learnerConfig: LearnerConfig,
    /** APPO's target network as a module of the same architecture (null for IMPALA). */
    private readonly targetModule: MLPModule | null = null,
  ) {
    this.learner = new Learner(module, learnerConfig, (m, batch) => {
      if (!this.lossConfig) throw new Error('IMPALA loss called outside ImpalaLearner.update');
      return impalaLoss(m, batch, this.lossConfig);
    });
  }

  /** One gradient step on `batch` with V-trace targets; returns the learner stats. */
  async update(batch: SampleBatch, cfg: ImpalaUpdateConfig): Promise<Record<string, number>> {
    const behaviourLogp = requireColumn(batch, 'actionLogp', 'V-trace');
    // The forwards, V-trace and the gradient step each take tens of ms on wasm for a few thousand
    // rows: the page gets a turn between them when one is due.
    const current = await forwardBatch(this.module, batch, true);
    await yieldIfBusy(YIELD_EVERY_MS);
    const dist = this.module.distribution;
    const logpOf = (distInputs: Float32Array): Float32Array => {
      const out = new Float32Array(batch.numSteps);
      for (let i = 0; i < batch.numSteps; i++) out[i] = dist.logpRow(distInputs, i, batch.actions);
      return out;
    };
    // IMPALA corrects toward the policy being trained; APPO toward its target network (IMPACT).
    const target = this.targetModule ? await forwardBatch(this.targetModule, batch, false) : null;
    if (target) await yieldIfBusy(YIELD_EVERY_MS);
    const targetLogp = logpOf(target ? target.distInputs : current.distInputs);
    const { vs, pgAdvantages } = computeVtrace({
      behaviourLogp,
      targetLogp,
      rewards: batch.rewards,
      values: current.values,
      chunkStarts: batch.chunkStarts,
      chunkEnds: batch.chunkEnds,
      bootstrapValues: current.bootstrapValues,
      discount: cfg.gamma * (cfg.appo?.lambda ?? 1),
      clipRhoThreshold: cfg.vtraceClipRhoThreshold,
      clipPgRhoThreshold: cfg.vtraceClipPgRhoThreshold,
    });
    await yieldIfBusy(YIELD_EVERY_MS);
    const columns: Record<string, Float32Array | Int32Array> = {
      [ImpalaColumns.OBS]: batch.obs,
      [ImpalaColumns.ACTIONS]: batch.actions,
      [ImpalaColumns.PG_ADVANTAGES]: pgAdvantages,
      [ImpalaColumns.VS]: vs,
    };
    const appo = cfg.appo;
    if (appo) {
      const weights = new Float32Array(batch.numSteps);
      for (let i = 0; i < batch.numSteps; i++) {
        weights[i] = Math.min(appo.targetWorkerClipping, Math.exp(behaviourLogp[i]! - targetLogp[i]!));
      }
      columns[ImpalaColumns.BEHAVIOUR_LOGP] = behaviourLogp;
      columns[ImpalaColumns.TARGET_WORKER_WEIGHTS] = weights;
      if (appo.useKlLoss && target) columns[ImpalaColumns.TARGET_DIST_INPUTS] = target.distInputs;
    }
    this.lossConfig = {
      vfLossCoeff: cfg.vfLossCoeff,
      entropyCoeff: cfg.entropyCoeff,
      appo: appo ? { clipParam: appo.clipParam, useKlLoss: appo.useKlLoss, klCoeff: appo.klCoeff } : null,
    };
    const stats = await this.learner.update(columns, batch.numSteps, {
      numEpochs: 1,
      minibatchSize: batch.numSteps,
      shuffle: false,
      rng: cfg.rng,
      lifetimeEnvSteps: cfg.lifetimeEnvSteps,
      ...(cfg.trainingIteration !== undefined ? { trainingIteration: cfg.trainingIteration } : {}),
    });
    return { ...stats, vtrace_vs_mean: mean(vs), vtrace_pg_advantages_mean: mean(pgAdvantages) };
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

function mean(xs: Float32Array): number {
  let s = 0;
  for (const x of xs) s += x;
  return xs.length > 0 ? s / xs.length : 0;
}

/** One upload, one readback: distribution inputs and values of the batch rows, and (withBootstrap) V(finalObs). */
async function forwardBatch(module: MLPModule, batch: SampleBatch, withBootstrap: boolean): Promise<BatchForward> {
  const { numSteps, obsDim } = batch;
  const numChunks = withBootstrap ? batch.chunkEnds.length : 0;
  const inputDim = module.distribution.inputDim;
  const allObs = new Float32Array((numSteps + numChunks) * obsDim);
  allObs.set(batch.obs.subarray(0, numSteps * obsDim));
  if (numChunks > 0) allObs.set(batch.finalObs.subarray(0, numChunks * obsDim), numSteps * obsDim);
  const packed = tf.tidy(() => {
    const { actionDistInputs, vfPreds } = module.forwardTrain(tf.tensor2d(allObs, [numSteps + numChunks, obsDim]));
    const rows = tf.slice(actionDistInputs, [0, 0], [numSteps, inputDim]);
    return tf.concat([tf.reshape(rows, [-1]), vfPreds]);
  });
  const data = (await packed.data()) as Float32Array;
  packed.dispose();
  const distEnd = numSteps * inputDim;
  return {
    distInputs: data.slice(0, distEnd),
    values: data.slice(distEnd, distEnd + numSteps),
    bootstrapValues: data.slice(distEnd + numSteps, distEnd + numSteps + numChunks),
  };
}
