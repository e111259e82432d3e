/**
 * The list every validation fills: each problem with its dotted path, what is wrong and how to
 * fix it. The check helpers name the offending value and return whether it passed, so callers can
 * skip the checks that depend on a value already reported.
 */
import type { ConfigIssue } from './errors';
import { isPlainObject } from './json';
import { MAX_TIMER_S } from './deadline';
import { scheduleProblems, type ScheduleRules } from './schedule';

/** An integer >= min: what a rule between keys checks before it uses a count. */
export const isCount = (v: unknown, min: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min;

export function formatValue(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : (JSON.stringify(v) ?? String(v));
}

/** Collects issues; the check helpers name the offending value and return whether it passed. */
export class IssueList {
  readonly issues: ConfigIssue[] = [];

  error(path: string, message: string): void {
    this.issues.push({ path, message, severity: 'error' });
  }

  warn(path: string, message: string): void {
    this.issues.push({ path, message, severity: 'warning' });
  }

  integer(path: string, v: unknown, min: number): v is number {
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      this.error(path, `${leaf(path)} must be an integer >= ${min}, got ${formatValue(v)}.`);
      return false;
    }
    if (v < min) this.error(path, `${leaf(path)} (${v}) must be >= ${min}.`);
    return v >= min;
  }

  /** A finite number within [min, max]; `above` requires strictly > above. */
  number(path: string, v: unknown, range: { min?: number; max?: number; above?: number }): v is number {
    const { min, max, above } = range;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.error(path, `${leaf(path)} must be a finite number, got ${formatValue(v)}.`);
      return false;
    }
    const bad = (above !== undefined && v <= above) || (min !== undefined && v < min) || (max !== undefined && v > max);
    if (bad) {
      const lo = above !== undefined ? `> ${above}` : min !== undefined ? `>= ${min}` : '';
      const hi = max !== undefined ? `<= ${max}` : '';
      this.error(path, `${leaf(path)} (${v}) must be ${[lo, hi].filter(Boolean).join(' and ')}.`);
    }
    return !bad;
  }

  /**
   * A duration in seconds that becomes a timer: > 0 (>= 0 for a delay), at most MAX_TIMER_S (a
   * timer stores 2^31-1 ms; beyond that it fires at once). `nullable`: null means no timeout.
   */
  duration(path: string, v: unknown, opts: { nullable: boolean; allowZero?: boolean }): boolean {
    if (v === null && opts.nullable) return true;
    const range = opts.allowZero ? { min: 0 } : { above: 0 };
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      const none = opts.nullable ? ', or null for no timeout (RLlib: None)' : '';
      this.error(path, `${leaf(path)} must be a number of seconds${none}, got ${formatValue(v)}.`);
      return false;
    }
    if (!this.number(path, v, range)) return false;
    if (v <= MAX_TIMER_S) return true;
    const fix = opts.nullable ? `Use null for no timeout, or at most ${MAX_TIMER_S}.` : `Use at most ${MAX_TIMER_S}.`;
    this.error(
      path,
      `${leaf(path)} (${v} s) is more than a browser timer can hold: ${MAX_TIMER_S} s (2^31-1 ms, about 24.8 days); ` +
        `a longer timer fires at once. ${fix}`,
    );
    return false;
  }

  /** A constant or an RLlib schedule [[envStep, value], ...] (core/schedule.ts, shared with the Learner). */
  schedule(path: string, v: unknown, rules: ScheduleRules = {}): boolean {
    const problems = scheduleProblems(leaf(path), v, rules);
    for (const message of problems) this.error(path, message);
    return problems.length === 0;
  }

  boolean(path: string, v: unknown): v is boolean {
    if (typeof v === 'boolean') return true;
    this.error(path, `${leaf(path)} must be true or false, got ${formatValue(v)}.`);
    return false;
  }

  oneOf<T extends string>(path: string, v: unknown, options: readonly T[]): v is T {
    if (options.includes(v as T)) return true;
    this.error(path, `${leaf(path)} must be one of ${options.map(formatValue).join(', ')}, got ${formatValue(v)}.`);
    return false;
  }

  /** True if `section` is an object; otherwise records an error for the whole section. */
  section(path: string, v: unknown): v is object {
    if (isPlainObject(v)) return true;
    this.error(path, `section ${path} must be an object, got ${formatValue(v)}.`);
    return false;
  }
}

/** The name a message uses for a path: its last segment, `fcnetHiddens[1]` for list elements. */
function leaf(path: string): string {
  const parts = path.split('.');
  const last = parts[parts.length - 1] ?? path;
  return /^\d+$/.test(last) && parts.length > 1 ? `${parts[parts.length - 2]}[${last}]` : last;
}
