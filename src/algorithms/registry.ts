/** Algorithms by name: config resolution and building, for the app facade, CLI and URL. */
import type { ValidationContext } from '../core/config';
import { ConfigError, RLError } from '../core/errors';
import { listEnvs } from '../envs';
import type { Algorithm } from './algorithm';
import { PPO, type BuildOptions } from './ppo/ppo';
import { ppo, validatePPOConfig, type PPOConfig } from './ppo/ppo-config';

export type AnyAlgorithmConfig = PPOConfig;

export const ALGORITHMS = ['PPO'] as const;

function algoName(input: unknown): string {
  if (input && typeof input === 'object') {
    const rec = input as Record<string, unknown>;
    const name = rec['algo'] ?? rec['algorithm'] ?? rec['algo_class'];
    if (typeof name === 'string') return name.toUpperCase();
  }
  return 'PPO';
}

/** Resolves JSON input (camel or RLlib snake names, flat or sectioned) to a full validated config. */
export function resolveConfig(input: unknown, ctx: ValidationContext = {}): AnyAlgorithmConfig {
  const name = algoName(input);
  if (name !== 'PPO') {
    throw new RLError('config/unknown-algo', `Unknown algorithm '${name}'. Available: ${ALGORITHMS.join(', ')}.`);
  }
  const config = ppo().fromJson(input).toConfig();
  const issues = validatePPOConfig(config, { knownEnvIds: listEnvs(), ...ctx }).filter((i) => i.severity === 'error');
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}

export function buildAlgorithm(config: AnyAlgorithmConfig, opts: BuildOptions = {}): Promise<Algorithm> {
  return PPO.build(config, opts);
}
