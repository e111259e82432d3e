/**
 * The fluent builder RLlib users know (`PPOConfig().environment(...).env_runners(...)`), over the
 * plain config object that is the source of truth. Each setter replaces the settings it is given
 * and keeps the rest of the section (RLlib semantics: a setting replaces, sections accumulate);
 * `toConfig()` hands out a frozen, JSON-serialisable copy.
 *
 * build() is not defined here: the registry (registry.ts) validates a config and builds it with
 * its spec's lazily loaded implementation, so this file stays free of TF.js.
 */
import { deepClone, deepFreeze, isPlainObject, resolveExclusiveSwitches } from '../core/config';
import type {
  AlgorithmConfigBase,
  DebuggingConfig,
  EnvironmentConfig,
  EnvRunnersConfig,
  FaultToleranceConfig,
  LearnersConfig,
  RLModuleConfig,
} from '../core/config';
import type { ValidationContext } from '../core/config-validation';
import { normalizeConfigInput } from '../core/config-keys';
import type { ConfigIssue } from '../core/errors';

/** The `training` section type of a config, or never if it has none. */
export type TrainingOf<C> = C extends { readonly training: infer T } ? T : never;

/**
 * Merges a sectioned partial into a config: each section's given settings replace the old ones,
 * unnamed settings are kept; values (lists, envConfig, schedules) are replaced whole.
 */
export function mergeConfig<C extends object>(base: C, partial: object): C {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(partial)) {
    if (value === undefined) continue;
    const old = out[key];
    out[key] = isPlainObject(old) && isPlainObject(value) ? { ...old, ...withoutUndefined(value) } : value;
  }
  return deepClone(out as C);
}

function withoutUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

export abstract class AlgorithmConfigBuilder<C extends AlgorithmConfigBase> {
  /** The config being built; replaced, never mutated, by every setter. */
  protected cfg: C;
  /** Problems found while reading JSON input (unknown keys, ...); validate() reports them too. */
  protected inputIssues: ConfigIssue[] = [];

  /**
   * @param defaults the algorithm's full default config
   * @param keyAliases RLlib's names of the algorithm's own keys (its spec's keyAliases), for fromJson
   */
  protected constructor(
    protected readonly defaults: C,
    protected readonly keyAliases: Readonly<Record<string, string>> = {},
  ) {
    this.cfg = deepClone(defaults);
  }

  /** The algorithm's full validation (validateBase + its training checks). */
  protected abstract validateConfig(cfg: C, ctx: ValidationContext): ConfigIssue[];

  /** RLlib: `.environment(env, env_config=...)`. */
  environment(env: string | Partial<EnvironmentConfig>, envConfig?: Readonly<Record<string, unknown>>): this {
    const partial: Partial<EnvironmentConfig> = typeof env === 'string' ? { env } : env;
    return this.update({ environment: envConfig === undefined ? partial : { ...partial, envConfig } });
  }

  /** RLlib: `.env_runners(num_env_runners=..., num_envs_per_env_runner=..., ...)`. */
  envRunners(partial: Partial<EnvRunnersConfig>): this {
    return this.update({ envRunners: partial });
  }

  /** RLlib: `.learners(num_learners=..., num_gpus_per_learner=...)`. */
  learners(partial: Partial<LearnersConfig>): this {
    return this.update({ learners: partial });
  }

  /** RLlib: `.rl_module(model_config=...)`. */
  rlModule(partial: Partial<RLModuleConfig>): this {
    return this.update({ rlModule: partial });
  }

  /** Old-stack alias of rlModule(): RLlib's `.training(model={...})`. */
  model(partial: Partial<RLModuleConfig>): this {
    return this.rlModule(partial);
  }

  /** RLlib: `.training(lr=..., gamma=..., ...)`; the fields are the algorithm's. */
  training(partial: Partial<TrainingOf<C>>): this {
    return this.update({ training: partial });
  }

  /** RLlib: `.fault_tolerance(restart_failed_env_runners=..., ...)`. */
  faultTolerance(partial: Partial<FaultToleranceConfig>): this {
    return this.update({ faultTolerance: partial });
  }

  /** RLlib: `.debugging(seed=...)`. */
  debugging(partial: Partial<DebuggingConfig>): this {
    return this.update({ debugging: partial });
  }

  /**
   * Applies a JSON config: sectioned or flat, camelCase or RLlib snake_case, new- or old-stack
   * names (RLlib: `AlgorithmConfig.update_from_dict`). Unknown keys do not throw here; they are
   * kept as issues and returned by validate(), so a user sees every problem at once.
   */
  fromJson(input: unknown): this {
    const { partial, issues } = normalizeConfigInput(input, { defaults: this.defaults, keyAliases: this.keyAliases });
    this.inputIssues.push(...issues);
    return this.update(partial);
  }

  /** A frozen deep copy: safe to postMessage, store in a checkpoint or show in the UI. */
  toConfig(): C {
    return deepFreeze(deepClone(this.cfg));
  }

  /** So `JSON.stringify(builder)` writes the plain config. */
  toJSON(): C {
    return this.toConfig();
  }

  /** Every problem at once: input issues, then the algorithm's checks. Empty means valid. */
  validate(ctx: ValidationContext = {}): ConfigIssue[] {
    return [...this.inputIssues, ...this.validateConfig(this.toConfig(), ctx)];
  }

  /** An independent builder with the same settings (RLlib: `config.copy()`). */
  copy(): this {
    const clone = Object.create(Object.getPrototypeOf(this) as object) as this;
    Object.assign(clone, this);
    clone.cfg = deepClone(this.cfg);
    clone.inputIssues = [...this.inputIssues];
    return clone;
  }

  /** Merges a sectioned partial (see mergeConfig); a switch set alone turns off its exclusive partner. */
  protected update(partial: object): this {
    this.cfg = mergeConfig(this.cfg, resolveExclusiveSwitches(partial));
    return this;
  }
}
