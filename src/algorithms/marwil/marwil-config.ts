/**
 * MARWIL's and BC's config: RLlib's MARWILConfig / BCConfig defaults (ray-project/ray
 * rllib/algorithms/marwil/marwil.py, bc/bc.py), plus the two sections offline algorithms need:
 * `offlineData` (RLlib's `.offline_data()`: input_, dataset_num_iters_per_learner) and
 * `evaluation` (RLlib's `.evaluation()`: evaluation_interval, evaluation_duration,
 * evaluation_duration_unit). BC is MARWIL with beta = 0 (RLlib: `BCConfig(MARWILConfig)`).
 */
import { ALGORITHM_CONFIG_DEFAULTS, deepFreeze } from '../../core/config';
import type { AlgorithmConfigBase, ScheduleValue } from '../../core/config';
import { IssueList, formatValue, validateBase } from '../../core/config-validation';
import type { ValidationContext } from '../../core/config-validation';
import type { ConfigIssue } from '../../core/errors';
import { DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES } from '../../learner/defaults';
import { AlgorithmConfigBuilder } from '../algorithm-config';
import type { SamplingLayout } from '../spec';

export interface MARWILTrainingConfig {
  /** Adam learning rate (or schedule over env steps trained). RLlib: lr (MARWIL/BC 1e-4). */
  readonly lr: ScheduleValue;
  /** Discount of the returns behind the advantages. RLlib: gamma (0.99). */
  readonly gamma: number;
  /** Rows of recorded data per gradient step. RLlib: train_batch_size_per_learner (MARWIL 2000). */
  readonly trainBatchSizePerLearner: number;
  /** Advantage temperature of exp(beta * A / c); 0 is behaviour cloning. RLlib: beta (MARWIL 1.0, BC 0.0). */
  readonly beta: number;
  /** Weight of the value loss 0.5 * mean(A^2). RLlib: vf_coeff (1.0). */
  readonly vfCoeff: number;
  /** Rate of the moving average c^2 of squared advantages. RLlib: moving_average_sqd_adv_norm_update_rate (1e-8). */
  readonly movingAverageSqdAdvNormUpdateRate: number;
  /** Starting c^2. RLlib: moving_average_sqd_adv_norm_start (100.0). */
  readonly movingAverageSqdAdvNormStart: number;
  /** Gradient clip threshold; null disables it. RLlib: grad_clip (None). */
  readonly gradClip: number | null;
  /** What gradClip bounds. RLlib: grad_clip_by ('global_norm'). */
  readonly gradClipBy: 'global_norm' | 'norm' | 'value';
  /** Non-finite Adam steps in a row before training stops with `learner/diverged`. RLlib: none. */
  readonly maxConsecutiveNonFiniteUpdates: number;
}

export interface OfflineDataConfig {
  /** Recorded episode files (Parquet) to train on, concatenated. RLlib: input_ (a path or list of paths). */
  readonly input: readonly string[];
  /** Gradient steps (each on trainBatchSizePerLearner rows) per training iteration. RLlib: dataset_num_iters_per_learner. */
  readonly datasetNumItersPerLearner: number;
}

export interface EvaluationConfig {
  /** Evaluate in the env every N training iterations (RLlib: evaluation_interval; its default None means never, offline runs need it). */
  readonly evaluationInterval: number;
  /** How much to evaluate each time, in evaluationDurationUnit. RLlib: evaluation_duration (10). */
  readonly evaluationDuration: number;
  /** RLlib: evaluation_duration_unit ('episodes'). */
  readonly evaluationDurationUnit: 'episodes' | 'timesteps';
}

export type MARWILConfig = AlgorithmConfigBase & {
  readonly algo: 'MARWIL' | 'BC';
  readonly training: MARWILTrainingConfig;
  readonly offlineData: OfflineDataConfig;
  readonly evaluation: EvaluationConfig;
};

const TRAINING_DEFAULTS: MARWILTrainingConfig = {
  lr: 1e-4,
  gamma: 0.99,
  trainBatchSizePerLearner: 2000,
  beta: 1.0,
  vfCoeff: 1.0,
  movingAverageSqdAdvNormUpdateRate: 1e-8,
  movingAverageSqdAdvNormStart: 100.0,
  gradClip: null,
  gradClipBy: 'global_norm',
  maxConsecutiveNonFiniteUpdates: DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES,
};

/**
 * Shared sections as offline algorithms use them: the runners only evaluate, so they sample
 * whole episodes (complete_episodes: an evaluation never counts an episode begun under older
 * weights), one sub-env each (several would favour the episodes that end first).
 */
const OFFLINE_SHARED = {
  ...ALGORITHM_CONFIG_DEFAULTS,
  envRunners: {
    ...ALGORITHM_CONFIG_DEFAULTS.envRunners,
    batchMode: 'complete_episodes',
    numEnvsPerEnvRunner: 1,
    rolloutFragmentLength: 1,
  },
} as const;

export const MARWIL_DEFAULTS: MARWILConfig = deepFreeze({
  algo: 'MARWIL',
  ...OFFLINE_SHARED,
  training: TRAINING_DEFAULTS,
  offlineData: { input: [], datasetNumItersPerLearner: 1 },
  evaluation: { evaluationInterval: 1, evaluationDuration: 10, evaluationDurationUnit: 'episodes' },
});

/** BC: MARWIL with beta 0 (no value function is trained). RLlib: BCConfig. */
export const BC_DEFAULTS: MARWILConfig = deepFreeze({
  ...MARWIL_DEFAULTS,
  algo: 'BC',
  training: { ...TRAINING_DEFAULTS, beta: 0 },
});

/** RLlib's names of MARWIL's keys (training, offline_data, evaluation) -> our paths. */
export const MARWIL_KEY_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  lr: 'training.lr',
  gamma: 'training.gamma',
  train_batch_size_per_learner: 'training.trainBatchSizePerLearner',
  train_batch_size: 'training.trainBatchSizePerLearner',
  beta: 'training.beta',
  vf_coeff: 'training.vfCoeff',
  moving_average_sqd_adv_norm_update_rate: 'training.movingAverageSqdAdvNormUpdateRate',
  moving_average_sqd_adv_norm_start: 'training.movingAverageSqdAdvNormStart',
  grad_clip: 'training.gradClip',
  grad_clip_by: 'training.gradClipBy',
  max_consecutive_non_finite_updates: 'training.maxConsecutiveNonFiniteUpdates',
  // `input` first: the URL and --help write it (RLlib's keyword is input_, accepted too).
  input: 'offlineData.input',
  input_: 'offlineData.input',
  dataset_num_iters_per_learner: 'offlineData.datasetNumItersPerLearner',
  evaluation_interval: 'evaluation.evaluationInterval',
  evaluation_duration: 'evaluation.evaluationDuration',
  evaluation_duration_unit: 'evaluation.evaluationDurationUnit',
});

export class MARWILConfigBuilder extends AlgorithmConfigBuilder<MARWILConfig> {
  constructor(defaults: MARWILConfig = MARWIL_DEFAULTS) {
    super(defaults, MARWIL_KEY_ALIASES);
  }

  /** RLlib: `.offline_data(input_=..., dataset_num_iters_per_learner=...)`. */
  offlineData(partial: Partial<OfflineDataConfig>): this {
    return this.update({ offlineData: partial });
  }

  /** RLlib: `.evaluation(evaluation_interval=..., evaluation_duration=..., ...)`. */
  evaluation(partial: Partial<EvaluationConfig>): this {
    return this.update({ evaluation: partial });
  }

  protected override validateConfig(cfg: MARWILConfig, ctx: ValidationContext): ConfigIssue[] {
    return validateMARWILConfig(cfg, ctx);
  }
}

/** RLlib: `MARWILConfig()`. */
export function marwil(): MARWILConfigBuilder {
  return new MARWILConfigBuilder(MARWIL_DEFAULTS);
}

/** RLlib: `BCConfig()`. */
export function bc(): MARWILConfigBuilder {
  return new MARWILConfigBuilder(BC_DEFAULTS);
}

/**
 * The runners only evaluate: one sample call per runner per round returns whole episodes
 * (complete_episodes), so the "train batch" the CLI header shows is the recorded rows per step.
 */
export function offlineSamplingLayout(cfg: Pick<MARWILConfig, 'envRunners' | 'training'>): SamplingLayout {
  const fragment = cfg.envRunners.rolloutFragmentLength === 'auto' ? 1 : cfg.envRunners.rolloutFragmentLength;
  return {
    rolloutFragmentLength: fragment,
    stepsPerSampleCall: fragment * cfg.envRunners.numEnvsPerEnvRunner,
    trainBatchSize: cfg.training.trainBatchSizePerLearner,
    numRunnersSampling: Math.max(1, cfg.envRunners.numEnvRunners),
    numSampleRounds: 1,
  };
}

/** validateBase + MARWIL's checks (training, offlineData, evaluation); every problem at once. */
export function validateMARWILConfig(cfg: MARWILConfig, ctx: ValidationContext = {}): ConfigIssue[] {
  const out = new IssueList();
  out.issues.push(...validateBase(cfg, ctx));
  if (cfg.algo !== 'MARWIL' && cfg.algo !== 'BC') {
    out.error('algo', `algo must be 'MARWIL' or 'BC' for this config, got ${formatValue(cfg.algo)}.`);
  }
  if (out.section('training', cfg.training)) {
    const t = cfg.training;
    const p = 'training.';
    out.schedule(p + 'lr', t.lr);
    out.number(p + 'gamma', t.gamma, { min: 0, max: 1 });
    out.integer(p + 'trainBatchSizePerLearner', t.trainBatchSizePerLearner, 1);
    // RLlib: "`beta` must be within 0.0 and 1.0!"
    if (out.number(p + 'beta', t.beta, { min: 0, max: 1 }) && cfg.algo === 'BC' && t.beta !== 0) {
      out.error(p + 'beta', `BC is MARWIL with beta 0, got beta ${t.beta}. Use algo 'MARWIL' to weight by advantages.`);
    }
    out.number(p + 'vfCoeff', t.vfCoeff, { min: 0 });
    out.number(p + 'movingAverageSqdAdvNormUpdateRate', t.movingAverageSqdAdvNormUpdateRate, { min: 0, max: 1 });
    out.number(p + 'movingAverageSqdAdvNormStart', t.movingAverageSqdAdvNormStart, { above: 0 });
    if (t.gradClip !== null) out.number(p + 'gradClip', t.gradClip, { above: 0 });
    out.oneOf(p + 'gradClipBy', t.gradClipBy, ['global_norm', 'norm', 'value'] as const);
    out.integer(p + 'maxConsecutiveNonFiniteUpdates', t.maxConsecutiveNonFiniteUpdates, 1);
  }
  if (out.section('offlineData', cfg.offlineData)) {
    const o = cfg.offlineData;
    if (!Array.isArray(o.input) || o.input.some((f) => typeof f !== 'string' || f.trim() === '')) {
      const given: unknown = o.input;
      const hint = typeof given === 'string' ? ` Write it as a list: ["${given}"].` : '';
      out.error('offlineData.input', `input must be a list of file names, got ${formatValue(o.input)}.${hint}`);
    } else if (o.input.length === 0) {
      out.error(
        'offlineData.input',
        `${cfg.algo} trains on recorded episodes: set offlineData.input (CLI: --input FILE.parquet; page: ` +
          `choose an offline data file). Record one with \`npm run record\`.`,
      );
    }
    out.integer('offlineData.datasetNumItersPerLearner', o.datasetNumItersPerLearner, 1);
  }
  if (out.section('evaluation', cfg.evaluation)) {
    const e = cfg.evaluation;
    out.integer('evaluation.evaluationInterval', e.evaluationInterval, 1);
    out.integer('evaluation.evaluationDuration', e.evaluationDuration, 1);
    out.oneOf('evaluation.evaluationDurationUnit', e.evaluationDurationUnit, ['episodes', 'timesteps'] as const);
  }
  if (cfg.envRunners.batchMode !== 'complete_episodes') {
    out.warn(
      'envRunners.batchMode',
      `${cfg.algo} evaluates on whole episodes; with batch_mode truncate_episodes an evaluation can count ` +
        `an episode begun under older weights. Set batchMode to 'complete_episodes'.`,
    );
  }
  return out.issues;
}
