/**
 * What a checkpoint holds (DESIGN.md section 8): config, weights, optimizer state, counters, rng
 * state, the episode window behind episode_return_mean, and the backend it was trained on. Plain
 * data with typed arrays: IndexedDB stores it as is; app/checkpoint-codec.ts turns it into JSON.
 */
import type { OptimizerState } from '../learner/learner';
import type { ModuleWeights } from '../rl-module';
import type { DeviceInfo } from '../runtime/device';

export const CHECKPOINT_FORMAT = 'browser-rl-checkpoint/1';

export interface AlgorithmCounters {
  readonly trainingIteration: number;
  readonly numEnvStepsSampledLifetime: number;
  readonly numEnvStepsTrainedLifetime: number;
  readonly numEpisodesLifetime: number;
  readonly timeTotalS: number;
}

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
  readonly rngState: readonly number[];
  readonly episodeReturns: readonly number[];
  readonly episodeLengths: readonly number[];
  readonly device: DeviceInfo;
  /** ISO time. */
  readonly createdAt: string;
}
