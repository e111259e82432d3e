/**
 * Config layering, once for every front end: the CLI (`npm run train`), the URL hash and the
 * configuration form each describe a run as layers over an algorithm's defaults:
 *
 *   base (defaults | a checkpoint's config | the form's)  ⊕  preset  ⊕  config file  ⊕  flags / URL keys / fields
 *
 * `choosePreset` decides which preset applies; `composeConfig` stacks the layers, each merged over
 * the ones before (plain objects key by key, everything else replaced, as deepMerge does).
 * Today the three front ends ask for presets differently (the CLI falls back to the env's preset,
 * the URL only takes `preset=`, the form's menus pick one); those differences are the request's
 * fields, so that unifying them is a change to choosePreset alone.
 */
import { deepMerge, isPlainObject } from '../core/config';
import { normalizeConfigInput } from '../core/config-keys';
import type { ValidationContext } from '../core/config-validation';
import type { ConfigIssue } from '../core/errors';
import {
  AUTO_PRESET,
  autoPresetFor,
  getPreset,
  hasPreset,
  presetIds,
  type AnyAlgorithmConfig,
  type AnySpec,
} from '../algorithms/registry';
import type { Preset } from '../algorithms/spec';

export type ConfigObject = Record<string, unknown>;

export interface PresetRequest {
  /** A preset asked for by id (--preset, `preset=`, the form's menu); null: asked for none (the plain defaults). */
  readonly asked?: string | null | undefined;
  /** The preset a config file names (its `preset` key), when none is asked for. */
  readonly namedInFile?: string | null | undefined;
  /** The env the run is for: its own preset, or the automatic layout, when nothing is asked for or named. */
  readonly env: string;
  /** Whether the env's preset applies when nothing is asked for or named (the CLI without --config, the form's menus). */
  readonly fallBackToEnv?: boolean;
  /** Resuming a checkpoint: only an asked-for preset applies, and not the automatic layout (the checkpoint keeps its own). */
  readonly resuming?: boolean;
}

export interface PresetChoice {
  /** The preset id (`CartPole-v1`, `CartPole-v1:cleanrl`, AUTO_PRESET), or null: none. */
  readonly id: string | null;
  /** Why it applies: asked for, named in the config file, the env's own (or the automatic layout). */
  readonly reason: 'asked' | 'file' | 'env' | 'none';
}

const NO_PRESET: PresetChoice = { id: null, reason: 'none' };

/** Which preset applies to a run, by what was asked for, what the config file names, and the env. */
export function choosePreset(spec: AnySpec, req: PresetRequest): PresetChoice {
  if (req.asked === null) return NO_PRESET;
  if (req.asked !== undefined) {
    return req.resuming && req.asked === AUTO_PRESET ? NO_PRESET : { id: req.asked, reason: 'asked' };
  }
  if (req.resuming) return NO_PRESET;
  if (typeof req.namedInFile === 'string') return { id: req.namedInFile, reason: 'file' };
  if (!req.fallBackToEnv) return NO_PRESET;
  if (hasPreset(spec, req.env)) return { id: req.env, reason: 'env' };
  return spec.autoPreset ? { id: AUTO_PRESET, reason: 'env' } : NO_PRESET;
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
