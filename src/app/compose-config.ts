/**
 * Config layering, once for every front end: the CLI (`npm run train`), the URL hash (and
 * `<rl-trainer>`, whose attributes become the hash), the configuration form and a sweep's trials
 * each describe a run as layers over an algorithm's defaults:
 *
 *   base (defaults | a checkpoint's config | the form's)  ⊕  preset  ⊕  config file  ⊕  flags / URL keys / fields
 *
 * `choosePreset` is the one rule for which preset applies, the same for every front end: the preset
 * asked for (`--preset`, `preset=`, the form's menu, a trial's `preset`; `none` asks for RLlib's
 * plain defaults), else the one a config file names, else the env's own preset for the algorithm,
 * else the automatic layout sized from the env and the cores (auto-preset.ts). A resumed checkpoint
 * keeps its own settings. `composeConfig` stacks the layers, each merged over the ones before
 * (plain objects key by key, everything else replaced, as deepMerge does).
 */
import { deepMerge, isPlainObject } from '../core/config';
import { normalizeConfigInput } from '../core/config-keys';
import type { ValidationContext } from '../core/config-validation';
import { RLError, type ConfigIssue } from '../core/errors';
import { getPath } from '../core/json-path';
import {
  AUTO_PRESET,
  autoPresetFor,
  getPreset,
  hasPreset,
  presetIds,
  specOf,
  type AnyAlgorithmConfig,
  type AnySpec,
} from '../algorithms/registry';
import type { Preset } from '../algorithms/spec';

export type ConfigObject = Record<string, unknown>;

export interface PresetRequest {
  /**
   * A preset asked for by id (--preset, `preset=`, the form's menu, a trial's `preset`); null: asked
   * for none (`none`: RLlib's plain defaults); undefined: nothing asked. askedPreset reads the text.
   */
  readonly asked?: string | null | undefined;
  /** The preset a config file names (its `preset` key), when none is asked for. */
  readonly namedInFile?: string | null | undefined;
  /** The env the run is for: its own preset, or the automatic layout, when nothing is asked for or named. */
  readonly env: string;
  /** Resuming a checkpoint: only an asked-for preset applies, and not the automatic layout (the checkpoint keeps its own). */
  readonly resuming?: boolean;
}

/** The word that asks for no preset (RLlib's plain defaults) wherever a preset is named. */
export const NO_PRESET_NAME = 'none';

export interface PresetChoice {
  /** The preset id (`CartPole-v1`, `CartPole-v1:cleanrl`, AUTO_PRESET), or null: none. */
  readonly id: string | null;
  /** Why it applies: asked for, named in the config file, the env's own (or the automatic layout). */
  readonly reason: 'asked' | 'file' | 'env' | 'none';
}

const NO_PRESET: PresetChoice = { id: null, reason: 'none' };

/**
 * Which preset applies to a run: the one asked for, else the one the config file names, else the
 * env's own preset for the algorithm, else the automatic layout (when the algorithm has one).
 * RLlib's plain defaults apply only when asked for (`none`) or for an algorithm with neither.
 */
export function choosePreset(spec: AnySpec, req: PresetRequest): PresetChoice {
  if (req.asked === null) return NO_PRESET;
  if (req.asked !== undefined) {
    return req.resuming && req.asked === AUTO_PRESET ? NO_PRESET : { id: req.asked, reason: 'asked' };
  }
  if (req.resuming) return NO_PRESET;
  if (typeof req.namedInFile === 'string') return { id: req.namedInFile, reason: 'file' };
  return envPreset(spec, req.env);
}

/** The env's own preset for the algorithm, else its automatic layout, else none: what applies when nothing is asked. */
export function envPreset(spec: AnySpec, env: string): PresetChoice {
  if (hasPreset(spec, env)) return { id: env, reason: 'env' };
  return spec.autoPreset ? { id: AUTO_PRESET, reason: 'env' } : NO_PRESET;
}

/**
 * A preset name as a person wrote it (`--preset`, `preset=`, a trial's `preset`): undefined when
 * not given, null for `none`, else the id (resolvePresetId reads `cartpole:cleanrl` as typed).
 */
export function askedPreset(spec: AnySpec, raw: string | null | undefined): string | null | undefined {
  if (raw === undefined) return undefined;
  if (raw === null || raw.trim().toLowerCase() === NO_PRESET_NAME) return null;
  return resolvePresetId(spec, raw.trim());
}

/** How a page or a summary names the preset in force: `CartPole-v1`, `auto`, or `none`. */
export function presetName(id: string | null): string {
  return id ?? NO_PRESET_NAME;
}

/**
 * A preset id as typed: exact (`CartPole-v1:cleanrl`), or case-insensitive without the version
 * (`cartpole`, `cartpole:cleanrl`). Unknown names are returned as given: getPreset's error lists the ids.
 */
export function resolvePresetId(spec: AnySpec, name: string): string {
  const ids = presetIds(spec);
  if (ids.includes(name)) return name;
  const key = (id: string): string => {
    const [env = '', variant] = id.split(':');
    const short = env
      .toLowerCase()
      .replace(/-v\d+$/, '')
      .replace(/[^a-z0-9]/g, '');
    return variant === undefined ? short : `${short}:${variant.toLowerCase()}`;
  };
  return ids.find((id) => id.toLowerCase() === name.toLowerCase() || key(id) === key(name)) ?? name;
}

/**
 * A preset by id: a tuned one (`CartPole-v1:cleanrl`), or AUTO_PRESET, the automatic layout sized
 * from `env`'s spaces and this machine (null when the algorithm has none for the env). Throws
 * `config/unknown-preset` listing the ids.
 */
export function presetFor(
  spec: AnySpec,
  id: string,
  env: string,
  ctx: ValidationContext = {},
): Omit<Preset<AnyAlgorithmConfig>, 'variants'> | null {
  if (id === AUTO_PRESET) return autoPresetFor(spec, env, {}, ctx);
  return getPreset(spec, id);
}

export interface ConfigLayers {
  /**
   * What the layers go over: the algorithm's defaults (when omitted), a full config to go on from
   * (a checkpoint's, the one the form shows), or 'partial': nothing, for rl.build to merge over the
   * defaults in the page, which also sizes the automatic layout there (it knows the env's spaces and
   * the cores; the CLI composes in Node).
   */
  readonly base?: object | 'partial';
  /** The env the run is for: the automatic layout is sized for it, and without a preset the base gets it. */
  readonly env?: string;
  /** choosePreset's id, or null: none. */
  readonly preset?: string | null;
  /** What sizes the automatic layout (the cores). */
  readonly context?: ValidationContext;
  /** A config file's settings (--config), normalized by configFileLayer. */
  readonly file?: object;
  /** What the person set last: the CLI's flags, the URL's keys, the form's fields. */
  readonly overrides?: object;
}

export interface ComposedConfig<C = AnyAlgorithmConfig> {
  readonly config: C;
  /** The preset applied, or null: none asked for, or no automatic layout for the env. */
  readonly presetId: string | null;
  /** The applied preset's stop criteria, or null when it has none. */
  readonly presetStop: Readonly<Record<string, number>> | null;
}

/**
 * Stacks the layers: base, preset (or, without one, the env), config file, overrides. Throws
 * `config/unknown-preset` for a preset id the algorithm does not have.
 */
export function composeConfig<C = AnyAlgorithmConfig>(spec: AnySpec, layers: ConfigLayers): ComposedConfig<C> {
  const partial = layers.base === 'partial';
  const preset = presetLayer(spec, layers, partial);
  const withoutPreset = layers.env === undefined || partial ? {} : { environment: { env: layers.env } };
  let config = deepMerge<object>(partial ? {} : (layers.base ?? spec.defaults), preset?.config ?? withoutPreset);
  for (const layer of [layers.file, layers.overrides]) config = deepMerge<object>(config, layer);
  return { config: config as C, presetId: preset?.id ?? null, presetStop: preset?.stop ?? null };
}

/** The preset's settings and stop criteria; null when none applies (no automatic layout for the env). */
function presetLayer(
  spec: AnySpec,
  { preset: id = null, env = spec.defaults.environment.env, context }: ConfigLayers,
  partial: boolean,
): { id: string; config: object; stop: Readonly<Record<string, number>> | null } | null {
  if (id === null) return null;
  // A partial config leaves the automatic layout to rl.build, which sizes it in the page.
  if (partial && id === AUTO_PRESET) return { id, config: { preset: AUTO_PRESET }, stop: null };
  const found = presetFor(spec, id, env, context);
  if (!found) return null;
  const stop = found.stop && Object.keys(found.stop).length > 0 ? found.stop : null;
  return { id, config: found.config, stop };
}

/**
 * A config file's JSON read with the algorithm's names: its settings as a layer, the preset its
 * `preset` key names (as rl.build accepts), and every problem (unknown keys are errors).
 */
export function configFileLayer(
  json: unknown,
  spec: AnySpec,
): { partial: ConfigObject; preset: unknown; issues: ConfigIssue[] } {
  const { preset, ...rest } = isPlainObject(json) ? json : { preset: undefined };
  const { partial, issues } = normalizeConfigInput<ConfigObject>(isPlainObject(json) ? rest : json, spec);
  return { partial, preset, issues };
}

export interface ComposedInput {
  /** What rl.build takes: `algo`, then the preset's settings (or `preset: 'auto'`, sized in the page) and the config's. */
  readonly input: ConfigObject;
  readonly presetId: string | null;
  readonly presetStop: Readonly<Record<string, number>> | null;
  /** The config's problems (unknown keys are errors), each with its path. */
  readonly issues: readonly ConfigIssue[];
}

/**
 * A config object as a run's build input under the one rule: flat or sectioned, RLlib's names
 * accepted, naming its `algo` (PPO when none) and optionally a `preset` (`none`: the plain
 * defaults). A sweep's trials are built through this, so a trial `{algo: 'DQN', env: 'CartPole-v1'}`
 * starts from DQN's CartPole preset exactly as `--algo dqn --env CartPole-v1` and
 * `#algo=DQN&env=CartPole-v1` do. Throws `config/unknown-algo` or `config/unknown-preset`.
 */
export function composeInput(json: ConfigObject, context: ValidationContext = {}): ComposedInput {
  const spec = specOf(json);
  const { partial, preset, issues } = configFileLayer(json, spec);
  if (preset !== undefined && typeof preset !== 'string') {
    throw new RLError('config/preset', `'preset' must be a preset id such as 'CartPole-v1', 'auto' or 'none'.`);
  }
  const env = getPath(partial, 'environment.env');
  const choice = choosePreset(spec, {
    asked: askedPreset(spec, preset),
    env: typeof env === 'string' ? env : spec.defaults.environment.env,
  });
  const composed = composeConfig<ConfigObject>(spec, {
    base: 'partial',
    preset: choice.id,
    overrides: partial,
    context,
  });
  return {
    input: { ...composed.config, algo: spec.name },
    presetId: composed.presetId,
    presetStop: composed.presetStop,
    issues,
  };
}
