/**
 * MARWIL's and BC's config: RLlib's MARWILConfig / BCConfig defaults (ray-project/ray
 * rllib/algorithms/marwil/marwil.py, bc/bc.py), plus the two sections offline algorithms need:
 * `offlineData` (RLlib's `.offline_data()`: input_, dataset_num_iters_per_learner) and
 * `evaluation` (RLlib's `.evaluation()`: evaluation_interval, evaluation_duration,
 * evaluation_duration_unit). BC is MARWIL with beta = 0 (RLlib: `BCConfig(MARWILConfig)`).
 */
import type { AlgorithmConfigBase } from '../../core/config';
import {
  adjust,
  custom,
  including,
  int,
  num,
  oneOf,
  reuse,
  withDefaults,
  type FormSection,
  type ValuesOf,
} from '../../core/config-catalogue';
import type { ValidationContext } from '../../core/config-validation';
import { formatValue, type IssueList } from '../../core/issue-list';
import {
  DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES,
  ENV_RUNNERS_KEYS,
  RL_MODULE_KEYS,
  SHARED_KEYS,
  TRAINING_KEYS,
} from '../../core/shared-keys';
import { builderOf, configSchema } from '../define-algorithm';
import type { SamplingLayout } from '../spec';

const OFFLINE: FormSection = { id: 'offline', title: 'Offline data and evaluation' };

export const MARWIL_TRAINING_KEYS = {
  ...including(TRAINING_KEYS, { lr: 1e-4 }),
  trainBatchSizePerLearner: reuse(TRAINING_KEYS.trainBatchSizePerLearner, {
    default: 2000,
    doc: 'Recorded rows per gradient step.',
  }),
  gamma: reuse(TRAINING_KEYS.gamma, { doc: 'Discount of the returns behind the advantages.' }),
  beta: num(1.0, {
    min: 0,
    max: 1,
    doc: 'Advantage temperature: actions weighted by exp(β·A/c); 0 is behaviour cloning.',
    rllib: 'beta',
    form: { label: 'β' },
  }),
  vfCoeff: num(1.0, {
    min: 0,
    doc: 'Weight of the value loss, 0.5 · mean(A²).',
    rllib: 'vf_coeff',
    form: { label: 'Value loss weight' },
  }),
  movingAverageSqdAdvNormUpdateRate: num(1e-8, {
    min: 0,
    max: 1,
    doc: 'How fast c², the moving average of squared advantages, follows them.',
    rllib: 'moving_average_sqd_adv_norm_update_rate',
    form: { label: 'Advantage norm rate', advanced: true },
  }),
  movingAverageSqdAdvNormStart: num(100.0, {
    above: 0,
    doc: 'Starting value of c².',
    rllib: 'moving_average_sqd_adv_norm_start',
  }),
  ...including(TRAINING_KEYS, {
    gradClip: null,
    gradClipBy: 'global_norm',
    maxConsecutiveNonFiniteUpdates: DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES,
  }),
};

/** RLlib's `.offline_data()`: the recorded files and how much of them an iteration trains on. */
export const OFFLINE_DATA_KEYS = {
  input: custom<readonly string[]>([], {
    doc: 'Recorded episode files (Parquet) to train on, concatenated; on the page, load them with "Offline data file".',
    rllib: {
      method: 'offline_data',
      name: 'input_',
      note: 'Parquet files written by npm run record (RLlib column names); paths as given to the run, relative to where it was trained.',
    },
    flag: 'input',
    form: { label: 'Offline data', section: OFFLINE, kind: 'text' },
  }),
  datasetNumItersPerLearner: int(1, {
    min: 1,
    doc: 'Gradient steps (each on trainBatchSizePerLearner rows) per training iteration.',
    rllib: 'dataset_num_iters_per_learner',
    form: { label: 'Gradient steps per iteration', section: OFFLINE },
  }),
};

/** RLlib's `.evaluation()`: offline runs evaluate in the env (the return shown). */
export const EVALUATION_KEYS = {
  evaluationInterval: int(1, {
    min: 1,
    doc: "Evaluate in the env every N training iterations (RLlib's default None means never; offline runs need it).",
    rllib: 'evaluation_interval',
    form: { label: 'Evaluate every', section: OFFLINE },
  }),
  evaluationDuration: int(10, {
    min: 1,
    doc: 'How much to evaluate each time, in evaluationDurationUnit.',
    rllib: 'evaluation_duration',
    form: { label: 'Evaluation length', section: OFFLINE, advanced: true },
  }),
  evaluationDurationUnit: oneOf(['episodes', 'timesteps'], 'episodes', {
    doc: 'What evaluationDuration counts.',
    rllib: 'evaluation_duration_unit',
    form: { label: 'Evaluation unit', section: OFFLINE, advanced: true, optionLabels: { timesteps: 'env steps' } },
  }),
};

/**
 * Shared sections as offline algorithms use them: the runners only evaluate, so they sample
 * whole episodes (complete_episodes: an evaluation never counts an episode begun under older
 * weights), one sub-env each (several would favour the episodes that end first). Their count is
 * RLlib's evaluation_num_env_runners (RLlib trains MARWIL from the data, without sampling runners).
 */
const OFFLINE_SHARED_KEYS = {
  ...SHARED_KEYS,
  envRunners: adjust(
    withDefaults(ENV_RUNNERS_KEYS, {
      batchMode: 'complete_episodes',
      numEnvsPerEnvRunner: 1,
      rolloutFragmentLength: 1,
    }),
    {
      numEnvRunners: {
        rllib: { method: 'evaluation', name: 'evaluation_num_env_runners' },
        // Flags and URLs keep the shared name; RLlib's evaluation name is accepted too.
        flag: 'num_env_runners',
      },
    },
  ),
};

export const MARWIL_KEYS = {
  ...OFFLINE_SHARED_KEYS,
  training: MARWIL_TRAINING_KEYS,
  offlineData: OFFLINE_DATA_KEYS,
  evaluation: EVALUATION_KEYS,
};

/** BC: MARWIL with beta 0 (no value function is trained); its form shows lr, batch and gamma. RLlib: BCConfig. */
export const BC_KEYS = {
  ...MARWIL_KEYS,
  rlModule: adjust(RL_MODULE_KEYS, {
    vfShareLayers: {
      rllib: {
        none: "RLlib's BC module has no value branch to share layers with (DefaultBCTorchRLModule: encoder and pi head only).",
      },
    },
  }),
  training: {
    ...MARWIL_TRAINING_KEYS,
    beta: reuse(MARWIL_TRAINING_KEYS.beta, { default: 0, form: null }),
    vfCoeff: reuse(MARWIL_TRAINING_KEYS.vfCoeff, { form: null }),
    movingAverageSqdAdvNormUpdateRate: reuse(MARWIL_TRAINING_KEYS.movingAverageSqdAdvNormUpdateRate, { form: null }),
  },
};

export type MARWILTrainingConfig = ValuesOf<typeof MARWIL_TRAINING_KEYS>;
export type OfflineDataConfig = ValuesOf<typeof OFFLINE_DATA_KEYS>;
export type EvaluationConfig = ValuesOf<typeof EVALUATION_KEYS>;
export type MARWILConfig = AlgorithmConfigBase & {
  readonly algo: 'MARWIL' | 'BC';
  readonly training: MARWILTrainingConfig;
  readonly offlineData: OfflineDataConfig;
  readonly evaluation: EvaluationConfig;
};

/** Rules of MARWIL and BC: files to train on, BC's beta, whole episodes for evaluation. */
function offlineRules(cfg: MARWILConfig, _ctx: ValidationContext, out: IssueList): void {
  const input: unknown = cfg.offlineData.input;
  if (!Array.isArray(input) || input.some((f) => typeof f !== 'string' || f.trim() === '')) {
    const hint = typeof input === 'string' ? ` Write it as a list: ["${input}"].` : '';
    out.error('offlineData.input', `input must be a list of file names, got ${formatValue(input)}.${hint}`);
  } else if (input.length === 0) {
    out.error(
      'offlineData.input',
      `${cfg.algo} trains on recorded episodes: set offlineData.input (CLI: --input FILE.parquet; page: ` +
        `choose an offline data file). Record one with \`npm run record\`.`,
    );
  }
  const beta = cfg.training.beta;
  // RLlib: "`beta` must be within 0.0 and 1.0!"; BCConfig fixes it at 0.
  if (cfg.algo === 'BC' && typeof beta === 'number' && beta !== 0) {
    out.error(
      'training.beta',
      `BC is MARWIL with beta 0, got beta ${beta}. Use algo 'MARWIL' to weight by advantages.`,
    );
  }
  if (cfg.envRunners.batchMode !== 'complete_episodes') {
    out.warn(
      'envRunners.batchMode',
      `${cfg.algo} evaluates on whole episodes; with batch_mode truncate_episodes an evaluation can count ` +
        `an episode begun under older weights. Set batchMode to 'complete_episodes'.`,
    );
  }
}

export const MARWIL_SCHEMA = configSchema<MARWILConfig>('MARWIL', MARWIL_KEYS, offlineRules);
export const BC_SCHEMA = configSchema<MARWILConfig>('BC', BC_KEYS, offlineRules);
export const MARWIL_DEFAULTS: MARWILConfig = MARWIL_SCHEMA.defaults;
export const BC_DEFAULTS: MARWILConfig = BC_SCHEMA.defaults;
export const validateMARWILConfig = MARWIL_SCHEMA.validate;

/** RLlib: `MARWILConfig()`. */
export function marwil(): ReturnType<typeof builderOf<MARWILConfig>> {
  return builderOf(MARWIL_SCHEMA);
}

/** RLlib: `BCConfig()`. */
export function bc(): ReturnType<typeof builderOf<MARWILConfig>> {
  return builderOf(BC_SCHEMA);
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
