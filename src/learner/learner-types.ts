/** The Learner's contracts (learner/learner.ts): what a module, a loss, an update and a checkpoint part look like. */
import type * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng';
import type { ModuleWeights } from '../rl-module/weights';
import type { GradClipBy } from './grad-clip';
import type { LrSchedule } from './lr-schedule';
import type { OptimizerGroupConfig, OptimizerState } from './optimizer-group';
import type { TargetNetworkState } from './target-network';

/** What the Learner needs from a module (MLPModule satisfies it). */
export interface TrainableModule {
  readonly trainableVariables: readonly tf.Variable[];
  /** Logical names in the order of `trainableVariables`, used to name optimizer state. */
  readonly variableNames: readonly string[];
  weightsVersion: number;
  getWeights(): Promise<ModuleWeights>;
  /** Checks names and shapes (throws `module/weights-mismatch`), then assigns. */
  setWeights(weights: ModuleWeights): void;
  dispose(): void;
}

/**
 * The optimizer settings. Every algorithm's training section has these keys, so a learner passes
 * its (readonly) training config here as it is; it is read at each update, never copied.
 */
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
   * Non-finite Adam steps in a row (skipped, not applied) after which an update throws
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

/**
 * What the algorithm tells a learner about the run at each update (RLlib passes `timesteps`).
 * Settings are not here: a learner reads them from its own training config.
 */
export interface UpdateContext {
  /** The algorithm's seeded Rng: minibatch shuffles, SAC's noise. */
  readonly rng: Rng;
  /** Env steps sampled so far: lr schedules, DQN's target-update clock. RLlib: NUM_ENV_STEPS_SAMPLED_LIFETIME. */
  readonly lifetimeEnvSteps: number;
  /** Env steps trained so far, this update's included: APPO's target-update clock. RLlib: NUM_ENV_STEPS_TRAINED_LIFETIME. */
  readonly envStepsTrainedLifetime: number;
  /** The iteration this update belongs to, named in the divergence error. */
  readonly trainingIteration?: number;
}

/** The epochs-of-minibatches loop. RLlib: Learner.update's num_epochs, minibatch_size, shuffle_batch_per_epoch. */
export interface EpochsLoop {
  readonly numEpochs: number;
  /** Rows per gradient step (this learner's, or the group's in a data-parallel group). */
  readonly minibatchSize: number;
  readonly shuffle: boolean;
}

/** One compute-gradients result: the loss, its stats and TD errors (kept), one gradient per variable. */
export interface Gradients {
  readonly loss: tf.Scalar;
  readonly stats: Record<string, tf.Scalar>;
  readonly tdErrors: tf.Tensor1D | null;
  /** In `trainableVariables` order; null where the loss does not reach a variable. */
  readonly grads: (tf.Tensor | null)[];
}

/**
 * A learner's part of a checkpoint (RLlib: Learner.get_state): the module's weights, every
 * optimizer group, the learner's own scalars and its target networks. Plain data.
 */
export interface LearnerState {
  readonly weights: ModuleWeights;
  /** The first optimizer group's Adam state ('default'). */
  readonly optimizerState: OptimizerState;
  /** The groups after the first, by name (SAC's 'policy' and 'alpha'); absent with one group. */
  readonly optimizers?: Readonly<Record<string, OptimizerState>>;
  /** What a subclass keeps (PPO: currKlCoeff; MARWIL: movingAvgSqdAdvNorm). */
  readonly learnerState: Readonly<Record<string, number>>;
  /** Target networks by module id (DQN, SAC, APPO). */
  readonly targetNetworks?: Readonly<Record<string, TargetNetworkState>>;
}
