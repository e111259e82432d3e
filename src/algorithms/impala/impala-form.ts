/**
 * IMPALA's (and APPO's) part of the page: training form fields with RLlib's names and the
 * charts of asynchronous training (policy lag, learner queue). Plain data, no TF.js.
 */
import * as K from '../../core/metric-keys';
import type { ChartDef, FieldDef } from '../spec';
import { AsyncKeys } from './async-metric-keys';

const T = 'training.';

/** The V-trace and optimizer settings IMPALA and APPO share. */
export const ASYNC_TRAINING_FIELDS: readonly FieldDef[] = [
  {
    path: `${T}lr`,
    label: 'Learning rate',
    rllib: 'lr',
    kind: 'text',
    help: 'Adam step size (RLlib 5e-4); or step:value pairs.',
  },
  {
    path: `${T}trainBatchSizePerLearner`,
    label: 'Train batch size',
    rllib: 'train_batch_size_per_learner',
    kind: 'int',
    help: 'Env steps per learner update, taken from the queue as whole sample batches.',
  },
  { path: `${T}gamma`, label: 'Discount γ', rllib: 'gamma', kind: 'number', help: 'How much future reward counts.' },
  {
    path: `${T}entropyCoeff`,
    label: 'Entropy coeff',
    rllib: 'entropy_coeff',
    kind: 'number',
    help: 'Bonus for keeping the policy random (RLlib 0.01).',
  },
  {
    path: `${T}vfLossCoeff`,
    label: 'Value loss coeff',
    rllib: 'vf_loss_coeff',
    kind: 'number',
    help: 'Weight of 0.5 · (V − v_s)² against the V-trace targets.',
  },
  {
    path: `${T}gradClip`,
    label: 'Grad clip',
    rllib: 'grad_clip',
    kind: 'number',
    nullable: true,
    help: 'Largest global gradient norm per step (RLlib 40); empty: none.',
  },
  {
    path: `${T}vtraceClipRhoThreshold`,
    label: 'V-trace ρ̄',
    rllib: 'vtrace_clip_rho_threshold',
    kind: 'number',
    advanced: true,
    help: 'Clip of the importance weight π/μ in the value targets.',
  },
  {
    path: `${T}vtraceClipPgRhoThreshold`,
    label: 'V-trace ρ̄ (policy gradient)',
    rllib: 'vtrace_clip_pg_rho_threshold',
    kind: 'number',
    advanced: true,
    help: 'Clip of the importance weight in the policy-gradient advantages.',
  },
];

/** How sampling and learning overlap. */
export const ASYNC_SAMPLING_FIELDS: readonly FieldDef[] = [
  {
    path: `${T}maxRequestsInFlightPerEnvRunner`,
    label: 'Requests in flight per runner',
    rllib: 'max_requests_in_flight_per_env_runner',
    kind: 'int',
    help: 'sample() calls each runner keeps queued, so it never waits for the page.',
  },
  {
    path: `${T}broadcastInterval`,
    label: 'Broadcast interval',
    rllib: 'broadcast_interval',
    kind: 'int',
    help: 'Learner updates between sending new weights to the runners.',
  },
  {
    path: `${T}learnerQueueSize`,
    label: 'Learner queue size',
    rllib: 'learner_queue_size',
    kind: 'int',
    help: 'Sample batches waiting for the learner at most.',
  },
  {
    path: `${T}learnerQueueFullPolicy`,
    label: 'When the queue is full',
    rllib: 'learner_queue_full_policy',
    kind: 'select',
    advanced: true,
    options: [
      { value: 'drop_oldest', label: 'Drop the oldest batch' },
      { value: 'block', label: 'Make the runner wait' },
    ],
    help: 'Dropping keeps the policy lag small; waiting trains on every sample.',
  },
  {
    path: `${T}minTrainTimestepsPerIteration`,
    label: 'Trained steps per iteration',
    rllib: 'min_train_timesteps_per_iteration',
    kind: 'int',
    advanced: true,
    help: 'Updates repeat until this many env steps were trained (0: one update per iteration).',
  },
];

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
