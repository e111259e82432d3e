/**
 * Multi-agent PPO (RLlib: PPO with `.multi_agent(...)`): the on-policy multi-agent training step
 * (multi-agent-on-policy.ts) with one PPOLearner per trained module. Kept under its old path for
 * the callers that build it directly.
 */
export { MultiAgentPPO } from './multi-agent-on-policy';
export type { MultiAgentBuildOptions } from './multi-agent-setup';
export {
  AGENT_EPISODE_RETURNS_MEAN,
  MIN_MODULE_EPISODE_RETURNS_MEAN,
  MODULE_EPISODE_RETURNS_MEAN,
  NUM_AGENT_STEPS_SAMPLED,
  NUM_AGENT_STEPS_SAMPLED_LIFETIME,
} from './multi-agent-windows';
