/**
 * DQN as the app, the UI and the CLI know it: defaults, RLlib's key names, validation, sampling
 * layout, presets, form fields and charts, without TF.js. `load()` brings in the implementation.
 */
import { clamp, type AutoLayout } from '../auto-preset';
import { DQN_RLLIB } from './dqn-rllib';
import { defineAlgorithm } from '../define-algorithm';
import type { Preset } from '../spec';
import { DQN_SCHEMA, dqnSamplingLayout, type DQNConfig } from './dqn-config';

/**
 * RLlib's tuned_examples/dqn/cartpole_dqn.py (450 within 200,000 env steps): fcnet [256] tanh,
 * head [256], n_step (2, 5), epsilon to 0.02 over 10,000 steps, prioritized replay, lr 5e-4.
 * Sampling stays on the page (numEnvRunners 0): a replay learner gains nothing from workers here.
 */
const CARTPOLE: Preset<DQNConfig> = {
  description: "RLlib's tuned CartPole DQN, sampled on the page.",
  details:
    'tuned_examples/dqn/cartpole_dqn.py: dueling double DQN, [256] tanh torso and [256] ' +
    'heads, n-step 2-5, prioritized replay, epsilon 1 -> 0.02 over 10,000 steps, lr 5e-4, ' +
    '32-row batches; 450 within 200,000 env steps.',
  config: {
    environment: { env: 'CartPole-v1' },
    envRunners: { numEnvRunners: 0, numEnvsPerEnvRunner: 1 },
    rlModule: { fcnetHiddens: [256], fcnetActivation: 'tanh' },
    training: {
      lr: 5e-4,
      trainBatchSizePerLearner: 32,
      nStep: [2, 5],
      epsilon: [
        [0, 1.0],
        [10000, 0.02],
      ],
      headFcnetHiddens: [256],
    },
  },
  stop: { 'env_runners/episode_return_mean': 450, num_env_steps_sampled_lifetime: 200_000 },
};

/** Acrobot-v1 with the CartPole settings (RLlib has no tuned DQN Acrobot; -100 is the usual bar). */
const ACROBOT: Preset<DQNConfig> = {
  description: 'Acrobot with the CartPole DQN settings.',
  details:
    'Dueling double DQN with n-step returns, as the CartPole preset (RLlib has no tuned DQN ' +
    'for Acrobot); -100 within 200,000 steps is the usual bar.',
  config: { ...CARTPOLE.config, environment: { env: 'Acrobot-v1' } },
  stop: { 'env_runners/episode_return_mean': -100, num_env_steps_sampled_lifetime: 200_000 },
};

/**
 * DQN's automatic preset: sampling on the page (a replay learner gains nothing from workers on a
 * small env), the shared net size with a head of the same width, learning after a few episodes,
 * epsilon from 1 to 0.02 over ~50 episodes (2,000-10,000 steps), lr 1e-3.
 */
function dqnAutoPreset(l: AutoLayout): Preset<DQNConfig> {
  return {
    description: `Sized automatically for ${l.env.envId}: replay and sampling on the page.`,
    details: `[${l.hiddens.join(', ')}] torso with a dueling head of ${l.hiddens[0]}, lr 1e-3, learning after ${clamp(5 * l.horizon, 200, 1000)} env steps, epsilon 1 -> 0.02 over ${clamp(50 * l.horizon, 2000, 10_000)}.`,
    config: {
      environment: { env: l.env.envId },
      envRunners: { numEnvRunners: 0, numEnvsPerEnvRunner: 1 },
      rlModule: { fcnetHiddens: [...l.hiddens], fcnetActivation: 'tanh' },
      training: {
        lr: 1e-3,
        trainBatchSizePerLearner: 32,
        headFcnetHiddens: [l.hiddens[0]],
        numStepsSampledBeforeLearningStarts: clamp(5 * l.horizon, 200, 1000),
        epsilon: [
          [0, 1.0],
          [clamp(50 * l.horizon, 2000, 10_000), 0.02],
        ],
      },
    },
    stop: l.stop,
  };
}

export const DQN_SPEC = defineAlgorithm<DQNConfig>({
  schema: DQN_SCHEMA,
  title: 'DQN — deep Q-network (off-policy, replay buffer)',
  actionSpaces: ['discrete'],
  formSection: { id: 'dqn-training', title: 'DQN training' },
  rllib: DQN_RLLIB,
  samplingLayout: dqnSamplingLayout,
  presets: { 'CartPole-v1': CARTPOLE, 'Acrobot-v1': ACROBOT },
  autoPreset: dqnAutoPreset,
  charts: [
    {
      title: 'Q values',
      testid: 'chart-q-values',
      series: [
        { key: 'learners/default_policy/qf_mean', label: 'mean Q', color: '--c1' },
        { key: 'learners/default_policy/qf_max', label: 'max Q', color: '--c2', dash: [4, 4] },
        { key: 'learners/default_policy/qf_min', label: 'min Q', color: '--c4', dash: [4, 4] },
      ],
    },
    {
      title: 'TD error and loss',
      testid: 'chart-td-error',
      series: [
        { key: 'learners/default_policy/td_error_mean', label: 'mean |TD error|', color: '--c1' },
        { key: 'learners/default_policy/qf_loss', label: 'loss', color: '--c2', scale: 'y2' },
      ],
    },
    {
      title: 'Exploration and replay',
      testid: 'chart-exploration',
      series: [
        { key: 'env_runners/epsilon', label: 'epsilon', color: '--c1' },
        { key: 'replay_buffer/size', label: 'replay size', color: '--c2', scale: 'y2' },
      ],
    },
  ],
  load: () => import('./dqn'),
});
