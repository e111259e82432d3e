/**
 * SAC's part of a checkpoint (format 2, no new fields): module `default_policy` holds the actor,
 * both critics and log_alpha; `optimizerState` is the first group ('qf') and `optimizers` the
 * others ('policy', 'alpha'); the critics' target copies sit under targetNetworks with RLlib's
 * two counters; the replay buffer as DQN's (contents only with storeBufferInCheckpoints).
 */
import { RLError } from '../../core/errors';
import type { OptimizerState } from '../../learner/optimizer-group';
import { DEFAULT_MODULE_ID, type Checkpoint, type LearnerCheckpoint } from '../checkpoint';
import type { SAC } from './sac';

export async function saveSACState(algo: SAC): Promise<LearnerCheckpoint> {
  const buffer = algo.replayBuffer;
  const { learner, target } = algo.learner;
  const [first, ...rest] = learner.groups;
  const optimizers: Record<string, OptimizerState> = {};
  for (const g of rest) optimizers[g.name] = await g.getState();
  return {
    weights: await learner.module.getWeights(),
    optimizerState: await first!.getState(),
    optimizers,
    learnerState: { target_entropy: algo.learner.targetEntropy },
    algorithmState: {
      targetNetworks: { [DEFAULT_MODULE_ID]: await target.getState() },
      replayBuffer: {
        capacity: buffer.capacity,
        size: buffer.size,
        numAdded: buffer.numAdded,
        ...(algo.config.training.storeBufferInCheckpoints ? { contents: buffer.getState() } : {}),
      },
    },
  };
}

export async function restoreSACState(algo: SAC, ckpt: Checkpoint): Promise<void> {
  const { learner, target } = algo.learner;
  learner.module.setWeights(ckpt.weights);
  const first = learner.groups[0]!;
  learner.setOptimizerStates({ ...(ckpt.optimizers ?? {}), [first.name]: ckpt.optimizerState });
  const targetState = ckpt.algorithmState?.targetNetworks?.[DEFAULT_MODULE_ID];
  if (!targetState) {
    throw new RLError(
      'checkpoint/mismatch',
      `A SAC checkpoint needs algorithmState.targetNetworks.${DEFAULT_MODULE_ID}.`,
    );
  }
  target.setState(targetState);
  const contents = ckpt.algorithmState?.replayBuffer?.contents;
  if (contents) {
    try {
      algo.replayBuffer.setState(contents);
    } catch (e) {
      throw new RLError('checkpoint/mismatch', (e as Error).message, { cause: e });
    }
  }
  await Promise.resolve();
}
