/**
 * MARWIL's learner step (RLlib: MARWILLearner + its GAE connector with lambda_ = 1): value
 * targets from the current value function at the recorded segments' ends, then
 * dataset_num_iters_per_learner gradient steps, each on train_batch_size_per_learner rows.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/rng';
import { Learner, type LearnerConfig, type OptimizerState } from '../../learner/learner';
import type { MLPModule } from '../../rl-module/mlp-module';
import type { MARWILDataset } from './marwil-data';
import { MARWILColumns, marwilLoss, type MARWILLossConfig } from './marwil-loss';

export interface MARWILUpdateOptions {
  /** Gradient steps this update. RLlib: dataset_num_iters_per_learner. */
  readonly numIters: number;
  /** Rows per gradient step. RLlib: train_batch_size_per_learner. */
  readonly batchSize: number;
  readonly rng: Rng;
  /** For the lr schedule: rows trained so far (an offline run samples no env steps to train on). */
  readonly lifetimeEnvSteps: number;
  readonly trainingIteration?: number;
}

/** What a MARWIL learner adds to a checkpoint besides weights and optimizer state. */
export interface MARWILLearnerState {
  /** c^2, the moving average of squared advantages. RLlib: moving_avg_sqd_adv_norms_per_module. */
  readonly movingAvgSqdAdvNorm: number;
}

export class MARWILLearner {
  readonly learner: Learner<MLPModule>;
  private readonly movingAvgSqdAdvNorm: tf.Variable;

  constructor(
    readonly module: MLPModule,
    learnerConfig: LearnerConfig,
    private readonly lossConfig: MARWILLossConfig,
    movingAverageSqdAdvNormStart: number,
  ) {
    this.movingAvgSqdAdvNorm = tf.tidy(() => tf.variable(tf.scalar(movingAverageSqdAdvNormStart), false));
    this.learner = new Learner(module, learnerConfig, (m, minibatch) =>
      marwilLoss(m, minibatch, this.lossConfig, this.movingAvgSqdAdvNorm),
    );
  }

  async update(data: MARWILDataset, opts: MARWILUpdateOptions): Promise<Record<string, number>> {
    const rows = data.nextRows(opts.numIters * opts.batchSize, opts.rng);
    const { obs, actions } = data.gather(rows);
    const columns: Record<string, Float32Array | Int32Array> = {
      [MARWILColumns.OBS]: obs,
      [MARWILColumns.ACTIONS]: actions,
    };
    // BC needs no returns (RLlib's BC skips the value branch and its connector).
    if (this.lossConfig.beta > 0) {
      const bootstrapValues = await this.values(data.bootstrapObs(), data.bootstrapRows.length, data.table.obsDim);
      columns[MARWILColumns.VALUE_TARGETS] = Float32Array.from(rows, (r) => data.valueTarget(r, bootstrapValues));
    }
    const stats = await this.learner.update(columns, rows.length, {
      numEpochs: 1,
      minibatchSize: opts.batchSize,
      shuffle: false, // the rows are already a shuffled draw
      rng: opts.rng,
      lifetimeEnvSteps: opts.lifetimeEnvSteps,
      ...(opts.trainingIteration !== undefined ? { trainingIteration: opts.trainingIteration } : {}),
    });
    return { ...stats, num_env_steps_trained: rows.length };
  }

  /** V(obs) for `count` rows: one no-grad forward, one readback. */
  private async values(obs: Float32Array, count: number, obsDim: number): Promise<Float32Array> {
    if (count === 0) return new Float32Array(0);
    const v = tf.tidy(() => this.module.forwardTrain(tf.tensor2d(obs, [count, obsDim])).vfPreds);
    const out = (await v.data()) as Float32Array;
    v.dispose();
    return out;
  }

  async getState(): Promise<MARWILLearnerState> {
    return { movingAvgSqdAdvNorm: (await this.movingAvgSqdAdvNorm.data())[0]! };
  }

  setState(state: MARWILLearnerState): void {
    tf.tidy(() => this.movingAvgSqdAdvNorm.assign(tf.scalar(state.movingAvgSqdAdvNorm)));
  }

  getOptimizerState(): Promise<OptimizerState> {
    return this.learner.getOptimizerState();
  }

  setOptimizerState(state: OptimizerState): Promise<void> {
    return this.learner.setOptimizerState(state);
  }

  dispose(): void {
    this.movingAvgSqdAdvNorm.dispose();
    this.learner.dispose();
  }
}
