/**
 * PPO's config (RLlib's PPOConfig): every key declared once, with RLlib's defaults
 * (ray-project/ray rllib/algorithms/ppo/ppo.py `PPOConfig.__init__`, AlgorithmConfig for
 * grad_clip_by and shuffle) and CleanRL's names (vwxyzjn/cleanrl cleanrl/ppo.py). Types,
 * defaults, RLlib names, validation, form fields, --help and the README rows derive from it.
 */
import type { AlgorithmConfigBase } from '../../core/config';
import { bool, including, num, reuse, type ValuesOf } from '../../core/config-catalogue';
import { isCount, type IssueList } from '../../core/issue-list';
import type { ValidationContext } from '../../core/config-validation';
import { DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES, SHARED_KEYS, TRAINING_KEYS } from '../../core/shared-keys';
import { builderOf, configSchema } from '../define-algorithm';
import { isMultiAgentEnv } from '../../envs/multi-agent/registry';
import type { ConfigIssue } from '../../core/errors';
import {
  MULTI_AGENT_DEFAULTS,
  MULTI_AGENT_KEYS,
  multiAgentRules,
  type MultiAgentConfig,
} from '../multi-agent/multi-agent-config';
import {
  MODULE_PLACEMENT_DEFAULTS,
  MODULE_PLACEMENT_KEYS,
  baseMultiAgent,
  modulePlacementRules,
  type ModulePlacementConfig,
} from '../multi-agent/module-placement-config';
import { checkFragmentFitsBatch, onPolicySamplingLayout } from '../on-policy-config';
import type { SamplingLayout } from '../spec';

export { learnerCount } from '../on-policy-config';

/** The clipped surrogate and its KL penalty: PPO's, and APPO's with other defaults and docs. */
export const SURROGATE_KEYS = {
  clipParam: num(0.3, {
    above: 0,
    doc: 'Surrogate clip ε: how far one update may move the action probabilities (the ratio clip).',
    rllib: 'clip_param',
    cleanrl: 'clip_coef',
    form: { label: 'Clip ε' },
  }),
  useKlLoss: bool(true, {
    doc: 'Add an adaptive KL(old ‖ new) penalty to the loss.',
    rllib: 'use_kl_loss',
    form: { label: 'KL penalty' },
  }),
  klCoeff: num(0.2, {
    min: 0,
    doc: 'Starting weight of the KL penalty, adapted toward klTarget.',
    rllib: 'kl_coeff',
    form: { label: 'KL coeff', advanced: true },
  }),
  klTarget: num(0.01, {
    above: 0,
    doc: 'KL divergence per update the penalty aims for.',
    rllib: 'kl_target',
    form: { label: 'KL target', advanced: true },
  }),
};

export const PPO_TRAINING_KEYS = {
  ...including(TRAINING_KEYS, {
    lr: 5e-5,
    trainBatchSizePerLearner: 4000,
    minibatchSize: 128,
    numEpochs: 30,
    gamma: 0.99,
    lambda: 1.0,
  }),
  clipParam: SURROGATE_KEYS.clipParam,
  ...including(TRAINING_KEYS, { entropyCoeff: 0, vfLossCoeff: 1.0, gradClip: null }),
  useKlLoss: SURROGATE_KEYS.useKlLoss,
  klCoeff: SURROGATE_KEYS.klCoeff,
  klTarget: SURROGATE_KEYS.klTarget,
  vfClipParam: num(10.0, {
    above: 0,
    doc: "Clamp on each step's squared value error (RLlib's meaning, not CleanRL's clip_vloss).",
    rllib: 'vf_clip_param',
    form: { label: 'Value clip', advanced: true },
  }),
  adamEpsilon: reuse(TRAINING_KEYS.adamEpsilon, {
    doc: "Adam's epsilon (CleanRL's PPO uses 1e-5; torch's default, and RLlib's, is 1e-8).",
    rllib: { none: "RLlib's PPO keeps torch.optim.Adam's default eps (1e-8); PPOConfig has no key for it." },
    aliases: ['adam_epsilon'],
    cleanrl: 'Adam(eps=1e-5)',
    form: { label: 'Adam ε', advanced: true },
  }),
  ...including(TRAINING_KEYS, {
    gradClipBy: 'global_norm',
    shuffleBatchPerEpoch: true,
    maxConsecutiveNonFiniteUpdates: DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES,
  }),
  sampleAsync: bool(false, {
    doc: 'Sample the next train batch during the update, with the weights one update old; pays with remote runners.',
    rllib: {
      none: "RLlib's new API stack samples synchronously (its old stack's sample_async thread is gone); the exported run samples synchronously.",
    },
    aliases: ['sample_async'],
    note:
      'The loss ratio is against the logp recorded at sampling, so the clip stays around the policy that acted. ' +
      'With 0 runners sampling and learning share the page thread, so it gains nothing.',
    form: { label: 'Sample while learning', advanced: true },
  }),
};

/**
 * PPO's keys: the shared sections, its training keys and RLlib's `.multi_agent()` section, with
 * where a multi-agent run's modules live (module-placement-config.ts).
 */
export const PPO_KEYS = {
  ...SHARED_KEYS,
  training: PPO_TRAINING_KEYS,
  multiAgent: { ...MULTI_AGENT_KEYS, ...MODULE_PLACEMENT_KEYS },
};

export type PPOTrainingConfig = ValuesOf<typeof PPO_TRAINING_KEYS>;
/** A single-agent PPO run's config (what PPO itself reads). */
export type PPOConfig = AlgorithmConfigBase & { readonly algo: 'PPO'; readonly training: PPOTrainingConfig };
/** PPO's config with RLlib's `multi_agent` section; a multi-agent env makes the run a MultiAgentPPO. */
export type MultiAgentPPOConfig = PPOConfig & { readonly multiAgent: MultiAgentConfig & ModulePlacementConfig };

/** Rules between PPO's keys; every problem at once. */
function ppoRules(cfg: MultiAgentPPOConfig, _ctx: ValidationContext, out: IssueList): void {
  const { minibatchSize: mbs, trainBatchSizePerLearner: tbs } = cfg.training;
  if (isCount(mbs, 1) && isCount(tbs, 1) && mbs > tbs) {
    out.error(
      'training.minibatchSize',
      `minibatchSize (${mbs}) must be <= trainBatchSizePerLearner (${tbs}); PPO splits each batch into minibatches. ` +
        `Lower minibatchSize or raise trainBatchSizePerLearner.`,
    );
  }
  // A multi-agent run's learners each train their own modules on the same env steps (module groups).
  const multiAgent = isMultiAgentEnv(cfg.environment.env);
  if (isCount(tbs, 1)) checkFragmentFitsBatch(out, cfg, multiAgent ? 0 : cfg.learners.numLearners);
  // Learner workers train groups of stacked modules (modulePlacementRules says when they may).
  multiAgentRules({ ...cfg, multiAgent: baseMultiAgent(cfg.multiAgent ?? MULTI_AGENT_DEFAULTS) }, out, {
    numLearners: null,
  });
  modulePlacementRules(cfg, out);
}

export const PPO_SCHEMA = configSchema<MultiAgentPPOConfig>('PPO', PPO_KEYS, ppoRules);
export const PPO_DEFAULTS: MultiAgentPPOConfig = PPO_SCHEMA.defaults;

/** PPO's validation; a single-agent config without the multiAgent section is checked as having its defaults. */
export function validatePPOConfig(cfg: PPOConfig | MultiAgentPPOConfig, ctx: ValidationContext = {}): ConfigIssue[] {
  return PPO_SCHEMA.validate({ multiAgent: { ...MULTI_AGENT_DEFAULTS, ...MODULE_PLACEMENT_DEFAULTS }, ...cfg }, ctx);
}

/** RLlib: `PPOConfig()`. */
export function ppo(): ReturnType<typeof builderOf<MultiAgentPPOConfig>> {
  return builderOf(PPO_SCHEMA);
}

/**
 * PPO's sampling layout: the one every synchronous on-policy algorithm shares, for a train batch of
 * trainBatchSizePerLearner on each of numLearners learners.
 */
export function derivedSizes(
  cfg: Pick<PPOConfig, 'envRunners' | 'training'> & {
    readonly learners?: Pick<PPOConfig['learners'], 'numLearners'>;
    readonly environment?: Pick<PPOConfig['environment'], 'env'>;
  },
): SamplingLayout {
  // A multi-agent run's learner workers each train their own modules on the same env steps.
  const multiAgent = cfg.environment !== undefined && isMultiAgentEnv(cfg.environment.env);
  return onPolicySamplingLayout(cfg, multiAgent ? 0 : (cfg.learners?.numLearners ?? 0));
}
