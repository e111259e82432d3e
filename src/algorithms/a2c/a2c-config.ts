/**
 * A2C's config: RLlib's old-stack A2CConfig defaults (ray-project/ray rllib/algorithms/a2c/a2c.py,
 * which inherits A3CConfig in rllib/algorithms/a3c/a3c.py; train_batch_size from the old
 * AlgorithmConfig). A2C was removed from RLlib's new API stack, so the names are the old ones,
 * with Stable-Baselines3's A2C names next to each field.
 */
import type { AlgorithmConfigBase } from '../../core/config';
import { bool, including, int, reuse, type ValuesOf } from '../../core/config-catalogue';
import type { ValidationContext } from '../../core/config-validation';
import { isCount, type IssueList } from '../../core/issue-list';
import { DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES, SHARED_KEYS, TRAINING_KEYS } from '../../core/shared-keys';
import { builderOf, configSchema } from '../define-algorithm';
import { MULTI_AGENT_KEYS, multiAgentRules, type WithMultiAgent } from '../multi-agent/multi-agent-config';
import { checkFragmentFitsBatch, onPolicySamplingLayout } from '../on-policy-config';
import type { SamplingLayout } from '../spec';

export const A2C_TRAINING_KEYS = {
  ...including(TRAINING_KEYS, { lr: 1e-4 }),
  trainBatchSizePerLearner: reuse(TRAINING_KEYS.trainBatchSizePerLearner, {
    default: 200,
    doc: 'Env steps collected per iteration; A2C takes one gradient step on all of them.',
    // Old stack: one train_batch_size (there was no per-learner form).
    rllib: 'train_batch_size',
    aliases: ['train_batch_size_per_learner'],
    cleanrl: 'n_steps * n_envs (SB3)',
  }),
  ...including(TRAINING_KEYS, { gamma: 0.99 }),
  useGae: bool(true, {
    doc: 'Advantages by GAE(λ); false: discounted returns minus V.',
    rllib: 'use_gae',
    form: { label: 'GAE' },
  }),
  ...including(TRAINING_KEYS, { lambda: 1.0, entropyCoeff: 0.01 }),
  vfLossCoeff: reuse(TRAINING_KEYS.vfLossCoeff, {
    default: 0.5,
    doc: "Weight of the value function's half squared error, 0.5 · mean((V − target)²).",
  }),
  ...including(TRAINING_KEYS, { gradClip: 40.0, minSampleTimestepsPerIteration: 0 }),
  useCritic: bool(true, {
    doc: 'Subtract V(s) from the returns and train it; false is REINFORCE (needs useGae false).',
    rllib: 'use_critic',
    form: { label: 'Critic baseline', advanced: true },
  }),
  microbatchSize: int.orNull(null, {
    min: 1,
    doc: 'Rows per gradient computation, summed into the one step (saves memory); null: the whole batch.',
    rllib: 'microbatch_size',
    form: { label: 'Microbatch size', advanced: true },
  }),
  ...including(TRAINING_KEYS, {
    gradClipBy: 'global_norm',
    maxConsecutiveNonFiniteUpdates: DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES,
  }),
};

/** RLlib A2CConfig: 2 rollout workers, 'auto' fragment length (the shared defaults already are). */
export const A2C_KEYS = { ...SHARED_KEYS, training: A2C_TRAINING_KEYS, multiAgent: MULTI_AGENT_KEYS };

export type A2CTrainingConfig = ValuesOf<typeof A2C_TRAINING_KEYS>;
export type A2CConfig = AlgorithmConfigBase & {
  readonly algo: 'A2C';
  readonly training: A2CTrainingConfig;
} & WithMultiAgent;

function a2cRules(cfg: A2CConfig, _ctx: ValidationContext, out: IssueList): void {
  const t = cfg.training;
  if (t.useGae === true && t.useCritic === false) {
    out.error(
      'training.useGae',
      'useGae needs useCritic: GAE is built from the value function. Set useCritic to true, or useGae to false ' +
        '(advantages are then the discounted returns).',
    );
  }
  const tbs = t.trainBatchSizePerLearner;
  if (isCount(tbs, 1) && isCount(t.microbatchSize, 1) && tbs / t.microbatchSize < 3) {
    // RLlib's A2CConfig.validate warns the same way.
    out.warn(
      'training.microbatchSize',
      `trainBatchSizePerLearner (${tbs}) should be at least 3x microbatchSize ` +
        `(${t.microbatchSize}) for microbatching to save memory; set microbatchSize to null to use the whole batch.`,
    );
  }
  if (isCount(tbs, 1)) checkFragmentFitsBatch(out, cfg);
  multiAgentRules(cfg, out);
}

export const A2C_SCHEMA = configSchema<A2CConfig>('A2C', A2C_KEYS, a2cRules);
export const A2C_DEFAULTS: A2CConfig = A2C_SCHEMA.defaults;
export const validateA2CConfig = A2C_SCHEMA.validate;

/** RLlib: `A2CConfig()`. */
export function a2c(): ReturnType<typeof builderOf<A2CConfig>> {
  return builderOf(A2C_SCHEMA);
}

/** PPO's layout: 'auto' fragment = train batch / (runners x envs), whole sample rounds. */
export function a2cSamplingLayout(cfg: Pick<A2CConfig, 'envRunners' | 'training'>): SamplingLayout {
  const layout = onPolicySamplingLayout(cfg);
  const min = cfg.training.minSampleTimestepsPerIteration;
  if (!(min > layout.trainBatchSize)) return layout;
  // A2C.trainingStep repeats sample + update until minSampleTimestepsPerIteration env steps.
  const steps = Math.ceil(min / layout.trainBatchSize);
  return { ...layout, envStepsPerIteration: steps * layout.trainBatchSize, trainingStepsPerIteration: steps };
}
