/**
 * The env_config check a config validation runs before anything is built: for a registered env
 * (single- or multi-agent), every key it does not read (env-config.ts), then the values, by
 * building one copy: a value the env refuses (`sutton_barto_reward: "yes"`) is a config error now,
 * not a failed run later. Other throws are the env's own faults, which the preflight reports with
 * their file:line.
 */
import { ConfigError, type ConfigIssue } from '../core/errors';
import { readEnvConfig } from './env-config';
import { isMultiAgentEnv, makeMultiAgentVectorEnv, multiAgentEnvConfigKeys } from './multi-agent/registry';
import { getEnvSpec, makeVectorEnv } from './registry';

export function envConfigIssues(envId: unknown, envConfig: unknown): ConfigIssue[] {
  if (typeof envId !== 'string') return [];
  const multiAgent = isMultiAgentEnv(envId);
  if (!multiAgent && !getEnvSpec(envId)) return [];
  const keys = multiAgent ? multiAgentEnvConfigKeys(envId) : getEnvSpec(envId)?.configKeys;
  const { config, issues } = readEnvConfig(envId, envConfig, keys);
  if (issues.length > 0) return issues;
  try {
    if (multiAgent) makeMultiAgentVectorEnv(envId, { numEnvs: 1, seed: 0, envConfig: config });
    else makeVectorEnv(envId, { numEnvs: 1, seed: 0, envConfig: config });
  } catch (e) {
    if (e instanceof ConfigError) return [...e.issues];
  }
  return [];
}
