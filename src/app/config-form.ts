/**
 * What the configuration form needs from below app/: the registered envs and algorithms (as
 * specs: defaults, presets, form sections, charts), the value parser the URL and CLI use, and one
 * validation call that returns every issue with its path, so each field can show its own message
 * (RLlib's validate(), all problems at once). Loads no TF.js: the registry holds only specs.
 */
import type { ValidationContext } from '../core/config-validation';
import { coerceValue } from '../core/config-keys';
import { getEnvSpec, listEnvs } from '../envs';
import { isMultiAgentEnv, listMultiAgentEnvs } from '../envs/multi-agent/registry';
import { checkConfig, type AnySpec, type ConfigCheck } from '../algorithms/registry';

export type { ConfigIssue } from '../core/errors';
export type { ConfigCheck, AnySpec, AnyAlgorithmConfig } from '../algorithms/registry';
export type { ChartDef, FieldDef, SamplingLayout, SectionDef, SeriesDef } from '../algorithms/spec';
export { presetFor } from './compose-config';
export {
  AUTO_PRESET,
  ALGORITHM_SPECS,
  DEFAULT_SPEC,
  algorithmNames,
  findSpec,
  getPreset,
  getSpec,
  hasPreset,
  presetIds,
} from '../algorithms/registry';

/**
 * Validates a (partial, sectioned or RLlib-flat) config the way rl.build() will, without building,
 * against the algorithm its `algo` names (PPO when it names none).
 */
export function validateConfig(input: unknown, ctx: ValidationContext = {}): ConfigCheck {
  return checkConfig(input, ctx);
}

/**
 * Registered env ids, built-in and custom, in registration order; for an algorithm that takes a
 * multiAgent section (PPO), the multi-agent envs after them.
 */
export function envIds(spec?: AnySpec): string[] {
  const multiAgent = spec !== undefined && 'multiAgent' in spec.defaults;
  return multiAgent ? [...listEnvs(), ...listMultiAgentEnvs()] : listEnvs();
}

/** Whether `env` is a multi-agent env (its runs get the mapping view and per-module curves). */
export function isMultiAgentEnvId(env: string): boolean {
  return isMultiAgentEnv(env);
}

/** Gymnasium-style metadata for an env id: description, time limit, reward threshold. */
export function envInfo(
  id: string,
): { description: string; maxEpisodeSteps: number | null; rewardThreshold: number | null } | null {
  const spec = getEnvSpec(id);
  if (!spec) return null;
  return {
    description: spec.description ?? '',
    maxEpisodeSteps: spec.maxEpisodeSteps ?? null,
    rewardThreshold: spec.rewardThreshold ?? null,
  };
}

/**
 * A form field's text as a config value, with the URL's and CLI's rules (`64,64` is a list,
 * `0:1e-3,200000:3e-4` a schedule, `auto`, `true`). Unparseable text stays a string so that
 * validation names it in its message. Empty text means null for the fields that allow null.
 */
export function parseFieldValue(path: string, raw: string, nullable = false): unknown {
  if (nullable && raw.trim() === '') return null;
  return coerceValue(path, raw);
}
