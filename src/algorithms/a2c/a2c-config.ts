/**
 * A2C's config: RLlib's old-stack A2CConfig defaults (ray-project/ray rllib/algorithms/a2c/a2c.py,
 * which inherits A3CConfig in rllib/algorithms/a3c/a3c.py; train_batch_size from the old
 * AlgorithmConfig). A2C was removed from RLlib's new API stack, so the names are the old ones,
 * with Stable-Baselines3's A2C names next to each field.
 */
import { ALGORITHM_CONFIG_DEFAULTS, deepFreeze } from '../../core/config';
import type { AlgorithmConfigBase, ScheduleValue } from '../../core/config';
import { IssueList, formatValue, validateBase } from '../../core/config-validation';
import { trainBatchSizeError } from '../../core/config-limits';
import type { ValidationContext } from '../../core/config-validation';
import type { ConfigIssue } from '../../core/errors';
// From a TF.js-free module: the UI imports this config file and must not load TF.js.
import { DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES } from '../../learner/defaults';
import { AlgorithmConfigBuilder } from '../algorithm-config';
import { checkFragmentFitsBatch, onPolicySamplingLayout } from '../on-policy-config';
import type { SamplingLayout } from '../spec';

export interface A2CTrainingConfig {
  /** Adam learning rate, or a schedule [[envStep, lr], ...]. RLlib: lr (A2C/A3C default 1e-4). SB3: learning_rate (RMSprop 7e-4). */
  readonly lr: ScheduleValue;
  /** Discount factor. RLlib: gamma (0.99). SB3: gamma. */
  readonly gamma: number;
  /** GAE lambda (used when useGae). RLlib: lambda_ (1.0). SB3: gae_lambda (1.0). */
  readonly lambda: number;
  /** Advantages by GAE(lambda); false: discounted returns minus V (GAE with lambda 1). RLlib: use_gae (true). */
  readonly useGae: boolean;
  /** Use V(s) as the baseline and train it; false: REINFORCE-style returns as advantages. RLlib: use_critic (true). */
  readonly useCritic: boolean;
  /** Weight of the value loss, 0.5 * mean((V - target)^2). RLlib: vf_loss_coeff (0.5). SB3: vf_coef (0.5). */
  readonly vfLossCoeff: number;
  /** Weight of the entropy bonus. RLlib: entropy_coeff (0.01). SB3: ent_coef (0.0). */
  readonly entropyCoeff: number;
  /** Env steps per iteration, one gradient step on all of them. RLlib: train_batch_size (200). SB3: n_steps * n_envs. */
  readonly trainBatchSizePerLearner: number;
  /** Rows per gradient computation, summed into the one step (saves memory); null: the whole batch. RLlib: microbatch_size (None). */
  readonly microbatchSize: number | null;
  /**
   * Env steps sampled at least per training iteration, repeating sample + step (RLlib's reporting
   * key min_sample_timesteps_per_iteration, 0; RLlib's A2C reports every min_time_s_per_iteration
   * 10 s instead, a wall-clock rule this deterministic trainer does not use).
   */
  readonly minSampleTimestepsPerIteration: number;
  /** Gradient clip threshold; null disables it. RLlib: grad_clip (40.0). SB3: max_grad_norm (0.5). */
  readonly gradClip: number | null;
  /** What gradClip bounds. RLlib: grad_clip_by ('global_norm'). */
  readonly gradClipBy: 'global_norm' | 'norm' | 'value';
  /** Non-finite Adam steps in a row after which training stops with `learner/diverged`. RLlib: none. */
  readonly maxConsecutiveNonFiniteUpdates: number;
}

export type A2CConfig = AlgorithmConfigBase & { readonly algo: 'A2C'; readonly training: A2CTrainingConfig };

export const A2C_TRAINING_DEFAULTS: A2CTrainingConfig = {
  lr: 1e-4,
  gamma: 0.99,
  lambda: 1.0,
  useGae: true,
  useCritic: true,
  vfLossCoeff: 0.5,
  entropyCoeff: 0.01,
  trainBatchSizePerLearner: 200,
  microbatchSize: null,
  minSampleTimestepsPerIteration: 0,
  gradClip: 40.0,
  gradClipBy: 'global_norm',
  maxConsecutiveNonFiniteUpdates: DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES,
};

/** RLlib A2CConfig: 2 rollout workers, 'auto' fragment length (the shared defaults already are). */
export const A2C_DEFAULTS: A2CConfig = deepFreeze({
  algo: 'A2C',
  ...ALGORITHM_CONFIG_DEFAULTS,
  training: A2C_TRAINING_DEFAULTS,
});

/** RLlib's names of A2C's training keys -> our paths; the first name for a path is the URL's. */
export const A2C_KEY_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  lr: 'training.lr',
  gamma: 'training.gamma',
  lambda: 'training.lambda',
  lambda_: 'training.lambda',
  use_gae: 'training.useGae',
  use_critic: 'training.useCritic',
  vf_loss_coeff: 'training.vfLossCoeff',
  entropy_coeff: 'training.entropyCoeff',
  train_batch_size_per_learner: 'training.trainBatchSizePerLearner',
  train_batch_size: 'training.trainBatchSizePerLearner', // one learner: per-learner == total
  microbatch_size: 'training.microbatchSize',
  min_sample_timesteps_per_iteration: 'training.minSampleTimestepsPerIteration',
  grad_clip: 'training.gradClip',
  grad_clip_by: 'training.gradClipBy',
  max_consecutive_non_finite_updates: 'training.maxConsecutiveNonFiniteUpdates',
});

export class A2CConfigBuilder extends AlgorithmConfigBuilder<A2CConfig> {
  constructor() {
    super(A2C_DEFAULTS, A2C_KEY_ALIASES);
  }

  protected override validateConfig(cfg: A2CConfig, ctx: ValidationContext): ConfigIssue[] {
    return validateA2CConfig(cfg, ctx);
  }
}

/** RLlib: `A2CConfig()`. */
export function a2c(): A2CConfigBuilder {
  return new A2CConfigBuilder();
}

/** PPO's layout: 'auto' fragment = train batch / (runners x envs), whole sample rounds. */
export function a2cSamplingLayout(cfg: Pick<A2CConfig, 'envRunners' | 'training'>): SamplingLayout {
  return onPolicySamplingLayout(cfg);
}

/** validateBase + A2C's training checks; every problem at once. */
export function validateA2CConfig(cfg: A2CConfig, ctx: ValidationContext = {}): ConfigIssue[] {
  const out = new IssueList();
  out.issues.push(...validateBase(cfg, ctx));
  if (cfg.algo !== 'A2C') out.error('algo', `algo must be 'A2C' for an A2C config, got ${formatValue(cfg.algo)}.`);
  if (!out.section('training', cfg.training)) return out.issues;
  const t = cfg.training;
  const p = 'training.';

  out.schedule(p + 'lr', t.lr);
  out.number(p + 'gamma', t.gamma, { min: 0, max: 1 });
  out.number(p + 'lambda', t.lambda, { min: 0, max: 1 });
  const gaeOk = out.boolean(p + 'useGae', t.useGae);
  const criticOk = out.boolean(p + 'useCritic', t.useCritic);
  out.number(p + 'vfLossCoeff', t.vfLossCoeff, { min: 0 });
  out.number(p + 'entropyCoeff', t.entropyCoeff, { min: 0 });
  const tbsOk = out.integer(p + 'trainBatchSizePerLearner', t.trainBatchSizePerLearner, 1);
  const tooBig = trainBatchSizeError(p + 'trainBatchSizePerLearner', t.trainBatchSizePerLearner);
  if (tooBig) out.issues.push(tooBig);
  const mbsOk = t.microbatchSize === null || out.integer(p + 'microbatchSize', t.microbatchSize, 1);
  out.integer(p + 'minSampleTimestepsPerIteration', t.minSampleTimestepsPerIteration, 0);
  if (t.gradClip !== null) out.number(p + 'gradClip', t.gradClip, { above: 0 });
  out.oneOf(p + 'gradClipBy', t.gradClipBy, ['global_norm', 'norm', 'value'] as const);
  out.integer(p + 'maxConsecutiveNonFiniteUpdates', t.maxConsecutiveNonFiniteUpdates, 1);

  if (gaeOk && criticOk && t.useGae && !t.useCritic) {
    out.error(
      p + 'useGae',
      'useGae needs useCritic: GAE is built from the value function. Set useCritic to true, or useGae to false ' +
        '(advantages are then the discounted returns).',
    );
  }
  if (mbsOk && tbsOk && t.microbatchSize !== null && t.trainBatchSizePerLearner / t.microbatchSize < 3) {
    // RLlib's A2CConfig.validate warns the same way.
    out.warn(
      p + 'microbatchSize',
      `trainBatchSizePerLearner (${t.trainBatchSizePerLearner}) should be at least 3x microbatchSize ` +
        `(${t.microbatchSize}) for microbatching to save memory; set microbatchSize to null to use the whole batch.`,
    );
  }
  if (tbsOk) checkFragmentFitsBatch(out, cfg);
  return out.issues;
}
