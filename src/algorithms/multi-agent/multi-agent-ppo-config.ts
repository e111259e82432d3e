/**
 * Multi-agent PPO's config is PPO's (ppo/ppo-config.ts declares the `multiAgent` section with
 * PPO's keys, as RLlib's `PPOConfig().multi_agent(...)`): a PPO config whose env is a
 * multi-agent env (registerMultiAgentEnv) is a multi-agent run (MultiAgentPPO). Here: the builder
 * that starts on MultiAgentCartPole, and the validation a build does once it knows the agent ids.
 */
import type { ValidationContext } from '../../core/config-validation';
import type { ConfigIssue } from '../../core/errors';
import { isMultiAgentEnv } from '../../envs/multi-agent/registry';
import { builderOf } from '../define-algorithm';
import { PPO_DEFAULTS, PPO_SCHEMA, type MultiAgentPPOConfig } from '../ppo/ppo-config';
import { MULTI_AGENT_DEFAULTS, validateMultiAgent } from './multi-agent-config';

export type { MultiAgentPPOConfig } from '../ppo/ppo-config';

/** What `multiAgentPpo()` starts from: RLlib's MultiAgentCartPole with 2 agents, sampling on the page. */
export const MULTI_AGENT_PPO_DEFAULTS: MultiAgentPPOConfig = {
  ...PPO_DEFAULTS,
  environment: { ...PPO_DEFAULTS.environment, env: 'MultiAgentCartPole', envConfig: { numAgents: 2 } },
  envRunners: { ...PPO_DEFAULTS.envRunners, numEnvRunners: 0 },
};

export { isMultiAgentConfig } from './multi-agent-config';

/**
 * PPO's validation, and with the env's agent ids (known once the env is built) the check that
 * every agent maps to a module.
 */
export function validatePPOWithMultiAgent(
  cfg: MultiAgentPPOConfig,
  ctx: ValidationContext = {},
  agentIds?: readonly string[],
): ConfigIssue[] {
  const issues = PPO_SCHEMA.validate(cfg, ctx);
  if (!agentIds || !isMultiAgentEnv(cfg.environment.env)) return issues;
  // The section's issues again, now with the agents: replaces the ones reported without them.
  const rest = issues.filter((i) => !i.path.startsWith('multiAgent'));
  return [...rest, ...validateMultiAgent(cfg.multiAgent ?? MULTI_AGENT_DEFAULTS, agentIds)];
}

/** RLlib: `PPOConfig().multi_agent(...)`, starting on MultiAgentCartPole with 2 agents, local runner. */
export function multiAgentPpo(): ReturnType<typeof builderOf<MultiAgentPPOConfig>> {
  return builderOf(PPO_SCHEMA, MULTI_AGENT_PPO_DEFAULTS);
}
