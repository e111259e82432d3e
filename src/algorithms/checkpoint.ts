/**
 * What a checkpoint holds (DESIGN.md section 8): config, weights, optimizer state, counters, rng
 * state, the episode window behind episode_return_mean, and the backend it was trained on. Plain
 * data with typed arrays: IndexedDB stores it as is; app/checkpoint-codec.ts turns it into JSON.
 */
import type { OptimizerState } from '../learner/learner';
import type { TargetNetworkState } from '../learner/target-network';
import type { ReplayBufferState } from '../replay';
import type { ModuleWeights } from '../rl-module';
import type { DeviceInfo } from '../backend/device';

export const CHECKPOINT_FORMAT = 'browser-rl-checkpoint/2';
/** Format 1: one module, one optimizer, no algorithm state. Read and migrated by checkpoint-schema.ts. */
export const CHECKPOINT_FORMAT_V1 = 'browser-rl-checkpoint/1';
/** Formats this version reads (checkpoint-schema.ts checks each against this list). */
export const KNOWN_CHECKPOINT_FORMATS: readonly string[] = [CHECKPOINT_FORMAT, CHECKPOINT_FORMAT_V1];

/** RLlib's id of the single-agent module (DEFAULT_MODULE_ID). */
export const DEFAULT_MODULE_ID = 'default_policy';

/**
 * What an algorithm keeps besides weights and optimizers (RLlib: Algorithm.get_state's learner
 * and replay-buffer parts). Plain data; every field optional, each algorithm fills its own.
 */
export interface AlgorithmState {
  /** Target networks by module id (DQN: the Q-network's target and RLlib's two counters). */
  readonly targetNetworks?: Readonly<Record<string, TargetNetworkState>>;
  /** Replay buffer pointers, and its contents when store_buffer_in_checkpoints is on. */
  readonly replayBuffer?: {
    readonly capacity: number;
    readonly size: number;
    readonly numAdded: number;
    readonly contents?: ReplayBufferState;
  };
}

/**
 * One module's learner state in a multi-agent checkpoint (RLlib: the Learner's state per module
 * id): its optimizer groups, its scalars (PPO's KL coefficient), its target networks and replay
 * buffer. Its weights are in the checkpoint's `weights`, packed under `<module id>/`; a module
 * that does not train (not in policiesToTrain) has weights only.
 */
export interface ModuleCheckpoint {
  readonly optimizerState: OptimizerState;
  readonly optimizers?: Readonly<Record<string, OptimizerState>>;
  readonly learnerState: Readonly<Record<string, number>>;
  readonly algorithmState?: AlgorithmState;
}

export interface AlgorithmCounters {
  readonly trainingIteration: number;
  readonly numEnvStepsSampledLifetime: number;
  readonly numEnvStepsTrainedLifetime: number;
  readonly numEpisodesLifetime: number;
  readonly timeTotalS: number;
  // The fault_tolerance/*_lifetime counters: a resumed run keeps counting its failures (RLlib keeps
  // them in the Algorithm's state). Files written before they existed read as 0.
  /** fault_tolerance/num_env_runner_failures_lifetime. */
  readonly numEnvRunnerFailuresLifetime: number;
  /** fault_tolerance/num_remote_worker_restarts. */
  readonly numEnvRunnerRestartsLifetime: number;
  /** fault_tolerance/num_sub_env_restarts_lifetime. */
  readonly numSubEnvRestartsLifetime: number;
  /** fault_tolerance/num_env_steps_lost_lifetime. */
  readonly numEnvStepsLostLifetime: number;
  /** fault_tolerance/num_episodes_lost_lifetime. */
  readonly numEpisodesLostLifetime: number;
  /** fault_tolerance/num_sample_fragments_dropped_lifetime. */
  readonly numSampleFragmentsDroppedLifetime: number;
  /** fault_tolerance/num_learner_failures_lifetime. */
  readonly numLearnerFailuresLifetime: number;
  /** fault_tolerance/num_learner_restarts_lifetime. */
  readonly numLearnerRestartsLifetime: number;
}

/** Counters a checkpoint may lack (written before they existed): they restore as 0. */
export const OPTIONAL_COUNTERS = [
  'numEnvRunnerFailuresLifetime',
  'numEnvRunnerRestartsLifetime',
  'numSubEnvRestartsLifetime',
  'numEnvStepsLostLifetime',
  'numEpisodesLostLifetime',
  'numSampleFragmentsDroppedLifetime',
  'numLearnerFailuresLifetime',
  'numLearnerRestartsLifetime',
] as const satisfies readonly (keyof AlgorithmCounters)[];

/** Counters every checkpoint of format 1 has. */
export const REQUIRED_COUNTERS = [
  'trainingIteration',
  'numEnvStepsSampledLifetime',
  'numEnvStepsTrainedLifetime',
  'numEpisodesLifetime',
  'timeTotalS',
] as const satisfies readonly (keyof AlgorithmCounters)[];

/**
 * Format 2. `weights` is module `default_policy` (what the runners run, and all format 1 had);
 * `optimizerState` the first optimizer group ('default'), `optimizers` any further groups by name.
 * Those two keep format 1's names so files, the UI's weight export and format-1 readers line up.
 */
export interface Checkpoint {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly algo: string;
  /** The full resolved config (JSON). */
  readonly config: unknown;
  /** Module `default_policy`'s weights. */
  readonly weights: ModuleWeights;
  /** The first optimizer group's Adam state ('default'). */
  readonly optimizerState: OptimizerState;
  /** Optimizer groups after the first, by group name (SAC's actor/critic/alpha); absent: none. */
  readonly optimizers?: Readonly<Record<string, OptimizerState>>;
  /** Target networks, replay buffer pointers and contents; absent for PPO and format 1. */
  readonly algorithmState?: AlgorithmState;
  /** Algorithm-specific learner state, e.g. PPO's current KL coefficient. */
  readonly learnerState: Readonly<Record<string, number>>;
  /**
   * Multi-agent runs: each trained module's learner state by module id (any number of modules);
   * `weights` then holds every module packed under `<module id>/`, and `optimizerState` is empty.
   */
  readonly modules?: Readonly<Record<string, ModuleCheckpoint>>;
  readonly counters: AlgorithmCounters;
  /** Rng.getState(): [a, b, c, d] plus the cached normal, if any (NaN or null: none). */
  readonly rngState: readonly number[];
  readonly episodeReturns: readonly number[];
  readonly episodeLengths: readonly number[];
  readonly device: DeviceInfo;
  /** ISO time. */
  readonly createdAt: string;
}

/** What an algorithm's learner part contributes to a checkpoint. */
export type LearnerCheckpoint = Pick<
  Checkpoint,
  'weights' | 'optimizerState' | 'learnerState' | 'optimizers' | 'algorithmState' | 'modules'
>;
