/**
 * SAC's weights on RLlib's new API stack (its keys' names are in sac-config.ts): our SACModule's weights under
 * the names of RLlib's DefaultSACTorchRLModule (rllib/algorithms/sac/default_sac_rl_module.py):
 * `pi_encoder` + `pi`, `qf_encoder` + `qf`, `qf_twin_encoder` + `qf_twin`, the encoders built from
 * model_config's fcnet_hiddens and the heads with no hidden layers. log_alpha is a Learner
 * variable in RLlib (SACLearner.curr_log_alpha), not a module weight: it goes into the metadata.
 */
import { flatDim } from '../../core/spaces';
import { actionLayout, mlpParam, parseWeightName, type RLlibMapping } from '../rllib/rllib-mapping';
import type { SACConfig } from './sac-config';

export const SAC_RLLIB: Omit<RLlibMapping, 'keys'> = {
  configClass: 'SACConfig',
  importFrom: 'ray.rllib.algorithms.sac',
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
