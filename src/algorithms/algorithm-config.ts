/**
 * The fluent builder RLlib users know (`PPOConfig().environment(...).env_runners(...)`), over the
 * plain config object that is the source of truth. Each setter replaces the settings it is given
 * and keeps the rest of the section (RLlib semantics: a setting replaces, sections accumulate);
 * `toConfig()` hands out a frozen, JSON-serialisable copy.
 *
 * build() is not defined here. An algorithm registers a factory with `setAlgorithmFactory(algo, f)`;
 * the build step calls `finalize()` (validate, throw ConfigError on errors, pick and record the
 * seed, freeze) and passes the result to the factory registered for `config.algo`.
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
import { ConfigError } from '../core/errors';
import type { ConfigIssue } from '../core/errors';

/** The `training` section type of a config, or never if it has none. */
export type TrainingOf<C> = C extends { readonly training: infer T } ? T : never;

/** Builds a runnable algorithm from a validated, frozen config. */
export type AlgorithmFactory = (config: AlgorithmConfigBase, ctx: ValidationContext) => unknown;

const factories = new Map<string, AlgorithmFactory>();

/** Registers how to build an algorithm by name ('PPO', ...); the build step looks it up by `config.algo`. */
export function setAlgorithmFactory(algo: string, factory: AlgorithmFactory): void {
  factories.set(algo, factory);
}

export function getAlgorithmFactory(algo: string): AlgorithmFactory | undefined {
  return factories.get(algo);
}

/** A seed for runs configured with `seed: null`; crypto, because Math.random is not seedable or allowed here. */
export function randomSeed(): number {
  return globalThis.crypto.getRandomValues(new Uint32Array(1))[0]! & 0x7fffffff;
}

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

  protected constructor(protected readonly defaults: C) {
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
    const { partial, issues } = normalizeConfigInput(input, this.defaults);
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

  /**
   * The hook build() uses: validates, throws ConfigError listing every error (warnings pass),
   * replaces `seed: null` by a chosen seed so the run is reproducible from its checkpoint, freezes.
   */
  protected finalize(ctx: ValidationContext = {}, pickSeed: () => number = randomSeed): C {
    const errors = this.validate(ctx).filter((i) => i.severity === 'error');
    if (errors.length > 0) throw new ConfigError(errors);
    const cfg =
      this.cfg.debugging.seed === null ? mergeConfig(this.cfg, { debugging: { seed: pickSeed() } }) : this.cfg;
    return deepFreeze(deepClone(cfg));
  }

  /** Merges a sectioned partial (see mergeConfig); a switch set alone turns off its exclusive partner. */
  protected update(partial: object): this {
    this.cfg = mergeConfig(this.cfg, resolveExclusiveSwitches(partial));
    return this;
  }
}
