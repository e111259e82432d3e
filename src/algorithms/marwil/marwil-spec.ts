/**
 * MARWIL and BC as the app, UI and CLI see them: defaults, RLlib names, validation, presets, form
 * fields and charts, all TF.js-free; `load()` imports the implementation on demand. One
 * implementation serves both: BC is MARWIL with beta 0 (RLlib: `class BC(MARWIL)`; bc/bc-spec.ts).
 */
import * as K from '../../core/metric-keys';
import type { AlgorithmSpec, ChartDef, FieldDef, Preset, SectionDef } from '../spec';
import type { BuildOptions as MARWILBuildOptions } from './marwil';
import {
  MARWIL_DEFAULTS,
  MARWIL_KEY_ALIASES,
  marwil,
  offlineSamplingLayout,
  validateMARWILConfig,
  type MARWILConfig,
} from './marwil-config';

const f = (def: FieldDef): FieldDef => def;
const L = (k: string): string => `${K.LEARNER_RESULTS}/${k}`;

const OFFLINE_FIELDS: readonly FieldDef[] = [
  f({
    path: 'offlineData.input',
    label: 'Offline data',
    rllib: 'input_',
    kind: 'text',
    help: 'Recorded episode files (Parquet), comma-separated; load them with "Offline data file".',
  }),
  f({
    path: 'offlineData.datasetNumItersPerLearner',
    label: 'Gradient steps per iteration',
    rllib: 'dataset_num_iters_per_learner',
    kind: 'int',
    help: 'Batches of recorded rows trained on per iteration.',
  }),
  f({
    path: 'evaluation.evaluationInterval',
    label: 'Evaluate every',
    rllib: 'evaluation_interval',
    kind: 'int',
    help: 'Iterations between evaluations in the env (the return shown).',
  }),
  f({
    path: 'evaluation.evaluationDuration',
    label: 'Evaluation length',
    rllib: 'evaluation_duration',
    kind: 'int',
    help: 'Episodes (or env steps) per evaluation.',
    advanced: true,
  }),
  f({
    path: 'evaluation.evaluationDurationUnit',
    label: 'Evaluation unit',
    rllib: 'evaluation_duration_unit',
    kind: 'select',
    help: 'What evaluation length counts.',
    options: [
      { value: 'episodes', label: 'episodes' },
      { value: 'timesteps', label: 'env steps' },
    ],
    advanced: true,
  }),
];

export const TRAINING_FIELDS: readonly FieldDef[] = [
  f({ path: 'training.lr', label: 'Learning rate', rllib: 'lr', kind: 'text', help: 'Adam step size.' }),
  f({
    path: 'training.trainBatchSizePerLearner',
    label: 'Train batch size',
    rllib: 'train_batch_size_per_learner',
    kind: 'int',
    help: 'Recorded rows per gradient step.',
  }),
  f({ path: 'training.gamma', label: 'Discount γ', rllib: 'gamma', kind: 'number', help: 'Discount of the returns.' }),
];

const MARWIL_FIELDS: readonly FieldDef[] = [
  f({
    path: 'training.beta',
    label: 'β',
    rllib: 'beta',
    kind: 'number',
    help: 'Advantage temperature: weights actions by exp(β·A/c); 0 is behaviour cloning.',
  }),
  f({
    path: 'training.vfCoeff',
    label: 'Value loss weight',
    rllib: 'vf_coeff',
    kind: 'number',
    help: 'Weight of the value loss.',
  }),
  f({
    path: 'training.movingAverageSqdAdvNormUpdateRate',
    label: 'Advantage norm rate',
    rllib: 'moving_average_sqd_adv_norm_update_rate',
    kind: 'number',
    help: 'How fast c² follows the mean squared advantage.',
    advanced: true,
  }),
];

export const offlineSections = (title: string, training: readonly FieldDef[]): readonly SectionDef[] => [
  { id: 'offline', title: 'Offline data and evaluation', fields: OFFLINE_FIELDS },
  { id: 'training', title, fields: training },
];

export const BC_CHARTS: readonly ChartDef[] = [
  { title: 'Losses', testid: 'chart-losses', series: [{ key: L('policy_loss'), label: 'policy', color: '--c1' }] },
];

const MARWIL_CHARTS: readonly ChartDef[] = [
  {
    title: 'Losses',
    testid: 'chart-losses',
    series: [
      { key: L('policy_loss'), label: 'policy', color: '--c1' },
      { key: L('vf_loss'), label: 'value (right)', color: '--c2', scale: 'y2' },
    ],
  },
  {
    title: 'Advantage weights',
    testid: 'chart-advantage-weights',
    series: [{ key: L('mean_advantage_weight'), label: 'mean exp(βA/c)', color: '--c1' }],
  },
];

/** CartPole from recorded episodes: many small steps per iteration, evaluation every iteration. */
const CARTPOLE: Preset<MARWILConfig> = {
  description: 'CartPole-v1 from recorded episodes: 64x64 net, lr 1e-3, 20 steps of 256 rows per iteration.',
  config: {
    rlModule: { fcnetHiddens: [64, 64] },
    training: { lr: 1e-3, trainBatchSizePerLearner: 256 },
    offlineData: { datasetNumItersPerLearner: 20 },
    evaluation: { evaluationInterval: 1, evaluationDuration: 10 },
  },
  stop: { 'env_runners/episode_return_mean': 450, training_iteration: 100 },
};

/** What BC's and MARWIL's specs share (one implementation, the same sections and presets). */
export const OFFLINE_SPEC_SHARED = {
  actionSpaces: ['discrete', 'box'] as const,
  keyAliases: MARWIL_KEY_ALIASES,
  validate: validateMARWILConfig,
  samplingLayout: offlineSamplingLayout,
  presets: { 'CartPole-v1': CARTPOLE },
  describeTraining: (c: MARWILConfig): string => {
    const t = c.training;
    const beta = c.algo === 'MARWIL' ? `beta ${t.beta}, ` : '';
    return (
      `${beta}lr ${String(t.lr)}, ${c.offlineData.datasetNumItersPerLearner} steps x ${t.trainBatchSizePerLearner} rows ` +
      `per iteration from ${c.offlineData.input.join(', ') || '(no input)'}; evaluation every ` +
      `${c.evaluation.evaluationInterval} iteration(s), ${c.evaluation.evaluationDuration} ${c.evaluation.evaluationDurationUnit}`
    );
  },
  describeSampling: (c: MARWILConfig): string => {
    const n = c.envRunners.numEnvRunners;
    const where = n === 0 ? 'the page' : `${n} env runner${n === 1 ? '' : 's'}`;
    return `none for training (offline data); evaluation on ${where} x ${c.envRunners.numEnvsPerEnvRunner} env(s), whole episodes`;
  },
  load: async () => {
    const { MARWIL } = await import('./marwil');
    return { build: (config: MARWILConfig, opts?: unknown) => MARWIL.build(config, opts as MARWILBuildOptions) };
  },
};

export const MARWIL_SPEC: AlgorithmSpec<MARWILConfig> = {
  ...OFFLINE_SPEC_SHARED,
  name: 'MARWIL',
  title: 'MARWIL — advantage-weighted imitation (offline)',
  description:
    'Monotonic Advantage Re-Weighted Imitation Learning (Wang et al. 2018), RLlib’s MARWIL: learns from recorded episodes.',
  defaultsNote: "RLlib's MARWILConfig defaults (beta 1, lr 1e-4, 2000 rows per step).",
  defaults: MARWIL_DEFAULTS,
  builder: marwil,
  formSections: offlineSections('MARWIL hyperparameters', [...TRAINING_FIELDS, ...MARWIL_FIELDS]),
  charts: MARWIL_CHARTS,
};
