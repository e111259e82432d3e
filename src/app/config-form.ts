/**
 * What the configuration form needs from below app/: the registered envs and algorithms (as
 * specs: defaults, presets, form sections, charts), the value parser the URL and CLI use, and one
 * validation call that returns every issue with its path, so each field can show its own message
 * (RLlib's validate(), all problems at once). Loads no TF.js: the registry holds only specs.
 */
import type { ValidationContext } from '../core/config-validation';
import { coerceValue } from '../core/config-keys';
import { autostartWarnings, RESOURCES_WARNING_PATH } from '../core/config-limits';
import type { ConfigIssue } from '../core/errors';
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
 *
 * `preset`: the config of the preset the form's settings go over. The CPU warning is kept for a
 * layout a person chose; a preset's own runner layout is warned about only when its workers alone
 * need more cores than there are (autostartWarnings' rule). Why: the presets' layouts are measured
 * on 2 cores, where the page's own CPU mostly alternates with its runners (bench/NOTES.md: the
 * CartPole preset's 2 runners are busy ~11 ms of a ~90 ms iteration, and 2 runners beat 1), so
 * "lower numEnvRunners" would make the page's first run slower, not faster. Sizing the presets
 * down to the cores instead would change tuned values that the benchmarks stand on.
 */
export function validateConfig(
  input: unknown,
  ctx: ValidationContext = {},
  preset: PresetLayout | null = null,
): ConfigCheck {
  const check = checkConfig(input, ctx);
  if (preset === null || !sameLayout(check.config, preset)) return check;
  const kept = autostartWarnings(check.config, ctx);
  const quiet = (i: ConfigIssue): boolean =>
    i.path === RESOURCES_WARNING_PATH && i.severity === 'warning' && !kept.some((k) => k.message === i.message);
  return check.issues.some(quiet) ? { ...check, issues: check.issues.filter((i) => !quiet(i)) } : check;
}

/** The settings that decide a run's CPU ask (src/core/resources.ts). */
export interface PresetLayout {
  readonly envRunners: {
    readonly numEnvRunners: number;
    readonly numEnvsPerEnvRunner: number;
    readonly numCpusPerEnvRunner: number;
    readonly remoteWorkerEnvs: boolean;
  };
  readonly learners: { readonly numLearners: number };
}

function sameLayout(config: PresetLayout, preset: PresetLayout): boolean {
  const a = config.envRunners;
  const b = preset.envRunners;
  return (
    a.numEnvRunners === b.numEnvRunners &&
    a.numCpusPerEnvRunner === b.numCpusPerEnvRunner &&
    a.remoteWorkerEnvs === b.remoteWorkerEnvs &&
    (!a.remoteWorkerEnvs || a.numEnvsPerEnvRunner === b.numEnvsPerEnvRunner) &&
    config.learners.numLearners === preset.learners.numLearners
  );
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
