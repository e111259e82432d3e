/**
 * The one check every checkpoint goes through before anything is changed: a file the user loads,
 * an IndexedDB entry, `Algorithm.restore`, the CLI's `--restore` (in Node, before the browser
 * starts) and `Algorithm.save` (so nothing non-finite is ever written). It reports every problem
 * at once, each with its JSON path, like the config validation does.
 *
 * No TF.js here (the CLI imports it in Node): typed arrays are checked as plain data, and the
 * config goes through the algorithm's own TF.js-free validation.
 */
import { isPlainObject } from '../core/config';
import { formatValue } from '../core/config-validation';
import { RLError } from '../core/errors';
import { listEnvs } from '../envs';
import { checkAlgorithmState, checkOptimizers } from './checkpoint-schema-v2';
import {
  CHECKPOINT_FORMAT,
  KNOWN_CHECKPOINT_FORMATS,
  OPTIONAL_COUNTERS,
  REQUIRED_COUNTERS,
  type AlgorithmCounters,
  type Checkpoint,
} from './checkpoint';
import { EPISODE_WINDOW } from './metrics-logger';
import { dqn } from './dqn/dqn-config';
import { ppo } from './ppo/ppo-config';
import { sac } from './sac/sac-config';

/** Sizes a checkpoint may have; beyond them a file is refused rather than allocated. */
export const CHECKPOINT_LIMITS = {
  /** Float32 values in weights and optimizer state together (256 MB). */
  maxFloats: 64 * 1024 * 1024,
  /** Arrays per weights/optimizer-state object. */
  maxArrays: 4096,
  maxRank: 8,
  maxLearnerStateKeys: 64,
  maxStringLength: 1024,
  /** The episode window behind episode_return_mean (MetricsLogger keeps the last 100). */
  maxEpisodeWindow: EPISODE_WINDOW,
} as const;

/** One problem: where (JSON path), what, and whether it is a non-finite number. */
export interface CheckpointIssue {
  readonly path: string;
  readonly message: string;
  readonly nonFinite: boolean;
}

/** The message lists this many; `issues` holds them all. */
const MAX_ISSUES_IN_MESSAGE = 20;

/** `checkpoint/invalid` or `checkpoint/non-finite`, with every problem found. */
export class CheckpointError extends RLError {
  constructor(
    code: 'checkpoint/invalid' | 'checkpoint/non-finite',
    readonly issues: readonly CheckpointIssue[],
    lead = code === 'checkpoint/invalid'
      ? 'Invalid checkpoint'
      : 'Not saved: the checkpoint would hold non-finite numbers',
  ) {
    const n = issues.length;
    const shown = issues.slice(0, MAX_ISSUES_IN_MESSAGE).map((i) => `  - ${i.path}: ${i.message}`);
    if (n > shown.length) shown.push(`  ... and ${n - shown.length} more`);
    super(code, `${lead} (${n} problem${n === 1 ? '' : 's'}):\n${shown.join('\n')}`);
    this.name = 'CheckpointError';
  }
}

const INT32_MIN = -(2 ** 31);
const UINT32_END = 2 ** 32;

/** Collects issues while walking a checkpoint; each check returns whether it passed. */
export class Checker {
  readonly issues: CheckpointIssue[] = [];
  floats = 0;

  fail(path: string, message: string, nonFinite = false): false {
    this.issues.push({ path, message, nonFinite });
    return false;
  }

  number(path: string, v: unknown): v is number {
    if (typeof v !== 'number') return this.fail(path, `must be a number, got ${describe(v)}.`);
    if (!Number.isFinite(v)) return this.fail(path, `must be finite, got ${v}.`, true);
    return true;
  }

  /** A count: an integer in [0, 2^53). */
  count(path: string, v: unknown): v is number {
    if (!this.number(path, v)) return false;
    if (!Number.isSafeInteger(v) || v < 0) return this.fail(path, `must be a whole number >= 0, got ${v}.`);
    return true;
  }

  string(path: string, v: unknown): v is string {
    if (typeof v !== 'string') return this.fail(path, `must be a string, got ${describe(v)}.`);
    if (v.length > CHECKPOINT_LIMITS.maxStringLength) {
      return this.fail(path, `is ${v.length} characters long; at most ${CHECKPOINT_LIMITS.maxStringLength}.`);
    }
    return true;
  }

  boolean(path: string, v: unknown): v is boolean {
    return typeof v === 'boolean' || this.fail(path, `must be true or false, got ${describe(v)}.`);
  }

  array(path: string, v: unknown, maxLength: number): v is unknown[] {
    if (!Array.isArray(v)) return this.fail(path, `must be an array, got ${describe(v)}.`);
    if (v.length > maxLength) return this.fail(path, `has ${v.length} entries; at most ${maxLength}.`);
    return true;
  }

  object(path: string, v: unknown): v is Record<string, unknown> {
    return isPlainObject(v) || this.fail(path, `must be an object, got ${describe(v)}.`);
  }

  /** A tensor shape: non-negative integers; returns its size, or null. */
  shape(path: string, v: unknown): number | null {
    if (!this.array(path, v, CHECKPOINT_LIMITS.maxRank)) return null;
    let size = 1;
    let ok = true;
    v.forEach((d, i) => {
      if (this.count(`${path}[${i}]`, d)) size *= d;
      else ok = false;
    });
    if (ok && size > CHECKPOINT_LIMITS.maxFloats) {
      return (
        this.fail(path, `holds ${size} values; a checkpoint holds at most ${CHECKPOINT_LIMITS.maxFloats}.`) || null
      );
    }
    return ok ? size : null;
  }

  /** A Float32Array of `size` finite values (`label` names the variable in messages). */
  floatArray(path: string, v: unknown, size: number | null, label: string): void {
    const at = label ? `${path} ('${label}')` : path;
    if (!(v instanceof Float32Array)) {
      const hint = isPlainObject(v) && '$f32' in v ? 'its "$f32" text is not base64 of float32 values' : describe(v);
      this.fail(at, `must be float32 data, got ${hint}.`);
      return;
    }
    this.floats += v.length;
    if (size !== null && v.length !== size) this.fail(at, `has ${v.length} values; its shape needs ${size}.`);
    let bad = 0;
    let first = -1;
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i])) {
        bad++;
        if (first < 0) first = i;
      }
    }
    if (bad > 0)
      this.fail(at, `has ${bad} non-finite value${bad === 1 ? '' : 's'} (first: ${v[first]} at index ${first}).`, true);
  }
}

export function describe(v: unknown): string {
  if (v === undefined) return 'nothing (missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === 'object') return 'an object';
  const text = formatValue(v);
  return `${text.length > 40 ? `${text.slice(0, 40)}...` : text} (a ${typeof v})`;
}

/** Named arrays with shapes, as weights and optimizer state both are. */
export function checkNamedArrays(c: Checker, path: string, v: unknown): void {
  if (!c.object(path, v)) return;
  const { names, shapes, arrays } = v;
  const max = CHECKPOINT_LIMITS.maxArrays;
  const namesOk = c.array(`${path}.names`, names, max);
  const shapesOk = c.array(`${path}.shapes`, shapes, max);
  const arraysOk = c.array(`${path}.arrays`, arrays, max);
  if (namesOk) names.forEach((n, i) => c.string(`${path}.names[${i}]`, n));
  if (namesOk && shapesOk && arraysOk && (names.length !== arrays.length || shapes.length !== arrays.length)) {
    c.fail(
      path,
      `needs one name and one shape per array: ${names.length} names, ${shapes.length} shapes, ${arrays.length} arrays.`,
    );
  }
  if (!arraysOk) return;
  arrays.forEach((a, i) => {
    const size = shapesOk && i < shapes.length ? c.shape(`${path}.shapes[${i}]`, shapes[i]) : null;
    const name = namesOk && typeof names[i] === 'string' ? names[i] : '';
    c.floatArray(`${path}.arrays[${i}]`, a, size, name);
  });
}

function checkCounters(c: Checker, v: unknown): void {
  if (!c.object('counters', v)) return;
  for (const k of REQUIRED_COUNTERS) {
    if (k === 'timeTotalS') {
      if (c.number(`counters.${k}`, v[k]) && v[k] < 0) c.fail(`counters.${k}`, `must be >= 0, got ${v[k]}.`);
    } else c.count(`counters.${k}`, v[k]);
  }
  for (const k of OPTIONAL_COUNTERS) if (v[k] !== undefined) c.count(`counters.${k}`, v[k]);
}

function checkEpisodeWindow(c: Checker, returns: unknown, lengths: unknown): void {
  const max = CHECKPOINT_LIMITS.maxEpisodeWindow;
  const returnsOk = c.array('episodeReturns', returns, max);
  const lengthsOk = c.array('episodeLengths', lengths, max);
  if (returnsOk) returns.forEach((r, i) => c.number(`episodeReturns[${i}]`, r));
  if (lengthsOk) lengths.forEach((l, i) => c.count(`episodeLengths[${i}]`, l));
  if (returnsOk && lengthsOk && returns.length !== lengths.length) {
    c.fail(
      'episodeLengths',
      `has ${lengths.length} entries, episodeReturns ${returns.length}: one of each per episode.`,
    );
  }
}

/** Rng.getState(): four 32-bit words, then the cached normal (finite) or none (NaN, null, absent). */
function checkRngState(c: Checker, v: unknown): void {
  if (!c.array('rngState', v, 5)) return;
  if (v.length < 4) {
    c.fail('rngState', `needs the Rng's four state words (and an optional cached normal), got ${v.length} entries.`);
    return;
  }
  for (let i = 0; i < 4; i++) {
    const w = v[i];
    if (c.number(`rngState[${i}]`, w) && (!Number.isInteger(w) || w < INT32_MIN || w >= UINT32_END)) {
      c.fail(`rngState[${i}]`, `must be a 32-bit integer, got ${w}.`);
    }
  }
  const spare = v[4];
  if (spare !== undefined && spare !== null && !(typeof spare === 'number' && Number.isNaN(spare))) {
    c.number('rngState[4]', spare);
  }
}

function checkLearnerState(c: Checker, v: unknown): void {
  if (!c.object('learnerState', v)) return;
  const keys = Object.keys(v);
  if (keys.length > CHECKPOINT_LIMITS.maxLearnerStateKeys) {
    c.fail('learnerState', `has ${keys.length} entries; at most ${CHECKPOINT_LIMITS.maxLearnerStateKeys}.`);
    return;
  }
  for (const k of keys) c.number(`learnerState.${k}`, v[k]);
}

function checkDevice(c: Checker, v: unknown): void {
  if (!c.object('device', v)) return;
  c.string('device.backend', v['backend']);
  if (v['adapter'] !== null) c.string('device.adapter', v['adapter']);
  c.boolean('device.isFallbackAdapter', v['isFallbackAdapter']);
  c.string('device.reason', v['reason']);
  c.boolean('device.crossOriginIsolated', v['crossOriginIsolated']);
  c.count('device.hardwareConcurrency', v['hardwareConcurrency']);
}

/** Each algorithm's own TF.js-free config validation (errors only; warnings do not block). */
const CONFIG_VALIDATORS: Readonly<Record<string, (config: unknown) => { path: string; message: string }[]>> = {
  PPO: (config) =>
    ppo()
      .fromJson(config)
      .validate({ knownEnvIds: listEnvs() })
      .filter((i) => i.severity === 'error'),
  DQN: (config) =>
    dqn()
      .fromJson(config)
      .validate({ knownEnvIds: listEnvs() })
      .filter((i) => i.severity === 'error'),
  SAC: (config) =>
    sac()
      .fromJson(config)
      .validate({ knownEnvIds: listEnvs() })
      .filter((i) => i.severity === 'error'),
};

function checkConfig(c: Checker, algo: unknown, config: unknown): void {
  const validate = typeof algo === 'string' ? CONFIG_VALIDATORS[algo] : undefined;
  if (typeof algo !== 'string' || !validate) {
    c.fail(
      'algo',
      `must name a known algorithm (${Object.keys(CONFIG_VALIDATORS).join(', ')}), got ${describe(algo)}.`,
    );
    return;
  }
  if (!c.object('config', config)) return;
  if (config['algo'] !== algo)
    c.fail('config.algo', `must be '${algo}' as the checkpoint's algo, got ${describe(config['algo'])}.`);
  try {
    for (const i of validate(config)) c.fail(`config.${i.path}`, i.message);
  } catch (e) {
    // The config code is not ours to trust with hostile input: whatever it throws is one problem.
    c.fail('config', `could not be read: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Every problem of `value` as a checkpoint; empty means valid. */
export function checkpointIssues(value: unknown): CheckpointIssue[] {
  const c = new Checker();
  if (!isPlainObject(value)) {
    c.fail('(root)', `a checkpoint is an object with a "format" field, got ${describe(value)}.`);
    return c.issues;
  }
  const format = value['format'];
  if (typeof format !== 'string' || !KNOWN_CHECKPOINT_FORMATS.includes(format)) {
    // Fields of an unknown format cannot be judged: this one problem says it all.
    c.fail(
      'format',
      `must be one of ${KNOWN_CHECKPOINT_FORMATS.join(', ')}, got ${describe(format)}; this file is not a checkpoint this version can read.`,
    );
    return c.issues;
  }
  checkConfig(c, value['algo'], value['config']);
  checkNamedArrays(c, 'weights', value['weights']);
  if (isPlainObject(value['weights'])) c.count('weights.version', value['weights']['version']);
  checkNamedArrays(c, 'optimizerState', value['optimizerState']);
  if (isPlainObject(value['optimizerState'])) c.count('optimizerState.step', value['optimizerState']['step']);
  checkLearnerState(c, value['learnerState']);
  checkCounters(c, value['counters']);
  checkRngState(c, value['rngState']);
  checkEpisodeWindow(c, value['episodeReturns'], value['episodeLengths']);
  checkDevice(c, value['device']);
  c.string('createdAt', value['createdAt']);
  // Format 2's additions (a format-1 file has neither).
  if (value['optimizers'] !== undefined) checkOptimizers(c, value['optimizers']);
  if (value['algorithmState'] !== undefined) checkAlgorithmState(c, value['algorithmState']);
  if (c.floats > CHECKPOINT_LIMITS.maxFloats) {
    c.fail('(root)', `holds ${c.floats} float values in all; at most ${CHECKPOINT_LIMITS.maxFloats}.`);
  }
  return c.issues;
}

/**
 * Returns `value` as a format-2 Checkpoint (counters it lacks filled with 0), or throws
 * CheckpointError `checkpoint/invalid` listing every problem. A format-1 file migrates: its
 * weights are module `default_policy`, its optimizer state group 'default', and it has no
 * algorithm state (format 1 only ever held PPO, which keeps none).
 */
export function validateCheckpoint(value: unknown): Checkpoint {
  const issues = checkpointIssues(value);
  if (issues.length > 0) throw new CheckpointError('checkpoint/invalid', issues);
  const ckpt = value as Checkpoint;
  const counters = { ...ckpt.counters } as Record<keyof AlgorithmCounters, number>;
  for (const k of OPTIONAL_COUNTERS) counters[k] = counters[k] ?? 0;
  return { ...ckpt, format: CHECKPOINT_FORMAT, counters };
}

/**
 * For `Algorithm.save`: throws `checkpoint/non-finite` naming each non-finite field (a diverged
 * run must not overwrite a good checkpoint), or `checkpoint/invalid` for any other problem.
 */
export function assertSaveable(ckpt: Checkpoint): void {
  const issues = checkpointIssues(ckpt);
  const nonFinite = issues.filter((i) => i.nonFinite);
  if (nonFinite.length > 0) throw new CheckpointError('checkpoint/non-finite', nonFinite);
  if (issues.length > 0)
    throw new CheckpointError('checkpoint/invalid', issues, 'Not saved: the checkpoint is malformed');
}
