/**
 * APPO's config: RLlib's APPOConfig defaults (ray-project/ray rllib/algorithms/appo/appo.py,
 * `APPOConfig.__init__`) over IMPALA's (APPOConfig extends IMPALAConfig there too).
 */
import { ALGORITHM_CONFIG_DEFAULTS, deepFreeze } from '../../core/config';
import type { AlgorithmConfigBase } from '../../core/config';
import { IssueList, formatValue, validateBase } from '../../core/config-validation';
import type { ValidationContext } from '../../core/config-validation';
import type { ConfigIssue } from '../../core/errors';
import { AlgorithmConfigBuilder } from '../algorithm-config';
import {
  IMPALA_KEY_ALIASES,
  IMPALA_TRAINING_DEFAULTS,
  validateAsyncSampling,
  validateAsyncTraining,
  type IMPALATrainingConfig,
} from '../impala/impala-config';

export interface APPOTrainingConfig extends IMPALATrainingConfig {
  /** Folded into V-trace's discounts, gamma * lambda (IMPACT section 3.1). RLlib: lambda_ (1.0). */
  readonly lambda: number;
  /** Surrogate clip epsilon. RLlib: clip_param (0.4). */
  readonly clipParam: number;
  /** Add KL(target || current) to the loss, its coefficient adapted toward klTarget. RLlib: use_kl_loss (false). */
  readonly useKlLoss: boolean;
  /** Initial KL coefficient. RLlib: kl_coeff (1.0). */
  readonly klCoeff: number;
  /** RLlib: kl_target (0.01). */
  readonly klTarget: number;
  /**
   * Target network update period in units of N * K * trainBatchSizePerLearner trained env steps
   * (N = circularBufferNumBatches, K = circularBufferIterationsPerBatch). RLlib: target_network_update_freq (2).
   */
  readonly targetNetworkUpdateFreq: number;
  /** target = tau * current + (1 - tau) * target. RLlib: tau (1.0). */
  readonly tau: number;
  /** Clip of mu / pi_target in the surrogate's ratio (IMPACT). RLlib: target_worker_clipping (2.0). */
  readonly targetWorkerClipping: number;
  /** Train batches the circular buffer holds. RLlib: circular_buffer_num_batches (4). */
  readonly circularBufferNumBatches: number;
  /** Times each train batch may be trained on. RLlib: circular_buffer_iterations_per_batch (2). */
  readonly circularBufferIterationsPerBatch: number;
}

export type APPOConfig = AlgorithmConfigBase & { readonly algo: 'APPO'; readonly training: APPOTrainingConfig };

export const APPO_TRAINING_DEFAULTS: APPOTrainingConfig = {
  ...IMPALA_TRAINING_DEFAULTS,
  lambda: 1.0,
  clipParam: 0.4,
  useKlLoss: false,
  klCoeff: 1.0,
  klTarget: 0.01,
  targetNetworkUpdateFreq: 2,
  tau: 1.0,
  targetWorkerClipping: 2.0,
  circularBufferNumBatches: 4,
  circularBufferIterationsPerBatch: 2,
};

export const APPO_DEFAULTS: APPOConfig = deepFreeze({
  algo: 'APPO',
  ...ALGORITHM_CONFIG_DEFAULTS,
  envRunners: { ...ALGORITHM_CONFIG_DEFAULTS.envRunners, numEnvRunners: 2 },
  // RLlib's APPO: vf_share_layers False.
  rlModule: { ...ALGORITHM_CONFIG_DEFAULTS.rlModule, vfShareLayers: false },
  training: APPO_TRAINING_DEFAULTS,
});

export const APPO_KEY_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  ...IMPALA_KEY_ALIASES,
  lambda: 'training.lambda',
  lambda_: 'training.lambda',
  clip_param: 'training.clipParam',
  use_kl_loss: 'training.useKlLoss',
  kl_coeff: 'training.klCoeff',
  kl_target: 'training.klTarget',
  target_network_update_freq: 'training.targetNetworkUpdateFreq',
  tau: 'training.tau',
  target_worker_clipping: 'training.targetWorkerClipping',
  circular_buffer_num_batches: 'training.circularBufferNumBatches',
  circular_buffer_iterations_per_batch: 'training.circularBufferIterationsPerBatch',
});

export class APPOConfigBuilder extends AlgorithmConfigBuilder<APPOConfig> {
  constructor() {
    super(APPO_DEFAULTS, APPO_KEY_ALIASES);
  }

  protected override validateConfig(cfg: APPOConfig, ctx: ValidationContext): ConfigIssue[] {
    return validateAPPOConfig(cfg, ctx);
  }
}

/** RLlib: `APPOConfig()`. */
export function appo(): APPOConfigBuilder {
  return new APPOConfigBuilder();
}

/** validateBase + IMPALA's checks + APPO's; every problem at once. */
export function validateAPPOConfig(cfg: APPOConfig, ctx: ValidationContext = {}): ConfigIssue[] {
  const out = new IssueList();
  out.issues.push(...validateBase(cfg, ctx));
  if (cfg.algo !== 'APPO') out.error('algo', `algo must be 'APPO' for an APPO config, got ${formatValue(cfg.algo)}.`);
  validateAsyncSampling(out, cfg);
  if (!out.section('training', cfg.training)) return out.issues;
  const t = cfg.training;
  const p = 'training.';
  validateAsyncTraining(out, t);
  out.number(p + 'lambda', t.lambda, { min: 0, max: 1 });
  out.number(p + 'clipParam', t.clipParam, { above: 0 });
  out.boolean(p + 'useKlLoss', t.useKlLoss);
  out.number(p + 'klCoeff', t.klCoeff, { min: 0 });
  out.number(p + 'klTarget', t.klTarget, { above: 0 });
  out.number(p + 'targetNetworkUpdateFreq', t.targetNetworkUpdateFreq, { min: 0 });
  out.number(p + 'tau', t.tau, { min: 0, max: 1 });
  out.number(p + 'targetWorkerClipping', t.targetWorkerClipping, { above: 0 });
  out.integer(p + 'circularBufferNumBatches', t.circularBufferNumBatches, 1);
  out.integer(p + 'circularBufferIterationsPerBatch', t.circularBufferIterationsPerBatch, 1);
  return out.issues;
}
