/**
 * IMPALA as the app, the UI and the CLI know it: defaults, RLlib's key names, validation, sampling
 * layout, presets, form fields and charts, without TF.js. `load()` brings in the implementation.
 */
import type { AlgorithmSpec, Preset } from '../spec';
import {
  IMPALA_DEFAULTS,
  IMPALA_KEY_ALIASES,
  asyncSamplingLayout,
  impala,
  validateIMPALAConfig,
  type IMPALAConfig,
} from './impala-config';
import { ASYNC_CHARTS, ASYNC_SAMPLING_FIELDS, ASYNC_TRAINING_FIELDS } from './impala-form';

/**
 * CartPole-v1, tuned here for wall-clock time on a 2-core machine (RLlib's tuned
 * cartpole_impala.py: 450 within 2,000,000 env steps, lr 5e-4, [32] ... vf_loss_coeff 0.005,
 * entropy 0). See the README for the runs behind it.
 */
const CARTPOLE: Preset<IMPALAConfig> = {
  description:
    'CartPole for a browser tab: 2 workers x 8 envs x 50 steps (400 per sample call), ' +
    '2 requests in flight per runner, one V-trace update per 2000 steps, lr 1e-3, ' +
    '64x64 tanh actor and critic, entropy 0.',
  config: {
    environment: { env: 'CartPole-v1' },
    envRunners: { numEnvRunners: 2, numEnvsPerEnvRunner: 8, rolloutFragmentLength: 50 },
    rlModule: { fcnetHiddens: [64, 64], fcnetActivation: 'tanh', vfShareLayers: false },
    training: {
      lr: 1e-3,
      trainBatchSizePerLearner: 2000,
      entropyCoeff: 0,
      vfLossCoeff: 0.5,
      gradClip: 40,
      maxRequestsInFlightPerEnvRunner: 2,
    },
  },
  stop: { 'env_runners/episode_return_mean': 450, num_env_steps_sampled_lifetime: 2_000_000 },
};

export const IMPALA_SPEC: AlgorithmSpec<IMPALAConfig> = {
  name: 'IMPALA',
  title: 'IMPALA — importance-weighted actor-learner (asynchronous)',
  description:
    'IMPALA (Espeholt et al. 2018), RLlib’s IMPALA: runners sample without waiting for the learner; V-trace corrects the lag.',
  defaultsNote: "RLlib's IMPALAConfig defaults (train batch 500, fragments of 50, lr 5e-4, grad clip 40).",
  actionSpaces: ['discrete', 'box'],
  defaults: IMPALA_DEFAULTS,
  keyAliases: IMPALA_KEY_ALIASES,
  builder: impala,
  validate: validateIMPALAConfig,
  samplingLayout: asyncSamplingLayout,
  presets: { 'CartPole-v1': CARTPOLE },
  formSections: [
    { id: 'impala-training', title: 'IMPALA training', fields: ASYNC_TRAINING_FIELDS },
    { id: 'impala-sampling', title: 'Asynchronous sampling', fields: ASYNC_SAMPLING_FIELDS },
  ],
  charts: ASYNC_CHARTS,
  describeTraining: (c) => {
    const t = c.training;
    return (
      `lr ${typeof t.lr === 'number' ? t.lr : 'schedule'}, gamma ${t.gamma}, train batch ${t.trainBatchSizePerLearner}, ` +
      `${t.maxRequestsInFlightPerEnvRunner} request(s) in flight, queue ${t.learnerQueueSize} (${t.learnerQueueFullPolicy})`
    );
  },
  load: () => import('./impala'),
};
