/**
 * Names an RLlib user already knows, mapped onto our sectioned camelCase config paths, so a
 * config dict, a URL or a CLI line can be pasted as written for RLlib (new or old API stack).
 * The shared sections' names live here; each algorithm's `training` names come with its spec
 * (a KeySchema), so core/ knows no algorithm.
 */
import type { ConfigIssue } from './errors';
import { ALGORITHM_CONFIG_DEFAULTS, deepClone, isPlainObject, resolveExclusiveSwitches, suggest } from './config';
import type { AlgorithmConfigBase, DeepPartial } from './config';
import { aliasTable } from './config-tables';
import { SHARED_KEYS } from './shared-keys';

export const SECTIONS = [
  'environment',
  'envRunners',
  'learners',
  'rlModule',
  'training',
  'faultTolerance',
  'debugging',
  'reporting',
  // Offline algorithms' sections (BC, MARWIL): RLlib's .offline_data() and .evaluation().
  'offlineData',
  'evaluation',
  // RLlib's .multi_agent(): policies, policy_mapping_fn, policies_to_train (PPO so far).
  'multiAgent',
] as const;
export type SectionName = (typeof SECTIONS)[number];

/** Section names: ours, RLlib's config method names, and RLlib's old names. */
export const SECTION_ALIASES: Readonly<Record<string, SectionName>> = {
  environment: 'environment',
  envRunners: 'envRunners',
  env_runners: 'envRunners',
  rollouts: 'envRunners', // old stack: .rollouts()
  learners: 'learners',
  resources: 'learners', // old stack: .resources(num_gpus=...); its other keys resolve by name
  rlModule: 'rlModule',
  rl_module: 'rlModule',
  model: 'rlModule', // old stack: training(model={...})
  model_config: 'rlModule',
  model_config_dict: 'rlModule',
  training: 'training',
  faultTolerance: 'faultTolerance',
  fault_tolerance: 'faultTolerance',
  debugging: 'debugging',
  reporting: 'reporting',
  offlineData: 'offlineData',
  offline_data: 'offlineData',
  evaluation: 'evaluation',
  multiAgent: 'multiAgent',
  multi_agent: 'multiAgent',
};

/**
 * What key resolution needs from an algorithm: the paths its config has (`defaults`) and RLlib's
 * names of its own `training` keys. An AlgorithmSpec is one; core/ never imports an algorithm.
 */
export interface KeySchema {
  readonly defaults: object;
  /** RLlib snake_case (and old-stack) names of the algorithm's keys -> dotted paths; first listed is written. */
  readonly keyAliases: Readonly<Record<string, string>>;
}

/**
 * RLlib snake_case names of the shared sections' settings (new stack first, then old-stack
 * names), derived from their catalogue (shared-keys.ts); each algorithm adds its training keys'
 * names in its spec. The first name listed for a path is the one the URL encoder writes.
 */
export const SHARED_KEY_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  algo: 'algo',
  algorithm: 'algo',
  algo_class: 'algo',
  ...aliasTable(SHARED_KEYS),
});

/** RLlib settings that mean nothing in a browser; accepted with a warning so pasted dicts still load. */
const IGNORED_RLLIB_KEYS = new Set([
  'framework',
  'log_level',
  'eager_tracing',
  'enable_rl_module_and_learner',
  'enable_env_runner_and_connector_v2',
  'placement_strategy',
]);

/** Paths the shared sections have: the known set without an algorithm (no `training` keys). */
const SHARED_KNOWN_PATHS: ReadonlySet<string> = new Set(['algo', ...leafPaths(ALGORITHM_CONFIG_DEFAULTS)]);

/** The shared aliases plus the algorithm's (its names win: they are more specific). */
export function keyAliasesOf(schema?: KeySchema): Readonly<Record<string, string>> {
  return schema ? { ...SHARED_KEY_ALIASES, ...schema.keyAliases } : SHARED_KEY_ALIASES;
}

/** The RLlib name the URL encoder writes for a path (the first alias listed), else snake_case of the leaf. */
export function rllibName(path: string, schema?: KeySchema): string {
  for (const [name, p] of Object.entries(keyAliasesOf(schema))) if (p === path) return name;
  return camelToSnake(path.slice(path.lastIndexOf('.') + 1));
}

/** `section.leaf` for every leaf of a (defaults) config; top-level scalars such as `algo` are paths too. */
export function leafPaths(cfg: object): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(cfg)) {
    if (isPlainObject(v)) for (const leaf of Object.keys(v)) out.push(`${k}.${leaf}`);
    else out.push(k);
  }
  return out;
}

/** Own-property lookup, so keys like 'constructor' never hit Object.prototype. */
function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

export function snakeToCamel(s: string): string {
  return s.replace(/_+([a-z0-9])/g, (_, c: string) => c.toUpperCase()).replace(/_+$/, '');
}

export function camelToSnake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function knownPathsOf(schema?: KeySchema): ReadonlySet<string> {
  if (!schema) return SHARED_KNOWN_PATHS;
  // Alias targets may reach one level deeper than leafPaths (`training.replayBufferConfig.capacity`).
  return new Set(['algo', ...leafPaths(schema.defaults), ...Object.values(schema.keyAliases)]);
}

/** Resolves a key inside one section: our leaf name, an RLlib alias into that section, or snake_case of ours. */
function resolveInSection(
  section: SectionName,
  key: string,
  known: ReadonlySet<string>,
  aliases: Readonly<Record<string, string>>,
): string | undefined {
  const candidates = [`${section}.${key}`, own(aliases, key), `${section}.${snakeToCamel(key)}`];
  return candidates.find((p) => p !== undefined && p.startsWith(`${section}.`) && known.has(p));
}

/**
 * Maps a user-facing name to a config path, or undefined. Accepts `--lr`, `--num-env-runners`,
 * `num_env_runners`, `num_workers`, `numEnvRunners`, `envRunners.numEnvRunners`, `env_runners.num_env_runners`.
 * `schema` (an AlgorithmSpec) adds the algorithm's keys and names; without it only the shared
 * sections' keys resolve.
 */
export function resolveKeyPath(name: string, schema?: KeySchema): string | undefined {
  const known = knownPathsOf(schema);
  const aliases = keyAliasesOf(schema);
  const key = name.trim().replace(/^-+/, '');
  // Whole dotted names first: RLlib's `replay_buffer_config.capacity`, or our own full path.
  const whole = own(aliases, key.replace(/-/g, '_'));
  if (whole !== undefined && known.has(whole)) return whole;
  if (key.includes('.') && known.has(key)) return key;
  const dot = key.indexOf('.');
  if (dot > 0) {
    const section = own(SECTION_ALIASES, key.slice(0, dot)) ?? own(SECTION_ALIASES, snakeToCamel(key.slice(0, dot)));
    return section ? resolveInSection(section, key.slice(dot + 1).replace(/-/g, '_'), known, aliases) : undefined;
  }
  const snake = key.replace(/-/g, '_');
  const alias = own(aliases, snake);
  if (alias !== undefined && known.has(alias)) return alias;
  if (known.has(key)) return key; // top-level leaf such as `algo`
  for (const leaf of [key, snakeToCamel(snake)]) {
    const matches = [...known].filter((p) => p.endsWith(`.${leaf}`));
    if (matches.length === 1) return matches[0];
  }
  return undefined;
}

/** Paths whose value is a list even when given as one number on a CLI or in a URL. */
const ARRAY_PATHS = new Set(['rlModule.fcnetHiddens']);
/** Any layer-size list (`training.qModelConfig.fcnetHiddens`, `training.headFcnetHiddens`): one number is one layer. */
const isArrayPath = (path: string): boolean => ARRAY_PATHS.has(path) || /[fF]cnetHiddens$/.test(path);
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/**
 * Turns a CLI/URL string into a config value: `null`/`none`, `true`/`false`, `auto`, numbers, JSON
 * (`[64,64]`, `{"a":1}`), comma lists (`64,64`) and schedules (`0:2.5e-4,500000:0` = [[0,2.5e-4],[500000,0]]).
 * Anything else stays a string, for validation to report with the offending value.
 */
export function coerceValue(path: string, raw: string): unknown {
  const s = raw.trim();
  if (path === 'environment.env' || path === 'algo') return s;
  // File lists (offline algorithms' input_): comma-separated names, never numbers.
  if (path === 'offlineData.input' && !s.startsWith('[')) return s === '' ? [] : s.split(',').map((p) => p.trim());
  if (isArrayPath(path) && s === '') return [];
  if (/^(null|none)$/i.test(s)) return null;
  if (/^true$/i.test(s)) return true;
  if (/^false$/i.test(s)) return false;
  if (s.startsWith('[') || s.startsWith('{')) {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      return s;
    }
  }
  if (path.startsWith('multiAgent.')) return coerceMultiAgent(path, s);
  if (NUMBER.test(s)) return isArrayPath(path) ? [Number(s)] : Number(s);
  const parts = s.split(',').map((p) => p.trim());
  if (parts.length > 1 && parts.every((p) => NUMBER.test(p))) return parts.map(Number);
  const pairs = parts.map((p) => p.split(':'));
  if (pairs.every((kv) => kv.length === 2 && kv.every((x) => NUMBER.test(x.trim())))) {
    return pairs.map(([step, value]) => [Number(step), Number(value)]);
  }
  return s;
}

/**
 * The multi-agent keys from a CLI or URL: module lists as `p0,p1` (ids are strings even when
 * they look like numbers), the mapping table as `pattern=module` pairs (`0=p0,1=p1`, `*=shared`).
 * A value that is neither stays a string, for validation to report.
 */
function coerceMultiAgent(path: string, s: string): unknown {
  const parts = s === '' ? [] : s.split(',').map((p) => p.trim());
  if (path !== 'multiAgent.policyMappingFn') return parts;
  const pairs = parts.map((p) => p.split('='));
  if (parts.length === 0 || !pairs.every((kv) => kv.length === 2 && kv[0] !== '' && kv[1] !== '')) return s;
  return Object.fromEntries(pairs.map(([pattern, mod]) => [pattern!.trim(), mod!.trim()]));
}

/** Config input after normalisation: the sectioned camelCase shape. */
export type ConfigInput = DeepPartial<AlgorithmConfigBase> & { training?: Record<string, unknown> };

/**
 * Accepts a sectioned object (`{ envRunners: {...}, training: {...} }`, sections also by RLlib's
 * names: `env_runners`, `model`, `model_config`, ...) or a flat RLlib-style dict
 * (`{ num_env_runners: 2, lr: 3e-4 }`), in camelCase or snake_case, old- or new-stack names.
 * Unknown keys are errors with a "did you mean" suggestion. Values are not checked here; merge
 * the partial into the defaults and validate. `schema` is the algorithm's (see resolveKeyPath).
 */
export function normalizeConfigInput<C extends object = ConfigInput>(
  input: unknown,
  schema?: KeySchema,
): { partial: DeepPartial<C>; issues: ConfigIssue[] } {
  const known = knownPathsOf(schema);
  const aliases = keyAliasesOf(schema);
  const issues: ConfigIssue[] = [];
  const partial: Record<string, unknown> = {};
  const setBy = new Map<string, string>();

  const set = (path: string, value: unknown, given: string): void => {
    const previous = setBy.get(path);
    if (previous !== undefined && previous !== given) {
      issues.push({
        path,
        severity: 'warning',
        message: `${path} is given twice (${previous} and ${given}); using ${given}.`,
      });
    }
    setBy.set(path, given);
    // RLlib registers algorithms in upper case ('PPO', 'APPO'); accept 'ppo' from a CLI or URL.
    if (path === 'algo' && typeof value === 'string') value = value.toUpperCase();
    const dot = path.indexOf('.');
    if (dot < 0) {
      partial[path] = deepClone(value);
      return;
    }
    // Nested objects down to the leaf (`training.replayBufferConfig.capacity` is three levels).
    const parts = path.split('.');
    let node = partial;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      node = isPlainObject(next) ? next : (node[part] = {});
    }
    node[parts[parts.length - 1]!] = deepClone(value);
  };

  const place = (key: string, value: unknown, section: SectionName | undefined, given: string): void => {
    const nested = own(SECTION_ALIASES, key);
    if (nested !== undefined && isPlainObject(value)) {
      for (const [k, v] of Object.entries(value)) place(k, v, nested, `${given}.${k}`);
      return;
    }
    if (nested === 'environment' && typeof value === 'string') return set('environment.env', value, given);
    if (section === undefined && IGNORED_RLLIB_KEYS.has(key)) {
      issues.push({ path: key, severity: 'warning', message: `${key} has no meaning in the browser and is ignored.` });
      return;
    }
    const path = (section && resolveInSection(section, key, known, aliases)) ?? resolveKeyPath(key, schema);
    if (path !== undefined) return set(path, value, given);
    issues.push({ path: given, severity: 'error', message: unknownKeyMessage(key, section, known, aliases) });
  };

  if (!isPlainObject(input)) {
    issues.push({ path: '', severity: 'error', message: `a config must be a JSON object, got ${typeof input}.` });
  } else {
    for (const [key, value] of Object.entries(input)) place(key, value, undefined, key);
  }
  return { partial: resolveExclusiveSwitches(partial) as DeepPartial<C>, issues };
}

/** RLlib's multi-agent keys: told apart from typos, since single-agent configs do not take them. */
const MULTI_AGENT_KEYS = new Set([
  'multiAgent',
  'multi_agent',
  'policies',
  'policyMappingFn',
  'policy_mapping_fn',
  'policiesToTrain',
  'policies_to_train',
]);

function unknownKeyMessage(
  key: string,
  section: SectionName | undefined,
  known: ReadonlySet<string>,
  aliases: Readonly<Record<string, string>>,
): string {
  const inScope = [...known].filter((p) => section === undefined || p.startsWith(`${section}.`));
  const names = new Map<string, string>(); // spelling -> path
  for (const p of inScope) names.set(p.slice(p.lastIndexOf('.') + 1), p);
  for (const [alias, p] of Object.entries(aliases)) if (inScope.includes(p)) names.set(alias, p);
  const guess = suggest(key, names.keys());
  const where = section ? ` in section ${section}` : '';
  if (MULTI_AGENT_KEYS.has(key)) {
    return (
      `'${key}' is a multi-agent setting, which this algorithm does not take (BC and MARWIL learn one module ` +
      `from recorded data). Multi-agent training takes PPO, APPO, IMPALA, A2C, DQN or SAC with a multi-agent ` +
      `env (README: Multi-agent).`
    );
  }
  if (guess === undefined) {
    return `unknown config key '${key}'${where}. Use RLlib's names (snake_case or camelCase); 'npm run train -- --help' lists them.`;
  }
  return `unknown config key '${key}'${where}; did you mean '${guess}' (${names.get(guess)})?`;
}
