/**
 * IMPALA on RLlib's new API stack: IMPALAConfig's names for our keys (rllib/algorithms/impala/
 * impala.py, `IMPALAConfig.training`; max_requests_in_flight_per_env_runner is an
 * `env_runners()` argument, min_train_timesteps_per_iteration a `reporting()` one). RLlib builds
 * IMPALA's module as PPO's (DefaultPPOTorchRLModule), so the weights take PPO's names.
 */
import { ACTOR_CRITIC_WEIGHTS } from '../rllib/actor-critic-layout';
import { NO_NON_FINITE_STOP, type RLlibKey, type RLlibMapping } from '../rllib/rllib-mapping';

const train = (name: string): RLlibKey => ({ method: 'training', name });

/** The keys IMPALA and APPO share (APPOConfig extends IMPALAConfig in RLlib as here). */
export const ASYNC_RLLIB_KEYS: Readonly<Record<string, RLlibKey>> = {
  'training.lr': train('lr'),
  'training.gamma': train('gamma'),
  'training.trainBatchSizePerLearner': train('train_batch_size_per_learner'),
  'training.vtraceClipRhoThreshold': train('vtrace_clip_rho_threshold'),
  'training.vtraceClipPgRhoThreshold': train('vtrace_clip_pg_rho_threshold'),
  'training.vfLossCoeff': train('vf_loss_coeff'),
  'training.entropyCoeff': train('entropy_coeff'),
  'training.gradClip': train('grad_clip'),
  'training.gradClipBy': train('grad_clip_by'),
  'training.broadcastInterval': train('broadcast_interval'),
  'training.maxRequestsInFlightPerEnvRunner': {
    method: 'env_runners',
    name: 'max_requests_in_flight_per_env_runner',
  },
  'training.learnerQueueSize': train('learner_queue_size'),
  'training.learnerQueueFullPolicy': {
    none: "RLlib's new stack always drops the oldest batch from a full learner queue ('drop_oldest'); it has no blocking mode.",
  },
  'training.minTrainTimestepsPerIteration': { method: 'reporting', name: 'min_train_timesteps_per_iteration' },
  'training.maxConsecutiveNonFiniteUpdates': NO_NON_FINITE_STOP,
};

export const IMPALA_RLLIB: RLlibMapping = {
  configClass: 'IMPALAConfig',
  importFrom: 'ray.rllib.algorithms.impala',
  keys: ASYNC_RLLIB_KEYS,
  ...ACTOR_CRITIC_WEIGHTS,
};
