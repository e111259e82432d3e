/**
 * The checker that checkpoint-schema.ts (format 1 fields) and checkpoint-schema-v2.ts (format 2's
 * additions) share: limits, the issue list with JSON paths, the error that reports them all, and
 * the typed-array checks. No TF.js: the CLI runs it in Node.
 */
import { isPlainObject } from '../core/config';
import { formatValue } from '../core/config-validation';
import { MAX_CHECKPOINT_FLOATS } from '../core/config-limits';
import { RLError } from '../core/errors';
import { EPISODE_WINDOW } from './metrics-logger';

/** Sizes a checkpoint may have; beyond them a file is refused rather than allocated. */
export const CHECKPOINT_LIMITS = {
  /** Float32 values in weights and optimizer state together (256 MB; config validation refuses larger runs). */
  maxFloats: MAX_CHECKPOINT_FLOATS,
  /** Arrays per weights/optimizer-state object (per module for a multi-agent run's packed weights). */
  maxArrays: 4096,
  /**
   * Modules of a multi-agent checkpoint. Not a cap on what a run may train: maxFloats bounds the
   * size, and a million modules of a few floats each fit under it.
   */
  maxModules: 1_000_000,
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

export const INT32_MIN = -(2 ** 31);
export const UINT32_END = 2 ** 32;

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

/** Named arrays with shapes, as weights and optimizer state both are; at most `max` arrays. */
export function checkNamedArrays(
  c: Checker,
  path: string,
  v: unknown,
  max: number = CHECKPOINT_LIMITS.maxArrays,
): void {
  if (!c.object(path, v)) return;
  const { names, shapes, arrays } = v;
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
