/**
 * The page's state in the URL hash, TensorFlow Playground style: `#env=CartPole-v1&num_env_runners=2&
 * lr=0.0003&stop_reward=450&hide=workers&autostart=1`. Config keys are RLlib's names (config-url.ts
 * writes only what differs from the algorithm's defaults, so a link reproduces the setup exactly);
 * `algo=DQN` picks the algorithm (written only when it is not the default, PPO), and the other
 * keys are read with that algorithm's names. The rest are page keys:
 *   stop_reward / stop_timesteps / stop_iters / stop_time_s   stop criteria (RLlib example-script flags)
 *   stop_module_reward         multi-agent: stop when every module's return mean reached it
 *   preset=<envId[:variant]|auto|none>   the preset the config keys go over; without it, the env's own
 *                              preset for the algorithm (else `auto`), as everywhere (compose-config.ts's
 *                              choosePreset); `none`: RLlib's plain defaults. Written only when it is
 *                              not what the rule would pick, and the keys as differences from it.
 *   hide=<panel,...>           hide panels (config, controls, charts, preview, workers, log, checkpoints)
 *   autostart=1                build and train as soon as the page loads
 *   embed=1                    compact layout for iframes, postMessage events to the parent page
 *   allow_origin=<origin>      with embed=1: take commands from, and post events to, that origin only
 *   env_module=<url>           a same-origin JS module that registers envs, loaded before the rest
 *                              (repeat the key for several; see src/envs/env-modules.ts)
 *   tune=<sweep JSON>          a small sweep for the Trials panel, URI-encoded (checked by tune-url.ts)
 */
import { DEFAULT_SPEC, findSpec, getSpec, type AnyAlgorithmConfig, type AnySpec } from '../algorithms/registry';
import {
  askedPreset,
  choosePreset,
  composeConfig,
  presetName,
  type ComposedConfig,
  type ConfigLayers,
} from './compose-config';
import { MIN_MODULE_EPISODE_RETURNS_MEAN } from '../algorithms/multi-agent/multi-agent-windows';
import { decodeConfigHash, encodeConfigHash } from '../core/config-url';
import { errorMessage, type ConfigIssue } from '../core/errors';
import { getPath } from '../core/json-path';

/** URL key -> result-dict key of the stop criterion (Ray Tune's stop dict). */
export const STOP_URL_KEYS: Readonly<Record<string, string>> = {
  stop_reward: 'env_runners/episode_return_mean',
  // Multi-agent: stop once every module's module_episode_returns_mean reached the value.
  stop_module_reward: MIN_MODULE_EPISODE_RETURNS_MEAN,
  stop_timesteps: 'num_env_steps_sampled_lifetime',
  stop_iters: 'training_iteration',
  stop_time_s: 'time_total_s',
};

export const PANELS = ['config', 'controls', 'charts', 'preview', 'workers', 'log', 'checkpoints'] as const;
export type PanelName = (typeof PANELS)[number];

/** What embed mode hides unless the URL says `hide=` itself: the compact layout. */
export const EMBED_HIDDEN: readonly PanelName[] = ['config', 'log', 'checkpoints'];

export interface PageFlags {
  readonly hide: readonly PanelName[];
  readonly autostart: boolean;
  readonly embed: boolean;
  /** `allow_origin`, as given (embed.ts checks it); null: not given. */
  readonly allowOrigin: string | null;
  /** `env_module` URLs, as given (env-modules.ts checks them when loading). */
  readonly envModules: readonly string[];
  /** `tune=`: a sweep's JSON text, as given (tune-url.ts checks it); null or absent: none. */
  readonly tune?: string | null;
}

export interface UrlState extends PageFlags {
  /** Full config (defaults or preset, then the URL's keys), or null when the URL names no setting. */
  readonly config: AnyAlgorithmConfig | null;
  /** Stop criteria from the URL (or the preset's), or null when none is given. */
  readonly stop: Readonly<Record<string, number>> | null;
  /** The preset in force under the URL's keys (null: none, the plain defaults). */
  readonly presetId: string | null;
  readonly issues: readonly ConfigIssue[];
}

const PAGE_KEYS = new Set(['hide', 'autostart', 'embed', 'preset', 'allow_origin', 'env_module', 'tune']);

/** The `env_module=` URLs of a hash, in order (main.ts loads them before the page reads the rest). */
export function envModulesFromHash(hash: string): string[] {
  return hash
    .replace(/^#/, '')
    .split('&')
    .filter((piece) => piece.startsWith('env_module='))
    .map((piece) => safeDecode(piece.slice('env_module='.length)))
    .filter((url) => url !== '');
}

/** RLlib's names for the algorithm key (config-keys.ts maps all three to `algo`). */
const ALGO_KEYS = new Set(['algo', 'algorithm', 'algo_class']);

/** The algorithm the hash names (default PPO); an unknown name is an issue, and the default is used. */
function specFromPieces(pieces: readonly string[], issues: ConfigIssue[]): AnySpec {
  for (const piece of pieces) {
    const name = algoValue(piece);
    if (name === undefined) continue;
    try {
      return getSpec(name);
    } catch (e) {
      issues.push({ path: 'algo', severity: 'error', message: errorMessage(e) });
    }
  }
  return DEFAULT_SPEC;
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && !/^(0|false|no|off)$/i.test(v);
}

/** Reads the page state from `location.hash` (and `?embed=1` in `location.search`). */
export function parseUrlState(hash: string, search = ''): UrlState {
  const page = new Map<string, string>();
  const stop: Record<string, number> = {};
  const issues: ConfigIssue[] = [];
  const configPieces: string[] = [];
  for (const piece of hash.replace(/^#/, '').split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const key = eq < 0 ? piece : piece.slice(0, eq);
    const raw = eq < 0 ? '1' : safeDecode(piece.slice(eq + 1));
    if (PAGE_KEYS.has(key)) page.set(key, raw);
    else if (Object.hasOwn(STOP_URL_KEYS, key)) {
      const v = Number(raw);
      if (raw.trim() !== '' && Number.isFinite(v)) stop[STOP_URL_KEYS[key]!] = v;
      else issues.push({ path: `stop.${key}`, severity: 'error', message: `${key} must be a number, got '${raw}'.` });
    } else configPieces.push(piece);
  }
  const embed = truthy(page.get('embed')) || truthy(new URLSearchParams(search).get('embed') ?? undefined);
  const hide = parseHide(page.get('hide'), embed, issues);
  const presetId = page.get('preset');
  const spec = specFromPieces(configPieces, issues);
  // An unknown algo was reported above; decoding goes on without it, with the default's keys.
  const pieces = configPieces.filter((p) => {
    const name = algoValue(p);
    return name === undefined || findSpec(name) !== undefined;
  });
  const decoded = decodeConfigHash<AnyAlgorithmConfig>(pieces.join('&'), spec);
  const env = getPath(decoded.partial, 'environment.env');
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  const layers = {
    env: typeof env === 'string' ? env : spec.defaults.environment.env,
    overrides: decoded.partial,
    // `preset=auto`: the automatic layout for the hash's env, sized for this machine's cores.
    context: cores === undefined ? {} : { hardwareConcurrency: cores },
  };
  const composed = withUrlPreset(spec, layers, presetId, issues);
  for (const issue of decoded.issues) issues.push(issue);
  const hasConfig = configPieces.length > 0 || presetId !== undefined;
  const config = hasConfig ? composed.config : null;
  const hasStop = Object.keys(stop).length > 0;
  return {
    config,
    stop: hasStop ? stop : composed.presetStop,
    presetId: composed.presetId,
    issues,
    hide,
    autostart: truthy(page.get('autostart')),
    embed,
    allowOrigin: page.get('allow_origin') ?? null,
    envModules: envModulesFromHash(hash),
    tune: page.get('tune') ?? null,
  };
}

/**
 * The URL's config over the preset in force: the one `preset=` names, else the env's own or the
 * automatic layout (choosePreset, as every front end). A preset that cannot apply is an issue, and
 * the rule's own preset is used instead.
 */
function withUrlPreset(
  spec: AnySpec,
  layers: ConfigLayers & { readonly env: string },
  presetId: string | undefined,
  issues: ConfigIssue[],
): ComposedConfig {
  const ruled = (): ComposedConfig =>
    composeConfig(spec, { ...layers, preset: choosePreset(spec, { env: layers.env }).id });
  const asked = askedPreset(spec, presetId);
  if (asked === undefined) return ruled();
  try {
    const composed = composeConfig(spec, { ...layers, preset: choosePreset(spec, { asked, env: layers.env }).id });
    if (asked === null || composed.presetId !== null) return composed;
    issues.push({
      path: 'preset',
      severity: 'error',
      message: `preset=${presetId}: ${spec.name} has no automatic layout for '${layers.env}'.`,
    });
  } catch (e) {
    issues.push({ path: 'preset', severity: 'error', message: errorMessage(e) });
  }
  return ruled();
}

function parseHide(raw: string | undefined, embed: boolean, issues: ConfigIssue[]): PanelName[] {
  if (raw === undefined) return embed ? [...EMBED_HIDDEN] : [];
  const out: PanelName[] = [];
  for (const name of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if ((PANELS as readonly string[]).includes(name)) out.push(name as PanelName);
    else
      issues.push({
        path: 'hide',
        severity: 'warning',
        message: `hide: unknown panel '${name}'; panels are ${PANELS.join(', ')}.`,
      });
  }
  return out;
}

/** The value of an `algo=` piece (any of its names), or undefined for other pieces. */
function algoValue(piece: string): string | undefined {
  const eq = piece.indexOf('=');
  return eq >= 0 && ALGO_KEYS.has(safeDecode(piece.slice(0, eq))) ? safeDecode(piece.slice(eq + 1)) : undefined;
}

/**
 * What a hash's keys are written against: the preset's config for the env, sized for this machine
 * when automatic; the rule's own preset when that one cannot apply here (an unknown id), so the
 * reader, who falls back the same way, reads the same config.
 */
function presetBase(
  spec: AnySpec,
  env: string,
  preset: string | null,
): { config: AnyAlgorithmConfig; presetId: string | null } {
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  const layers = { env, context: cores === undefined ? {} : { hardwareConcurrency: cores } };
  try {
    const composed = composeConfig(spec, { ...layers, preset });
    if (preset === null || composed.presetId !== null) return { config: composed.config, presetId: composed.presetId };
  } catch {
    // falls through to the rule's preset
  }
  const composed = composeConfig(spec, { ...layers, preset: choosePreset(spec, { env }).id });
  return { config: composed.config, presetId: composed.presetId };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * The hash (without '#') for a config, its stop criteria and the page flags worth keeping:
 * `algo=` when the algorithm is not the default, `preset=` when the preset the config started from
 * (`presetId`; null: none) is not the one the rule picks for its env, then what differs from that
 * preset's settings, so that parseUrlState reads back the same config. `presetId` undefined: the
 * rule's own preset.
 */
export function buildUrlHash(
  config: AnyAlgorithmConfig,
  stop: Readonly<Record<string, number>>,
  flags: Partial<PageFlags> = {},
  presetId?: string | null,
): string {
  const spec = findSpec(config.algo) ?? DEFAULT_SPEC;
  const env = config.environment.env;
  const ruled = choosePreset(spec, { env }).id;
  const preset = presetId === undefined ? ruled : presetId;
  const base = presetBase(spec, env, preset);
  const parts = [
    spec === DEFAULT_SPEC ? '' : `algo=${spec.name}`,
    base.presetId === ruled ? '' : `preset=${encodeURIComponent(presetName(base.presetId))}`,
    // The env is written whenever it is not the algorithm's default: the reader picks the preset by it.
    encodeConfigHash(config, {
      ...spec,
      defaults: { ...base.config, environment: { ...base.config.environment, env: spec.defaults.environment.env } },
    }),
  ];
  for (const [urlKey, resultKey] of Object.entries(STOP_URL_KEYS)) {
    const v = stop[resultKey];
    if (v !== undefined) parts.push(`${urlKey}=${v}`);
  }
  const defaultHidden = flags.embed ? EMBED_HIDDEN : [];
  const hide = flags.hide ?? defaultHidden;
  const sameAsDefault = hide.length === defaultHidden.length && hide.every((h) => defaultHidden.includes(h));
  if (!sameAsDefault) parts.push(`hide=${hide.join(',')}`);
  if (flags.embed) parts.push('embed=1');
  // Kept in the URL: a reload of the frame must not loosen the bridge to every origin.
  if (flags.allowOrigin) parts.push(`allow_origin=${encodeURIComponent(flags.allowOrigin)}`);
  for (const url of flags.envModules ?? []) parts.push(`env_module=${encodeURIComponent(url)}`);
  if (flags.tune) parts.push(`tune=${encodeURIComponent(flags.tune)}`);
  if (flags.autostart) parts.push('autostart=1');
  return parts.filter(Boolean).join('&');
}
