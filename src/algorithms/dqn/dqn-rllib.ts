/**
 * DQN on RLlib's new API stack: DQNConfig's names for our keys, and our QModule's weights under
 * the names of RLlib's DefaultDQNTorchRLModule (rllib/algorithms/dqn/torch/
 * default_dqn_torch_rl_module.py, num_atoms 1): an MLP `encoder` (fcnet_hiddens), the advantage
 * head `af` and (dueling) the value head `vf`, each head_fcnet_hiddens then a linear output.
 */
import { flatDim } from '../../core/spaces';
import { actionLayout, mlpParam, parseWeightName, type RLlibKey, type RLlibMapping } from '../rllib/rllib-mapping';
import type { DQNConfig } from './dqn-config';

const train = (name: string): RLlibKey => ({ method: 'training', name });

/** Keys DQN and SAC share with RLlib's off-policy training() (SAC reuses DQN's training step). */
export const OFF_POLICY_RLLIB_KEYS: Readonly<Record<string, RLlibKey>> = {
  'training.gamma': train('gamma'),
  'training.trainBatchSizePerLearner': train('train_batch_size_per_learner'),
  'training.gradClip': train('grad_clip'),
  'training.nStep': {
    method: 'training',
    name: 'n_step',
    convert: (v) => (Array.isArray(v) ? { $tuple: v } : v),
  },
  'training.targetNetworkUpdateFreq': train('target_network_update_freq'),
  'training.tau': train('tau'),
  'training.numStepsSampledBeforeLearningStarts': train('num_steps_sampled_before_learning_starts'),
  'training.trainingIntensity': train('training_intensity'),
  'training.replayBufferConfig.type': train('replay_buffer_config.type'),
  'training.replayBufferConfig.capacity': train('replay_buffer_config.capacity'),
  'training.replayBufferConfig.alpha': train('replay_buffer_config.alpha'),
  'training.replayBufferConfig.beta': train('replay_buffer_config.beta'),
  'training.storeBufferInCheckpoints': train('store_buffer_in_checkpoints'),
  'training.minSampleTimestepsPerIteration': { method: 'reporting', name: 'min_sample_timesteps_per_iteration' },
  'training.maxConsecutiveNonFiniteUpdates': {
    none: 'RLlib keeps training on NaN weights; it has no stop after non-finite updates.',
  },
};

export const DQN_RLLIB: RLlibMapping = {
  configClass: 'DQNConfig',
  importFrom: 'ray.rllib.algorithms.dqn',
  keys: {
    ...OFF_POLICY_RLLIB_KEYS,
    'training.lr': train('lr'),
    'training.gradClipBy': train('grad_clip_by'),
    'training.adamEpsilon': train('adam_epsilon'),
    'training.doubleQ': train('double_q'),
    'training.dueling': train('dueling'),
    'training.epsilon': train('epsilon'),
    'training.tdErrorLossFn': train('td_error_loss_fn'),
    'training.headFcnetHiddens': { method: 'model_config', name: 'head_fcnet_hiddens' },
    'training.headFcnetActivation': { method: 'model_config', name: 'head_fcnet_activation' },
    'rlModule.vfShareLayers': {
      none: 'DQN has no separate value network to share layers with (RLlib ignores it too).',
    },
  },
  modelConfigExtras: () => ({}),
  weightName(name, config) {
    const w = parseWeightName(name);
    if (!w) return null;
    const head = (config as DQNConfig).training.headFcnetHiddens.length;
    if (w.prefix === 'encoder' && w.layer !== 'out') return mlpParam('encoder', w.layer, w.param);
    if (w.prefix === 'af' || w.prefix === 'vf') return mlpParam(w.prefix, w.layer === 'out' ? head : w.layer, w.param);
    return null;
  },
  moduleLayout(config, observationSpace, actionSpace) {
    const c = config as DQNConfig;
    return {
      kind: 'q',
      obs_dim: flatDim(observationSpace),
      fcnet_hiddens: c.rlModule.fcnetHiddens,
      fcnet_activation: c.rlModule.fcnetActivation,
      head_fcnet_hiddens: c.training.headFcnetHiddens,
      head_fcnet_activation: c.training.headFcnetActivation,
      dueling: c.training.dueling,
      action: actionLayout(actionSpace),
    };
  },
};
