/**
 * Our MLPModule (PPO, IMPALA, APPO, A2C, MARWIL, BC) under the names of RLlib's
 * DefaultPPOTorchRLModule (rllib/algorithms/ppo/torch/default_ppo_torch_rl_module.py), the module
 * RLlib's new stack also builds for IMPALA, APPO and MARWIL: an ActorCriticEncoder
 * (`encoder.actor_encoder` and `encoder.critic_encoder`, or one `encoder.encoder` with
 * vf_share_layers), then the `pi` and `vf` heads with no hidden layers (head_fcnet_hiddens []).
 * Our state-independent log-std is RLlib's `free_log_std=True`, a parameter `pi.log_std` of the
 * pi head.
 */
import type { AlgorithmConfigBase } from '../../core/config';
import { flatDim, type Space } from '../../core/spaces';
import { actionLayout, mlpParam, parseWeightName, type RLlibMapping } from './rllib-mapping';

/** model_config entries that follow from the module: heads without hidden layers, free_log_std on a Box. */
export function actorCriticModelExtras(_config: AlgorithmConfigBase, actionSpace: Space): Record<string, unknown> {
  return { head_fcnet_hiddens: [], ...(actionSpace.kind === 'box' ? { free_log_std: true } : {}) };
}

/** `pi/fc_0/kernel` -> `encoder.actor_encoder.net.mlp.0.weight`, `vf/out/bias` -> `vf.net.mlp.0.bias`, ... */
export function actorCriticWeightName(name: string, config: AlgorithmConfigBase): string | null {
  if (name === 'pi/log_std') return 'pi.log_std';
  const w = parseWeightName(name);
  if (!w) return null;
  if (w.layer === 'out') return w.prefix === 'pi' || w.prefix === 'vf' ? mlpParam(w.prefix, 0, w.param) : null;
  const base = { encoder: 'encoder.encoder', pi: 'encoder.actor_encoder', vf: 'encoder.critic_encoder' }[w.prefix];
  return base && w.layer < config.rlModule.fcnetHiddens.length ? mlpParam(base, w.layer, w.param) : null;
}

/** What python/policy.py builds for it (kind 'actor-critic'). */
export function actorCriticLayout(
  config: AlgorithmConfigBase,
  observationSpace: Space,
  actionSpace: Space,
): Record<string, unknown> {
  const m = config.rlModule;
  return {
    kind: 'actor-critic',
    obs_dim: flatDim(observationSpace),
    fcnet_hiddens: m.fcnetHiddens,
    fcnet_activation: m.fcnetActivation,
    vf_share_layers: m.vfShareLayers,
    action: actionLayout(actionSpace),
  };
}

/** The weight half of a mapping for an algorithm whose module is the actor-critic MLPModule. */
export const ACTOR_CRITIC_WEIGHTS: Pick<RLlibMapping, 'modelConfigExtras' | 'weightName' | 'moduleLayout'> = {
  modelConfigExtras: actorCriticModelExtras,
  weightName: actorCriticWeightName,
  moduleLayout: actorCriticLayout,
};
