/**
 * DQN's training config: RLlib's DQNConfig names and defaults in camelCase (ray-project/ray
 * rllib/algorithms/dqn/dqn.py, `DQNConfig.__init__`, new API stack; `AlgorithmConfig.__init__`
 * for gamma), with CleanRL's names (vwxyzjn/cleanrl cleanrl/dqn.py) where it has one.
 *
 * Not here: RLlib's distributional and noisy-net options (num_atoms, v_min, v_max, noisy,
 * sigma0): the module implements num_atoms = 1 only. Other DQNConfig overrides of base defaults
 * that the algorithm wiring should apply: rollout_fragment_length 'auto' = n_step (the upper end
 * of a range), min_sample_timesteps_per_iteration 1000, evaluation with explore = false.
 */
import type { AlgorithmConfigBase } from '../../core/config';
import {
  adjust,
  bool,
  including,
  layers,
  oneOf,
  schedule,
  withDefaults,
  type ValuesOf,
} from '../../core/config-catalogue';
import type { ValidationContext } from '../../core/config-validation';
import { formatValue, type IssueList } from '../../core/issue-list';
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

export const DQN_TRAINING_KEYS = {
  ...including(TRAINING_KEYS, { lr: 5e-4, gamma: 0.99 }),
  ...including(OFF_POLICY_KEYS, {
    trainBatchSizePerLearner: 32,
    targetNetworkUpdateFreq: 500,
    tau: 1.0,
    numStepsSampledBeforeLearningStarts: 1000,
  }),
  doubleQ: bool(true, {
    doc: 'Double Q-learning: the online net picks the bootstrap action, the target net values it (van Hasselt et al. 2016).',
    rllib: 'double_q',
    form: { label: 'Double Q' },
  }),
  dueling: bool(true, {
    doc: 'Separate value and advantage streams, Q = V + A - mean(A) (Wang et al. 2016).',
    rllib: 'dueling',
    form: { label: 'Dueling heads' },
  }),
  ...including(OFF_POLICY_KEYS, { nStep: 1, trainingIntensity: null }),
  epsilon: schedule(
    [
      [0, 1.0],
      [10000, 0.05],
    ],
    {
      allowZeroConstant: true,
      doc: 'Exploration epsilon, a constant or [[envStep, epsilon], ...] over lifetime env steps; values in [0, 1].',
      rllib: 'epsilon',
      cleanrl: 'start_e, end_e, exploration_fraction',
      check: checkEpsilon,
    },
  ),
  tdErrorLossFn: oneOf(['huber', 'mse'], 'huber', {
    doc: 'TD-error loss: Huber (delta 1) is robust to large errors.',
    rllib: 'td_error_loss_fn',
    form: { label: 'TD loss', advanced: true, optionLabels: { huber: 'Huber', mse: 'Squared error' } },
  }),
  replayBufferConfig: replayBufferConfig(50_000),
  ...including(OFF_POLICY_KEYS, { storeBufferInCheckpoints: false }),
  headFcnetHiddens: layers([], {
    doc: 'Hidden layers of the Q heads (the advantage head, and the value head when dueling).',
    rllib: { method: 'model_config', name: 'head_fcnet_hiddens' },
    aliases: ['head_fcnet_hiddens'],
  }),
  headFcnetActivation: oneOf(['tanh', 'relu'], 'relu', {
    doc: 'Activation of the head hidden layers.',
    rllib: { method: 'model_config', name: 'head_fcnet_activation' },
    aliases: ['head_fcnet_activation'],
  }),
  ...including(TRAINING_KEYS, {
    gradClip: 40,
    gradClipBy: 'global_norm',
    adamEpsilon: 1e-8,
    minSampleTimestepsPerIteration: 1000,
    maxConsecutiveNonFiniteUpdates: DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES,
  }),
};

/** Epsilon is a probability: every value of the schedule in [0, 1]. */
function checkEpsilon(v: unknown, path: string, out: IssueList): void {
  const values =
    typeof v === 'number'
      ? [v]
      : Array.isArray(v)
        ? v.map((x: unknown) => (Array.isArray(x) ? (x[1] as unknown) : x))
        : [];
  if (values.some((e) => !(typeof e === 'number' && e >= 0 && e <= 1)))
    out.error(path, `epsilon values must be in [0, 1], got ${formatValue(v)}.`);
}

/**
 * DQN's keys. num_env_runners 0: off-policy algorithms sample on the page (the seed's rule; RLlib's
 * base default is 0 too), remote runners work as well.
 */
export const DQN_KEYS = {
  ...SHARED_KEYS,
  envRunners: withDefaults(ENV_RUNNERS_KEYS, { numEnvRunners: 0 }),
  rlModule: adjust(RL_MODULE_KEYS, {
    vfShareLayers: {
      rllib: { none: 'DQN has no separate value network to share layers with (RLlib ignores it too).' },
    },
  }),
  training: DQN_TRAINING_KEYS,
  multiAgent: MULTI_AGENT_KEYS,
};

export type DQNTrainingConfig = ValuesOf<typeof DQN_TRAINING_KEYS>;
export type ReplayBufferConfig = DQNTrainingConfig['replayBufferConfig'];
export type DQNConfig = AlgorithmConfigBase & {
  readonly algo: 'DQN';
  readonly training: DQNTrainingConfig;
} & WithMultiAgent;

function dqnRules(cfg: DQNConfig, _ctx: ValidationContext, out: IssueList): void {
  checkActionSpace(
    out,
    cfg.environment.env,
    'discrete',
    'DQN needs a Discrete action space; {env} has continuous (Box) actions. Use SAC or PPO for it, or pick an env with discrete actions (CartPole-v1, Acrobot-v1, MountainCar-v0).',
  );
  if (cfg.envRunners.batchMode === 'complete_episodes') {
    out.warn(
      'envRunners.batchMode',
      `DQN samples fragments into a replay buffer; 'truncate_episodes' keeps each call short.`,
    );
  }
  multiAgentRules(cfg, out);
}

export const DQN_SCHEMA = configSchema<DQNConfig>('DQN', DQN_KEYS, dqnRules);
export const DQN_DEFAULTS: DQNConfig = DQN_SCHEMA.defaults;
export const validateDQNConfig = DQN_SCHEMA.validate;

/** RLlib: `DQNConfig()`. */
export function dqn(): ReturnType<typeof builderOf<DQNConfig>> {
  return builderOf(DQN_SCHEMA);
}

// DQN's sampling layout and replay ratio are the off-policy ones (SAC shares them).
export { nStepRange, replayRatio, replaySamplingLayout as dqnSamplingLayout } from '../off-policy-config';

/**
 * RLlib's tuned CartPole-v1 settings (rllib/tuned_examples/dqn/cartpole_dqn.py: 450 within
 * 200,000 env steps), for the preset: differences from the defaults only. Its model_config:
 * fcnet_hiddens [256], fcnet_activation 'tanh', head_fcnet_hiddens [256], zero biases.
 */
export const DQN_CARTPOLE_TUNED: Partial<DQNTrainingConfig> = {
  nStep: [2, 5],
  epsilon: [
    [0, 1.0],
    [10000, 0.02],
  ],
};
