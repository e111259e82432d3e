/**
 * DQN's part of a checkpoint (format 2): the Q-network as module `default_policy`, the 'default'
 * optimizer, the target network with RLlib's two counters, the replay buffer's pointers, and its
 * contents when storeBufferInCheckpoints is on (RLlib: store_buffer_in_checkpoints). Epsilon is
 * not stored: it is the schedule at the lifetime env steps, which the counters restore.
 */
import { RLError } from '../../core/errors';
import { DEFAULT_MODULE_ID, type Checkpoint, type LearnerCheckpoint } from '../checkpoint';
import type { DQN } from './dqn';

export async function saveDQNState(algo: DQN): Promise<LearnerCheckpoint> {
  const buffer = algo.replayBuffer;
  const store = algo.config.training.storeBufferInCheckpoints;
  return {
    weights: await algo.learner.module.getWeights(),
    optimizerState: await algo.learner.learner.getOptimizerState(),
    learnerState: { epsilon: algo.epsilon },
    algorithmState: {
      targetNetworks: { [DEFAULT_MODULE_ID]: await algo.learner.target.getState() },
      replayBuffer: {
        capacity: buffer.capacity,
        size: buffer.size,
        numAdded: buffer.numAdded,
        ...(store ? { contents: buffer.getState() } : {}),
      },
    },
  };
}

/**
 * Restores weights, optimizer and target network; the buffer's contents when the checkpoint has
 * them, else it starts empty and refills before updates resume (RLlib's default, too).
 */
export async function restoreDQNState(algo: DQN, ckpt: Checkpoint): Promise<void> {
  algo.learner.module.setWeights(ckpt.weights);
  await algo.learner.learner.setOptimizerState(ckpt.optimizerState);
  const target = ckpt.algorithmState?.targetNetworks?.[DEFAULT_MODULE_ID];
  if (!target) {
    throw new RLError(
      'checkpoint/mismatch',
      `A DQN checkpoint needs algorithmState.targetNetworks.${DEFAULT_MODULE_ID}.`,
    );
  }
  algo.learner.target.setState(target);
  const contents = ckpt.algorithmState?.replayBuffer?.contents;
  if (contents) {
    try {
      algo.replayBuffer.setState(contents);
    } catch (e) {
      throw new RLError('checkpoint/mismatch', (e as Error).message, { cause: e });
    }
  }
}
