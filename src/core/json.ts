/**
 * Helpers for plain JSON-like data (config objects, checkpoints, URL and CLI input): a type guard,
 * copies, merges, structural equality, and "did you mean" suggestions. No knowledge of configs.
 */

/** Every field optional, recursively; arrays are replaced whole, never merged. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/**
 * Names that are not data on a plain object (`out[k] = v` with `__proto__` sets the prototype,
 * `constructor` and `prototype` read inherited members): refused as ids of modules and agents.
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** A record keyed by ids (module ids, agent ids): no prototype, so no id can reach Object.prototype. */
export function idRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Freezes objects and arrays recursively, in place; returns the same object typed readonly. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Sets an own data property, even one named `__proto__`: `out[k] = v` with that key would replace
 * the object's prototype instead (a JSON key `"__proto__"` is data, as JSON.parse keeps it).
 */
function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/** A deep copy of JSON-like data (the copy is not frozen). */
export function deepClone<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => deepClone(v)) as T;
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, deepClone(v));
    return out as T;
  }
  return value;
}

/**
 * Returns a new object: plain objects merge recursively, everything else (arrays, schedules,
 * primitives) in `partial` replaces the base value; `undefined` entries are skipped.
 */
export function deepMerge<T>(base: T, partial: DeepPartial<T> | undefined): T {
  if (partial === undefined) return deepClone(base);
  if (!isPlainObject(base) || !isPlainObject(partial)) return deepClone(partial as T);
  const out: Record<string, unknown> = deepClone(base);
  for (const [k, v] of Object.entries(partial)) {
    if (v === undefined) continue;
    const old = Object.hasOwn(out, k) ? out[k] : undefined;
    setOwn(out, k, isPlainObject(old) && isPlainObject(v) ? deepMerge(old, v) : deepClone(v));
  }
  return out as T;
}

/** Structural equality of JSON-like data (key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The closest candidate if it is close enough to be a typo. Distance ignores case and separators
 * (so `numEnvRunner` finds `num_env_runners`); ties go to the spelling closest as written.
 */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/[-_.]/g, '');
  const target = norm(name);
  let best: string | undefined;
  let bestScore = Infinity;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = editDistance(target, norm(c));
    const score = d * 1000 + editDistance(name, c);
    if (score < bestScore) [best, bestScore, bestDist] = [c, score, d];
  }
  return bestDist <= Math.max(2, Math.floor(target.length / 3)) ? best : undefined;
}
