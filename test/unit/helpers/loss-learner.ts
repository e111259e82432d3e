/**
 * The Learner's loops under test without an algorithm: a Learner whose `computeLoss` is a given
 * function of its module and the minibatch, with `update` running the epochs-of-minibatches loop;
 * and a module of bare variables for it to train.
 */
import * as tf from '@tensorflow/tfjs';
import { Learner } from '../../../src/learner/learner';
import type {
  EpochsLoop,
  LearnerConfig,
  LossOutput,
  Minibatch,
  TrainableModule,
  UpdateContext,
} from '../../../src/learner/learner';
import type { Columns } from '../../../src/learner/batch-columns';
import { assignWeights, readWeights } from '../../../src/rl-module/variables';
import type { ModuleWeights } from '../../../src/rl-module/weights';

export type LossFn<M> = (module: M, minibatch: Minibatch) => LossOutput;

export class LossLearner<M extends TrainableModule> extends Learner<M> {
  constructor(
    module: M,
    config: LearnerConfig,
    private readonly lossFn: LossFn<M>,
  ) {
    super(module, config);
  }

  computeLoss(minibatch: Minibatch): LossOutput {
    return this.lossFn(this.module, minibatch);
  }

  /** `updateEpochs` with the loop and the context in one options object. */
  update(
    columns: Columns,
    rowCount: number,
    opts: EpochsLoop & Omit<UpdateContext, 'envStepsTrainedLifetime'>,
  ): Promise<Record<string, number>> {
    return this.updateEpochs(columns, rowCount, opts, { envStepsTrainedLifetime: 0, ...opts });
  }
}

/** A module that is only named variables (the loss functions of the tests are its forward). */
export class VariablesModule implements TrainableModule {
  weightsVersion = 0;

  constructor(
    readonly variableNames: readonly string[],
    readonly trainableVariables: readonly tf.Variable[],
  ) {}

  getWeights(): Promise<ModuleWeights> {
    return readWeights(this.trainableVariables, this.variableNames, this.weightsVersion);
  }

  setWeights(weights: ModuleWeights): void {
    assignWeights(this.trainableVariables, this.variableNames, weights);
    this.weightsVersion = weights.version;
  }

  dispose(): void {
    tf.dispose([...this.trainableVariables]);
  }
}
