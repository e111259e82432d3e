/**
 * What DQN and SAC share in their configs (RLlib's SAC reuses DQN's training step and its
 * sampling rules): the replay keys, the n-step range, the sampling layout ('auto' fragment =
 * n_step's upper end) and the replay ratio. No TF.js: the specs import this.
 */
import type { AlgorithmConfigBase } from '../core/config';
import { bool, custom, group, int, num, oneOf } from '../core/config-catalogue';
import { formatValue, type IssueList } from '../core/issue-list';
import { makeVectorEnv } from '../envs';
import { isMultiAgentEnv, makeMultiAgentVectorEnv } from '../envs/multi-agent/registry';
import type { SamplingLayout } from './spec';

/** n-step returns: a number, or [min, max] drawn per replay batch. */
export type NStep = number | readonly [number, number];

function checkNStep(v: NStep, path: string, out: IssueList): void {
  const [nMin, nMax] = Array.isArray(v) && v.length === 2 ? v : typeof v === 'number' ? [v, v] : [NaN, NaN];
  if (!(Number.isInteger(nMin) && Number.isInteger(nMax) && nMin >= 1 && nMax >= nMin)) {
    out.error(path, `nStep must be an integer >= 1 or a range [min, max] with 1 <= min <= max, got ${formatValue(v)}.`);
  }
}

/** RLlib's replay_buffer_config (a dict of its own keys), with the capacity each algorithm gives it. */
export function replayBufferConfig(capacity: number) {
  const keys = {
    type: oneOf(['EpisodeReplayBuffer', 'PrioritizedEpisodeReplayBuffer'], 'PrioritizedEpisodeReplayBuffer', {
      doc: 'Uniform replay, or proportional prioritized replay (Schaul et al. 2016).',
      rllib: 'type',
    }),
    capacity: int(capacity, {
      min: 1,
      doc: 'Transitions kept; the oldest are overwritten first.',
      rllib: 'capacity',
      cleanrl: 'buffer_size',
      form: { label: 'Replay capacity' },
    }),
    alpha: num(0.6, {
      min: 0,
      doc: 'Priority exponent, P(i) ~ p_i^alpha; 0 samples uniformly. Prioritized only.',
      rllib: 'alpha',
    }),
    beta: num(0.4, {
      min: 0,
      doc: 'Importance-sampling exponent, w_i = (N P(i))^-beta / max w; 1 fully corrects the bias. Prioritized only.',
      rllib: 'beta',
    }),
  };
  return group(keys, {
    doc: "RLlib's replay_buffer_config; given in part, the other entries keep their values.",
    rllib: 'replay_buffer_config',
  });
}

/** The keys DQN and SAC share (RLlib's SAC reuses DQN's training step), without defaults that differ. */
export const OFF_POLICY_KEYS = {
  trainBatchSizePerLearner: int(32, {
    min: 1,
    doc: 'Transitions per gradient step, sampled from the replay buffer.',
    rllib: 'train_batch_size_per_learner',
    aliases: ['train_batch_size'],
    cleanrl: 'batch_size',
    form: { label: 'Replay batch size' },
  }),
  nStep: custom<NStep>(1, {
    doc: 'n-step returns: a number, or [min, max] with n drawn per replay batch.',
    rllib: { method: 'training', name: 'n_step', convert: (v) => (Array.isArray(v) ? { $tuple: v } : v) },
    aliases: ['n_step'],
    check: checkNStep,
  }),
  targetNetworkUpdateFreq: int(500, {
    min: 0,
    doc: 'Env steps sampled between target-network updates; the TD target bootstraps from the target net.',
    rllib: 'target_network_update_freq',
    cleanrl: 'target_network_frequency',
    form: { label: 'Target update every (env steps)' },
  }),
  tau: num(1.0, {
    min: 0,
    max: 1,
    doc: 'Polyak coefficient of a target update: 1 copies the online net; small values average slowly.',
    rllib: 'tau',
    cleanrl: 'tau',
    form: { label: 'Target tau', advanced: true },
  }),
  numStepsSampledBeforeLearningStarts: int(1000, {
    min: 0,
    doc: 'Env steps of experience collected before the first gradient step.',
    rllib: 'num_steps_sampled_before_learning_starts',
    cleanrl: 'learning_starts',
    form: { label: 'Learning starts after' },
  }),
  trainingIntensity: num.orNull(null, {
    above: 0,
    doc: "Replayed / sampled env steps; null: one gradient step per sample call (RLlib's native ratio).",
    rllib: 'training_intensity',
    cleanrl: 'train_frequency',
    form: { label: 'Training intensity', advanced: true },
  }),
  storeBufferInCheckpoints: bool(false, {
    doc: "Save the replay buffer's contents in checkpoints: large, but a resumed run keeps its experience.",
    rllib: 'store_buffer_in_checkpoints',
    form: { label: 'Save buffer in checkpoints', advanced: true },
  }),
};

/**
 * Off-policy algorithms' check of the env's action space: DQN needs Discrete actions, SAC a Box;
 * in a multi-agent env every agent's (each module's learner is of the algorithm's kind).
 */
export function checkActionSpace(out: IssueList, env: unknown, want: 'discrete' | 'box', why: string): void {
  const id = String(env);
  let kinds: string[];
  try {
    kinds = isMultiAgentEnv(id)
      ? makeMultiAgentVectorEnv(id, { numEnvs: 1, seed: 0 }).actionSpaces.map((a) => a.kind)
      : [makeVectorEnv(id, { numEnvs: 1, seed: 0 }).singleActionSpace.kind];
  } catch {
    return; // an unknown env id is validateBase's to report (a bad env_config, envConfigIssues')
  }
  if (kinds.some((k) => k !== want)) out.error('environment.env', why.replace('{env}', id));
}

/** The training settings the off-policy training step reads. */
export interface OffPolicyTrainingConfig {
  readonly gamma: number;
  /** n-step returns: a number, or [min, max] drawn per replay batch. RLlib: n_step. */
  readonly nStep: number | readonly [number, number];
  readonly trainBatchSizePerLearner: number;
  /** Replayed / sampled env steps; null: one update per sample round. RLlib: training_intensity. */
  readonly trainingIntensity: number | null;
  readonly numStepsSampledBeforeLearningStarts: number;
  readonly minSampleTimestepsPerIteration: number;
  readonly replayBufferConfig: { readonly beta: number };
}

export type OffPolicyConfig = AlgorithmConfigBase & { readonly training: OffPolicyTrainingConfig };

/** The n-step range as [min, max] (a number n is [n, n]). */
export function nStepRange(nStep: OffPolicyTrainingConfig['nStep']): readonly [number, number] {
  return typeof nStep === 'number' ? [nStep, nStep] : nStep;
}

/**
 * Sampling per training_step: each runner samples rolloutFragmentLength steps per sub-env; 'auto'
 * is RLlib DQN's `get_rollout_fragment_length`: n_step (the upper end of a range).
 */
export function replaySamplingLayout(
  cfg: Pick<AlgorithmConfigBase, 'envRunners'> & {
    readonly training: Pick<OffPolicyTrainingConfig, 'nStep'> &
      Partial<
        Pick<
          OffPolicyTrainingConfig,
          'minSampleTimestepsPerIteration' | 'trainingIntensity' | 'trainBatchSizePerLearner'
        >
      >;
  },
): SamplingLayout {
  const { numEnvRunners, numEnvsPerEnvRunner, rolloutFragmentLength } = cfg.envRunners;
  const fragment = rolloutFragmentLength === 'auto' ? nStepRange(cfg.training.nStep)[1] : rolloutFragmentLength;
  const numRunnersSampling = Math.max(1, numEnvRunners);
  const stepsPerSampleCall = fragment * numEnvsPerEnvRunner;
  const layout: SamplingLayout = {
    rolloutFragmentLength: fragment,
    stepsPerSampleCall,
    trainBatchSize: stepsPerSampleCall * numRunnersSampling,
    numRunnersSampling,
    numSampleRounds: 1,
  };
  const { minSampleTimestepsPerIteration: min, trainingIntensity, trainBatchSizePerLearner } = cfg.training;
  if (min === undefined || trainingIntensity === undefined || trainBatchSizePerLearner === undefined) return layout;
  // OffPolicyAlgorithm.trainingStep: training steps of `sampleRounds` rounds each until `min` env steps.
  const { sampleRounds } = ratioOf(trainingIntensity, trainBatchSizePerLearner, layout.trainBatchSize);
  const perStep = sampleRounds * layout.trainBatchSize;
  const steps = Math.max(1, Math.ceil(min / perStep));
  return { ...layout, envStepsPerIteration: steps * perStep, trainingStepsPerIteration: steps };
}

/**
 * RLlib's `calculate_rr_weights` (rllib/algorithms/dqn/dqn.py): [sample rounds, replay updates]
 * per training_step. training_intensity null: [1, 1]. Else the native ratio is train batch size /
 * env steps per sample round, and intensity / native ratio updates follow each round (or one
 * update every 1 / that many rounds). RLlib counts num_env_runners + 1 samplers (its local runner
 * samples too on the old stack); here only the runners that sample count.
 */
export function replayRatio(
  cfg: Pick<AlgorithmConfigBase, 'envRunners'> & {
    readonly training: Pick<OffPolicyTrainingConfig, 'nStep' | 'trainingIntensity' | 'trainBatchSizePerLearner'>;
  },
): { sampleRounds: number; updates: number } {
  return ratioOf(
    cfg.training.trainingIntensity,
    cfg.training.trainBatchSizePerLearner,
    replaySamplingLayout({ envRunners: cfg.envRunners, training: { nStep: cfg.training.nStep } }).trainBatchSize,
  );
}

/** replayRatio given the env steps of one sample round. */
function ratioOf(
  intensity: number | null,
  trainBatchSizePerLearner: number,
  stepsPerRound: number,
): { sampleRounds: number; updates: number } {
  if (!intensity) return { sampleRounds: 1, updates: 1 };
  const nativeRatio = trainBatchSizePerLearner / stepsPerRound;
  const weight = intensity / nativeRatio;
  return weight < 1
    ? { sampleRounds: Math.max(1, Math.round(1 / weight)), updates: 1 }
    : { sampleRounds: 1, updates: Math.max(1, Math.round(weight)) };
}
