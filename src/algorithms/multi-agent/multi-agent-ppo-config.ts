/**
 * PPO's config with RLlib's `multi_agent` section, and the fluent builder with `.multiAgent()`.
 * PPO's spec uses these: a PPO config whose env is a multi-agent env (registerMultiAgentEnv) is a
 * multi-agent run (MultiAgentPPO); on a single-agent env the section must stay at its defaults.
 * RLlib does the same: `PPOConfig().multi_agent(...)`, one algorithm class for both.
 */
import { deepEqual } from '../../core/config';
import type { ValidationContext } from '../../core/config-validation';
import type { ConfigIssue } from '../../core/errors';
import { isMultiAgentEnv, listMultiAgentEnvs } from '../../envs/multi-agent/registry';
import { AlgorithmConfigBuilder } from '../algorithm-config';
import { PPO_DEFAULTS, PPO_KEY_ALIASES, validatePPOConfig, type PPOConfig } from '../ppo/ppo-config';
import {
  MULTI_AGENT_DEFAULTS,
  MULTI_AGENT_KEY_ALIASES,
  validateMultiAgent,
  type MultiAgentConfig,
} from './multi-agent-config';

export type MultiAgentPPOConfig = PPOConfig & { readonly multiAgent: MultiAgentConfig };

/** PPO's defaults plus RLlib's multi-agent defaults (one module for every agent). */
export const PPO_WITH_MULTI_AGENT_DEFAULTS: MultiAgentPPOConfig = { ...PPO_DEFAULTS, multiAgent: MULTI_AGENT_DEFAULTS };

export const PPO_WITH_MULTI_AGENT_KEY_ALIASES: Readonly<Record<string, string>> = {
  ...PPO_KEY_ALIASES,
  ...MULTI_AGENT_KEY_ALIASES,
};

/** What `multiAgentPpo()` starts from: RLlib's MultiAgentCartPole with 2 agents. */
export const MULTI_AGENT_PPO_DEFAULTS: MultiAgentPPOConfig = {
  ...PPO_WITH_MULTI_AGENT_DEFAULTS,
  environment: { ...PPO_DEFAULTS.environment, env: 'MultiAgentCartPole', envConfig: { numAgents: 2 } },
  envRunners: { ...PPO_DEFAULTS.envRunners, numEnvRunners: 0 },
};

/** Whether a (validated or partial) config is a multi-agent run: its env is a multi-agent env. */
export function isMultiAgentConfig(cfg: { readonly environment: { readonly env: string } }): boolean {
  return isMultiAgentEnv(cfg.environment.env);
}

/**
 * PPO's checks, and by the env: a multi-agent env gets the multi-agent section's checks and what
 * multi-agent sampling does not support; a single-agent env must leave the section at its defaults.
 * `agentIds` (when known) checks that every agent maps to a module.
 */
export function validatePPOWithMultiAgent(
  cfg: MultiAgentPPOConfig,
  ctx: ValidationContext = {},
  agentIds?: readonly string[],
): ConfigIssue[] {
  const multiAgent = cfg.multiAgent ?? MULTI_AGENT_DEFAULTS;
  if (!isMultiAgentEnv(cfg.environment.env)) {
    const issues = validatePPOConfig(cfg, ctx);
    if (!deepEqual(multiAgent, MULTI_AGENT_DEFAULTS)) {
      issues.push({
        path: 'multiAgent',
        severity: 'error',
        message:
          `multiAgent (policies, policyMappingFn, policiesToTrain) needs a multi-agent env, and ` +
          `'${cfg.environment.env}' is single-agent; use one of ${listMultiAgentEnvs().join(', ')}, or drop the multiAgent settings.`,
      });
    }
    return issues;
  }
  // The single-agent registry does not hold multi-agent ids; the env was checked above.
  const { knownEnvIds: _singleAgentIds, ...rest } = ctx;
  const issues = validatePPOConfig(cfg, rest);
  const err = (path: string, message: string): void => {
    issues.push({ path, message, severity: 'error' });
  };
  if (cfg.envRunners.batchMode !== 'truncate_episodes') {
    err('envRunners.batchMode', "multi-agent sampling supports batchMode 'truncate_episodes' only so far.");
  }
  if (cfg.envRunners.remoteWorkerEnvs) {
    err(
      'envRunners.remoteWorkerEnvs',
      'multi-agent sampling steps its env copies inside the EnvRunner; set remoteWorkerEnvs to false.',
    );
  }
  if (cfg.learners.numLearners > 0) {
    err(
      'learners.numLearners',
      `multi-agent PPO trains one Learner per module on the page; set numLearners to 0 (got ${cfg.learners.numLearners}).`,
    );
  }
  issues.push(...validateMultiAgent(multiAgent, agentIds));
  return issues;
}

export class MultiAgentPPOConfigBuilder extends AlgorithmConfigBuilder<MultiAgentPPOConfig> {
  constructor(defaults: MultiAgentPPOConfig = PPO_WITH_MULTI_AGENT_DEFAULTS) {
    super(defaults, PPO_WITH_MULTI_AGENT_KEY_ALIASES);
  }

  /** RLlib: `.multi_agent(policies=..., policy_mapping_fn=..., policies_to_train=...)`. */
  multiAgent(partial: Partial<MultiAgentConfig>): this {
    return this.update({ multiAgent: partial });
  }

  protected override validateConfig(cfg: MultiAgentPPOConfig, ctx: ValidationContext): ConfigIssue[] {
    return validatePPOWithMultiAgent(cfg, ctx);
  }
}

/** PPO's builder as the spec hands it out: RLlib's `PPOConfig()`, with `.multiAgent()`. */
export function ppoWithMultiAgent(): MultiAgentPPOConfigBuilder {
  return new MultiAgentPPOConfigBuilder();
}

/** RLlib: `PPOConfig().multi_agent(...)`, starting on MultiAgentCartPole with 2 agents, local runner. */
export function multiAgentPpo(): MultiAgentPPOConfigBuilder {
  return new MultiAgentPPOConfigBuilder(MULTI_AGENT_PPO_DEFAULTS);
}
