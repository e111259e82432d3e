/**
 * DQN as the app, the UI and the CLI know it: defaults, RLlib's key names, validation, sampling
 * layout, presets, form fields and charts, without TF.js. `load()` brings in the implementation.
 */
import { clamp, type AutoLayout } from '../auto-preset';
import { DQN_RLLIB } from './dqn-rllib';
import type { AlgorithmSpec, Preset, SectionDef } from '../spec';
import { DQN_DEFAULTS, DQN_KEY_ALIASES, dqn, dqnSamplingLayout, validateDQNConfig, type DQNConfig } from './dqn-config';

/**
 * RLlib's tuned_examples/dqn/cartpole_dqn.py (450 within 200,000 env steps): fcnet [256] tanh,
 * head [256], n_step (2, 5), epsilon to 0.02 over 10,000 steps, prioritized replay, lr 5e-4.
 * Sampling stays on the page (numEnvRunners 0): a replay learner gains nothing from workers here.
 */
const T = 'training.';

const CARTPOLE: Preset<DQNConfig> = {
  description: "RLlib's tuned cartpole_dqn.py: dueling double DQN, n-step 2-5, prioritized replay.",
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
  description: 'Dueling double DQN with n-step returns, as the CartPole preset; -100 within 200,000 steps.',
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
    description: `Automatic for ${l.env.envId}: [${l.hiddens.join(', ')}] nets with a dueling head, replay on the page.`,
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

const FORM_SECTIONS: readonly SectionDef[] = [
  {
    id: 'dqn-training',
    title: 'DQN training',
    fields: [
      { path: `${T}lr`, label: 'Learning rate', rllib: 'lr', kind: 'number', help: 'Adam step size (RLlib 5e-4).' },
      { path: `${T}gamma`, label: 'Discount', rllib: 'gamma', kind: 'number', help: 'Weight of future rewards.' },
      {
        path: `${T}trainBatchSizePerLearner`,
        label: 'Replay batch size',
        rllib: 'train_batch_size_per_learner',
        kind: 'int',
        help: 'Transitions per gradient step, sampled from the replay buffer.',
      },
      {
        path: `${T}targetNetworkUpdateFreq`,
        label: 'Target update every (env steps)',
        rllib: 'target_network_update_freq',
        kind: 'int',
        help: 'Env steps sampled between target-network updates; the TD target bootstraps from the target net.',
      },
      {
        path: `${T}tau`,
        label: 'Target tau',
        rllib: 'tau',
        kind: 'number',
        help: '1 copies the online net; small values average slowly (Polyak).',
        advanced: true,
      },
      {
        path: `${T}numStepsSampledBeforeLearningStarts`,
        label: 'Learning starts after',
        rllib: 'num_steps_sampled_before_learning_starts',
        kind: 'int',
        help: 'Env steps of random-ish experience collected before the first gradient step.',
      },
      {
        path: `${T}doubleQ`,
        label: 'Double Q',
        rllib: 'double_q',
        kind: 'checkbox',
        help: 'The online net picks the next action, the target net values it: less over-estimation.',
      },
      {
        path: `${T}dueling`,
        label: 'Dueling heads',
        rllib: 'dueling',
        kind: 'checkbox',
        help: 'Separate value and advantage streams, Q = V + A - mean(A).',
      },
      {
        path: `${T}trainingIntensity`,
        label: 'Training intensity',
        rllib: 'training_intensity',
        kind: 'number',
        nullable: true,
        help: 'Replayed / sampled env steps; empty: one update per sample call.',
        advanced: true,
      },
      {
        path: `${T}tdErrorLossFn`,
        label: 'TD loss',
        rllib: 'td_error_loss_fn',
        kind: 'select',
        options: [
          { value: 'huber', label: 'Huber' },
          { value: 'mse', label: 'Squared error' },
        ],
        help: 'Huber is robust to large TD errors.',
        advanced: true,
      },
      {
        path: `${T}replayBufferConfig.capacity`,
        label: 'Replay capacity',
        rllib: 'replay_buffer_config.capacity',
        kind: 'int',
        help: 'Transitions kept; the oldest are overwritten first.',
      },
      {
        path: `${T}storeBufferInCheckpoints`,
        label: 'Save buffer in checkpoints',
        rllib: 'store_buffer_in_checkpoints',
        kind: 'checkbox',
        help: 'Makes checkpoints large, but a resumed run keeps its experience.',
        advanced: true,
      },
    ],
  },
];

export const DQN_SPEC: AlgorithmSpec<DQNConfig> = {
  name: 'DQN',
  title: 'DQN — deep Q-network (off-policy, replay buffer)',
  actionSpaces: ['discrete'],
  defaults: DQN_DEFAULTS,
  keyAliases: DQN_KEY_ALIASES,
  rllib: DQN_RLLIB,
  builder: dqn,
  validate: (config, ctx) => validateDQNConfig(config, ctx),
  samplingLayout: dqnSamplingLayout,
  presets: { 'CartPole-v1': CARTPOLE, 'Acrobot-v1': ACROBOT },
  autoPreset: dqnAutoPreset,
  formSections: FORM_SECTIONS,
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
};
