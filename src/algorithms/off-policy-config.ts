/**
 * What DQN and SAC share in their configs (RLlib's SAC reuses DQN's training step and its
 * sampling rules): the n-step range, the sampling layout ('auto' fragment = n_step's upper end)
 * and the replay ratio. No TF.js: the specs import this.
 */
import type { AlgorithmConfigBase } from '../core/config';
import type { SamplingLayout } from './spec';

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
  cfg: Pick<AlgorithmConfigBase, 'envRunners'> & { readonly training: Pick<OffPolicyTrainingConfig, 'nStep'> },
): SamplingLayout {
  const { numEnvRunners, numEnvsPerEnvRunner, rolloutFragmentLength } = cfg.envRunners;
  const fragment = rolloutFragmentLength === 'auto' ? nStepRange(cfg.training.nStep)[1] : rolloutFragmentLength;
  const numRunnersSampling = Math.max(1, numEnvRunners);
  const stepsPerSampleCall = fragment * numEnvsPerEnvRunner;
  return {
    rolloutFragmentLength: fragment,
    stepsPerSampleCall,
    trainBatchSize: stepsPerSampleCall * numRunnersSampling,
    numRunnersSampling,
    numSampleRounds: 1,
  };
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
  const intensity = cfg.training.trainingIntensity;
  if (!intensity) return { sampleRounds: 1, updates: 1 };
  const nativeRatio = cfg.training.trainBatchSizePerLearner / replaySamplingLayout(cfg).trainBatchSize;
  const weight = intensity / nativeRatio;
  return weight < 1
    ? { sampleRounds: Math.max(1, Math.round(1 / weight)), updates: 1 }
    : { sampleRounds: 1, updates: Math.max(1, Math.round(weight)) };
}
