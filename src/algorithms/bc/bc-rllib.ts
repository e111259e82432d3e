/**
 * BC's weights on RLlib's new API stack: BCConfig takes MARWILConfig's names (marwil-config.ts), but
 * its module is DefaultBCTorchRLModule (rllib/algorithms/bc/torch/default_bc_torch_rl_module.py,
 * bc/bc_catalog.py): an MLP `_encoder` (fcnet_hiddens) and a `_pi_head` (head_fcnet_hiddens [],
 * then the output layer; `_pi_head.log_std` with free_log_std on a Box), and no value branch.
 * Our BC module is MARWIL's actor-critic one; its actor torso and pi head take those names, and
 * its value branch, never trained with beta 0, is left out of the file.
 */
import { actorCriticModelExtras } from '../rllib/actor-critic-layout';
import { actionLayout, mlpParam, parseWeightName, type RLlibMapping } from '../rllib/rllib-mapping';
import { flatDim } from '../../core/spaces';

/** True for the value branch: `vf/...`, and `vf/fc_i` of a separate critic torso. */
const isValueBranch = (name: string): boolean => name.startsWith('vf/');

export const BC_RLLIB: Omit<RLlibMapping, 'keys'> = {
  configClass: 'BCConfig',
  importFrom: 'ray.rllib.algorithms.bc',
  modelConfigExtras: actorCriticModelExtras,
  weightName(name, config) {
    if (name === 'pi/log_std') return '_pi_head.log_std';
    const w = parseWeightName(name);
    if (!w || isValueBranch(name)) return null;
    if (w.layer === 'out') return w.prefix === 'pi' ? mlpParam('_pi_head', 0, w.param) : null;
    // The actor's torso: `encoder/fc_i` when the layers are shared, else `pi/fc_i`.
    const torso = config.rlModule.vfShareLayers ? 'encoder' : 'pi';
    return w.prefix === torso && w.layer < config.rlModule.fcnetHiddens.length
      ? mlpParam('_encoder', w.layer, w.param)
      : null;
  },
  omitsWeight: (name) => isValueBranch(name),
  moduleLayout(config, observationSpace, actionSpace) {
    return {
      kind: 'bc',
      obs_dim: flatDim(observationSpace),
      fcnet_hiddens: config.rlModule.fcnetHiddens,
      fcnet_activation: config.rlModule.fcnetActivation,
      action: actionLayout(actionSpace),
    };
  },
};
