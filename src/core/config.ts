/**
 * Algorithm configuration: plain, JSON-serialisable, readonly data with one defaults object per
 * section. The same object crosses `postMessage`, is stored with checkpoints, shown in the UI,
 * encoded in the URL and accepted by the CLI. Names are RLlib's (new API stack) in camelCase; every
 * key is declared once in a catalogue (shared-keys.ts here; each algorithm's own in its folder),
 * and the types, defaults and alias tables are derived from it.
 *
 * Sections mirror RLlib's `AlgorithmConfig` methods: `.environment()`, `.env_runners()`,
 * `.learners()`, `.rl_module()`, `.training()` (per algorithm), `.fault_tolerance()`, `.debugging()`,
 * `.reporting()`.
 * Defaults follow ray-project/ray rllib/algorithms/algorithm_config.py unless a comment says why not.
 */
import { defaultsOf, type ValuesOf } from './config-catalogue';
import { deepFreeze, isPlainObject } from './json';
import {
  DEBUGGING_KEYS,
  ENV_RUNNERS_KEYS,
  ENVIRONMENT_KEYS,
  FAULT_TOLERANCE_KEYS,
  LEARNERS_KEYS,
  REPORTING_KEYS,
  RL_MODULE_KEYS,
} from './shared-keys';

export type { DeepPartial } from './json';
export { deepClone, deepEqual, deepFreeze, deepMerge, editDistance, isPlainObject, suggest } from './json';
export type { ScheduleValue } from './schedule';

/** The shared sections' values, typed from their catalogues (shared-keys.ts: each key's doc is there). */
export type EnvironmentConfig = ValuesOf<typeof ENVIRONMENT_KEYS>;
export type EnvRunnersConfig = ValuesOf<typeof ENV_RUNNERS_KEYS>;
export type LearnersConfig = ValuesOf<typeof LEARNERS_KEYS>;
export type RLModuleConfig = ValuesOf<typeof RL_MODULE_KEYS>;
export type FaultToleranceConfig = ValuesOf<typeof FAULT_TOLERANCE_KEYS>;
export type DebuggingConfig = ValuesOf<typeof DEBUGGING_KEYS>;
export type ReportingConfig = ValuesOf<typeof REPORTING_KEYS>;

export interface AlgorithmConfigBase {
  /** Algorithm name, e.g. 'PPO' (RLlib: algo_class). */
  readonly algo: string;
  readonly environment: EnvironmentConfig;
  readonly envRunners: EnvRunnersConfig;
  readonly learners: LearnersConfig;
  readonly rlModule: RLModuleConfig;
  readonly faultTolerance: FaultToleranceConfig;
  readonly debugging: DebuggingConfig;
  readonly reporting: ReportingConfig;
}

/** The shared sections' defaults; each algorithm adds `algo` and `training`. */
export const ALGORITHM_CONFIG_DEFAULTS: Omit<AlgorithmConfigBase, 'algo'> = deepFreeze({
  environment: defaultsOf(ENVIRONMENT_KEYS),
  envRunners: defaultsOf(ENV_RUNNERS_KEYS),
  learners: defaultsOf(LEARNERS_KEYS),
  rlModule: defaultsOf(RL_MODULE_KEYS),
  faultTolerance: defaultsOf(FAULT_TOLERANCE_KEYS),
  debugging: defaultsOf(DEBUGGING_KEYS),
  reporting: defaultsOf(REPORTING_KEYS),
});

/**
 * Settings of which at most one may be true. RLlib lets a user set either alone
 * (`ignore_env_runner_failures=True` with restart's default of True is accepted), so in a partial
 * that sets one to true and leaves the other unset, the unset one gives way (becomes false). Only
 * both set to true in the same input is an error, which validation reports.
 */
const EXCLUSIVE_SWITCHES: readonly (readonly [string, string, string])[] = [
  ['faultTolerance', 'restartFailedEnvRunners', 'ignoreEnvRunnerFailures'],
];

/** A copy of a sectioned partial where an exclusive switch set to true turns off its unset partner. */
export function resolveExclusiveSwitches<P>(partial: P): P {
  if (!isPlainObject(partial)) return partial;
  let out = partial as Record<string, unknown>;
  for (const [section, a, b] of EXCLUSIVE_SWITCHES) {
    const sec = out[section];
    if (!isPlainObject(sec)) continue;
    const gives = sec[a] === true && sec[b] === undefined ? b : sec[b] === true && sec[a] === undefined ? a : null;
    if (gives !== null) out = { ...out, [section]: { ...sec, [gives]: false } };
  }
  return out as P;
}
