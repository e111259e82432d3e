/**
 * APPO's config (RLlib's APPOConfig, rllib/algorithms/appo/appo.py `APPOConfig.__init__`): IMPALA's
 * keys (APPOConfig extends IMPALAConfig there too) plus the clipped surrogate against a target
 * network and the circular buffer, each declared once.
 */
import type { AlgorithmConfigBase } from '../../core/config';
import { int, num, reuse, type ValuesOf } from '../../core/config-catalogue';
import { SHARED_KEYS, TRAINING_KEYS } from '../../core/shared-keys';
import { builderOf, configSchema } from '../define-algorithm';
import { IMPALA_TRAINING_KEYS, asyncRules } from '../impala/impala-config';
import { MULTI_AGENT_KEYS, type WithMultiAgent } from '../multi-agent/multi-agent-config';
import { SURROGATE_KEYS } from '../ppo/ppo-config';

const { learnerQueueSize, ...impalaKeys } = IMPALA_TRAINING_KEYS;

export const APPO_TRAINING_KEYS = {
  ...impalaKeys,
  learnerQueueSize: reuse(learnerQueueSize, {
    rllib: {
      none: "RLlib's new-stack APPO rejects learner_queue_size other than 16 (APPOConfig.validate): its circular buffer is the queue, sized by circular_buffer_num_batches.",
    },
    aliases: ['learner_queue_size'],
  }),
  clipParam: reuse(SURROGATE_KEYS.clipParam, { default: 0.4 }),
  circularBufferNumBatches: int(4, {
    min: 1,
    doc: 'Train batches the circular buffer holds for reuse (N); the oldest leaves when a new one arrives.',
    rllib: 'circular_buffer_num_batches',
    form: { label: 'Circular buffer batches (N)' },
  }),
  circularBufferIterationsPerBatch: int(2, {
    min: 1,
    doc: 'Times each train batch may be trained on (K).',
    rllib: 'circular_buffer_iterations_per_batch',
    form: { label: 'Uses per batch (K)' },
  }),
  targetNetworkUpdateFreq: num(2, {
    min: 0,
    doc: 'Target network update period, in units of N × K × trainBatchSizePerLearner trained env steps.',
    rllib: 'target_network_update_freq',
    form: { label: 'Target update period' },
  }),
  tau: num(1.0, {
    min: 0,
    max: 1,
    doc: 'target = tau · current + (1 − tau) · target; 1 copies the policy into the target network.',
    rllib: 'tau',
    form: { label: 'Target tau', advanced: true },
  }),
  useKlLoss: reuse(SURROGATE_KEYS.useKlLoss, {
    default: false,
    doc: 'Add KL(target ‖ policy) to the loss, its weight adapted toward klTarget.',
  }),
  klCoeff: reuse(SURROGATE_KEYS.klCoeff, { default: 1.0 }),
  klTarget: SURROGATE_KEYS.klTarget,
  lambda: reuse(TRAINING_KEYS.lambda, {
    doc: "Folded into V-trace's discounts as γλ, as GAE's λ (IMPACT section 3.1).",
    form: { label: 'λ', advanced: true },
  }),
  targetWorkerClipping: num(2.0, {
    above: 0,
    doc: "Clip of μ/π_target in the surrogate's ratio (IMPACT).",
    rllib: 'target_worker_clipping',
    form: { label: 'Target-worker clip', advanced: true },
  }),
};

export const APPO_KEYS = { ...SHARED_KEYS, training: APPO_TRAINING_KEYS, multiAgent: MULTI_AGENT_KEYS };

export type APPOTrainingConfig = ValuesOf<typeof APPO_TRAINING_KEYS>;
export type APPOConfig = AlgorithmConfigBase & {
  readonly algo: 'APPO';
  readonly training: APPOTrainingConfig;
} & WithMultiAgent;

export const APPO_SCHEMA = configSchema<APPOConfig>('APPO', APPO_KEYS, asyncRules);
export const APPO_DEFAULTS: APPOConfig = APPO_SCHEMA.defaults;
export const validateAPPOConfig = APPO_SCHEMA.validate;

/** RLlib: `APPOConfig()`. */
export function appo(): ReturnType<typeof builderOf<APPOConfig>> {
  return builderOf(APPO_SCHEMA);
}
