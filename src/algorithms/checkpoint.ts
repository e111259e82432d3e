/**
 * What a checkpoint holds (DESIGN.md section 8): config, weights, optimizer state, counters, rng
 * state, the episode window behind episode_return_mean, and the backend it was trained on. Plain
 * data with typed arrays: IndexedDB stores it as is; app/checkpoint-codec.ts turns it into JSON.
 */
import type { OptimizerState } from '../learner/learner';
import type { ModuleWeights } from '../rl-module';
import type { DeviceInfo } from '../runtime/device';

export const CHECKPOINT_FORMAT = 'browser-rl-checkpoint/1';
/** Formats this version reads (checkpoint-schema.ts checks each against this list). */
export const KNOWN_CHECKPOINT_FORMATS: readonly string[] = [CHECKPOINT_FORMAT];

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
}

/** Counters a checkpoint may lack (written before they existed): they restore as 0. */
export const OPTIONAL_COUNTERS = [
  'numEnvRunnerFailuresLifetime',
  'numEnvRunnerRestartsLifetime',
  'numSubEnvRestartsLifetime',
  'numEnvStepsLostLifetime',
  'numEpisodesLostLifetime',
  'numSampleFragmentsDroppedLifetime',
] as const satisfies readonly (keyof AlgorithmCounters)[];

/** Counters every checkpoint of format 1 has. */
export const REQUIRED_COUNTERS = [
  'trainingIteration',
  'numEnvStepsSampledLifetime',
  'numEnvStepsTrainedLifetime',
  'numEpisodesLifetime',
  'timeTotalS',
] as const satisfies readonly (keyof AlgorithmCounters)[];

export interface Checkpoint {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly algo: string;
  /** The full resolved config (JSON). */
  readonly config: unknown;
  readonly weights: ModuleWeights;
  readonly optimizerState: OptimizerState;
  /** Algorithm-specific learner state, e.g. PPO's current KL coefficient. */
  readonly learnerState: Readonly<Record<string, number>>;
  readonly counters: AlgorithmCounters;
  /** Rng.getState(): [a, b, c, d] plus the cached normal, if any (NaN or null: none). */
  readonly rngState: readonly number[];
  readonly episodeReturns: readonly number[];
  readonly episodeLengths: readonly number[];
  readonly device: DeviceInfo;
  /** ISO time. */
  readonly createdAt: string;
}
