/**
 * SAC on RLlib's new API stack: SACConfig's names for our keys, and our SACModule's weights under
 * the names of RLlib's DefaultSACTorchRLModule (rllib/algorithms/sac/default_sac_rl_module.py):
 * `pi_encoder` + `pi`, `qf_encoder` + `qf`, `qf_twin_encoder` + `qf_twin`, the encoders built from
 * model_config's fcnet_hiddens and the heads with no hidden layers. log_alpha is a Learner
 * variable in RLlib (SACLearner.curr_log_alpha), not a module weight: it goes into the metadata.
 */
import { flatDim } from '../../core/spaces';
import { OFF_POLICY_RLLIB_KEYS } from '../dqn/dqn-rllib';
import { actionLayout, mlpParam, parseWeightName, type RLlibKey, type RLlibMapping } from '../rllib/rllib-mapping';
import type { SACConfig } from './sac-config';

const train = (name: string): RLlibKey => ({ method: 'training', name });
const UNUSED_BY_SAC = 'SAC takes its layers from training.policyModelConfig and training.qModelConfig, not rlModule.';

export const SAC_RLLIB: RLlibMapping = {
  configClass: 'SACConfig',
  importFrom: 'ray.rllib.algorithms.sac',
  keys: {
    ...OFF_POLICY_RLLIB_KEYS,
    'training.lr': {
      method: 'training',
      name: 'lr',
      convert: () => null,
      note: 'RLlib SAC requires lr=None (it uses actor_lr, critic_lr and alpha_lr).',
    },
    'training.twinQ': train('twin_q'),
    'training.initialAlpha': train('initial_alpha'),
    'training.targetEntropy': train('target_entropy'),
    'training.actorLr': train('actor_lr'),
    'training.criticLr': train('critic_lr'),
    'training.alphaLr': train('alpha_lr'),
    'training.adamEpsilon': { none: "RLlib's SACTorchLearner hard-codes torch.optim.Adam(eps=1e-7)." },
    'training.policyModelConfig.fcnetHiddens': { method: 'model_config', name: 'fcnet_hiddens' },
    'training.policyModelConfig.fcnetActivation': { method: 'model_config', name: 'fcnet_activation' },
    'training.qModelConfig.fcnetHiddens': {
      none: "RLlib's new stack builds the Q encoders from the same model_config fcnet_hiddens as the policy; export a run whose critic layers equal the actor's to load its weights there.",
    },
    'training.qModelConfig.fcnetActivation': {
      none: "RLlib's new stack uses model_config's fcnet_activation for the Q encoders too.",
    },
    'rlModule.fcnetHiddens': { none: UNUSED_BY_SAC },
    'rlModule.fcnetActivation': { none: UNUSED_BY_SAC },
    'rlModule.vfShareLayers': { none: UNUSED_BY_SAC },
  },
  modelConfigExtras: () => ({ head_fcnet_hiddens: [] }),
  weightName(name, config) {
    const w = parseWeightName(name);
    if (!w || !['pi', 'qf', 'qf_twin'].includes(w.prefix)) return null;
    const t = (config as SACConfig).training;
    const hidden = (w.prefix === 'pi' ? t.policyModelConfig : t.qModelConfig).fcnetHiddens.length;
    if (w.layer === 'out') return mlpParam(w.prefix, 0, w.param);
    return w.layer < hidden ? mlpParam(`${w.prefix}_encoder`, w.layer, w.param) : null;
  },
  moduleLayout(config, observationSpace, actionSpace) {
    const t = (config as SACConfig).training;
    return {
      kind: 'sac',
      obs_dim: flatDim(observationSpace),
      fcnet_hiddens: t.policyModelConfig.fcnetHiddens,
      fcnet_activation: t.policyModelConfig.fcnetActivation,
      q_fcnet_hiddens: t.qModelConfig.fcnetHiddens,
      q_fcnet_activation: t.qModelConfig.fcnetActivation,
      twin_q: t.twinQ,
      action: actionLayout(actionSpace),
    };
  },
};
