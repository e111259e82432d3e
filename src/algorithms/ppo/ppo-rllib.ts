/**
 * PPO on RLlib's new API stack: PPOConfig's names for our keys, and our MLPModule's weights under
 * the names of RLlib's DefaultPPOTorchRLModule (rllib/algorithms/ppo/torch/
 * default_ppo_torch_rl_module.py): an ActorCriticEncoder (`encoder.actor_encoder` and
 * `encoder.critic_encoder`, or one `encoder.encoder` with vf_share_layers), then the `pi` and `vf`
 * heads with no hidden layers (head_fcnet_hiddens []). Our state-independent log-std is RLlib's
 * `free_log_std=True`, a parameter `pi.log_std` of the pi head.
 */
import type { RLModuleConfig } from '../../core/config';
import { flatDim } from '../../core/spaces';
import { actionLayout, mlpParam, parseWeightName, type RLlibMapping } from '../rllib/rllib-mapping';

const train = (name: string) => ({ method: 'training', name }) as const;

export const PPO_RLLIB: RLlibMapping = {
  configClass: 'PPOConfig',
  importFrom: 'ray.rllib.algorithms.ppo',
  keys: {
    'training.lr': train('lr'),
    'training.gamma': train('gamma'),
    'training.lambda': train('lambda_'),
    'training.clipParam': train('clip_param'),
    'training.vfClipParam': train('vf_clip_param'),
    'training.vfLossCoeff': train('vf_loss_coeff'),
    'training.entropyCoeff': train('entropy_coeff'),
    'training.useKlLoss': train('use_kl_loss'),
    'training.klCoeff': train('kl_coeff'),
    'training.klTarget': train('kl_target'),
    'training.numEpochs': train('num_epochs'),
    'training.minibatchSize': train('minibatch_size'),
    'training.trainBatchSizePerLearner': train('train_batch_size_per_learner'),
    'training.gradClip': train('grad_clip'),
    'training.gradClipBy': train('grad_clip_by'),
    'training.shuffleBatchPerEpoch': train('shuffle_batch_per_epoch'),
    'training.maxConsecutiveNonFiniteUpdates': {
      none: 'RLlib keeps training on NaN weights; it has no stop after non-finite updates.',
    },
  },
  modelConfigExtras: (_config, actionSpace) => ({
    head_fcnet_hiddens: [],
    ...(actionSpace.kind === 'box' ? { free_log_std: true } : {}),
  }),
  weightName(name, config) {
    if (name === 'pi/log_std') return 'pi.log_std';
    const w = parseWeightName(name);
    if (!w) return null;
    if (w.layer === 'out') return w.prefix === 'pi' || w.prefix === 'vf' ? mlpParam(w.prefix, 0, w.param) : null;
    const base = { encoder: 'encoder.encoder', pi: 'encoder.actor_encoder', vf: 'encoder.critic_encoder' }[w.prefix];
    return base && w.layer < config.rlModule.fcnetHiddens.length ? mlpParam(base, w.layer, w.param) : null;
  },
  moduleLayout(config, observationSpace, actionSpace) {
    const m: RLModuleConfig = config.rlModule;
    return {
      kind: 'actor-critic',
      obs_dim: flatDim(observationSpace),
      fcnet_hiddens: m.fcnetHiddens,
      fcnet_activation: m.fcnetActivation,
      vf_share_layers: m.vfShareLayers,
      action: actionLayout(actionSpace),
    };
  },
};
