/**
 * Ray Tune's search spaces inside a config (python/ray/tune/search/sample.py), written in JSON:
 *   {"grid_search": [a, b, c]}   every value, crossed with every other grid (BasicVariantGenerator)
 *   {"choice": [a, b]}           one value drawn uniformly per trial
 *   {"uniform": [lo, hi]}        float in [lo, hi)
 *   {"loguniform": [lo, hi]}     float whose log is uniform in [log lo, log hi), 0 < lo < hi
 *   {"randint": [lo, hi]}        integer in [lo, hi) (Tune's upper bound is exclusive)
 * A domain may stand anywhere in the config (`"lr": {"grid_search": [...]}`, `"training": {"lr": ...}`).
 * Expansion follows Tune: num_samples repetitions of the full grid, the random domains drawn afresh
 * for each trial. Draws are seeded, so a sweep file always expands to the same trials.
 */
import { isPlainObject } from '../core/config';
import { RLError, type ConfigIssue } from '../core/errors';
import { Rng } from '../core/rng';

export const DOMAIN_KINDS = ['grid_search', 'choice', 'uniform', 'loguniform', 'randint'] as const;
export type DomainKind = (typeof DOMAIN_KINDS)[number];

export type Domain =
  | { readonly kind: 'grid_search' | 'choice'; readonly values: readonly unknown[] }
  | { readonly kind: 'uniform' | 'loguniform' | 'randint'; readonly low: number; readonly high: number };

/** A domain and where it stands: the path segments into the config. */
export interface SearchDimension {
  readonly path: readonly string[];
  readonly domain: Domain;
}

export interface SearchSpace {
  /** The config with its domains still in place (substituted per trial). */
  readonly config: Readonly<Record<string, unknown>>;
  /** In the order they appear in the config. */
  readonly dimensions: readonly SearchDimension[];
}

const isDomainKind = (k: string): k is DomainKind => (DOMAIN_KINDS as readonly string[]).includes(k);
const dotted = (path: readonly string[]): string => path.join('.');

/** One `{"<kind>": arg}` object as a domain; its problems go to `issues`. */
function parseDomain(kind: DomainKind, arg: unknown, at: string, issues: ConfigIssue[]): Domain | null {
  const error = (message: string): null => {
    issues.push({ path: at, severity: 'error', message });
    return null;
  };
  if (kind === 'grid_search' || kind === 'choice') {
    if (!Array.isArray(arg) || arg.length === 0) {
      return error(`${kind} needs a non-empty list of values, e.g. {"${kind}": [0.001, 0.0001]}.`);
    }
    return { kind, values: arg };
  }
  const example = kind === 'randint' ? '[1, 10]' : kind === 'loguniform' ? '[1e-5, 1e-2]' : '[0.9, 0.99]';
  if (!Array.isArray(arg) || arg.length !== 2 || !arg.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    return error(`${kind} needs [lower, upper] as two finite numbers, e.g. {"${kind}": ${example}}.`);
  }
  const [low, high] = arg as [number, number];
  if (!(low < high)) return error(`${kind} needs lower < upper; got [${low}, ${high}].`);
  if (kind === 'loguniform' && low <= 0) {
    return error(`loguniform needs 0 < lower (it samples the log); got [${low}, ${high}].`);
  }
  if (kind === 'randint' && !(Number.isInteger(low) && Number.isInteger(high))) {
    return error(`randint needs integer bounds (upper exclusive, as in Tune); got [${low}, ${high}].`);
  }
  return { kind, low, high };
}

/**
 * Finds every domain in `config`. A plain object whose single key is a domain name is a domain; a
 * domain name next to other keys, or nested inside a domain, is an error naming its path. All
 * problems are returned at once.
 */
export function parseSearchSpace(config: unknown): { space: SearchSpace | null; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  if (!isPlainObject(config)) {
    issues.push({ path: '(config)', severity: 'error', message: 'the param space must be a JSON object.' });
    return { space: null, issues };
  }
  const dimensions: SearchDimension[] = [];
  const walk = (node: unknown, path: string[]): void => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, [...path, String(i)]));
      return;
    }
    if (!isPlainObject(node)) return;
    const keys = Object.keys(node);
    const domainKeys = keys.filter(isDomainKind);
    if (domainKeys.length > 0 && keys.length > 1) {
      issues.push({
        path: dotted(path),
        severity: 'error',
        message: `a search domain is an object with one key; found ${keys.map((k) => `'${k}'`).join(', ')}. Write e.g. {"grid_search": [...]} alone.`,
      });
      return;
    }
    const kind = domainKeys[0];
    if (kind === undefined) {
      for (const k of keys) walk(node[k], [...path, k]);
      return;
    }
    const domain = parseDomain(kind, node[kind], dotted(path), issues);
    if (domain === null) return;
    const values = domain.kind === 'grid_search' || domain.kind === 'choice' ? domain.values : [];
    if (values.some((v) => containsDomain(v))) {
      issues.push({
        path: dotted(path),
        severity: 'error',
        message: `${kind} lists a search domain among its values; nested search spaces are not supported.`,
      });
      return;
    }
    dimensions.push({ path, domain });
  };
  walk(config, []);
  return { space: issues.length > 0 ? null : { config, dimensions }, issues };
}

function containsDomain(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(containsDomain);
  if (!isPlainObject(v)) return false;
  return Object.keys(v).some(isDomainKind) || Object.values(v).some(containsDomain);
}

/** One trial's values before it runs. */
export interface TrialVariant {
  /** 0-based, in Tune's order: sample 0's grid first, then sample 1's, ... */
  readonly index: number;
  /** Which of the num_samples repetitions this is (seeds derive from it). */
  readonly sampleIndex: number;
  /** The config with every domain replaced by this trial's value. */
  readonly config: Record<string, unknown>;
  /** Dotted path -> value, for each domain (the trial's row in trials.csv). */
  readonly params: Readonly<Record<string, unknown>>;
}

function setAt(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node: Record<string, unknown> | unknown[] = target;
  for (const part of path.slice(0, -1)) node = node[part] as typeof node;
  node[path[path.length - 1]!] = value;
}

function sample(domain: Domain, rng: Rng): unknown {
  switch (domain.kind) {
    case 'grid_search':
      throw new Error('grid_search is expanded, not sampled');
    case 'choice':
      return domain.values[rng.integer(domain.values.length)];
    case 'uniform':
      return rng.uniform(domain.low, domain.high);
    case 'loguniform':
      return Math.exp(rng.uniform(Math.log(domain.low), Math.log(domain.high)));
    case 'randint':
      return domain.low + rng.integer(domain.high - domain.low);
  }
}

/**
 * The most trials one sweep may have. Every trial runs in this one tab (a thousand trials of a
 * minute each is most of a day), is a row of the Trials table and a folder of `npm run tune`, and
 * the editor checks the whole sweep each time it renders: at 1,000 trials that check takes tens
 * of milliseconds. A sweep is counted before it is expanded, so a larger one is refused with its
 * count, never built.
 */
export const MAX_TRIALS_PER_SWEEP = 1000;

/**
 * How many trials `expandTrials` gives: the grid's size times num_samples, counted without
 * expanding (a float: 1e10 trials or more are counted as easily as 10).
 */
export function countTrials(space: SearchSpace, numSamples: number): number {
  return (
    space.dimensions.reduce((n, d) => (d.domain.kind === 'grid_search' ? n * d.domain.values.length : n), 1) *
    numSamples
  );
}

/**
 * The trials of a sweep: for each of `numSamples` repetitions, every grid combination (the last
 * grid in the config varies fastest), with the random domains drawn from an Rng seeded by `seed`.
 * Refuses (config/too-many-trials) more than MAX_TRIALS_PER_SWEEP: parseSweep reports that first.
 */
export function expandTrials(space: SearchSpace, opts: { numSamples: number; seed: number }): TrialVariant[] {
  const count = countTrials(space, opts.numSamples);
  if (!(count <= MAX_TRIALS_PER_SWEEP)) {
    throw new RLError(
      'config/too-many-trials',
      `the sweep expands to ${count} trials; at most ${MAX_TRIALS_PER_SWEEP} per sweep.`,
    );
  }
  const grids = space.dimensions.flatMap((d) => (d.domain.kind === 'grid_search' ? [d.domain.values] : []));
  const gridSize = grids.reduce((n, values) => n * values.length, 1);
  const rng = new Rng(opts.seed);
  const trials: TrialVariant[] = [];
  for (let s = 0; s < opts.numSamples; s++) {
    for (let c = 0; c < gridSize; c++) {
      // Combination c in mixed radix, the last grid the fastest digit.
      const combo = new Array<unknown>(grids.length);
      for (let g = grids.length - 1, rest = c; g >= 0; g--) {
        const values = grids[g]!;
        combo[g] = values[rest % values.length];
        rest = Math.floor(rest / values.length);
      }
      const config = structuredClone(space.config) as Record<string, unknown>;
      const params: Record<string, unknown> = {};
      let g = 0;
      for (const d of space.dimensions) {
        const value = d.domain.kind === 'grid_search' ? combo[g++] : sample(d.domain, rng);
        setAt(config, d.path, structuredClone(value));
        params[dotted(d.path)] = value;
      }
      trials.push({ index: trials.length, sampleIndex: s, config, params });
    }
  }
  return trials;
}
