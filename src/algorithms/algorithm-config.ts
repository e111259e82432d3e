/**
 * The fluent builder RLlib users know (`PPOConfig().environment(...).env_runners(...)`), over the
 * plain config object that is the source of truth. Each setter replaces the settings it is given
 * and keeps the rest of the section (RLlib semantics: a setting replaces, sections accumulate);
 * `toConfig()` hands out a frozen, JSON-serialisable copy.
 *
 * build() is not defined here: the registry (registry.ts) validates a config and builds it with
 * its spec's lazily loaded implementation, so this file stays free of TF.js.
 */
import { deepClone, deepFreeze, deepMerge, isPlainObject, resolveExclusiveSwitches } from '../core/config';
import type {
  AlgorithmConfigBase,
  DebuggingConfig,
  EnvironmentConfig,
  EnvRunnersConfig,
  FaultToleranceConfig,
  LearnersConfig,
  ReportingConfig,
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

/** What a builder needs of its algorithm (an AlgorithmSpec has all of it). */
export interface BuilderSchema<C extends AlgorithmConfigBase> {
  readonly defaults: C;
  /** RLlib's names of the algorithm's keys (its spec's keyAliases), for fromJson. */
  readonly keyAliases: Readonly<Record<string, string>>;
  /** Dict-valued settings merged entry by entry (`training.replayBufferConfig`); RLlib's deep update. */
  readonly groupPaths: readonly string[];
  /** The algorithm's full validation (validateBase + its own keys and rules). */
  validate(this: void, config: C, ctx?: ValidationContext): ConfigIssue[];
}

/** The values of a section the config has (`multiAgent`, `offlineData`), or never. */
type SectionOf<C, S extends string> = C extends { readonly [K in S]: infer T } ? T : never;

export class AlgorithmConfigBuilder<C extends AlgorithmConfigBase> {
  /** The config being built; replaced, never mutated, by every setter. */
  protected cfg: C;
  /** Problems found while reading JSON input (unknown keys, ...); validate() reports them too. */
  protected inputIssues: ConfigIssue[] = [];

  /** `defaults`: where this builder starts, when not the algorithm's (multi-agent PPO on MultiAgentCartPole). */
  constructor(
    protected readonly schema: BuilderSchema<C>,
    defaults: C = schema.defaults,
  ) {
    this.cfg = deepClone(defaults);
  }

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

  /** RLlib: `.reporting(metrics_num_episodes_for_smoothing=...)`. */
  reporting(partial: Partial<ReportingConfig>): this {
    return this.update({ reporting: partial });
  }

  /** RLlib: `.multi_agent(policies=..., policy_mapping_fn=..., policies_to_train=...)` (algorithms that have it). */
  multiAgent(partial: Partial<SectionOf<C, 'multiAgent'>>): this {
    return this.update({ multiAgent: partial });
  }

  /** RLlib: `.offline_data(input_=..., dataset_num_iters_per_learner=...)` (offline algorithms). */
  offlineData(partial: Partial<SectionOf<C, 'offlineData'>>): this {
    return this.update({ offlineData: partial });
  }

  /** RLlib: `.evaluation(evaluation_interval=..., ...)` (offline algorithms). */
  evaluation(partial: Partial<SectionOf<C, 'evaluation'>>): this {
    return this.update({ evaluation: partial });
  }

  /**
   * Applies a JSON config: sectioned or flat, camelCase or RLlib snake_case, new- or old-stack
   * names (RLlib: `AlgorithmConfig.update_from_dict`). Unknown keys do not throw here; they are
   * kept as issues and returned by validate(), so a user sees every problem at once.
   */
  fromJson(input: unknown): this {
    const { partial, issues } = normalizeConfigInput(input, this.schema);
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
    return [...this.inputIssues, ...this.schema.validate(this.toConfig(), ctx)];
  }

  /** An independent builder with the same settings (RLlib: `config.copy()`). */
  copy(): this {
    const clone = Object.create(Object.getPrototypeOf(this) as object) as this;
    Object.assign(clone, this);
    clone.cfg = deepClone(this.cfg);
    clone.inputIssues = [...this.inputIssues];
    return clone;
  }

  /**
   * Merges a sectioned partial (see mergeConfig); a switch set alone turns off its exclusive
   * partner, and a dict-valued setting given in part keeps its other entries.
   */
  protected update(partial: object): this {
    this.cfg = mergeConfig(this.cfg, mergeGroups(this.cfg, resolveExclusiveSwitches(partial), this.schema.groupPaths));
    return this;
  }
}

/** `partial` with each group (`training.replayBufferConfig`) it gives in part merged over the current one. */
function mergeGroups(cfg: object, partial: object, groupPaths: readonly string[]): object {
  let out = partial as Record<string, unknown>;
  for (const path of groupPaths) {
    const [section, name] = path.split('.') as [string, string];
    const sec = out[section];
    if (!isPlainObject(sec) || !isPlainObject(sec[name])) continue;
    const current = (cfg as Record<string, Record<string, unknown>>)[section]?.[name];
    if (isPlainObject(current)) out = { ...out, [section]: { ...sec, [name]: deepMerge(current, sec[name]) } };
  }
  return out;
}
