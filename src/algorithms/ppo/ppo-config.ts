/**
 * PPO's config: RLlib's PPOConfig defaults (ray-project/ray rllib/algorithms/ppo/ppo.py,
 * `PPOConfig.__init__`, and `AlgorithmConfig.__init__` for grad_clip_by / shuffle), with CleanRL's
 * names (vwxyzjn/cleanrl cleanrl/ppo.py) next to each field.
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

export { learnerCount } from '../on-policy-config';
import type { SamplingLayout } from '../spec';

export interface PPOTrainingConfig {
  /** Adam learning rate, or a schedule [[envStep, lr], ...] over lifetime env steps. RLlib: lr (PPO default 5e-5). CleanRL: learning_rate (+ anneal_lr). */
  readonly lr: ScheduleValue;
  /** Discount factor. RLlib: gamma (0.99). CleanRL: gamma. */
  readonly gamma: number;
  /** GAE lambda. RLlib: lambda_ (1.0). CleanRL: gae_lambda. */
  readonly lambda: number;
  /** Surrogate clip epsilon. RLlib: clip_param (0.3). CleanRL: clip_coef. */
  readonly clipParam: number;
  /** Clamp on each step's squared value error (RLlib's meaning, not CleanRL's clip_vloss). RLlib: vf_clip_param (10.0). */
  readonly vfClipParam: number;
  /** Weight of the value loss, mean((V - target)^2). RLlib: vf_loss_coeff (1.0). CleanRL: vf_coef (on 0.5 * MSE). */
  readonly vfLossCoeff: number;
  /** Weight of the entropy bonus. RLlib: entropy_coeff (0.0). CleanRL: ent_coef. */
  readonly entropyCoeff: number;
  /** Add the adaptive KL penalty to the loss. RLlib: use_kl_loss (true). CleanRL: none (target_kl stops epochs instead). */
  readonly useKlLoss: boolean;
  /** Initial KL penalty coefficient, adapted toward klTarget. RLlib: kl_coeff (0.2). */
  readonly klCoeff: number;
  /** KL divergence the penalty aims for. RLlib: kl_target (0.01). */
  readonly klTarget: number;
  /** Passes over each train batch. RLlib: num_epochs (30; old: num_sgd_iter). CleanRL: update_epochs. */
  readonly numEpochs: number;
  /** Rows per gradient step. RLlib: minibatch_size (128; old: sgd_minibatch_size). CleanRL: batch_size // num_minibatches. */
  readonly minibatchSize: number;
  /** Env steps per training iteration (one learner). RLlib: train_batch_size_per_learner (4000). CleanRL: num_envs * num_steps. */
  readonly trainBatchSizePerLearner: number;
  /** Gradient clip threshold; null disables it. RLlib: grad_clip (None). CleanRL: max_grad_norm. */
  readonly gradClip: number | null;
  /** What gradClip bounds. RLlib: grad_clip_by ('global_norm'). CleanRL: clip_grad_norm_ (global norm). */
  readonly gradClipBy: 'global_norm' | 'norm' | 'value';
  /** Reshuffle the batch before each epoch. RLlib: shuffle_batch_per_epoch (PPO: true). CleanRL: np.random.shuffle(b_inds). */
  readonly shuffleBatchPerEpoch: boolean;
  /**
   * Adam steps in a row whose loss, gradient norm or update is NaN/Inf (each one skipped, not
   * applied) after which training stops with `learner/diverged`; checked at the end of each
   * update. Counted in steps, not updates, so it means the same whatever the epochs and
   * minibatches. RLlib: none (it trains on with NaN weights).
   */
  readonly maxConsecutiveNonFiniteUpdates: number;
  /**
   * Sample the next train batch while the learner updates on this one, so remote runners and the
   * learner work at the same time; each batch after the first was sampled by the weights one
   * update old (the loss's ratio is against the logp recorded at sampling, so the clip stays
   * around the policy that acted). Pays with numEnvRunners >= 1 and a learner on the page; with 0
   * runners sampling and learning share the page's thread. RLlib: sample_async (old stack, a
   * background sampling thread).
   */
  readonly sampleAsync: boolean;
}

export type PPOConfig = AlgorithmConfigBase & { readonly algo: 'PPO'; readonly training: PPOTrainingConfig };

export const PPO_TRAINING_DEFAULTS: PPOTrainingConfig = {
  lr: 5e-5,
  gamma: 0.99,
  lambda: 1.0,
  clipParam: 0.3,
  vfClipParam: 10.0,
  vfLossCoeff: 1.0,
  entropyCoeff: 0.0,
  useKlLoss: true,
  klCoeff: 0.2,
  klTarget: 0.01,
  numEpochs: 30,
  minibatchSize: 128,
  trainBatchSizePerLearner: 4000,
  gradClip: null,
  gradClipBy: 'global_norm',
  shuffleBatchPerEpoch: true,
  maxConsecutiveNonFiniteUpdates: DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES,
  sampleAsync: false,
};

export const PPO_DEFAULTS: PPOConfig = deepFreeze({
  algo: 'PPO',
  ...ALGORITHM_CONFIG_DEFAULTS,
  training: PPO_TRAINING_DEFAULTS,
});

/**
 * RLlib's names of PPO's training keys (new stack first, then old-stack names) -> our paths; the
 * first name listed for a path is the one the URL writes. The shared sections' names are in
 * core/config-keys.ts.
 */
export const PPO_KEY_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  lr: 'training.lr',
  gamma: 'training.gamma',
  lambda: 'training.lambda',
  lambda_: 'training.lambda',
  clip_param: 'training.clipParam',
  vf_clip_param: 'training.vfClipParam',
  vf_loss_coeff: 'training.vfLossCoeff',
  entropy_coeff: 'training.entropyCoeff',
  use_kl_loss: 'training.useKlLoss',
  kl_coeff: 'training.klCoeff',
  kl_target: 'training.klTarget',
  num_epochs: 'training.numEpochs',
  num_sgd_iter: 'training.numEpochs',
  minibatch_size: 'training.minibatchSize',
  sgd_minibatch_size: 'training.minibatchSize',
  train_batch_size_per_learner: 'training.trainBatchSizePerLearner',
  train_batch_size: 'training.trainBatchSizePerLearner', // one learner: per-learner == total
  grad_clip: 'training.gradClip',
  grad_clip_by: 'training.gradClipBy',
  shuffle_batch_per_epoch: 'training.shuffleBatchPerEpoch',
  max_consecutive_non_finite_updates: 'training.maxConsecutiveNonFiniteUpdates',
  sample_async: 'training.sampleAsync',
});

export class PPOConfigBuilder extends AlgorithmConfigBuilder<PPOConfig> {
  constructor() {
    super(PPO_DEFAULTS, PPO_KEY_ALIASES);
  }

  protected override validateConfig(cfg: PPOConfig, ctx: ValidationContext): ConfigIssue[] {
    return validatePPOConfig(cfg, ctx);
  }
}

/** RLlib: `PPOConfig()`. */
export function ppo(): PPOConfigBuilder {
  return new PPOConfigBuilder();
}

/**
 * PPO's sampling layout: the one every synchronous on-policy algorithm shares, for a train batch of
 * trainBatchSizePerLearner on each of numLearners learners.
 */
export function derivedSizes(
  cfg: Pick<PPOConfig, 'envRunners' | 'training'> & { readonly learners?: Pick<PPOConfig['learners'], 'numLearners'> },
): SamplingLayout {
  return onPolicySamplingLayout(cfg, cfg.learners?.numLearners ?? 0);
}

/** validateBase + PPO's training checks; every problem at once. */
export function validatePPOConfig(cfg: PPOConfig, ctx: ValidationContext = {}): ConfigIssue[] {
  const out = new IssueList();
  out.issues.push(...validateBase(cfg, ctx));
  if (cfg.algo !== 'PPO') out.error('algo', `algo must be 'PPO' for a PPO config, got ${formatValue(cfg.algo)}.`);
  if (!out.section('training', cfg.training)) return out.issues;
  const t = cfg.training;
  const p = 'training.';

  out.schedule(p + 'lr', t.lr);
  out.number(p + 'gamma', t.gamma, { min: 0, max: 1 });
  out.number(p + 'lambda', t.lambda, { min: 0, max: 1 });
  out.number(p + 'clipParam', t.clipParam, { above: 0 });
  out.number(p + 'vfClipParam', t.vfClipParam, { above: 0 });
  out.number(p + 'vfLossCoeff', t.vfLossCoeff, { min: 0 });
  out.number(p + 'entropyCoeff', t.entropyCoeff, { min: 0 });
  out.boolean(p + 'useKlLoss', t.useKlLoss);
  out.number(p + 'klCoeff', t.klCoeff, { min: 0 });
  out.number(p + 'klTarget', t.klTarget, { above: 0 });
  out.integer(p + 'numEpochs', t.numEpochs, 1);
  const mbsOk = out.integer(p + 'minibatchSize', t.minibatchSize, 1);
  const tbsOk = out.integer(p + 'trainBatchSizePerLearner', t.trainBatchSizePerLearner, 1);
  const tooBig = trainBatchSizeError(p + 'trainBatchSizePerLearner', t.trainBatchSizePerLearner);
  if (tooBig) out.issues.push(tooBig);
  if (t.gradClip !== null) out.number(p + 'gradClip', t.gradClip, { above: 0 });
  out.oneOf(p + 'gradClipBy', t.gradClipBy, ['global_norm', 'norm', 'value'] as const);
  out.boolean(p + 'shuffleBatchPerEpoch', t.shuffleBatchPerEpoch);
  out.integer(p + 'maxConsecutiveNonFiniteUpdates', t.maxConsecutiveNonFiniteUpdates, 1);
  out.boolean(p + 'sampleAsync', t.sampleAsync);

  const mbs = t.minibatchSize;
  const tbs = t.trainBatchSizePerLearner;
  if (mbsOk && tbsOk && mbs > tbs) {
    out.error(
      p + 'minibatchSize',
      `minibatchSize (${mbs}) must be <= trainBatchSizePerLearner (${tbs}); PPO splits each batch into minibatches. ` +
        `Lower minibatchSize or raise trainBatchSizePerLearner.`,
    );
  }
  if (tbsOk) checkFragmentFitsBatch(out, cfg, cfg.learners.numLearners);
  return out.issues;
}
