/**
 * PPO's config plus RLlib's `multi_agent` section, and the fluent builder with `.multiAgent()`.
 * Multi-agent PPO samples on the local EnvRunner (numEnvRunners = 0) so far; validation says so.
 */
import type { ValidationContext } from '../../core/config-validation';
import type { ConfigIssue } from '../../core/errors';
import { isMultiAgentEnv } from '../../envs/multi-agent/registry';
import { AlgorithmConfigBuilder } from '../algorithm-config';
import { PPO_DEFAULTS, PPO_KEY_ALIASES, validatePPOConfig, type PPOConfig } from '../ppo/ppo-config';
import {
  MULTI_AGENT_DEFAULTS,
  MULTI_AGENT_KEY_ALIASES,
  validateMultiAgent,
  type MultiAgentConfig,
} from './multi-agent-config';

export type MultiAgentPPOConfig = PPOConfig & { readonly multiAgent: MultiAgentConfig };

export const MULTI_AGENT_PPO_DEFAULTS: MultiAgentPPOConfig = {
  ...PPO_DEFAULTS,
  environment: { ...PPO_DEFAULTS.environment, env: 'MultiAgentCartPole', envConfig: { numAgents: 2 } },
  // Multi-agent samples on the local runner (see validateMultiAgentPPOConfig).
  envRunners: { ...PPO_DEFAULTS.envRunners, numEnvRunners: 0 },
  multiAgent: MULTI_AGENT_DEFAULTS,
};

/** PPO's checks, the multi-agent section's, and what multi-agent sampling does not support yet. */
export function validateMultiAgentPPOConfig(
  cfg: MultiAgentPPOConfig,
  ctx: ValidationContext = {},
  agentIds?: readonly string[],
): ConfigIssue[] {
  // The single-agent env registry does not hold multi-agent ids; the env check is below.
  const { knownEnvIds: _singleAgentIds, ...rest } = ctx;
  const issues = validatePPOConfig(cfg, rest);
  const err = (path: string, message: string): void => {
    issues.push({ path, message, severity: 'error' });
  };
  if (!isMultiAgentEnv(cfg.environment.env)) {
    err(
      'environment.env',
      `'${cfg.environment.env}' is not a multi-agent env; use one registered with registerMultiAgentEnv (e.g. 'MultiAgentCartPole'), or drop multiAgent for a single-agent env.`,
    );
  }
  if (cfg.envRunners.numEnvRunners !== 0) {
    err(
      'envRunners.numEnvRunners',
      `multi-agent sampling runs on the local EnvRunner so far; set numEnvRunners to 0 (got ${cfg.envRunners.numEnvRunners}) and scale with numEnvsPerEnvRunner.`,
    );
  }
  if (cfg.envRunners.batchMode !== 'truncate_episodes') {
    err('envRunners.batchMode', "multi-agent sampling supports batchMode 'truncate_episodes' only so far.");
  }
  if (cfg.learners.numLearners > 1) {
    err(
      'learners.numLearners',
      'multi-agent training uses one Learner per module on the page; set numLearners to 0 or 1.',
    );
  }
  issues.push(...validateMultiAgent(cfg.multiAgent, agentIds));
  return issues;
}

export class MultiAgentPPOConfigBuilder extends AlgorithmConfigBuilder<MultiAgentPPOConfig> {
  constructor() {
    super(MULTI_AGENT_PPO_DEFAULTS, { ...PPO_KEY_ALIASES, ...MULTI_AGENT_KEY_ALIASES });
  }

  /** RLlib: `.multi_agent(policies=..., policy_mapping_fn=..., policies_to_train=...)`. */
  multiAgent(partial: Partial<MultiAgentConfig>): this {
    return this.update({ multiAgent: partial });
  }

  protected override validateConfig(cfg: MultiAgentPPOConfig, ctx: ValidationContext): ConfigIssue[] {
    return validateMultiAgentPPOConfig(cfg, ctx);
  }
}

/** RLlib: `PPOConfig().multi_agent(...)` on a multi-agent env. */
export function multiAgentPpo(): MultiAgentPPOConfigBuilder {
  return new MultiAgentPPOConfigBuilder();
}
