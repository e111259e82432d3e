/**
 * IMPALA's config: RLlib's IMPALAConfig defaults (ray-project/ray rllib/algorithms/impala/impala.py,
 * `IMPALAConfig.__init__`; `AlgorithmConfig.__init__` for max_requests_in_flight_per_env_runner).
 * APPO's config (appo/appo-config.ts) extends this training section, as APPOConfig extends IMPALAConfig.
 */
import type { AlgorithmConfigBase } from '../../core/config';
import { including, int, num, oneOf, reuse, type FormSection, type ValuesOf } from '../../core/config-catalogue';
import type { ValidationContext } from '../../core/config-validation';
import type { IssueList } from '../../core/issue-list';
import { DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES, SHARED_KEYS, TRAINING_KEYS } from '../../core/shared-keys';
import { builderOf, configSchema } from '../define-algorithm';
import { MULTI_AGENT_KEYS, multiAgentRules, type WithMultiAgent } from '../multi-agent/multi-agent-config';
import type { SamplingLayout } from '../spec';

/** RLlib's IMPALA sets rollout_fragment_length = 50 (AlgorithmConfig's 'auto' does not apply). */
export const IMPALA_AUTO_ROLLOUT_FRAGMENT_LENGTH = 50;

/** How sampling and learning overlap: a form section of its own, IMPALA's and APPO's. */
const ASYNC_SAMPLING: FormSection = { id: 'async-sampling', title: 'Asynchronous sampling' };

/** The training keys IMPALA and APPO share (APPOConfig extends IMPALAConfig in RLlib as here). */
export const IMPALA_TRAINING_KEYS = {
  ...including(TRAINING_KEYS, { lr: 5e-4 }),
  trainBatchSizePerLearner: reuse(TRAINING_KEYS.trainBatchSizePerLearner, {
    default: 500,
    doc: 'Env steps per learner update (one gradient step), taken from the queue as whole sample batches.',
  }),
  ...including(TRAINING_KEYS, { gamma: 0.99, entropyCoeff: 0.01 }),
  vfLossCoeff: reuse(TRAINING_KEYS.vfLossCoeff, {
    default: 0.5,
    doc: 'Weight of the value loss, 0.5 · (V − v_s)² against the V-trace targets.',
  }),
  ...including(TRAINING_KEYS, { gradClip: 40.0, gradClipBy: 'global_norm' }),
  vtraceClipRhoThreshold: num(1.0, {
    above: 0,
    doc: 'ρ̄, the clip of the importance weight π/μ in the V-trace value targets.',
    rllib: 'vtrace_clip_rho_threshold',
    form: { label: 'V-trace ρ̄', advanced: true },
  }),
  vtraceClipPgRhoThreshold: num(1.0, {
    above: 0,
    doc: 'Clip of the importance weight in the policy-gradient advantages.',
    rllib: 'vtrace_clip_pg_rho_threshold',
    form: { label: 'V-trace ρ̄ (policy gradient)', advanced: true },
  }),
  maxRequestsInFlightPerEnvRunner: int(1, {
    min: 1,
    doc: 'sample() calls each runner keeps outstanding, so it never waits for the page.',
    rllib: { method: 'env_runners', name: 'max_requests_in_flight_per_env_runner' },
    aliases: ['max_requests_in_flight_per_sampler_worker'],
    note: 'RLlib has it in env_runners(); here it lives with the algorithms that sample asynchronously.',
    form: { label: 'Requests in flight per runner', section: ASYNC_SAMPLING },
  }),
  broadcastInterval: int(1, {
    min: 1,
    doc: 'Learner updates between sending new weights to the runners.',
    rllib: 'broadcast_interval',
    form: { label: 'Broadcast interval', section: ASYNC_SAMPLING },
  }),
  learnerQueueSize: int(16, {
    min: 1,
    doc: 'Sample batches (one per sample() call) waiting for the Learner at most.',
    rllib: 'learner_queue_size',
    form: { label: 'Learner queue size', section: ASYNC_SAMPLING },
  }),
  learnerQueueFullPolicy: oneOf(['drop_oldest', 'block'], 'drop_oldest', {
    doc: 'A full learner queue drops its oldest batch (small policy lag) or makes the runner wait (every sample trained on).',
    rllib: {
      none: "RLlib's new stack always drops the oldest batch from a full learner queue ('drop_oldest'); it has no blocking mode.",
    },
    aliases: ['learner_queue_full_policy'],
    note: "APPO with 'block' also moves a train batch into its circular buffer only while the buffer has room.",
    form: {
      label: 'When the queue is full',
      section: ASYNC_SAMPLING,
      advanced: true,
      optionLabels: { drop_oldest: 'Drop the oldest batch', block: 'Make the runner wait' },
    },
  }),
  minTrainTimestepsPerIteration: int(0, {
    min: 0,
    doc: 'Env steps trained per iteration: updates repeat until this many (0: one update per iteration).',
    rllib: { method: 'reporting', name: 'min_train_timesteps_per_iteration' },
    aliases: ['min_train_timesteps_per_iteration'],
    form: { label: 'Trained steps per iteration', section: ASYNC_SAMPLING, advanced: true },
  }),
  ...including(TRAINING_KEYS, { maxConsecutiveNonFiniteUpdates: DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES }),
};

export const IMPALA_KEYS = { ...SHARED_KEYS, training: IMPALA_TRAINING_KEYS, multiAgent: MULTI_AGENT_KEYS };

export type IMPALATrainingConfig = ValuesOf<typeof IMPALA_TRAINING_KEYS>;
export type IMPALAConfig = AlgorithmConfigBase & {
  readonly algo: 'IMPALA';
  readonly training: IMPALATrainingConfig;
} & WithMultiAgent;

/**
 * Asynchronous sampling needs fragments of whole episodes cut at fixed lengths (IMPALA's and
 * APPO's rule); both take the multiAgent section.
 */
export function asyncRules(cfg: AlgorithmConfigBase & WithMultiAgent, _ctx: ValidationContext, out: IssueList): void {
  if (cfg.envRunners.batchMode === 'complete_episodes') {
    out.error(
      'envRunners.batchMode',
      `${cfg.algo} samples fixed-length fragments asynchronously; batchMode 'complete_episodes' is not supported. ` +
        `Set batchMode to 'truncate_episodes'.`,
    );
  }
  multiAgentRules(cfg, out);
}

export const IMPALA_SCHEMA = configSchema<IMPALAConfig>('IMPALA', IMPALA_KEYS, asyncRules);
export const IMPALA_DEFAULTS: IMPALAConfig = IMPALA_SCHEMA.defaults;
export const validateIMPALAConfig = IMPALA_SCHEMA.validate;

/** RLlib: `IMPALAConfig()`. */
export function impala(): ReturnType<typeof builderOf<IMPALAConfig>> {
  return builderOf(IMPALA_SCHEMA);
}

/**
 * Batch sizes from runners x envs x fragment length. Each sample() call returns
 * rolloutFragmentLength * numEnvsPerEnvRunner steps ('auto': RLlib IMPALA's 50 per env); one
 * learner update takes whole sample batches from the queue until trainBatchSizePerLearner.
 */
export function asyncSamplingLayout(
  cfg: Pick<AlgorithmConfigBase, 'envRunners'> & { training: { trainBatchSizePerLearner: number } },
): SamplingLayout {
  const { numEnvRunners, numEnvsPerEnvRunner, rolloutFragmentLength } = cfg.envRunners;
  const fragment = rolloutFragmentLength === 'auto' ? IMPALA_AUTO_ROLLOUT_FRAGMENT_LENGTH : rolloutFragmentLength;
  const stepsPerSampleCall = fragment * numEnvsPerEnvRunner;
  const callsPerUpdate = Math.max(1, Math.ceil(cfg.training.trainBatchSizePerLearner / stepsPerSampleCall));
  return {
    rolloutFragmentLength: fragment,
    stepsPerSampleCall,
    trainBatchSize: callsPerUpdate * stepsPerSampleCall,
    numRunnersSampling: Math.max(1, numEnvRunners),
    numSampleRounds: callsPerUpdate,
  };
}
