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
import { ALGORITHM_CONFIG_DEFAULTS, deepFreeze, deepMerge, isPlainObject } from '../../core/config';
import type { AlgorithmConfigBase, ScheduleValue } from '../../core/config';
import { IssueList, formatValue, validateBase, type ValidationContext } from '../../core/config-validation';
import type { ConfigIssue } from '../../core/errors';
import { makeVectorEnv } from '../../envs';
import { validateLrSchedule } from '../../learner/lr-schedule';
import { validateReplayBufferConfig } from '../../replay';
import { AlgorithmConfigBuilder } from '../algorithm-config';
import { nStepRange } from '../off-policy-config';

export interface ReplayBufferConfig {
  /** RLlib: replay_buffer_config.type (DQN: 'PrioritizedEpisodeReplayBuffer'). */
  readonly type: 'EpisodeReplayBuffer' | 'PrioritizedEpisodeReplayBuffer';
  /** Transitions kept, oldest evicted first. RLlib: capacity (50000). CleanRL: buffer_size. */
  readonly capacity: number;
  /** Priority exponent, P(i) ~ p_i^alpha (Schaul et al. 2016); prioritized only. RLlib: alpha (0.6). */
  readonly alpha: number;
  /** Importance-sampling exponent, w_i = (N P(i))^-beta / max w; prioritized only. RLlib: beta (0.4). */
  readonly beta: number;
}

export interface DQNTrainingConfig {
  /** Adam learning rate or schedule [[envStep, lr], ...]. RLlib: lr (DQN 5e-4). CleanRL: learning_rate. */
  readonly lr: ScheduleValue;
  /** Discount factor. RLlib: gamma (0.99). CleanRL: gamma. */
  readonly gamma: number;
  /** Transitions per gradient step, sampled from the buffer. RLlib: train_batch_size_per_learner (DQN train_batch_size 32). CleanRL: batch_size. */
  readonly trainBatchSizePerLearner: number;
  /** Gradient clip threshold; null disables it. RLlib: grad_clip (DQN 40.0). CleanRL: none. */
  readonly gradClip: number | null;
  /** What gradClip bounds. RLlib: grad_clip_by ('global_norm'). */
  readonly gradClipBy: 'global_norm' | 'norm' | 'value';
  /** Adam epsilon. RLlib: adam_epsilon (1e-8). */
  readonly adamEpsilon: number;
  /** Double Q-learning: the online net picks the bootstrap action, the target net values it. RLlib: double_q (true). */
  readonly doubleQ: boolean;
  /** Dueling value and advantage streams. RLlib: dueling (true). */
  readonly dueling: boolean;
  /** n-step returns: a number, or [min, max] drawn per sampled transition. RLlib: n_step (1). */
  readonly nStep: number | readonly [number, number];
  /** Env steps sampled between target-network updates. RLlib: target_network_update_freq (500). CleanRL: target_network_frequency. */
  readonly targetNetworkUpdateFreq: number;
  /** Polyak coefficient of a target update; 1.0 is a hard copy. RLlib: tau (1.0). CleanRL: tau. */
  readonly tau: number;
  /** Env steps sampled before the first gradient step. RLlib: num_steps_sampled_before_learning_starts (1000). CleanRL: learning_starts. */
  readonly numStepsSampledBeforeLearningStarts: number;
  /** Exploration epsilon, constant or [[envStep, epsilon], ...] over lifetime env steps. RLlib: epsilon ([(0, 1.0), (10000, 0.05)]). CleanRL: start_e, end_e, exploration_fraction. */
  readonly epsilon: ScheduleValue;
  /** Replayed / sampled env steps; null: one gradient step per sample call. RLlib: training_intensity (None). CleanRL: train_frequency. */
  readonly trainingIntensity: number | null;
  /** TD-error loss. RLlib: td_error_loss_fn ('huber', delta 1.0). CleanRL: mse. */
  readonly tdErrorLossFn: 'huber' | 'mse';
  /** RLlib: replay_buffer_config. */
  readonly replayBufferConfig: ReplayBufferConfig;
  /** Save the replay buffer's contents in checkpoints. RLlib: store_buffer_in_checkpoints (false). */
  readonly storeBufferInCheckpoints: boolean;
  /** Hidden layers of the Q heads (af, and vf when dueling). RLlib: model_config head_fcnet_hiddens ([]). */
  readonly headFcnetHiddens: readonly number[];
  /** Head hidden activation. RLlib: model_config head_fcnet_activation ('relu'). */
  readonly headFcnetActivation: 'tanh' | 'relu';
  /** Env steps sampled at least per training iteration. RLlib: min_sample_timesteps_per_iteration (DQN 1000). */
  readonly minSampleTimestepsPerIteration: number;
  /** Non-finite gradient steps in a row that stop training with learner/diverged (see PPO's). */
  readonly maxConsecutiveNonFiniteUpdates: number;
}

export type DQNConfig = AlgorithmConfigBase & { readonly algo: 'DQN'; readonly training: DQNTrainingConfig };

export const DQN_TRAINING_DEFAULTS: DQNTrainingConfig = {
  lr: 5e-4,
  gamma: 0.99,
  trainBatchSizePerLearner: 32,
  gradClip: 40,
  gradClipBy: 'global_norm',
  adamEpsilon: 1e-8,
  doubleQ: true,
  dueling: true,
  nStep: 1,
  targetNetworkUpdateFreq: 500,
  tau: 1.0,
  numStepsSampledBeforeLearningStarts: 1000,
  epsilon: [
    [0, 1.0],
    [10000, 0.05],
  ],
  trainingIntensity: null,
  tdErrorLossFn: 'huber',
  replayBufferConfig: { type: 'PrioritizedEpisodeReplayBuffer', capacity: 50000, alpha: 0.6, beta: 0.4 },
  storeBufferInCheckpoints: false,
  headFcnetHiddens: [],
  headFcnetActivation: 'relu',
  minSampleTimestepsPerIteration: 1000,
  maxConsecutiveNonFiniteUpdates: 10,
};

/**
 * RLlib's DQNConfig over the shared sections. num_env_runners 0: off-policy algorithms sample on
 * the page (the seed's rule; RLlib's base default is 0 too), remote runners work as well.
 */
export const DQN_DEFAULTS: DQNConfig = deepFreeze({
  algo: 'DQN',
  ...ALGORITHM_CONFIG_DEFAULTS,
  envRunners: { ...ALGORITHM_CONFIG_DEFAULTS.envRunners, numEnvRunners: 0 },
  training: DQN_TRAINING_DEFAULTS,
});

const T = 'training.';

/** RLlib's DQNConfig.training() names (and old-stack ones) -> our paths. */
export const DQN_KEY_ALIASES: Readonly<Record<string, string>> = {
  lr: `${T}lr`,
  gamma: `${T}gamma`,
  train_batch_size_per_learner: `${T}trainBatchSizePerLearner`,
  train_batch_size: `${T}trainBatchSizePerLearner`,
  grad_clip: `${T}gradClip`,
  grad_clip_by: `${T}gradClipBy`,
  adam_epsilon: `${T}adamEpsilon`,
  double_q: `${T}doubleQ`,
  dueling: `${T}dueling`,
  n_step: `${T}nStep`,
  target_network_update_freq: `${T}targetNetworkUpdateFreq`,
  tau: `${T}tau`,
  num_steps_sampled_before_learning_starts: `${T}numStepsSampledBeforeLearningStarts`,
  epsilon: `${T}epsilon`,
  training_intensity: `${T}trainingIntensity`,
  td_error_loss_fn: `${T}tdErrorLossFn`,
  replay_buffer_config: `${T}replayBufferConfig`,
  'replay_buffer_config.type': `${T}replayBufferConfig.type`,
  'replay_buffer_config.capacity': `${T}replayBufferConfig.capacity`,
  'replay_buffer_config.alpha': `${T}replayBufferConfig.alpha`,
  'replay_buffer_config.beta': `${T}replayBufferConfig.beta`,
  store_buffer_in_checkpoints: `${T}storeBufferInCheckpoints`,
  head_fcnet_hiddens: `${T}headFcnetHiddens`,
  head_fcnet_activation: `${T}headFcnetActivation`,
  min_sample_timesteps_per_iteration: `${T}minSampleTimestepsPerIteration`,
  max_consecutive_non_finite_updates: `${T}maxConsecutiveNonFiniteUpdates`,
};

export class DQNConfigBuilder extends AlgorithmConfigBuilder<DQNConfig> {
  constructor() {
    super(DQN_DEFAULTS, DQN_KEY_ALIASES);
  }

  protected override validateConfig(cfg: DQNConfig, ctx: ValidationContext): ConfigIssue[] {
    return validateDQNConfig(cfg, ctx);
  }

  /** `replay_buffer_config` given in part keeps the other entries (RLlib merges it into the defaults). */
  protected override update(partial: object): this {
    const training = (partial as { training?: unknown }).training;
    if (!isPlainObject(training) || !isPlainObject(training['replayBufferConfig'])) return super.update(partial);
    const replay = training['replayBufferConfig'];
    const merged = deepMerge(this.cfg.training.replayBufferConfig, replay as Partial<ReplayBufferConfig>);
    return super.update({ ...partial, training: { ...training, replayBufferConfig: merged } });
  }
}

/** RLlib: `DQNConfig()`. */
export function dqn(): DQNConfigBuilder {
  return new DQNConfigBuilder();
}

// DQN's sampling layout and replay ratio are the off-policy ones (SAC shares them).
export { nStepRange, replayRatio, replaySamplingLayout as dqnSamplingLayout } from '../off-policy-config';

/** validateBase + DQN's training checks; every problem at once, each naming the setting and the fix. */
export function validateDQNConfig(cfg: DQNConfig, ctx: ValidationContext = {}): ConfigIssue[] {
  const out = new IssueList();
  out.issues.push(...validateBase(cfg, ctx));
  if (cfg.algo !== 'DQN') out.error('algo', `algo must be 'DQN' for a DQN config, got ${formatValue(cfg.algo)}.`);
  if (!out.section('training', cfg.training)) return out.issues;
  const t = cfg.training;
  const p = 'training.';
  schedule(out, p + 'lr', t.lr, 'lr');
  schedule(out, p + 'epsilon', t.epsilon, 'epsilon');
  const epsilon: unknown = t.epsilon;
  const eps: unknown[] =
    typeof epsilon === 'number'
      ? [epsilon]
      : Array.isArray(epsilon)
        ? epsilon.map((x: unknown) => (Array.isArray(x) ? (x[1] as unknown) : x))
        : [];
  if (eps.some((e) => !(typeof e === 'number' && e >= 0 && e <= 1)))
    out.error(p + 'epsilon', `epsilon values must be in [0, 1], got ${formatValue(t.epsilon)}.`);
  out.number(p + 'gamma', t.gamma, { min: 0, max: 1 });
  out.integer(p + 'trainBatchSizePerLearner', t.trainBatchSizePerLearner, 1);
  if (t.gradClip !== null) out.number(p + 'gradClip', t.gradClip, { above: 0 });
  out.oneOf(p + 'gradClipBy', t.gradClipBy, ['global_norm', 'norm', 'value'] as const);
  out.number(p + 'adamEpsilon', t.adamEpsilon, { above: 0 });
  out.boolean(p + 'doubleQ', t.doubleQ);
  out.boolean(p + 'dueling', t.dueling);
  const [nMin, nMax] = nStepRange(t.nStep);
  if (!(Number.isInteger(nMin) && Number.isInteger(nMax) && nMin >= 1 && nMax >= nMin)) {
    out.error(
      p + 'nStep',
      `nStep must be an integer >= 1 or a range [min, max] with 1 <= min <= max, got ${formatValue(t.nStep)}.`,
    );
  }
  out.integer(p + 'targetNetworkUpdateFreq', t.targetNetworkUpdateFreq, 0);
  out.number(p + 'tau', t.tau, { min: 0, max: 1 });
  out.integer(p + 'numStepsSampledBeforeLearningStarts', t.numStepsSampledBeforeLearningStarts, 0);
  if (t.trainingIntensity !== null) out.number(p + 'trainingIntensity', t.trainingIntensity, { above: 0 });
  out.oneOf(p + 'tdErrorLossFn', t.tdErrorLossFn, ['huber', 'mse'] as const);
  out.boolean(p + 'storeBufferInCheckpoints', t.storeBufferInCheckpoints);
  if (out.section(p + 'replayBufferConfig', t.replayBufferConfig)) {
    out.issues.push(
      ...validateReplayBufferConfig({ ...t.replayBufferConfig, storeBufferInCheckpoints: t.storeBufferInCheckpoints }),
    );
  }
  if (!Array.isArray(t.headFcnetHiddens) || !t.headFcnetHiddens.every((u) => Number.isInteger(u) && u >= 1)) {
    out.error(
      p + 'headFcnetHiddens',
      `headFcnetHiddens must be a list of positive layer sizes, got ${formatValue(t.headFcnetHiddens)}.`,
    );
  }
  out.oneOf(p + 'headFcnetActivation', t.headFcnetActivation, ['tanh', 'relu'] as const);
  out.integer(p + 'minSampleTimestepsPerIteration', t.minSampleTimestepsPerIteration, 0);
  out.integer(p + 'maxConsecutiveNonFiniteUpdates', t.maxConsecutiveNonFiniteUpdates, 1);
  checkDiscreteActions(out, cfg.environment.env);
  if (cfg.envRunners.batchMode === 'complete_episodes') {
    out.warn(
      'envRunners.batchMode',
      `DQN samples fragments into a replay buffer; 'truncate_episodes' keeps each call short.`,
    );
  }
  return out.issues;
}

/** DQN's Q-network has one output per action: a Box action space cannot work. */
function checkDiscreteActions(out: IssueList, env: string): void {
  let kind: string;
  try {
    kind = makeVectorEnv(env, { numEnvs: 1, seed: 0 }).singleActionSpace.kind;
  } catch {
    return; // an unknown env id is validateBase's to report
  }
  if (kind !== 'discrete') {
    out.error(
      'environment.env',
      `DQN needs a Discrete action space; ${env} has continuous (Box) actions. Use SAC or PPO for it, or pick an env with discrete actions (CartPole-v1, Acrobot-v1, MountainCar-v0).`,
    );
  }
}

function schedule(out: IssueList, path: string, v: ScheduleValue, what: string): void {
  try {
    validateLrSchedule(v);
    if (typeof v !== 'number' && v[0]?.[0] !== 0) {
      out.error(path, `a ${what} schedule must start at step 0 (RLlib requires it), e.g. [[0, 1.0], [10000, 0.05]].`);
    }
  } catch {
    out.error(
      path,
      `${what} must be a number >= 0 or a schedule [[envStep, value], ...] with increasing steps, got ${formatValue(v)}.`,
    );
  }
}

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
