/**
 * APPO as the app, the UI and the CLI know it: defaults, RLlib's key names, validation, sampling
 * layout, presets, form fields and charts, without TF.js. `load()` brings in the implementation.
 */
import type { AlgorithmSpec, FieldDef, Preset } from '../spec';
import { asyncSamplingLayout } from '../impala/impala-config';
import { ASYNC_CHARTS, ASYNC_SAMPLING_FIELDS, ASYNC_TRAINING_FIELDS } from '../impala/impala-form';
import { AsyncKeys } from '../impala/async-metric-keys';
import { APPO_DEFAULTS, APPO_KEY_ALIASES, appo, validateAPPOConfig, type APPOConfig } from './appo-config';

const T = 'training.';

const APPO_FIELDS: readonly FieldDef[] = [
  {
    path: `${T}clipParam`,
    label: 'Clip ε',
    rllib: 'clip_param',
    kind: 'number',
    help: 'How far one update may move the action probabilities (RLlib 0.4).',
  },
  {
    path: `${T}circularBufferNumBatches`,
    label: 'Circular buffer batches (N)',
    rllib: 'circular_buffer_num_batches',
    kind: 'int',
    help: 'Train batches kept for reuse; the oldest leaves when a new one arrives.',
  },
  {
    path: `${T}circularBufferIterationsPerBatch`,
    label: 'Uses per batch (K)',
    rllib: 'circular_buffer_iterations_per_batch',
    kind: 'int',
    help: 'Times each train batch may be trained on.',
  },
  {
    path: `${T}targetNetworkUpdateFreq`,
    label: 'Target update period',
    rllib: 'target_network_update_freq',
    kind: 'number',
    help: 'In units of N × K × train batch trained env steps (RLlib 2).',
  },
  {
    path: `${T}tau`,
    label: 'Target tau',
    rllib: 'tau',
    kind: 'number',
    advanced: true,
    help: '1 copies the policy into the target network; smaller values average.',
  },
  {
    path: `${T}useKlLoss`,
    label: 'KL penalty',
    rllib: 'use_kl_loss',
    kind: 'checkbox',
    help: 'Add KL(target ‖ policy) to the loss, its weight adapted toward the KL target.',
  },
  {
    path: `${T}klCoeff`,
    label: 'KL coeff',
    rllib: 'kl_coeff',
    kind: 'number',
    advanced: true,
    help: 'Starting KL weight.',
  },
  {
    path: `${T}klTarget`,
    label: 'KL target',
    rllib: 'kl_target',
    kind: 'number',
    advanced: true,
    help: 'KL the penalty aims for.',
  },
  {
    path: `${T}lambda`,
    label: 'λ',
    rllib: 'lambda',
    kind: 'number',
    advanced: true,
    help: "Folded into V-trace's discount (γλ), as GAE's λ.",
  },
  {
    path: `${T}targetWorkerClipping`,
    label: 'Target-worker clip',
    rllib: 'target_worker_clipping',
    kind: 'number',
    advanced: true,
    help: "Clip of μ/π_target in the surrogate's ratio (IMPACT).",
  },
];

/** CartPole-v1, tuned here for wall-clock time; see the README for the runs behind it. */
const CARTPOLE: Preset<APPOConfig> = {
  description:
    'CartPole for a browser tab: 2 workers x 8 envs x 50 steps, 2 requests in flight per runner, ' +
    'train batch 1000, circular buffer 4 x 2, lr 1e-3, 64x64 tanh actor and critic, entropy 0.',
  config: {
    environment: { env: 'CartPole-v1' },
    envRunners: { numEnvRunners: 2, numEnvsPerEnvRunner: 8, rolloutFragmentLength: 50 },
    rlModule: { fcnetHiddens: [64, 64], fcnetActivation: 'tanh', vfShareLayers: false },
    training: {
      lr: 1e-3,
      trainBatchSizePerLearner: 1000,
      entropyCoeff: 0,
      vfLossCoeff: 0.5,
      maxRequestsInFlightPerEnvRunner: 2,
    },
  },
  stop: { 'env_runners/episode_return_mean': 450, num_env_steps_sampled_lifetime: 1_000_000 },
};

export const APPO_SPEC: AlgorithmSpec<APPOConfig> = {
  name: 'APPO',
  title: 'APPO — asynchronous PPO (V-trace, target network)',
  description:
    'APPO (RLlib; IMPACT, Luo et al. 2020): IMPALA’s asynchronous sampling with a clipped surrogate against a target network.',
  defaultsNote: "RLlib's APPOConfig defaults (clip 0.4, circular buffer 4 x 2, target update period 2).",
  actionSpaces: ['discrete', 'box'],
  defaults: APPO_DEFAULTS,
  keyAliases: APPO_KEY_ALIASES,
  builder: appo,
  validate: validateAPPOConfig,
  samplingLayout: asyncSamplingLayout,
  presets: { 'CartPole-v1': CARTPOLE },
  formSections: [
    { id: 'appo-training', title: 'APPO training', fields: [...ASYNC_TRAINING_FIELDS, ...APPO_FIELDS] },
    { id: 'appo-sampling', title: 'Asynchronous sampling', fields: ASYNC_SAMPLING_FIELDS },
  ],
  charts: [
    ...ASYNC_CHARTS,
    {
      title: 'Circular buffer and target network',
      testid: 'chart-circular-buffer',
      series: [
        { key: AsyncKeys.CIRCULAR_BUFFER_SIZE, label: 'batches held', color: '--c1' },
        { key: AsyncKeys.NUM_TARGET_UPDATES, label: 'target updates (right)', color: '--c2', scale: 'y2' },
      ],
    },
  ],
  describeTraining: (c) => {
    const t = c.training;
    return (
      `lr ${typeof t.lr === 'number' ? t.lr : 'schedule'}, gamma ${t.gamma}, clip ${t.clipParam}, train batch ${t.trainBatchSizePerLearner}, ` +
      `circular buffer ${t.circularBufferNumBatches} x ${t.circularBufferIterationsPerBatch}`
    );
  },
  load: () => import('./appo'),
};
