/** DQN's learner state in checkpoints (filled in with checkpoint v2). */
import type { Checkpoint } from '../checkpoint';
import type { DQN } from './dqn';

export async function saveDQNState(
  algo: DQN,
): Promise<Pick<Checkpoint, 'weights' | 'optimizerState' | 'learnerState'>> {
  return {
    weights: await algo.learner.module.getWeights(),
    optimizerState: await algo.learner.learner.getOptimizerState(),
    learnerState: {},
  };
}

export async function restoreDQNState(algo: DQN, ckpt: Checkpoint): Promise<void> {
  algo.learner.module.setWeights(ckpt.weights);
  await algo.learner.learner.setOptimizerState(ckpt.optimizerState);
}
