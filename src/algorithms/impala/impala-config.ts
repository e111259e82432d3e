/**
 * IMPALA's config: RLlib's IMPALAConfig defaults (ray-project/ray rllib/algorithms/impala/impala.py,
 * `IMPALAConfig.__init__`; `AlgorithmConfig.__init__` for max_requests_in_flight_per_env_runner).
 * APPO's config (appo/appo-config.ts) extends this training section, as APPOConfig extends IMPALAConfig.
 */
import { ALGORITHM_CONFIG_DEFAULTS, deepFreeze } from '../../core/config';
import type { AlgorithmConfigBase, ScheduleValue } from '../../core/config';
import { trainBatchSizeError } from '../../core/config-limits';
import { IssueList, formatValue, validateBase } from '../../core/config-validation';
import type { ValidationContext } from '../../core/config-validation';
import type { ConfigIssue } from '../../core/errors';
// From a TF.js-free module: the UI imports this config file and must not load TF.js.
import { DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES } from '../../learner/defaults';
import { AlgorithmConfigBuilder } from '../algorithm-config';
import type { SamplingLayout } from '../spec';

/** RLlib's IMPALA sets rollout_fragment_length = 50 (AlgorithmConfig's 'auto' does not apply). */
export const IMPALA_AUTO_ROLLOUT_FRAGMENT_LENGTH = 50;

export interface IMPALATrainingConfig {
  /** Adam learning rate, or a schedule [[envStep, lr], ...]. RLlib: lr (IMPALA 5e-4). */
  readonly lr: ScheduleValue;
  /** Discount factor. RLlib: gamma (0.99). */
  readonly gamma: number;
  /** Env steps per learner update (one gradient step on it). RLlib: train_batch_size_per_learner (500). */
  readonly trainBatchSizePerLearner: number;
  /** rho-bar, the clip of the importance weight in the V-trace value targets. RLlib: vtrace_clip_rho_threshold (1.0). */
  readonly vtraceClipRhoThreshold: number;
  /** Clip of the importance weight in the policy-gradient advantages. RLlib: vtrace_clip_pg_rho_threshold (1.0). */
  readonly vtraceClipPgRhoThreshold: number;
  /** Weight of the value loss, 0.5 * mean((V - v_s)^2). RLlib: vf_loss_coeff (0.5). */
  readonly vfLossCoeff: number;
  /** Weight of the entropy bonus. RLlib: entropy_coeff (0.01). */
  readonly entropyCoeff: number;
  /** Gradient clip threshold; null disables it. RLlib: grad_clip (40.0). */
  readonly gradClip: number | null;
  /** What gradClip bounds. RLlib: grad_clip_by ('global_norm'). */
  readonly gradClipBy: 'global_norm' | 'norm' | 'value';
  /** Learner updates between weight broadcasts to the EnvRunners. RLlib: broadcast_interval (1). */
  readonly broadcastInterval: number;
  /**
   * sample() calls each EnvRunner keeps outstanding. RLlib: max_requests_in_flight_per_env_runner
   * (1; RLlib has it in env_runners(), here it lives with the algorithms that sample asynchronously).
   */
  readonly maxRequestsInFlightPerEnvRunner: number;
  /** Sample batches (one per sample() call) waiting for the Learner at most. RLlib: learner_queue_size (16). */
  readonly learnerQueueSize: number;
  /**
   * What a full learner queue does with a new batch: drop the oldest queued batch (counted;
   * RLlib's new API stack) or make the runner wait (RLlib's old stack). Not an RLlib setting.
   */
  readonly learnerQueueFullPolicy: 'drop_oldest' | 'block';
  /**
   * Env steps to train on per training iteration: updates repeat until this many (0: one update
   * per iteration). Fewer, larger iterations spend less on results and checkpoints per update.
   * RLlib: min_train_timesteps_per_iteration (0; in reporting() there).
   */
  readonly minTrainTimestepsPerIteration: number;
  /** Non-finite Adam steps in a row before `learner/diverged`. RLlib: none. */
  readonly maxConsecutiveNonFiniteUpdates: number;
}

export type IMPALAConfig = AlgorithmConfigBase & { readonly algo: 'IMPALA'; readonly training: IMPALATrainingConfig };

export const IMPALA_TRAINING_DEFAULTS: IMPALATrainingConfig = {
  lr: 5e-4,
  gamma: 0.99,
  trainBatchSizePerLearner: 500,
  vtraceClipRhoThreshold: 1.0,
  vtraceClipPgRhoThreshold: 1.0,
  vfLossCoeff: 0.5,
  entropyCoeff: 0.01,
  gradClip: 40.0,
  gradClipBy: 'global_norm',
  broadcastInterval: 1,
  maxRequestsInFlightPerEnvRunner: 1,
  learnerQueueSize: 16,
  learnerQueueFullPolicy: 'drop_oldest',
  minTrainTimestepsPerIteration: 0,
  maxConsecutiveNonFiniteUpdates: DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES,
};

export const IMPALA_DEFAULTS: IMPALAConfig = deepFreeze({
  algo: 'IMPALA',
  ...ALGORITHM_CONFIG_DEFAULTS,
  // RLlib's IMPALAConfig: num_env_runners = 2.
  envRunners: { ...ALGORITHM_CONFIG_DEFAULTS.envRunners, numEnvRunners: 2 },
  training: IMPALA_TRAINING_DEFAULTS,
});

/** RLlib's names of the keys IMPALA and APPO share -> our paths (the first name per path is the URL's). */
export const IMPALA_KEY_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  lr: 'training.lr',
  gamma: 'training.gamma',
  train_batch_size_per_learner: 'training.trainBatchSizePerLearner',
  train_batch_size: 'training.trainBatchSizePerLearner', // one learner: per-learner == total
  vtrace_clip_rho_threshold: 'training.vtraceClipRhoThreshold',
  vtrace_clip_pg_rho_threshold: 'training.vtraceClipPgRhoThreshold',
  vf_loss_coeff: 'training.vfLossCoeff',
  entropy_coeff: 'training.entropyCoeff',
  grad_clip: 'training.gradClip',
  grad_clip_by: 'training.gradClipBy',
  broadcast_interval: 'training.broadcastInterval',
  max_requests_in_flight_per_env_runner: 'training.maxRequestsInFlightPerEnvRunner',
  max_requests_in_flight_per_sampler_worker: 'training.maxRequestsInFlightPerEnvRunner',
  learner_queue_size: 'training.learnerQueueSize',
  learner_queue_full_policy: 'training.learnerQueueFullPolicy',
  min_train_timesteps_per_iteration: 'training.minTrainTimestepsPerIteration',
  max_consecutive_non_finite_updates: 'training.maxConsecutiveNonFiniteUpdates',
});

export class IMPALAConfigBuilder extends AlgorithmConfigBuilder<IMPALAConfig> {
  constructor() {
    super(IMPALA_DEFAULTS, IMPALA_KEY_ALIASES);
  }

  protected override validateConfig(cfg: IMPALAConfig, ctx: ValidationContext): ConfigIssue[] {
    return validateIMPALAConfig(cfg, ctx);
  }
}

/** RLlib: `IMPALAConfig()`. */
export function impala(): IMPALAConfigBuilder {
  return new IMPALAConfigBuilder();
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

/** The checks of the training keys IMPALA and APPO share (`algo` is the caller's). */
export function validateAsyncTraining(out: IssueList, t: IMPALATrainingConfig): void {
  const p = 'training.';
  out.schedule(p + 'lr', t.lr);
  out.number(p + 'gamma', t.gamma, { min: 0, max: 1 });
  out.integer(p + 'trainBatchSizePerLearner', t.trainBatchSizePerLearner, 1);
  const tooBig = trainBatchSizeError(p + 'trainBatchSizePerLearner', t.trainBatchSizePerLearner);
  if (tooBig) out.issues.push(tooBig);
  out.number(p + 'vtraceClipRhoThreshold', t.vtraceClipRhoThreshold, { above: 0 });
  out.number(p + 'vtraceClipPgRhoThreshold', t.vtraceClipPgRhoThreshold, { above: 0 });
  out.number(p + 'vfLossCoeff', t.vfLossCoeff, { min: 0 });
  out.number(p + 'entropyCoeff', t.entropyCoeff, { min: 0 });
  if (t.gradClip !== null) out.number(p + 'gradClip', t.gradClip, { above: 0 });
  out.oneOf(p + 'gradClipBy', t.gradClipBy, ['global_norm', 'norm', 'value'] as const);
  out.integer(p + 'broadcastInterval', t.broadcastInterval, 1);
  out.integer(p + 'maxRequestsInFlightPerEnvRunner', t.maxRequestsInFlightPerEnvRunner, 1);
  out.integer(p + 'learnerQueueSize', t.learnerQueueSize, 1);
  out.oneOf(p + 'learnerQueueFullPolicy', t.learnerQueueFullPolicy, ['drop_oldest', 'block'] as const);
  out.integer(p + 'minTrainTimestepsPerIteration', t.minTrainTimestepsPerIteration, 0);
  out.integer(p + 'maxConsecutiveNonFiniteUpdates', t.maxConsecutiveNonFiniteUpdates, 1);
}

/** Asynchronous sampling needs fragments of whole episodes cut at fixed lengths. */
export function validateAsyncSampling(out: IssueList, cfg: AlgorithmConfigBase): void {
  if (cfg.envRunners.batchMode === 'complete_episodes') {
    out.error(
      'envRunners.batchMode',
      `${cfg.algo} samples fixed-length fragments asynchronously; batchMode 'complete_episodes' is not supported. ` +
        `Set batchMode to 'truncate_episodes'.`,
    );
  }
}

/** validateBase + IMPALA's training checks; every problem at once. */
export function validateIMPALAConfig(cfg: IMPALAConfig, ctx: ValidationContext = {}): ConfigIssue[] {
  const out = new IssueList();
  out.issues.push(...validateBase(cfg, ctx));
  if (cfg.algo !== 'IMPALA')
    out.error('algo', `algo must be 'IMPALA' for an IMPALA config, got ${formatValue(cfg.algo)}.`);
  validateAsyncSampling(out, cfg);
  if (!out.section('training', cfg.training)) return out.issues;
  validateAsyncTraining(out, cfg.training);
  return out.issues;
}
