/**
 * Multi-agent PPO's config is PPO's (ppo/ppo-config.ts declares the `multiAgent` section with
 * PPO's keys, as RLlib's `PPOConfig().multi_agent(...)`): a PPO config whose env is a
 * multi-agent env (registerMultiAgentEnv) is a multi-agent run (MultiAgentPPO). Here: the builder
 * that starts on MultiAgentCartPole (a build checks the mapping against the env's agents:
 * multi-agent-setup.ts).
 */
import { builderOf } from '../define-algorithm';
import { PPO_DEFAULTS, PPO_SCHEMA, type MultiAgentPPOConfig } from '../ppo/ppo-config';

export type { MultiAgentPPOConfig } from '../ppo/ppo-config';

/** What `multiAgentPpo()` starts from: RLlib's MultiAgentCartPole with 2 agents, sampling on the page. */
export const MULTI_AGENT_PPO_DEFAULTS: MultiAgentPPOConfig = {
  ...PPO_DEFAULTS,
  environment: { ...PPO_DEFAULTS.environment, env: 'MultiAgentCartPole', envConfig: {} },
  envRunners: { ...PPO_DEFAULTS.envRunners, numEnvRunners: 0 },
};

export { isMultiAgentConfig } from './multi-agent-config';

/** RLlib: `PPOConfig().multi_agent(...)`, starting on MultiAgentCartPole with 2 agents, local runner. */
export function multiAgentPpo(): ReturnType<typeof builderOf<MultiAgentPPOConfig>> {
  return builderOf(PPO_SCHEMA, MULTI_AGENT_PPO_DEFAULTS);
}
