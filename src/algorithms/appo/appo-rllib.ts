/**
 * APPO on RLlib's new API stack: APPOConfig's names (rllib/algorithms/appo/appo.py,
 * `APPOConfig.training`) over IMPALA's. RLlib's APPOTorchRLModule is PPO's module plus target
 * copies; the exported file holds the trained (online) weights under PPO's names, and RLlib
 * starts its target networks from them.
 */
import { ASYNC_RLLIB_KEYS } from '../impala/impala-rllib';
import { ACTOR_CRITIC_WEIGHTS } from '../rllib/actor-critic-layout';
import type { RLlibKey, RLlibMapping } from '../rllib/rllib-mapping';

const train = (name: string): RLlibKey => ({ method: 'training', name });

export const APPO_RLLIB: RLlibMapping = {
  configClass: 'APPOConfig',
  importFrom: 'ray.rllib.algorithms.appo',
  keys: {
    ...ASYNC_RLLIB_KEYS,
    'training.lambda': train('lambda_'),
    'training.clipParam': train('clip_param'),
    'training.useKlLoss': train('use_kl_loss'),
    'training.klCoeff': train('kl_coeff'),
    'training.klTarget': train('kl_target'),
    'training.targetNetworkUpdateFreq': train('target_network_update_freq'),
    'training.tau': train('tau'),
    'training.targetWorkerClipping': train('target_worker_clipping'),
    'training.circularBufferNumBatches': train('circular_buffer_num_batches'),
    'training.circularBufferIterationsPerBatch': train('circular_buffer_iterations_per_batch'),
    'training.learnerQueueSize': {
      none: "RLlib's new-stack APPO rejects learner_queue_size other than 16 (APPOConfig.validate): its circular buffer is the queue, sized by circular_buffer_num_batches.",
    },
  },
  ...ACTOR_CRITIC_WEIGHTS,
};
