/** Algorithms by name: config resolution and building, for the app facade, CLI and URL. */
import type { ValidationContext } from '../core/config-validation';
import { ConfigError, RLError, type ConfigIssue } from '../core/errors';
import { listEnvs } from '../envs';
import type { Algorithm } from './algorithm';
import { PPO, type BuildOptions } from './ppo/ppo';
import { ppo, type PPOConfig } from './ppo/ppo-config';
import { applyPreset } from './ppo/presets';

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

/**
 * Resolves JSON input (camel or RLlib snake names, flat or sectioned) to a full validated config.
 * `preset: 'CartPole-v1'` (or `'CartPole-v1:cleanrl'`) starts from that preset instead of the
 * algorithm's defaults; the other keys are applied over it. Throws ConfigError with every problem.
 */
export function resolveConfig(input: unknown, ctx: ValidationContext = {}): AnyAlgorithmConfig {
  return resolveConfigWithWarnings(input, ctx).config;
}

/**
 * resolveConfig, also returning validate()'s warnings (cores oversubscribed, numGpusPerLearner > 1,
 * ignored RLlib keys), which callers show: the UI in its form, the CLI at the start of a run.
 */
export function resolveConfigWithWarnings(
  input: unknown,
  ctx: ValidationContext = {},
): { config: AnyAlgorithmConfig; warnings: ConfigIssue[] } {
  const name = algoName(input);
  if (name !== 'PPO') {
    throw new RLError('config/unknown-algo', `Unknown algorithm '${name}'. Available: ${ALGORITHMS.join(', ')}.`);
  }
  const { preset, rest } = splitPreset(input);
  const builder = (preset ? applyPreset(preset) : ppo()).fromJson(rest);
  const issues = builder.validate({ knownEnvIds: listEnvs(), ...ctx });
  const errors = issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) throw new ConfigError(errors);
  return { config: builder.toConfig(), warnings: issues.filter((i) => i.severity === 'warning') };
}

function splitPreset(input: unknown): { preset: string | null; rest: unknown } {
  if (!input || typeof input !== 'object' || !('preset' in input)) return { preset: null, rest: input };
  const { preset, ...rest } = input as Record<string, unknown>;
  if (typeof preset !== 'string')
    throw new RLError('config/preset', `'preset' must be a preset id string such as 'CartPole-v1'.`);
  return { preset, rest };
}

export function buildAlgorithm(config: AnyAlgorithmConfig, opts: BuildOptions = {}): Promise<Algorithm> {
  return PPO.build(config, opts);
}
