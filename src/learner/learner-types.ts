/** The Learner's contracts (learner/learner.ts): what a module, a loss and an update look like. */
import type * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng';
import type { GradClipBy } from './grad-clip';
import type { LrSchedule } from './lr-schedule';
import type { OptimizerGroupConfig } from './optimizer-group';

/** What the Learner needs from a module (MLPModule satisfies it). */
export interface TrainableModule {
  readonly trainableVariables: readonly tf.Variable[];
  /** Logical names in the order of `trainableVariables`, used to name optimizer state. */
  readonly variableNames: readonly string[];
  weightsVersion: number;
  dispose(): void;
}

export interface LearnerConfig {
  /** Learning rate or piecewise-linear schedule over lifetime env steps. RLlib: lr. */
  readonly lr: LrSchedule;
  /** Clip threshold, or null for none. RLlib: grad_clip. */
  readonly gradClip: number | null;
  /** RLlib: grad_clip_by. */
  readonly gradClipBy: GradClipBy;
  /** Adam epsilon (default 1e-8 as torch.optim.Adam; CleanRL uses 1e-5). */
  readonly adamEpsilon?: number;
  /**
   * Non-finite Adam steps in a row (skipped, not applied) after which `update` throws
   * `learner/diverged` (default 10). Config: training.maxConsecutiveNonFiniteUpdates.
   */
  readonly maxConsecutiveNonFiniteUpdates?: number;
  /**
   * Named optimizer groups; absent: one group 'default' over every variable with the settings
   * above. The first group's lr and clip are the ones reported as curr_lr / named in errors.
   */
  readonly optimizerGroups?: Readonly<Record<string, OptimizerGroupConfig>>;
}

export type Minibatch = Readonly<Record<string, tf.Tensor>>;

/** What a loss returns: the scalar to minimise, stats, and optionally per-row TD errors (DQN). */
export interface LossOutput {
  readonly loss: tf.Scalar;
  readonly stats: Readonly<Record<string, tf.Scalar>>;
  /** |TD error| per row, for prioritized replay. RLlib: TD_ERROR_KEY. */
  readonly tdErrors?: tf.Tensor1D;
}

/** A loss over one minibatch; runs under the gradient tape, so stats tensors are kept for the caller. */
export type LossFn<M extends TrainableModule> = (module: M, minibatch: Minibatch) => LossOutput;

export interface LearnerUpdateOptions {
  /** Passes over the batch. RLlib: num_epochs. */
  readonly numEpochs: number;
  /** Rows per gradient step. RLlib: minibatch_size. */
  readonly minibatchSize: number;
  /** Shuffle rows every epoch. RLlib: shuffle_batch_per_epoch. */
  readonly shuffle: boolean;
  readonly rng: Rng;
  /** For the lr schedule. RLlib: NUM_ENV_STEPS_SAMPLED_LIFETIME. */
  readonly lifetimeEnvSteps: number;
  /** The iteration this update belongs to, named in the divergence error. */
  readonly trainingIteration?: number;
}

/** Options of one off-policy gradient step (`updateOnBatch`). */
export interface LearnerStepOptions {
  /** For the lr schedules. RLlib: NUM_ENV_STEPS_SAMPLED_LIFETIME. */
  readonly lifetimeEnvSteps: number;
  /** The iteration this step belongs to, named in the divergence error. */
  readonly trainingIteration?: number;
}

/** One compute-gradients result: the loss, its stats and TD errors (kept), one gradient per variable. */
export interface Gradients {
  readonly loss: tf.Scalar;
  readonly stats: Record<string, tf.Scalar>;
  readonly tdErrors: tf.Tensor1D | null;
  /** In `trainableVariables` order; null where the loss does not reach a variable. */
  readonly grads: (tf.Tensor | null)[];
}
