/**
 * The algorithms this app knows, as specs: name, defaults, RLlib names, validation, presets, form
 * fields and charts. Importing this file loads no TF.js (every spec is plain data and light
 * functions); `buildAlgorithm` loads the chosen algorithm's implementation on demand. app/, ui/
 * and cli/ know algorithms only through this file.
 *
 * Adding an algorithm: write its `<name>/<name>-spec.ts` (an AlgorithmSpec) and list it in specs.ts.
 */
import { suggest } from '../core/config';
import type { ValidationContext } from '../core/config-validation';
import { ConfigError, RLError, type ConfigIssue } from '../core/errors';
import { getEnvSpec, listEnvs, makeVectorEnv } from '../envs';
import { listMultiAgentEnvs } from '../envs/multi-agent/registry';
import type { Algorithm } from './algorithm';
import type { Checkpoint } from './checkpoint';
import { validateCheckpoint as validateCheckpointFields, type CheckpointConfigRules } from './checkpoint-schema';
import { autoLayout } from './auto-preset';
import { lookupPreset, presetIdsOf } from './presets';
import { ALGORITHM_SPECS } from './specs';
import type { AlgorithmSpec, AnyAlgorithmConfig, BuildOptions, Preset } from './spec';

export type { AnyAlgorithmConfig } from './spec';

/** A spec as app/, ui/ and cli/ hold it: over any algorithm's config. */
export type AnySpec = AlgorithmSpec<AnyAlgorithmConfig>;

/** Every registered algorithm, the default first (menus and --help list them in this order). */
export { ALGORITHM_SPECS };

/** The algorithm a config without `algo` gets: the first registered (PPO; RLlib itself has no default). */
export const DEFAULT_SPEC: AnySpec = ALGORITHM_SPECS[0]!;

/** Registered algorithm names ('PPO', ...), in menu order. */
export function algorithmNames(): string[] {
  return ALGORITHM_SPECS.map((s) => s.name);
}

/** The spec for `name`, case-insensitive (`ppo`, `DQN`), or undefined. */
export function findSpec(name: string): AnySpec | undefined {
  const upper = name.trim().toUpperCase();
  return ALGORITHM_SPECS.find((s) => s.name.toUpperCase() === upper);
}

/** The spec for `name` (case-insensitive); `config/unknown-algo` with a suggestion and the list otherwise. */
export function getSpec(name: string): AnySpec {
  const spec = findSpec(name);
  if (spec) return spec;
  const guess = suggest(name, algorithmNames());
  throw new RLError(
    'config/unknown-algo',
    `Unknown algorithm '${name}'${guess ? ` (did you mean '${guess}'?)` : ''}. ` +
      `Available: ${algorithmNames().join(', ')}. Set algo (or --algo) to one of them.`,
  );
}

/** The algorithm named by a config input: `algo`, `algorithm` or `algo_class` (RLlib's names); PPO if none. */
export function specOf(input: unknown): AnySpec {
  if (input !== null && typeof input === 'object') {
    const rec = input as Record<string, unknown>;
    const name = rec['algo'] ?? rec['algorithm'] ?? rec['algo_class'];
    if (typeof name === 'string') return getSpec(name);
  }
  return DEFAULT_SPEC;
}

/** The env ids an algorithm's config may name: the registered envs, and multi-agent ones where it has a multiAgent section. */
export function envIdsFor(spec: AnySpec): string[] {
  return Object.hasOwn(spec.keys, 'multiAgent') ? [...listEnvs(), ...listMultiAgentEnvs()] : listEnvs();
}

/** Preset ids of an algorithm: `envId` and `envId:variant`. */
export function presetIds(spec: AnySpec): string[] {
  return presetIdsOf(spec.presets);
}

/** An algorithm's preset by id (`CartPole-v1`, `CartPole-v1:cleanrl`); `config/unknown-preset` otherwise. */
export function getPreset(spec: AnySpec, id: string): Omit<Preset<AnyAlgorithmConfig>, 'variants'> {
  return lookupPreset(spec.presets, id, spec.name);
}

/** Whether the algorithm has a preset for this id. */
export function hasPreset(spec: AnySpec, id: string): boolean {
  return presetIds(spec).includes(id);
}

/** The preset id of the automatic layout (auto-preset.ts), for envs without a preset of their own. */
export const AUTO_PRESET = 'auto';

/**
 * The automatic preset of `spec` for a registered env, sized from its spaces and the machine; null
 * when the algorithm has none, the env is unknown, or it cannot be built (the preflight check
 * reports that with its file:line).
 */
export function autoPresetFor(
  spec: AnySpec,
  envId: string,
  envConfig: Readonly<Record<string, unknown>>,
  ctx: ValidationContext = {},
): Omit<Preset<AnyAlgorithmConfig>, 'variants'> | null {
  const meta = getEnvSpec(envId);
  if (!spec.autoPreset || !meta) return null;
  let probe;
  try {
    probe = makeVectorEnv(envId, { numEnvs: 1, seed: 0, envConfig });
  } catch {
    return null;
  }
  const shape = {
    envId,
    observationSpace: probe.singleObservationSpace,
    actionSpace: probe.singleActionSpace,
    maxEpisodeSteps: meta.maxEpisodeSteps ?? Infinity,
    rewardThreshold: meta.rewardThreshold,
  };
  return spec.autoPreset(autoLayout(shape, { hardwareConcurrency: ctx.hardwareConcurrency ?? 2 }));
}

export interface ConfigCheck {
  readonly spec: AnySpec;
  /** The input merged over the algorithm's defaults (or preset), exactly as build() would see it. */
  readonly config: AnyAlgorithmConfig;
  /** Every error and warning, each with its dotted path. */
  readonly issues: readonly ConfigIssue[];
  /** No issue has severity 'error'. */
  readonly valid: boolean;
}

/**
 * Validates JSON input (camel or RLlib snake names, flat or sectioned) against the algorithm it
 * names, without throwing for config problems (only for an unknown algorithm or preset).
 * `preset: 'CartPole-v1'` (or `'CartPole-v1:cleanrl'`) starts from that preset instead of the
 * algorithm's defaults; the other keys are applied over it.
 */
export function checkConfig(input: unknown, ctx: ValidationContext = {}): ConfigCheck {
  const spec = specOf(input);
  const { preset, rest } = splitPreset(input);
  const builder = spec.builder();
  const autoIssues: ConfigIssue[] = [];
  if (preset === AUTO_PRESET) {
    const { env, envConfig } = spec.builder().fromJson(rest).toConfig().environment;
    const auto = autoPresetFor(spec, env, envConfig, ctx);
    if (auto) builder.fromJson(auto.config);
    else
      autoIssues.push({
        path: 'preset',
        severity: 'warning',
        message: `no automatic ${spec.name} layout for '${env}' (unknown env, or the algorithm has none); ${spec.name}'s defaults apply.`,
      });
  } else if (preset !== null) builder.fromJson(getPreset(spec, preset).config);
  builder.fromJson(rest);
  const issues = [...autoIssues, ...builder.validate({ knownEnvIds: envIdsFor(spec), ...ctx })];
  return { spec, config: builder.toConfig(), issues, valid: !issues.some((i) => i.severity === 'error') };
}

/** Resolves input to a full validated config. Throws ConfigError with every problem. */
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
  const { config, issues } = checkConfig(input, ctx);
  const errors = issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) throw new ConfigError(errors);
  return { config, warnings: issues.filter((i) => i.severity === 'warning') };
}

function splitPreset(input: unknown): { preset: string | null; rest: unknown } {
  if (!input || typeof input !== 'object' || !('preset' in input)) return { preset: null, rest: input };
  const { preset, ...rest } = input as Record<string, unknown>;
  if (typeof preset !== 'string')
    throw new RLError('config/preset', `'preset' must be a preset id string such as 'CartPole-v1'.`);
  return { preset, rest };
}

/** Builds a validated config with its algorithm's implementation, loaded (with TF.js) on first use. */
export async function buildAlgorithm(
  config: AnyAlgorithmConfig,
  opts: BuildOptions = {},
): Promise<Algorithm<AnyAlgorithmConfig>> {
  const implementation = await getSpec(config.algo).load();
  return implementation.build(config, opts);
}

/** A checkpoint's config, checked by its algorithm's own validation (errors only; warnings do not block). */
export const CHECKPOINT_CONFIG_RULES: CheckpointConfigRules = {
  knownAlgorithms: algorithmNames(),
  check: (algo, config) => {
    const spec = ALGORITHM_SPECS.find((s) => s.name === algo);
    if (!spec) return undefined;
    const issues = spec
      .builder()
      .fromJson(config)
      .validate({ knownEnvIds: envIdsFor(spec) });
    return issues.filter((i) => i.severity === 'error');
  },
};

/**
 * A checkpoint from outside (a file, storage, the CLI's --restore), every field checked and its
 * config validated by its algorithm: the checkpoint, or `checkpoint/invalid` with every problem.
 */
export function validateCheckpoint(value: unknown): Checkpoint {
  return validateCheckpointFields(value, CHECKPOINT_CONFIG_RULES);
}
