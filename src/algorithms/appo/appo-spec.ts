/**
 * APPO as the app, the UI and the CLI know it: defaults, RLlib's key names, validation, sampling
 * layout, presets, form fields and charts, without TF.js. `load()` brings in the implementation.
 */
import { defineAlgorithm } from '../define-algorithm';
import { withMultiAgent } from '../multi-agent/multi-agent-load';
import { AsyncKeys } from '../impala/async-metric-keys';
import { asyncSamplingLayout } from '../impala/impala-config';
import { ASYNC_CARTPOLE, ASYNC_CHARTS } from '../impala/impala-spec';
import { onIndependentAgents, returnWithin } from '../presets';
import { ACTOR_CRITIC_WEIGHTS } from '../rllib/actor-critic-layout';
import type { Preset } from '../spec';
import { APPO_SCHEMA, type APPOConfig } from './appo-config';

/**
 * CartPole-v1, tuned here for issue #15's bar (450 within 1,000,000 env steps); see the README for
 * the runs behind it. The 'block' learner queue of 4 makes the runners wait for the learner, so
 * every sampled step is trained on K = 2 times: with RLlib's drop-oldest queue the learner of a
 * 2-core machine trained on a third to two fifths of what the runners sampled and missed the bar.
 * RLlib's train batch of 500 (two 400-step sample calls, so 800) gives the critic enough Adam
 * steps to follow returns of a few hundred; 4,000 trained steps per iteration keep the
 * per-iteration cost (results, the CLI's round trip) off the learner's path.
 */
const CARTPOLE: Preset<APPOConfig> = {
  description: 'CartPole APPO for a browser tab: two workers sample, the learner trains each step twice.',
  details:
    '2 workers x 8 envs x 50 steps, 2 requests in flight per runner, learner queue of 4 that ' +
    'makes the runners wait (block), train batch 500 (800: two sample calls), circular buffer ' +
    '4 x 2, 4000 trained steps per iteration, lr 1e-3, 64x64 tanh actor and critic, entropy ' +
    '0.',
  config: {
    ...ASYNC_CARTPOLE,
    training: {
      ...ASYNC_CARTPOLE.training,
      trainBatchSizePerLearner: 500,
      learnerQueueSize: 4,
      learnerQueueFullPolicy: 'block',
      minTrainTimestepsPerIteration: 4000,
    },
  },
  stop: returnWithin(450, 1_000_000),
};

export const APPO_SPEC = defineAlgorithm<APPOConfig>({
  schema: APPO_SCHEMA,
  title: 'APPO — asynchronous PPO (V-trace, target network)',
  description:
    'APPO (RLlib; IMPACT, Luo et al. 2020): IMPALA’s asynchronous sampling with a clipped surrogate against a target network.',
  defaultsNote: "RLlib's APPOConfig defaults (clip 0.4, circular buffer 4 x 2, target update period 2).",
  actionSpaces: ['discrete', 'box'],
  formSection: { id: 'appo-training', title: 'APPO training' },
  samplingLayout: asyncSamplingLayout,
  presets: {
    'CartPole-v1': CARTPOLE,
    // RLlib's multi_agent_cartpole_appo.py stops at 150 per agent; the bar here is 450.
    MultiAgentCartPole: onIndependentAgents(CARTPOLE, 'MultiAgentCartPole', 2, { target: 450, maxEnvSteps: 1_000_000 }),
  },
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
  // RLlib's APPOTorchRLModule is PPO's module plus target copies: the file holds the trained
  // (online) weights under PPO's names, and RLlib starts its target networks from them.
  rllib: { configClass: 'APPOConfig', importFrom: 'ray.rllib.algorithms.appo', ...ACTOR_CRITIC_WEIGHTS },
  describeTraining: (c) => {
    const t = c.training;
    return (
      `lr ${typeof t.lr === 'number' ? t.lr : 'schedule'}, gamma ${t.gamma}, clip ${t.clipParam}, train batch ${t.trainBatchSizePerLearner}, ` +
      `circular buffer ${t.circularBufferNumBatches} x ${t.circularBufferIterationsPerBatch}`
    );
  },
  load: withMultiAgent(() => import('./appo')),
});
