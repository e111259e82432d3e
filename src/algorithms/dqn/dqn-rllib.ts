/**
 * DQN's weights on RLlib's new API stack (its keys' names are in dqn-config.ts): our QModule's weights under
 * the names of RLlib's DefaultDQNTorchRLModule (rllib/algorithms/dqn/torch/
 * default_dqn_torch_rl_module.py, num_atoms 1): an MLP `encoder` (fcnet_hiddens), the advantage
 * head `af` and (dueling) the value head `vf`, each head_fcnet_hiddens then a linear output.
 */
import { flatDim } from '../../core/spaces';
import { actionLayout, mlpParam, parseWeightName, type RLlibMapping } from '../rllib/rllib-mapping';
import type { DQNConfig } from './dqn-config';

export const DQN_RLLIB: Omit<RLlibMapping, 'keys'> = {
  configClass: 'DQNConfig',
  importFrom: 'ray.rllib.algorithms.dqn',
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
