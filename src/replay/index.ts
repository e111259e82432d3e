/**
 * Replay buffers for off-policy algorithms (DQN, SAC): framework-free, typed arrays only.
 * Configured with RLlib's `replay_buffer_config` names in camelCase (declared, with defaults and
 * ranges, in the algorithms' key catalogues: algorithms/off-policy-config.ts).
 */
import { flatDim, type Space } from '../core/spaces';
import { PrioritizedEpisodeReplayBuffer } from './prioritized-replay-buffer';
import { EpisodeReplayBuffer } from './replay-buffer';

export type { ReplayBatch, ReplayInput, ReplaySampleOptions } from './replay-batch';
export { EpisodeReplayBuffer, type ReplayBufferSpec, type ReplayBufferState } from './replay-buffer';
export { PrioritizedEpisodeReplayBuffer, type PrioritizedReplayBufferSpec } from './prioritized-replay-buffer';
export { MinTree, SumTree } from './sum-tree';

export type ReplayBufferType = 'EpisodeReplayBuffer' | 'PrioritizedEpisodeReplayBuffer';

/** RLlib: `replay_buffer_config`. */
export interface ReplayBufferConfig {
  /** Uniform or proportional prioritized sampling. RLlib: type. */
  readonly type: ReplayBufferType;
  /** Env steps (transitions) kept; the oldest are overwritten first. RLlib: capacity (DQN: 50000). */
  readonly capacity: number;
  /** Priority exponent, 0 = uniform (Schaul et al. 2016). Prioritized only. RLlib: alpha. */
  readonly alpha: number;
  /** Initial importance-sampling exponent; the algorithm may anneal it per sample. Prioritized only. RLlib: beta. */
  readonly beta: number;
  /** Save the buffer's contents in checkpoints (large). RLlib: store_buffer_in_checkpoints. */
  readonly storeBufferInCheckpoints: boolean;
}

/** What the replay buffer needs from the env: flat observation and action sizes, action dtype. */
export interface ReplaySpaces {
  readonly observationSpace: Space;
  readonly actionSpace: Space;
}

export function makeReplayBuffer(config: ReplayBufferConfig, spaces: ReplaySpaces): EpisodeReplayBuffer {
  const spec = {
    capacity: config.capacity,
    obsDim: flatDim(spaces.observationSpace),
    actionDim: flatDim(spaces.actionSpace),
    discreteActions: spaces.actionSpace.kind === 'discrete',
  };
  switch (config.type) {
    case 'EpisodeReplayBuffer':
      return new EpisodeReplayBuffer(spec);
    case 'PrioritizedEpisodeReplayBuffer':
      return new PrioritizedEpisodeReplayBuffer({ ...spec, alpha: config.alpha, beta: config.beta });
    default: {
      const unknown: never = config.type;
      throw new RangeError(
        `Unknown replay buffer type '${String(unknown)}'; use EpisodeReplayBuffer or PrioritizedEpisodeReplayBuffer.`,
      );
    }
  }
}
