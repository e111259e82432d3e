/**
 * A config in the URL hash, readable and short: `#num_env_runners=4&lr=0.0003&fcnet_hiddens=64,64`.
 * Only settings that differ from the algorithm's defaults are written, under RLlib's snake_case
 * names; decoding accepts every name the shared sections and the algorithm's schema (its spec:
 * defaults and key aliases) know, and reports what it cannot use. `algo` differs from the defaults
 * only when the config is not the schema's algorithm; callers pass the config's own spec, and
 * write `algo=` themselves when it is not the default algorithm (app/url-state.ts).
 */
import type { ConfigIssue } from './errors';
import { deepEqual, isPlainObject } from './config';
import type { AlgorithmConfigBase, DeepPartial } from './config';
import { coerceValue, normalizeConfigInput, resolveKeyPath, rllibName, type KeySchema } from './config-keys';

/** Encodes `cfg` as `k=v&...` (without the leading '#'); the schema's defaults decide which keys are written. */
export function encodeConfigHash<C extends AlgorithmConfigBase>(cfg: C, schema: KeySchema & { defaults: C }): string {
  const parts: string[] = [];
  const add = (path: string, value: unknown, base: unknown): void => {
    if (!deepEqual(value, base)) parts.push(`${rllibName(path, schema)}=${encodeComponent(encodeValue(value, path))}`);
  };
  for (const [key, value] of Object.entries(cfg)) {
    const base = (schema.defaults as Record<string, unknown>)[key];
    if (isPlainObject(value)) {
      const baseSection = isPlainObject(base) ? base : {};
      for (const [leaf, v] of Object.entries(value)) add(`${key}.${leaf}`, v, baseSection[leaf]);
    } else {
      add(key, value, base);
    }
  }
  return parts.join('&');
}

/**
 * Decodes a hash (with or without '#') into a partial config to merge over the defaults, with an
 * issue for every key it cannot resolve or value it cannot read. Values are validated later.
 */
export function decodeConfigHash<C extends object = DeepPartial<AlgorithmConfigBase>>(
  hash: string,
  schema?: KeySchema,
): { partial: DeepPartial<C>; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const flat: Record<string, unknown> = {};
  for (const piece of hash.replace(/^#/, '').split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    let key: string;
    let raw: string;
    try {
      key = decodeURIComponent(eq < 0 ? piece : piece.slice(0, eq));
      raw = eq < 0 ? 'true' : decodeURIComponent(piece.slice(eq + 1)); // a bare key is a flag
    } catch {
      issues.push({ path: piece, severity: 'error', message: `cannot decode '${piece}' from the URL (bad % escape).` });
      continue;
    }
    const path = resolveKeyPath(key, schema);
    flat[key] = path === undefined ? raw : coerceValue(path, raw);
  }
  const result = normalizeConfigInput<C>(flat, schema);
  return { partial: result.partial, issues: [...issues, ...result.issues] };
}

/**
 * Lists of numbers as `64,64`, schedules as `0:0.00025,500000:0`, the multi-agent lists and
 * mapping as `p0,p1` and `0=p0,1=p1` (coerceValue reads them back), other objects as JSON.
 */
function encodeValue(v: unknown, path: string): string {
  if (v === null) return 'null';
  if (path.startsWith('multiAgent.')) {
    const plain = (x: unknown): boolean => typeof x === 'string' && x !== '' && !/[,=]/.test(x);
    if (Array.isArray(v) && v.length > 0 && v.every(plain)) return v.join(',');
    if (isPlainObject(v) && Object.entries(v).every(([k, m]) => plain(k) && plain(m)) && Object.keys(v).length > 0)
      return Object.entries(v)
        .map(([k, m]) => `${k}=${String(m)}`)
        .join(',');
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number')) return v.join(',');
  const isPair = (x: unknown): boolean => Array.isArray(x) && x.length === 2 && x.every((y) => typeof y === 'number');
  if (Array.isArray(v) && v.length > 0 && v.every(isPair)) {
    return (v as number[][]).map((p) => p.join(':')).join(',');
  }
  if (Array.isArray(v) && v.length === 0) return '';
  return JSON.stringify(v);
}

/** encodeURIComponent, but keeps ',' and ':' (legal in a fragment) so lists stay readable. */
function encodeComponent(s: string): string {
  return encodeURIComponent(s).replace(/%2C/gi, ',').replace(/%3A/gi, ':');
}
