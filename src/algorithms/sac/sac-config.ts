/**
 * SAC's training config: RLlib's SACConfig names and defaults in camelCase (ray-project/ray
 * rllib/algorithms/sac/sac.py, `SACConfig.__init__`, new API stack), with the Adam epsilon of
 * rllib/algorithms/sac/torch/sac_torch_learner.py (1e-7) and gamma from AlgorithmConfig (0.99).
 *
 * Not here: discrete-action SAC (RLlib has it; a Discrete env is a config error naming DQN/PPO),
 * clip_actions (actions are tanh-squashed into the Box, so they never leave it),
 * _deterministic_loss and _use_beta_distribution (debugging switches).
 */
import type { AlgorithmConfigBase } from '../../core/config';
import {
  adjust,
  bool,
  group,
  including,
  layers,
  num,
  oneOf,
  reuse,
  schedule,
  withDefaults,
  type ValuesOf,
} from '../../core/config-catalogue';
import type { ValidationContext } from '../../core/config-validation';
import type { IssueList } from '../../core/issue-list';
import {
  DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES,
  ENV_RUNNERS_KEYS,
  RL_MODULE_KEYS,
  SHARED_KEYS,
  TRAINING_KEYS,
} from '../../core/shared-keys';
import { builderOf, configSchema } from '../define-algorithm';
import { MULTI_AGENT_KEYS, multiAgentRules, type WithMultiAgent } from '../multi-agent/multi-agent-config';
import { OFF_POLICY_KEYS, checkActionSpace, replayBufferConfig } from '../off-policy-config';

/** One network's layers: RLlib's policy_model_config / q_model_config (fcnet_hiddens, fcnet_activation). */
function netConfig(what: 'policy' | 'q') {
  const policy = what === 'policy';
  const keys = {
    fcnetHiddens: layers([256, 256], {
      doc: policy
        ? 'Units per hidden layer of the policy.'
        : 'Units per hidden layer of each Q-network over [obs, action].',
      rllib: policy
        ? { method: 'model_config', name: 'fcnet_hiddens' }
        : {
            none: "RLlib's new stack builds the Q encoders from the same model_config fcnet_hiddens as the policy; export a run whose critic layers equal the actor's to load its weights there.",
          },
      aliases: ['fcnet_hiddens'],
      form: { label: policy ? 'Actor layers' : 'Critic layers' },
    }),
    fcnetActivation: oneOf(['tanh', 'relu'], 'relu', {
      doc: policy ? 'Activation of the policy layers.' : 'Activation of the Q-network layers.',
      rllib: policy
        ? { method: 'model_config', name: 'fcnet_activation' }
        : { none: "RLlib's new stack uses model_config's fcnet_activation for the Q encoders too." },
      aliases: ['fcnet_activation'],
    }),
  };
  return group(keys, {
    doc: policy ? "The actor's layers." : "Each critic's layers.",
    rllib: policy ? 'policy_model_config' : 'q_model_config',
  });
}

const lrOf = (which: string, value: number, cleanrl: string) =>
  schedule(value, {
    doc: `Adam learning rate (or schedule) of the ${which}.`,
    rllib: `${which === 'temperature' ? 'alpha' : which}_lr`,
    cleanrl,
    form: { label: `${which === 'temperature' ? 'Alpha' : which[0]!.toUpperCase() + which.slice(1)} lr` },
  });

export const SAC_TRAINING_KEYS = {
  actorLr: lrOf('actor', 3e-5, 'policy_lr'),
  criticLr: lrOf('critic', 3e-4, 'q_lr'),
  alphaLr: lrOf('temperature', 3e-4, 'q_lr'),
  ...including(TRAINING_KEYS, { gamma: 0.99 }),
  ...including(OFF_POLICY_KEYS, { trainBatchSizePerLearner: 256 }),
  ...including(OFF_POLICY_KEYS, { tau: 5e-3 }),
  initialAlpha: num(1.0, {
    above: 0,
    doc: 'Starting entropy weight (temperature), tuned toward the target entropy.',
    rllib: 'initial_alpha',
    form: { label: 'Initial alpha' },
  }),
  explorationNoiseCorrelation: num(0, {
    min: 0,
    max: 0.999,
    doc: "Lag-1 correlation of the runners' exploration noise per sub-env and action (AR(1), unit variance): 0 draws it fresh each step; near 1 it drifts, so actions persist and reach states that white noise does not (MountainCarContinuous).",
    rllib: {
      none: 'RLlib samples white Gaussian noise; temporally correlated noise is the colored-noise idea of Eberhard et al. 2023 (Pink Noise Is All You Need).',
    },
    form: { label: 'Noise correlation', advanced: true },
  }),
  twinQ: bool(true, {
    doc: 'Two critics, targets and the actor use their min: less over-estimation (Fujimoto et al. 2018).',
    rllib: 'twin_q',
    form: { label: 'Twin Q' },
  }),
  ...including(OFF_POLICY_KEYS, { numStepsSampledBeforeLearningStarts: 1500 }),
  policyModelConfig: netConfig('policy'),
  qModelConfig: netConfig('q'),
  replayBufferConfig: replayBufferConfig(1_000_000),
  ...including(OFF_POLICY_KEYS, { trainingIntensity: null }),
  targetNetworkUpdateFreq: reuse(OFF_POLICY_KEYS.targetNetworkUpdateFreq, {
    default: 0,
    doc: 'Env steps sampled between target updates; 0: after every gradient step.',
    form: { label: 'Target update every (env steps)', advanced: true },
  }),
  targetEntropy: num.orAuto('auto', {
    doc: "Entropy the temperature steers toward; 'auto' = -(action dim) (Haarnoja et al. 2018b).",
    rllib: 'target_entropy',
  }),
  ...including(OFF_POLICY_KEYS, { nStep: 1, storeBufferInCheckpoints: false }),
  // SAC's form shows the three groups' lrs instead.
  lr: reuse(TRAINING_KEYS.lr, {
    default: 3e-4,
    doc: 'Not used by SAC (RLlib requires lr = None); actorLr, criticLr and alphaLr set each group.',
    rllib: {
      method: 'training',
      name: 'lr',
      convert: () => null,
      note: 'RLlib SAC requires lr=None (it uses actor_lr, critic_lr and alpha_lr).',
    },
    form: null,
  }),
  ...including(TRAINING_KEYS, { gradClip: null }),
  adamEpsilon: reuse(TRAINING_KEYS.adamEpsilon, {
    default: 1e-7,
    rllib: { none: "RLlib's SACTorchLearner hard-codes torch.optim.Adam(eps=1e-7)." },
    aliases: ['adam_epsilon'],
  }),
  ...including(TRAINING_KEYS, {
    minSampleTimestepsPerIteration: 100,
    maxConsecutiveNonFiniteUpdates: DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES,
  }),
};

const UNUSED_BY_SAC = {
  none: 'SAC takes its layers from training.policyModelConfig and training.qModelConfig, not rlModule.',
};

/** SAC's keys; sampling on the page, as DQN. */
export const SAC_KEYS = {
  ...SHARED_KEYS,
  envRunners: withDefaults(ENV_RUNNERS_KEYS, { numEnvRunners: 0 }),
  rlModule: adjust(RL_MODULE_KEYS, {
    fcnetHiddens: { rllib: UNUSED_BY_SAC },
    fcnetActivation: { rllib: UNUSED_BY_SAC },
    vfShareLayers: { rllib: UNUSED_BY_SAC },
  }),
  training: SAC_TRAINING_KEYS,
  multiAgent: MULTI_AGENT_KEYS,
};

export type SACTrainingConfig = ValuesOf<typeof SAC_TRAINING_KEYS>;
export type SACNetConfig = SACTrainingConfig['policyModelConfig'];
export type SACConfig = AlgorithmConfigBase & {
  readonly algo: 'SAC';
  readonly training: SACTrainingConfig;
} & WithMultiAgent;

function sacRules(cfg: SACConfig, _ctx: ValidationContext, out: IssueList): void {
  checkActionSpace(
    out,
    cfg.environment.env,
    'box',
    'SAC here needs a Box (continuous) action space; {env} has Discrete actions. Use DQN or PPO for it, or pick a continuous env (Pendulum-v1, MountainCarContinuous-v0).',
  );
  multiAgentRules(cfg, out);
}

export const SAC_SCHEMA = configSchema<SACConfig>('SAC', SAC_KEYS, sacRules);
export const SAC_DEFAULTS: SACConfig = SAC_SCHEMA.defaults;
export const validateSACConfig = SAC_SCHEMA.validate;

/** RLlib: `SACConfig()`. */
export function sac(): ReturnType<typeof builderOf<SACConfig>> {
  return builderOf(SAC_SCHEMA);
}

/** -|A| for 'auto' (RLlib: SACLearner._get_target_entropy), else the number given. */
export function resolveTargetEntropy(targetEntropy: SACTrainingConfig['targetEntropy'], actionDim: number): number {
  return targetEntropy === 'auto' ? -actionDim : targetEntropy;
}

// SAC's sampling layout and replay ratio are DQN's (RLlib's SAC reuses DQN's training step).
export {
  nStepRange,
  replayRatio as sacReplayRatio,
  replaySamplingLayout as sacSamplingLayout,
} from '../off-policy-config';
