/**
 * IMPALA as the app, the UI and the CLI know it: defaults, RLlib's key names, validation, sampling
 * layout, presets, form fields and charts, without TF.js. `load()` brings in the implementation.
 */
import * as K from '../../core/metric-keys';
import { defineAlgorithm } from '../define-algorithm';
import { withMultiAgent } from '../multi-agent/multi-agent-load';
import { ACTOR_CRITIC_WEIGHTS } from '../rllib/actor-critic-layout';
import { SMALL_MLP, onIndependentAgents, returnWithin, sampling } from '../presets';
import type { ChartDef, Preset } from '../spec';
import { AsyncKeys } from './async-metric-keys';
import { IMPALA_SCHEMA, asyncSamplingLayout, type IMPALAConfig } from './impala-config';

/** The charts of asynchronous training (losses, policy lag, learner queue, entropy); APPO's too. */
const L = (name: string): string => `${K.LEARNER_RESULTS}/${name}`;

export const ASYNC_CHARTS: readonly ChartDef[] = [
  {
    title: 'Losses',
    testid: 'chart-losses',
    series: [
      { key: L('policy_loss'), label: 'policy', color: '--c1' },
      { key: L('vf_loss'), label: 'value (right)', color: '--c2', scale: 'y2' },
    ],
  },
  {
    title: 'Policy lag (learner updates)',
    testid: 'chart-policy-lag',
    series: [
      { key: AsyncKeys.POLICY_LAG_MEAN, label: 'mean', color: '--c1' },
      { key: AsyncKeys.POLICY_LAG_MAX, label: 'max', color: '--c3', dash: [4, 3] },
    ],
  },
  {
    title: 'Learner queue',
    testid: 'chart-learner-queue',
    series: [
      { key: AsyncKeys.LEARNER_QUEUE_SIZE, label: 'queued batches', color: '--c1' },
      {
        key: AsyncKeys.LEARNER_QUEUE_NUM_BATCHES_DROPPED_LIFETIME,
        label: 'dropped (right)',
        color: '--c2',
        scale: 'y2',
      },
    ],
  },
  { title: 'Entropy', testid: 'chart-entropy', series: [{ key: L('entropy'), label: 'entropy', color: '--c1' }] },
];

/**
 * CartPole-v1, tuned here for wall-clock time on a 2-core machine (RLlib's tuned
 * cartpole_impala.py: 450 within 2,000,000 env steps, lr 5e-4, [32] ... vf_loss_coeff 0.005,
 * entropy 0). See the README for the runs behind it.
 */
/** What IMPALA's and APPO's CartPole presets share: 2 workers x 8 envs x 50 steps, 2 requests in flight, 64x64 tanh. */
export const ASYNC_CARTPOLE = {
  environment: { env: 'CartPole-v1' },
  envRunners: sampling(2, 8, 50),
  rlModule: SMALL_MLP,
  training: { lr: 1e-3, entropyCoeff: 0, vfLossCoeff: 0.5, maxRequestsInFlightPerEnvRunner: 2 },
} as const;

const CARTPOLE: Preset<IMPALAConfig> = {
  description: 'CartPole IMPALA for a browser tab: two workers sample without waiting for the learner.',
  details:
    '2 workers x 8 envs x 50 steps (400 per sample call), 2 requests in flight per runner, ' +
    'one V-trace update per 2000 steps, lr 1e-3, 64x64 tanh actor and critic, entropy 0.',
  config: {
    ...ASYNC_CARTPOLE,
    training: { ...ASYNC_CARTPOLE.training, trainBatchSizePerLearner: 2000, gradClip: 40 },
  },
  stop: returnWithin(450, 2_000_000),
};

/**
 * MultiAgentCartPole, 2 agents with a module each (RLlib's multi_agent_cartpole_impala.py stops at
 * 350 per agent; the bar here is 450 for every module). The CartPole preset missed it within 2M env
 * steps (seed 1: best 447 for the lower module): each module's critic, one Adam step per 2,000-row
 * batch, hardly fits its V-trace targets, and a global-norm clip lets the value gradient shrink the
 * policy step. Train batches of 500 (four times the Adam steps per env step), no clip, and 4,000
 * trained env steps per iteration: 3/3 seeds reached 450 for both modules at 631-908k env steps.
 */
const MULTI_AGENT_CARTPOLE = onIndependentAgents<IMPALAConfig>(
  {
    description:
      'the CartPole preset with train batches of 500, no gradient clipping, 4000 trained steps per iteration.',
    config: {
      ...CARTPOLE.config,
      training: {
        ...CARTPOLE.config.training,
        trainBatchSizePerLearner: 500,
        gradClip: null,
        minTrainTimestepsPerIteration: 4000,
      },
    },
  },
  'MultiAgentCartPole',
  2,
  { target: 450, maxEnvSteps: 2_000_000 },
);

export const IMPALA_SPEC = defineAlgorithm<IMPALAConfig>({
  schema: IMPALA_SCHEMA,
  title: 'IMPALA — importance-weighted actor-learner (asynchronous)',
  description:
    'IMPALA (Espeholt et al. 2018), RLlib’s IMPALA: runners sample without waiting for the learner; V-trace corrects the lag.',
  defaultsNote: "RLlib's IMPALAConfig defaults (train batch 500, fragments of 50, lr 5e-4, grad clip 40).",
  actionSpaces: ['discrete', 'box'],
  formSection: { id: 'impala-training', title: 'IMPALA training' },
  samplingLayout: asyncSamplingLayout,
  presets: {
    'CartPole-v1': CARTPOLE,
    MultiAgentCartPole: MULTI_AGENT_CARTPOLE,
  },
  charts: ASYNC_CHARTS,
  // RLlib builds IMPALA's module as PPO's (DefaultPPOTorchRLModule), so the weights take PPO's names.
  rllib: { configClass: 'IMPALAConfig', importFrom: 'ray.rllib.algorithms.impala', ...ACTOR_CRITIC_WEIGHTS },
  describeTraining: (c) => {
    const t = c.training;
    return (
      `lr ${typeof t.lr === 'number' ? t.lr : 'schedule'}, gamma ${t.gamma}, train batch ${t.trainBatchSizePerLearner}, ` +
      `${t.maxRequestsInFlightPerEnvRunner} request(s) in flight, queue ${t.learnerQueueSize} (${t.learnerQueueFullPolicy})`
    );
  },
  load: withMultiAgent(() => import('./impala')),
});
