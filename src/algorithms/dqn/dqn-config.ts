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
import type { ScheduleValue } from '../../core/config';

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
}

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
};

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
