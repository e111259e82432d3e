/**
 * A2C as the app, the UI and the CLI know it: defaults, RLlib's key names, validation, sampling
 * layout, presets, form fields and charts, without TF.js. `load()` brings in the implementation.
 */
import * as K from '../../core/metric-keys';
import type { AlgorithmSpec, ChartDef, SectionDef } from '../spec';
import { A2C_DEFAULTS, A2C_KEY_ALIASES, a2c, a2cSamplingLayout, validateA2CConfig, type A2CConfig } from './a2c-config';
import { A2C_PRESETS } from './a2c-presets';

const T = 'training.';

const FORM_SECTIONS: readonly SectionDef[] = [
  {
    id: 'a2c-training',
    title: 'A2C hyperparameters',
    fields: [
      {
        path: `${T}lr`,
        label: 'Learning rate',
        rllib: 'lr',
        kind: 'text',
        help: 'Adam step size (RLlib 1e-4); a schedule is step:value pairs, e.g. 0:1e-3,500000:1e-4.',
      },
      {
        path: `${T}trainBatchSizePerLearner`,
        label: 'Train batch size',
        rllib: 'train_batch_size',
        kind: 'int',
        help: 'Env steps collected per iteration; A2C takes one gradient step on all of them.',
      },
      { path: `${T}gamma`, label: 'Discount γ', rllib: 'gamma', kind: 'number', help: 'Weight of future rewards.' },
      {
        path: `${T}useGae`,
        label: 'GAE',
        rllib: 'use_gae',
        kind: 'checkbox',
        help: 'Generalized advantage estimation; off: discounted returns minus V.',
      },
      {
        path: `${T}lambda`,
        label: 'GAE λ',
        rllib: 'lambda',
        kind: 'number',
        help: 'Advantage bias/variance trade-off: 1 is Monte Carlo, 0 one-step TD.',
      },
      {
        path: `${T}entropyCoeff`,
        label: 'Entropy coeff',
        rllib: 'entropy_coeff',
        kind: 'number',
        help: 'Bonus for keeping the policy random; more means more exploration.',
      },
      {
        path: `${T}vfLossCoeff`,
        label: 'Value loss coeff',
        rllib: 'vf_loss_coeff',
        kind: 'number',
        help: "Weight of the value function's half squared error in the loss.",
      },
      {
        path: `${T}gradClip`,
        label: 'Grad clip',
        rllib: 'grad_clip',
        kind: 'number',
        nullable: true,
        help: 'Largest global gradient norm per step (RLlib 40); empty means no clipping.',
      },
      {
        path: `${T}minSampleTimestepsPerIteration`,
        label: 'Min env steps per iteration',
        rllib: 'min_sample_timesteps_per_iteration',
        kind: 'int',
        advanced: true,
        help: 'Repeat sample + step until this many env steps; fewer, larger iterations (0: one step each).',
      },
      {
        path: `${T}useCritic`,
        label: 'Critic baseline',
        rllib: 'use_critic',
        kind: 'checkbox',
        advanced: true,
        help: 'Subtract V(s) from the returns; off is REINFORCE (needs GAE off).',
      },
      {
        path: `${T}microbatchSize`,
        label: 'Microbatch size',
        rllib: 'microbatch_size',
        kind: 'int',
        nullable: true,
        advanced: true,
        help: 'Rows per gradient computation, summed into the one step (saves memory); empty: whole batch.',
      },
    ],
  },
];

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

export const A2C_SPEC: AlgorithmSpec<A2CConfig> = {
  name: 'A2C',
  title: 'A2C — advantage actor-critic (on-policy, one step per batch)',
  description: 'Synchronous advantage actor-critic (Mnih et al. 2016), RLlib’s old-stack A2C.',
  defaultsNote: "RLlib's A2CConfig defaults (200 steps per iteration, lr 1e-4, grad clip 40).",
  actionSpaces: ['discrete', 'box'],
  defaults: A2C_DEFAULTS,
  keyAliases: A2C_KEY_ALIASES,
  builder: a2c,
  validate: (config, ctx) => validateA2CConfig(config, ctx),
  samplingLayout: a2cSamplingLayout,
  presets: A2C_PRESETS,
  formSections: FORM_SECTIONS,
  charts: CHARTS,
  describeTraining: (c) => {
    const t = c.training;
    const adv = t.useCritic ? (t.useGae ? `GAE lambda ${t.lambda}` : 'returns - V') : 'returns (no critic)';
    const repeat =
      t.minSampleTimestepsPerIteration > 0 ? `, >= ${t.minSampleTimestepsPerIteration} env steps per iteration` : '';
    return `lr ${JSON.stringify(t.lr)}, gamma ${t.gamma}, ${adv}, 1 step per ${t.trainBatchSizePerLearner}-step batch${repeat}`;
  },
  load: () => import('./a2c'),
};
