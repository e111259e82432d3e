/**
 * A2C as the app, the UI and the CLI know it: defaults, RLlib's key names, validation, sampling
 * layout, presets, form fields and charts, without TF.js. `load()` brings in the implementation.
 */
import * as K from '../../core/metric-keys';
import { defineAlgorithm } from '../define-algorithm';
import { withMultiAgent } from '../multi-agent/multi-agent-load';
import { onIndependentAgents } from '../presets';
import type { ChartDef } from '../spec';
import { A2C_SCHEMA, a2cSamplingLayout, type A2CConfig } from './a2c-config';
import { A2C_PRESETS } from './a2c-presets';
import { A2C_RLLIB } from './a2c-rllib';

const L = (name: string): string => `${K.LEARNER_RESULTS}/${name}`;

const CHARTS: readonly ChartDef[] = [
  {
    title: 'Losses',
    testid: 'chart-losses',
    series: [
      { key: L('policy_loss'), label: 'policy', color: '--c1' },
      { key: L('vf_loss'), label: 'value (right)', color: '--c2', scale: 'y2' },
      { key: L('total_loss'), label: 'total (right)', color: '--c3', scale: 'y2', dash: [4, 3] },
    ],
  },
  {
    title: 'Entropy and value fit',
    testid: 'chart-entropy',
    series: [
      { key: L('entropy'), label: 'entropy', color: '--c1' },
      { key: L('vf_explained_var'), label: 'explained variance', color: '--c2' },
    ],
  },
  {
    title: 'Gradient norm',
    testid: 'chart-grad-norm',
    series: [{ key: L('gradient_global_norm'), label: 'global norm (pre-clip)', color: '--c1' }],
  },
];

export const A2C_SPEC = defineAlgorithm<A2CConfig>({
  schema: A2C_SCHEMA,
  title: 'A2C — advantage actor-critic (on-policy, one step per batch)',
  description: 'Synchronous advantage actor-critic (Mnih et al. 2016), RLlib’s old-stack A2C.',
  defaultsNote: "RLlib's A2CConfig defaults (200 steps per iteration, lr 1e-4, grad clip 40).",
  actionSpaces: ['discrete', 'box'],
  formSection: { id: 'a2c-training', title: 'A2C hyperparameters' },
  samplingLayout: a2cSamplingLayout,
  presets: {
    ...A2C_PRESETS,
    MultiAgentCartPole: onIndependentAgents(A2C_PRESETS['CartPole-v1']!, 'MultiAgentCartPole', 2, {
      target: 450,
      maxEnvSteps: 1_000_000,
    }),
  },
  charts: CHARTS,
  rllib: A2C_RLLIB,
  describeTraining: (c) => {
    const t = c.training;
    const adv = t.useCritic ? (t.useGae ? `GAE lambda ${t.lambda}` : 'returns - V') : 'returns (no critic)';
    const repeat =
      t.minSampleTimestepsPerIteration > 0 ? `, >= ${t.minSampleTimestepsPerIteration} env steps per iteration` : '';
    return `lr ${JSON.stringify(t.lr)}, gamma ${t.gamma}, ${adv}, 1 step per ${t.trainBatchSizePerLearner}-step batch${repeat}`;
  },
  load: withMultiAgent(() => import('./a2c')),
});
