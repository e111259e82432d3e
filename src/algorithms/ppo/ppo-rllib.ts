/**
 * PPO on RLlib's new API stack: PPOConfig's names for our keys; the weights take the names of
 * RLlib's DefaultPPOTorchRLModule (rllib/actor-critic-layout.ts).
 */
import { ACTOR_CRITIC_WEIGHTS } from '../rllib/actor-critic-layout';
import { NO_NON_FINITE_STOP, type RLlibMapping } from '../rllib/rllib-mapping';

const train = (name: string) => ({ method: 'training', name }) as const;

/** RLlib's .multi_agent(): the export writes single-agent runs; at their defaults these mean the same. */
const MULTI_AGENT_EXPORT =
  "RLlib's .multi_agent(); the export writes single-agent runs only (at the defaults: one module for every agent, RLlib's default too)";
const MULTI_AGENT_RLLIB_KEYS = {
  'multiAgent.policies': { none: MULTI_AGENT_EXPORT },
  'multiAgent.policyMappingFn': { none: MULTI_AGENT_EXPORT },
  'multiAgent.policiesToTrain': { none: MULTI_AGENT_EXPORT },
} as const;

export const PPO_RLLIB: RLlibMapping = {
  configClass: 'PPOConfig',
  importFrom: 'ray.rllib.algorithms.ppo',
  keys: {
    'training.lr': train('lr'),
    'training.gamma': train('gamma'),
    'training.lambda': train('lambda_'),
    'training.clipParam': train('clip_param'),
    'training.vfClipParam': train('vf_clip_param'),
    'training.vfLossCoeff': train('vf_loss_coeff'),
    'training.entropyCoeff': train('entropy_coeff'),
    'training.useKlLoss': train('use_kl_loss'),
    'training.klCoeff': train('kl_coeff'),
    'training.klTarget': train('kl_target'),
    'training.numEpochs': train('num_epochs'),
    'training.minibatchSize': train('minibatch_size'),
    'training.trainBatchSizePerLearner': train('train_batch_size_per_learner'),
    'training.gradClip': train('grad_clip'),
    'training.gradClipBy': train('grad_clip_by'),
    'training.shuffleBatchPerEpoch': train('shuffle_batch_per_epoch'),
    'training.maxConsecutiveNonFiniteUpdates': NO_NON_FINITE_STOP,
    ...MULTI_AGENT_RLLIB_KEYS,
    'training.sampleAsync': {
      none: "RLlib's new API stack samples synchronously (its old stack's sample_async thread is gone); the exported run samples synchronously.",
    },
  },
  ...ACTOR_CRITIC_WEIGHTS,
};
