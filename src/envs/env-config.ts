/**
 * An env's keyword arguments (RLlib's `env_config`, which it passes to `gym.make`): the built-in
 * envs declare the keys they read, so a key they do not read is an error listing the ones they
 * do (Gymnasium raises on an unknown keyword too), instead of a setting silently ignored. Keys are
 * accepted in camelCase and as Gymnasium's snake_case keyword (`sutton_barto_reward`). An env
 * that declares nothing (a user's, unless it says) gets its config as given.
 */
import { suggest } from '../core/config';
import { ConfigError, type ConfigIssue } from '../core/errors';
import { isPlainObject } from '../core/json';

const snakeToCamel = (s: string): string => s.replace(/_+([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * `envConfig` with Gymnasium's snake_case keywords renamed to the env's camelCase keys, and every
 * problem: a key the env does not read (with the accepted list and a guess), a key given twice.
 */
export function readEnvConfig(
  envId: string,
  envConfig: unknown,
  configKeys: readonly string[] | undefined,
): { config: Record<string, unknown>; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  if (!isPlainObject(envConfig)) return { config: {}, issues };
  if (configKeys === undefined) return { config: { ...envConfig }, issues };
  const config: Record<string, unknown> = {};
  for (const [given, value] of Object.entries(envConfig)) {
    const key = configKeys.includes(given) ? given : snakeToCamel(given);
    const path = `environment.envConfig.${given}`;
    if (!configKeys.includes(key)) {
      const accepted = configKeys.length === 0 ? 'it takes no env_config keys' : `it takes ${configKeys.join(', ')}`;
      const guess = suggest(given, configKeys);
      issues.push({
        path,
        severity: 'error',
        message: `${envId} has no env_config key '${given}'${guess ? ` (did you mean '${guess}'?)` : ''}; ${accepted}.`,
      });
    } else if (Object.hasOwn(config, key)) {
      issues.push({
        path,
        severity: 'error',
        message: `${key} is given twice (as ${key} and as ${given}); give it once.`,
      });
    } else config[key] = value;
  }
  return { config, issues };
}

/** readEnvConfig, throwing a ConfigError with every problem (where an env is built). */
export function envConfigOrThrow(
  envId: string,
  envConfig: unknown,
  configKeys: readonly string[] | undefined,
): Record<string, unknown> {
  const { config, issues } = readEnvConfig(envId, envConfig, configKeys);
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}
