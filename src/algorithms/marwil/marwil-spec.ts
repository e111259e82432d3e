/**
 * MARWIL and BC as the app, UI and CLI see them: defaults, RLlib names, validation, presets, form
 * fields and charts, all TF.js-free; `load()` imports the implementation on demand. One
 * implementation serves both: BC is MARWIL with beta 0 (RLlib: `class BC(MARWIL)`; bc/bc-spec.ts).
 */
import * as K from '../../core/metric-keys';
import { defineAlgorithm } from '../define-algorithm';
import { ACTOR_CRITIC_WEIGHTS } from '../rllib/actor-critic-layout';
import type { ChartDef, Preset } from '../spec';
import type { BuildOptions as MARWILBuildOptions } from './marwil';
import { MARWIL_SCHEMA, offlineSamplingLayout, type MARWILConfig } from './marwil-config';

const L = (k: string): string => `${K.LEARNER_RESULTS}/${k}`;

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
  description: 'CartPole from recorded episodes.',
  details: '64x64 net, lr 1e-3, 20 steps of 256 rows per iteration, a 10-episode evaluation after ' + 'each iteration.',
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

export const MARWIL_SPEC = defineAlgorithm<MARWILConfig>({
  ...OFFLINE_SPEC_SHARED,
  schema: MARWIL_SCHEMA,
  title: 'MARWIL — advantage-weighted imitation (offline)',
  description:
    'Monotonic Advantage Re-Weighted Imitation Learning (Wang et al. 2018), RLlib’s MARWIL: learns from recorded episodes.',
  defaultsNote: "RLlib's MARWILConfig defaults (beta 1, lr 1e-4, 2000 rows per step).",
  formSection: { id: 'training', title: 'MARWIL hyperparameters' },
  charts: MARWIL_CHARTS,
  // RLlib's MARWIL builds PPO's module (DefaultPPOTorchRLModule), so the weights take PPO's names.
  rllib: { configClass: 'MARWILConfig', importFrom: 'ray.rllib.algorithms.marwil', ...ACTOR_CRITIC_WEIGHTS },
});
