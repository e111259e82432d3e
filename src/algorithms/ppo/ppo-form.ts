/**
 * PPO's part of the page: its training form fields (one-line help each, RLlib's names) and its
 * charts. Plain data, no TF.js: the UI reads it through PPO_SPEC.
 */
import * as K from '../../core/metric-keys';
import type { ChartDef, FieldDef, SectionDef } from '../spec';

const f = (def: FieldDef): FieldDef => def;

export const PPO_FORM_SECTIONS: readonly SectionDef[] = [
  {
    id: 'training',
    title: 'PPO hyperparameters',
    fields: [
      f({
        path: 'training.lr',
        label: 'Learning rate',
        rllib: 'lr',
        kind: 'text',
        help: 'Adam step size; a schedule is step:value pairs, e.g. 0:1e-3,200000:3e-4.',
      }),
      f({
        path: 'training.trainBatchSizePerLearner',
        label: 'Train batch size',
        rllib: 'train_batch_size_per_learner',
        kind: 'int',
        help: 'Env steps collected per training iteration.',
      }),
      f({
        path: 'training.minibatchSize',
        label: 'Minibatch size',
        rllib: 'minibatch_size',
        kind: 'int',
        help: 'Rows per gradient step; the batch is split into minibatches.',
      }),
      f({
        path: 'training.numEpochs',
        label: 'Epochs',
        rllib: 'num_epochs',
        kind: 'int',
        help: 'Passes over each train batch per iteration.',
      }),
      f({
        path: 'training.gamma',
        label: 'Discount γ',
        rllib: 'gamma',
        kind: 'number',
        help: 'How much future reward counts; 0.99 looks ~100 steps ahead.',
      }),
      f({
        path: 'training.lambda',
        label: 'GAE λ',
        rllib: 'lambda',
        kind: 'number',
        help: 'Advantage bias/variance trade-off: 1 is Monte Carlo, 0 one-step TD.',
      }),
      f({
        path: 'training.clipParam',
        label: 'Clip ε',
        rllib: 'clip_param',
        kind: 'number',
        help: 'How far one update may move the action probabilities (ratio clip).',
      }),
      f({
        path: 'training.entropyCoeff',
        label: 'Entropy coeff',
        rllib: 'entropy_coeff',
        kind: 'number',
        help: 'Bonus for keeping the policy random; more means more exploration.',
      }),
      f({
        path: 'training.vfLossCoeff',
        label: 'Value loss coeff',
        rllib: 'vf_loss_coeff',
        kind: 'number',
        help: "Weight of the value function's squared error in the loss.",
      }),
      f({
        path: 'training.gradClip',
        label: 'Grad clip',
        rllib: 'grad_clip',
        kind: 'number',
        nullable: true,
        help: 'Largest global gradient norm per step; empty means no clipping.',
      }),
      f({
        path: 'training.useKlLoss',
        label: 'KL penalty',
        rllib: 'use_kl_loss',
        kind: 'checkbox',
        help: 'Add an adaptive KL(old‖new) penalty to the loss.',
      }),
      f({
        path: 'training.klCoeff',
        label: 'KL coeff',
        rllib: 'kl_coeff',
        kind: 'number',
        advanced: true,
        help: 'Starting weight of the KL penalty, adapted toward the KL target.',
      }),
      f({
        path: 'training.klTarget',
        label: 'KL target',
        rllib: 'kl_target',
        kind: 'number',
        advanced: true,
        help: 'KL divergence per update the penalty aims for.',
      }),
      f({
        path: 'training.vfClipParam',
        label: 'Value clip',
        rllib: 'vf_clip_param',
        kind: 'number',
        advanced: true,
        help: "Clamp on each step's squared value error.",
      }),
      f({
        path: 'training.shuffleBatchPerEpoch',
        label: 'Shuffle per epoch',
        rllib: 'shuffle_batch_per_epoch',
        kind: 'checkbox',
        advanced: true,
        help: 'Reshuffle the batch before every epoch.',
      }),
      f({
        path: 'training.sampleAsync',
        label: 'Sample while learning',
        rllib: 'sample_async',
        kind: 'checkbox',
        advanced: true,
        help: 'Runners sample the next batch during the update, with the weights one update old.',
      }),
    ],
  },
];

const L = (name: string): string => `${K.LEARNER_RESULTS}/${name}`;

/** Losses, entropy and KL (RLlib's learner result keys); return and throughput charts are shared. */
export const PPO_CHARTS: readonly ChartDef[] = [
  {
    title: 'Losses',
    testid: 'chart-losses',
    series: [
      { key: L('policy_loss'), label: 'policy', color: '--c1' },
      // The value loss is 10-1000x the policy loss: it (and the total it dominates) gets its own axis.
      { key: L('vf_loss'), label: 'value (right)', color: '--c2', scale: 'y2' },
      { key: L('total_loss'), label: 'total (right)', color: '--c3', scale: 'y2', dash: [4, 3] },
    ],
  },
  { title: 'Entropy', testid: 'chart-entropy', series: [{ key: L('entropy'), label: 'entropy', color: '--c1' }] },
  {
    title: 'KL divergence',
    testid: 'chart-kl',
    series: [
      { key: L('approx_kl'), label: 'approx KL', color: '--c1' },
      { key: L('mean_kl_loss'), label: 'KL loss', color: '--c3' },
    ],
  },
];
