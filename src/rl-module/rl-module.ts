/**
 * The RLModule contract (RLlib: ray rllib/core/rl_module/rl_module.py): one neural network object
 * with three forward passes, each with named outputs.
 *
 *  - `forwardExploration`: EnvRunners, while sampling (stochastic / epsilon-greedy actions);
 *  - `forwardInference`: EnvRunners with `explore: false`, evaluation (greedy actions);
 *  - `forwardTrain`: the Learner, on tensors, under the gradient tape.
 *
 * The first two are the runner's hot path, so unlike RLlib they do not return a dict: they write
 * into typed arrays the runner owns and reuses every step (no per-step allocation, DESIGN.md
 * section 3). Those arrays form a fixed record (`ExplorationOutputs`), not an open one: the runner
 * always passes every buffer and each module writes the columns it produces (`explorationOutputs`)
 * and leaves the others untouched. Required fields keep the contract sound (MLPModule writes
 * `actionLogp` and `vfPreds` on every call, so an out record without them would be a bug the
 * compiler should catch), and the cost of two unused `Float32Array(numEnvs)` for a Q-network is
 * nothing. New columns (e.g. `actionDistInputs` for V-trace) become new optional members here.
 *
 * The train forward returns tensors keyed by name; each module documents its keys
 * (MLPModule: `actionDistInputs`, `vfPreds`; QModule: `qValues`), which map to RLlib's column
 * names below.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng';
import type { ModuleWeights } from './weights';

/**
 * RLlib's batch column names (ray rllib/core/columns.py, class Columns), as the strings RLlib
 * uses, so batches, result keys and checkpoints read the same as RLlib's.
 */
export const Columns = {
  OBS: 'obs',
  /** Next observation, for TD algorithms (DQN, SAC). RLlib spells it `new_obs`. */
  NEXT_OBS: 'new_obs',
  ACTIONS: 'actions',
  REWARDS: 'rewards',
  TERMINATEDS: 'terminateds',
  TRUNCATEDS: 'truncateds',
  EPS_ID: 'eps_id',
  T: 't',
  ACTION_DIST_INPUTS: 'action_dist_inputs',
  ACTION_PROB: 'action_prob',
  ACTION_LOGP: 'action_logp',
  VF_PREDS: 'vf_preds',
  VALUES_BOOTSTRAPPED: 'values_bootstrapped',
  ADVANTAGES: 'advantages',
  VALUE_TARGETS: 'value_targets',
  LOSS_MASK: 'loss_mask',
} as const;
export type Column = (typeof Columns)[keyof typeof Columns];

/**
 * Q-values of every action, [B, numActions]: DQN's train output. Not one of RLlib's Columns;
 * RLlib's DQN module names it `qf_preds` (rllib/algorithms/dqn/default_dqn_rl_module.py).
 */
export const QF_PREDS = 'qf_preds';

/** Per-step outputs of an exploration forward pass, one row per sub-env, owned by the runner. */
export interface ExplorationOutputs {
  /** Every module writes these. Int32Array for Discrete, Float32Array (batch x actionDim) for Box. RLlib: actions. */
  actions: Int32Array | Float32Array;
  /** log pi(a|s) of the sampled action (stochastic policies). RLlib: action_logp. */
  actionLogp: Float32Array;
  /** V(s) (actor-critic modules). RLlib: vf_preds. */
  vfPreds: Float32Array;
}
export type ExplorationOutput = keyof ExplorationOutputs;

export interface InferenceOutputs {
  actions: Int32Array | Float32Array;
}

/** Named tensors from `forwardTrain`; the caller (under `tf.tidy`) disposes them. */
export type TrainOutputs = Readonly<Record<string, tf.Tensor>>;

/**
 * The part of an RLModule an EnvRunner uses: exploration, inference and weights. Members are
 * function-typed properties, not methods, so TypeScript checks their parameters strictly
 * (contravariantly) when a class is checked against the interface; method syntax would accept a
 * module that demands more of `out` than runners pass.
 */
export interface InferenceModule {
  /**
   * One batched forward for `batchSize` rows of `obs` (row-major, obsDim per row); writes the
   * actions (and what `explorationOutputs` lists) into `out`. Random draws come from `rng` only.
   */
  forwardExploration: (obs: Float32Array, batchSize: number, rng: Rng, out: ExplorationOutputs) => Promise<void>;
  /** Greedy actions. RLlib: forward_inference. */
  forwardInference: (obs: Float32Array, batchSize: number, out: InferenceOutputs) => Promise<void>;
  /**
   * Which members of `ExplorationOutputs` `forwardExploration` writes. Absent means all of them
   * (MLPModule, written before this member existed); a Q-network lists only `actions`.
   */
  readonly explorationOutputs?: readonly ExplorationOutput[];
  /**
   * Epsilon for epsilon-greedy exploration, set by the runner with each weight sync (the algorithm
   * evaluates RLlib's `epsilon` schedule). Absent on modules that do not explore that way.
   */
  setEpsilon?: (epsilon: number) => void;
  /** Copies of every variable, with names, shapes and version (plain data for postMessage / checkpoints). */
  getWeights: () => Promise<ModuleWeights>;
  /** Throws `module/weights-mismatch` when names or shapes differ. */
  setWeights: (weights: ModuleWeights) => void;
  /** Version of the current weights; set by `setWeights`, bumped by the Learner after each update. */
  weightsVersion: number;
  /** Trainable variables, in the order of `variableNames` and of `getWeights()`. */
  readonly trainableVariables: readonly tf.Variable[];
  /** Logical names (`encoder/fc_0/kernel`, ...), stable across instances with the same spec. */
  readonly variableNames: readonly string[];
  dispose: () => void;
}

/** An RLModule: the runner-facing part plus the Learner's train forward. */
export interface RLModule<Out extends TrainOutputs = TrainOutputs> extends InferenceModule {
  /** Tensors, for training; observations as [B, obsDim] (or [B] for 1-dim observations). RLlib: forward_train. */
  forwardTrain: (obs: tf.Tensor) => Out;
}
