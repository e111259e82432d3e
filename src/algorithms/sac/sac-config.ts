/**
 * SAC's training config: RLlib's SACConfig names and defaults in camelCase (ray-project/ray
 * rllib/algorithms/sac/sac.py, `SACConfig.__init__`, new API stack), with the Adam epsilon of
 * rllib/algorithms/sac/torch/sac_torch_learner.py (1e-7) and gamma from AlgorithmConfig (0.99).
 *
 * Not here: discrete-action SAC (RLlib has it; a Discrete env is a config error naming DQN/PPO),
 * clip_actions (actions are tanh-squashed into the Box, so they never leave it),
 * _deterministic_loss and _use_beta_distribution (debugging switches).
 */
import { ALGORITHM_CONFIG_DEFAULTS, deepFreeze, deepMerge, isPlainObject } from '../../core/config';
import type { AlgorithmConfigBase, ScheduleValue } from '../../core/config';
import { IssueList, formatValue, validateBase, type ValidationContext } from '../../core/config-validation';
import type { ConfigIssue } from '../../core/errors';
import { makeVectorEnv } from '../../envs';
import { validateLrSchedule } from '../../learner/lr-schedule';
import { validateReplayBufferConfig } from '../../replay';
import { AlgorithmConfigBuilder } from '../algorithm-config';
import type { ReplayBufferConfig } from '../dqn/dqn-config';
import { nStepRange } from '../off-policy-config';

/** One network's layers. RLlib: policy_model_config / q_model_config (fcnet_hiddens, fcnet_activation). */
export interface SACNetConfig {
  /** RLlib: fcnet_hiddens ([256, 256]). */
  readonly fcnetHiddens: readonly number[];
  /** RLlib: fcnet_activation ('relu'). */
  readonly fcnetActivation: 'tanh' | 'relu';
}

export interface SACTrainingConfig {
  /** Not used by SAC (RLlib requires lr = None and raises otherwise); see actorLr, criticLr, alphaLr. */
  readonly lr: ScheduleValue;
  /** Discount factor. RLlib: gamma (0.99). CleanRL: gamma. */
  readonly gamma: number;
  /** Transitions per gradient step. RLlib: train_batch_size_per_learner (256). CleanRL: batch_size. */
  readonly trainBatchSizePerLearner: number;
  /** Two critics; targets and the actor use their min (Fujimoto et al. 2018). RLlib: twin_q (true). */
  readonly twinQ: boolean;
  /** Polyak coefficient of the target critics. RLlib: tau (5e-3). CleanRL: tau. */
  readonly tau: number;
  /** Starting temperature. RLlib: initial_alpha (1.0). */
  readonly initialAlpha: number;
  /** Entropy the temperature steers toward; 'auto' = -|A| (Haarnoja et al. 2018b). RLlib: target_entropy ('auto'). */
  readonly targetEntropy: 'auto' | number;
  /** Actor Adam lr. RLlib: actor_lr (3e-5). CleanRL: policy_lr (3e-4). */
  readonly actorLr: ScheduleValue;
  /** Critic Adam lr. RLlib: critic_lr (3e-4). CleanRL: q_lr (1e-3). */
  readonly criticLr: ScheduleValue;
  /** Temperature Adam lr. RLlib: alpha_lr (3e-4). CleanRL: q_lr. */
  readonly alphaLr: ScheduleValue;
  /** Global-norm clip for every group; null disables it. RLlib: grad_clip (None). */
  readonly gradClip: number | null;
  /** Adam epsilon. RLlib's SACTorchLearner: torch.optim.Adam(eps=1e-7). */
  readonly adamEpsilon: number;
  /** n-step returns, or [min, max] drawn per sampled batch. RLlib: n_step (1). */
  readonly nStep: number | readonly [number, number];
  /** Env steps sampled between target updates; 0 = after every gradient step. RLlib: target_network_update_freq (0). */
  readonly targetNetworkUpdateFreq: number;
  /** RLlib: num_steps_sampled_before_learning_starts (1500). CleanRL: learning_starts. */
  readonly numStepsSampledBeforeLearningStarts: number;
  /** Replayed / sampled env steps; null: one update per sample call. RLlib: training_intensity (None). */
  readonly trainingIntensity: number | null;
  /** RLlib: replay_buffer_config (PrioritizedEpisodeReplayBuffer, capacity 1e6, alpha 0.6, beta 0.4). */
  readonly replayBufferConfig: ReplayBufferConfig;
  /** RLlib: store_buffer_in_checkpoints (false). */
  readonly storeBufferInCheckpoints: boolean;
  /** The actor's layers. RLlib: policy_model_config ([256, 256] relu). */
  readonly policyModelConfig: SACNetConfig;
  /** Each critic's layers over [obs, action]. RLlib: q_model_config ([256, 256] relu). */
  readonly qModelConfig: SACNetConfig;
  /** Env steps sampled at least per training iteration. RLlib: min_sample_timesteps_per_iteration (SAC 100). */
  readonly minSampleTimestepsPerIteration: number;
  /** Non-finite gradient steps in a row that stop training with learner/diverged. */
  readonly maxConsecutiveNonFiniteUpdates: number;
}

export type SACConfig = AlgorithmConfigBase & { readonly algo: 'SAC'; readonly training: SACTrainingConfig };

export const SAC_TRAINING_DEFAULTS: SACTrainingConfig = {
  lr: 3e-4,
  gamma: 0.99,
  trainBatchSizePerLearner: 256,
  twinQ: true,
  tau: 5e-3,
  initialAlpha: 1.0,
  targetEntropy: 'auto',
  actorLr: 3e-5,
  criticLr: 3e-4,
  alphaLr: 3e-4,
  gradClip: null,
  adamEpsilon: 1e-7,
  nStep: 1,
  targetNetworkUpdateFreq: 0,
  numStepsSampledBeforeLearningStarts: 1500,
  trainingIntensity: null,
  replayBufferConfig: { type: 'PrioritizedEpisodeReplayBuffer', capacity: 1_000_000, alpha: 0.6, beta: 0.4 },
  storeBufferInCheckpoints: false,
  policyModelConfig: { fcnetHiddens: [256, 256], fcnetActivation: 'relu' },
  qModelConfig: { fcnetHiddens: [256, 256], fcnetActivation: 'relu' },
  minSampleTimestepsPerIteration: 100,
  maxConsecutiveNonFiniteUpdates: 10,
};

/** RLlib's SACConfig over the shared sections; sampling on the page, as DQN. */
export const SAC_DEFAULTS: SACConfig = deepFreeze({
  algo: 'SAC',
  ...ALGORITHM_CONFIG_DEFAULTS,
  envRunners: { ...ALGORITHM_CONFIG_DEFAULTS.envRunners, numEnvRunners: 0 },
  training: SAC_TRAINING_DEFAULTS,
});

const T = 'training.';
const NETS = { policy_model_config: 'policyModelConfig', q_model_config: 'qModelConfig' } as const;

/** RLlib's SACConfig.training() names -> our paths. */
export const SAC_KEY_ALIASES: Readonly<Record<string, string>> = {
  gamma: `${T}gamma`,
  train_batch_size_per_learner: `${T}trainBatchSizePerLearner`,
  train_batch_size: `${T}trainBatchSizePerLearner`,
  twin_q: `${T}twinQ`,
  tau: `${T}tau`,
  initial_alpha: `${T}initialAlpha`,
  target_entropy: `${T}targetEntropy`,
  actor_lr: `${T}actorLr`,
  critic_lr: `${T}criticLr`,
  alpha_lr: `${T}alphaLr`,
  grad_clip: `${T}gradClip`,
  adam_epsilon: `${T}adamEpsilon`,
  n_step: `${T}nStep`,
  target_network_update_freq: `${T}targetNetworkUpdateFreq`,
  num_steps_sampled_before_learning_starts: `${T}numStepsSampledBeforeLearningStarts`,
  training_intensity: `${T}trainingIntensity`,
  replay_buffer_config: `${T}replayBufferConfig`,
  'replay_buffer_config.type': `${T}replayBufferConfig.type`,
  'replay_buffer_config.capacity': `${T}replayBufferConfig.capacity`,
  'replay_buffer_config.alpha': `${T}replayBufferConfig.alpha`,
  'replay_buffer_config.beta': `${T}replayBufferConfig.beta`,
  store_buffer_in_checkpoints: `${T}storeBufferInCheckpoints`,
  ...Object.fromEntries(
    Object.entries(NETS).flatMap(([snake, camel]) => [
      [snake, `${T}${camel}`],
      [`${snake}.fcnet_hiddens`, `${T}${camel}.fcnetHiddens`],
      [`${snake}.fcnet_activation`, `${T}${camel}.fcnetActivation`],
    ]),
  ),
  min_sample_timesteps_per_iteration: `${T}minSampleTimestepsPerIteration`,
  max_consecutive_non_finite_updates: `${T}maxConsecutiveNonFiniteUpdates`,
};

export class SACConfigBuilder extends AlgorithmConfigBuilder<SACConfig> {
  constructor() {
    super(SAC_DEFAULTS, SAC_KEY_ALIASES);
  }

  protected override validateConfig(cfg: SACConfig, ctx: ValidationContext): ConfigIssue[] {
    return validateSACConfig(cfg, ctx);
  }

  /** Nested dicts given in part keep their other entries (RLlib: `.update()` / deep_update). */
  protected override update(partial: object): this {
    const training = (partial as { training?: unknown }).training;
    if (!isPlainObject(training)) return super.update(partial);
    const merged: Record<string, unknown> = { ...training };
    for (const key of ['replayBufferConfig', 'policyModelConfig', 'qModelConfig'] as const) {
      const given = training[key];
      if (isPlainObject(given)) merged[key] = deepMerge(this.cfg.training[key] as object, given as object);
    }
    return super.update({ ...partial, training: merged });
  }
}

/** RLlib: `SACConfig()`. */
export function sac(): SACConfigBuilder {
  return new SACConfigBuilder();
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

/** validateBase + SAC's checks; every problem at once. */
export function validateSACConfig(cfg: SACConfig, ctx: ValidationContext = {}): ConfigIssue[] {
  const out = new IssueList();
  out.issues.push(...validateBase(cfg, ctx));
  if (cfg.algo !== 'SAC') out.error('algo', `algo must be 'SAC' for a SAC config, got ${formatValue(cfg.algo)}.`);
  if (!out.section('training', cfg.training)) return out.issues;
  const t = cfg.training;
  const p = T;
  for (const key of ['actorLr', 'criticLr', 'alphaLr'] as const) schedule(out, p + key, t[key]);
  out.number(p + 'gamma', t.gamma, { min: 0, max: 1 });
  out.integer(p + 'trainBatchSizePerLearner', t.trainBatchSizePerLearner, 1);
  out.boolean(p + 'twinQ', t.twinQ);
  out.number(p + 'tau', t.tau, { min: 0, max: 1 });
  out.number(p + 'initialAlpha', t.initialAlpha, { above: 0 });
  if (t.targetEntropy !== 'auto' && !(typeof t.targetEntropy === 'number' && Number.isFinite(t.targetEntropy))) {
    out.error(
      p + 'targetEntropy',
      `targetEntropy must be 'auto' (-|A|) or a number, got ${formatValue(t.targetEntropy)}.`,
    );
  }
  if (t.gradClip !== null) out.number(p + 'gradClip', t.gradClip, { above: 0 });
  out.number(p + 'adamEpsilon', t.adamEpsilon, { above: 0 });
  const [nMin, nMax] = nStepRange(t.nStep);
  if (!(Number.isInteger(nMin) && Number.isInteger(nMax) && nMin >= 1 && nMax >= nMin)) {
    out.error(
      p + 'nStep',
      `nStep must be an integer >= 1 or a range [min, max] with 1 <= min <= max, got ${formatValue(t.nStep)}.`,
    );
  }
  out.integer(p + 'targetNetworkUpdateFreq', t.targetNetworkUpdateFreq, 0);
  out.integer(p + 'numStepsSampledBeforeLearningStarts', t.numStepsSampledBeforeLearningStarts, 0);
  if (t.trainingIntensity !== null) out.number(p + 'trainingIntensity', t.trainingIntensity, { above: 0 });
  out.boolean(p + 'storeBufferInCheckpoints', t.storeBufferInCheckpoints);
  if (out.section(p + 'replayBufferConfig', t.replayBufferConfig)) {
    out.issues.push(
      ...validateReplayBufferConfig({ ...t.replayBufferConfig, storeBufferInCheckpoints: t.storeBufferInCheckpoints }),
    );
  }
  for (const net of ['policyModelConfig', 'qModelConfig'] as const) {
    if (!out.section(p + net, t[net])) continue;
    const { fcnetHiddens, fcnetActivation } = t[net];
    if (!Array.isArray(fcnetHiddens) || !fcnetHiddens.every((u) => Number.isInteger(u) && u >= 1)) {
      out.error(
        `${p}${net}.fcnetHiddens`,
        `fcnetHiddens must be a list of positive layer sizes, got ${formatValue(fcnetHiddens)}.`,
      );
    }
    out.oneOf(`${p}${net}.fcnetActivation`, fcnetActivation, ['tanh', 'relu'] as const);
  }
  out.integer(p + 'minSampleTimestepsPerIteration', t.minSampleTimestepsPerIteration, 0);
  out.integer(p + 'maxConsecutiveNonFiniteUpdates', t.maxConsecutiveNonFiniteUpdates, 1);
  checkBoxActions(out, cfg.environment.env);
  return out.issues;
}

/** The squashed Gaussian needs a Box; discrete SAC is not built (RLlib has it). */
function checkBoxActions(out: IssueList, env: string): void {
  let kind: string;
  try {
    kind = makeVectorEnv(env, { numEnvs: 1, seed: 0 }).singleActionSpace.kind;
  } catch {
    return; // an unknown env id is validateBase's to report
  }
  if (kind !== 'box') {
    out.error(
      'environment.env',
      `SAC here needs a Box (continuous) action space; ${env} has Discrete actions. Use DQN or PPO for it, or pick a continuous env (Pendulum-v1, MountainCarContinuous-v0).`,
    );
  }
}

function schedule(out: IssueList, path: string, v: ScheduleValue): void {
  try {
    validateLrSchedule(v);
  } catch {
    out.error(
      path,
      `must be a number > 0 or a schedule [[envStep, lr], ...] with increasing steps, got ${formatValue(v)}.`,
    );
  }
}
