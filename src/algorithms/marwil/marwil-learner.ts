/**
 * MARWIL's Learner (RLlib: MARWILLearner + its GAE connector with lambda_ = 1): value targets
 * from the current value function at the recorded segments' ends, then
 * dataset_num_iters_per_learner gradient steps, each on train_batch_size_per_learner rows.
 */
import * as tf from '@tensorflow/tfjs';
import { Learner, type LossOutput, type Minibatch, type UpdateContext } from '../../learner/learner';
import type { MLPModule } from '../../rl-module/mlp-module';
import type { MARWILConfig } from './marwil-config';
import type { MARWILDataset } from './marwil-data';
import { MARWILColumns, marwilLoss } from './marwil-loss';

export class MARWILLearner extends Learner<MLPModule> {
  /** c^2, the moving average of squared advantages. RLlib: moving_avg_sqd_adv_norms_per_module. */
  private readonly movingAvgSqdAdvNorm: tf.Variable;

  constructor(
    module: MLPModule,
    readonly config: MARWILConfig['training'],
    /** Gradient steps per update. RLlib: dataset_num_iters_per_learner. */
    private readonly numItersPerUpdate: number,
  ) {
    super(module, config);
    this.movingAvgSqdAdvNorm = tf.tidy(() => tf.variable(tf.scalar(config.movingAverageSqdAdvNormStart), false));
  }

  /** `numItersPerUpdate` gradient steps on the next rows of the recorded data. */
  async update(data: MARWILDataset, ctx: UpdateContext): Promise<Record<string, number>> {
    const t = this.config;
    const rows = data.nextRows(this.numItersPerUpdate * t.trainBatchSizePerLearner, ctx.rng);
    const { obs, actions } = data.gather(rows);
    const columns: Record<string, Float32Array | Int32Array> = {
      [MARWILColumns.OBS]: obs,
      [MARWILColumns.ACTIONS]: actions,
    };
    // Learner connector (BC needs no returns: RLlib's BC skips the value branch and its connector).
    if (t.beta > 0) {
      const bootstrapValues = await this.values(data.bootstrapObs(), data.bootstrapRows.length, data.table.obsDim);
      columns[MARWILColumns.VALUE_TARGETS] = Float32Array.from(rows, (r) => data.valueTarget(r, bootstrapValues));
    }
    // The rows are already a shuffled draw.
    const loop = { numEpochs: 1, minibatchSize: t.trainBatchSizePerLearner, shuffle: false };
    const stats = await this.updateEpochs(columns, rows.length, loop, ctx);
    return { ...stats, num_env_steps_trained: rows.length };
  }

  computeLoss(minibatch: Minibatch): LossOutput {
    return marwilLoss(this.module, minibatch, this.config, this.movingAvgSqdAdvNorm);
  }

  /** V(obs) for `count` rows: one no-grad forward, one readback. */
  private async values(obs: Float32Array, count: number, obsDim: number): Promise<Float32Array> {
    if (count === 0) return new Float32Array(0);
    const v = tf.tidy(() => this.module.forwardTrain(tf.tensor2d(obs, [count, obsDim])).vfPreds);
    const out = (await v.data()) as Float32Array;
    v.dispose();
    return out;
  }

  protected override async learnerState(): Promise<Record<string, number>> {
    return { movingAvgSqdAdvNorm: (await this.movingAvgSqdAdvNorm.data())[0]! };
  }

  protected override restoreLearnerState(state: Readonly<Record<string, number>>): void {
    const value = state['movingAvgSqdAdvNorm'] ?? this.config.movingAverageSqdAdvNormStart;
    tf.tidy(() => this.movingAvgSqdAdvNorm.assign(tf.scalar(value)));
  }

  override dispose(): void {
    this.movingAvgSqdAdvNorm.dispose();
    super.dispose();
  }
}
