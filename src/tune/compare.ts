/**
 * Compare mode: which trial of a sweep reached the threshold first, counted in env steps and in
 * wall time, and whether that bears out a lesson's claim. RLlib's scaling guide has rules of thumb
 * (off-policy for slow or scarce envs, PPO/IMPALA for fast envs and small models, remote envs when
 * both are heavy); a lesson is a sweep that states one and names the trials it expects to win on
 * each axis, so a class can watch the rule happen (or, on this machine today, not).
 *
 * The threshold is the sweep's stop value for its metric (`run_config.stop`), so a trial stops
 * where it is counted. Time is the trial's own `time_total_s`: trials of a lesson run one at a
 * time (max_concurrent_trials 1), so no trial's clock runs while another takes the cores.
 */
import { isPlainObject } from '../core/config';
import type { ConfigIssue } from '../core/errors';
import { NUM_ENV_STEPS_SAMPLED_LIFETIME, TIME_TOTAL_S, type ResultDict } from '../core/metric-keys';

export const AXES = ['envSteps', 'wallTime'] as const;
export type Axis = (typeof AXES)[number];

/** What a lesson's JSON says besides the sweep (its `lesson` section, Tune's snake_case accepted). */
export interface Lesson {
  readonly title: string;
  /** The rule of thumb it shows, in one or two sentences. */
  readonly claim: string;
  /** Per axis, the trials the claim expects to win: each an object of searched values the winner must have. */
  readonly expect: Readonly<Partial<Record<Axis, readonly Readonly<Record<string, unknown>>[]>>>;
}

/** When a trial first met the threshold: its env steps and its own wall time at that result. */
export interface Reached {
  readonly envSteps: number;
  readonly wallTime: number;
}

export interface TrialRecord {
  readonly id: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly results: readonly ResultDict[];
}

export interface AxisWinner {
  readonly axis: Axis;
  /** The first trial to reach the threshold on this axis, or null when none did. */
  readonly trialId: string | null;
  readonly label: string | null;
  /** Its env steps or seconds at the threshold. */
  readonly value: number | null;
  /** Whether the lesson expected this winner: null when it claims nothing on this axis or no trial reached. */
  readonly asClaimed: boolean | null;
}

export interface Comparison {
  readonly metric: string;
  readonly threshold: number;
  readonly reached: Readonly<Record<string, Reached | null>>;
  readonly winners: readonly AxisWinner[];
  /** A lesson's verdict: true when every axis it claims went its way; null without a lesson or a result. */
  readonly borneOut: boolean | null;
}

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The first result at which `metric` met `threshold` (>= for max, <= for min). */
export function reachedAt(
  results: readonly ResultDict[],
  metric: string,
  threshold: number,
  mode: 'max' | 'min',
): Reached | null {
  for (const r of results) {
    const v = finite(r[metric]);
    if (v === null || (mode === 'max' ? v < threshold : v > threshold)) continue;
    const envSteps = finite(r[NUM_ENV_STEPS_SAMPLED_LIFETIME]);
    const wallTime = finite(r[TIME_TOTAL_S]);
    if (envSteps !== null && wallTime !== null) return { envSteps, wallTime };
  }
  return null;
}

/** A trial's name in sentences and legends: its searched values (`PPO`, `remote_worker_envs=true`). */
export function trialLabel(params: Readonly<Record<string, unknown>>): string {
  const parts = Object.entries(params).map(([key, value]) => {
    const short = key.split('.').at(-1) ?? key;
    if (short === 'algo') {
      if (typeof value === 'string') return value;
      if (isPlainObject(value) && typeof value['algo'] === 'string') {
        const preset = typeof value['preset'] === 'string' ? ` (${value['preset']})` : '';
        return `${value['algo']}${preset}`;
      }
    }
    return `${short}=${typeof value === 'number' ? Number(value.toPrecision(4)) : JSON.stringify(value)}`;
  });
  return parts.join(' ') || '(no searched values)';
}

/** Whether a trial's searched values include every value of `want` (an algo object matches by its name too). */
function matches(params: Readonly<Record<string, unknown>>, want: Readonly<Record<string, unknown>>): boolean {
  return Object.entries(want).every(([key, value]) => {
    const got = Object.entries(params).find(([k]) => k === key || k.split('.').at(-1) === key)?.[1];
    if (got === undefined) return false;
    if (isPlainObject(got) && typeof value === 'string') return got['algo'] === value;
    return JSON.stringify(got) === JSON.stringify(value);
  });
}

/**
 * Which trial reached `threshold` first on each axis (fewest env steps; least wall time), and the
 * lesson's verdict. A trial that never reached it does not win; a tie goes to the earlier trial.
 */
export function compareTrials(
  trials: readonly TrialRecord[],
  opts: { metric: string; threshold: number; mode: 'max' | 'min'; lesson?: Lesson | null },
): Comparison {
  const reached: Record<string, Reached | null> = {};
  for (const t of trials) reached[t.id] = reachedAt(t.results, opts.metric, opts.threshold, opts.mode);
  const winners = AXES.map((axis): AxisWinner => {
    let best: TrialRecord | null = null;
    for (const t of trials) {
      const r = reached[t.id];
      if (r && (best === null || r[axis] < reached[best.id]![axis])) best = t;
    }
    const expected = opts.lesson?.expect[axis];
    return {
      axis,
      trialId: best?.id ?? null,
      label: best ? trialLabel(best.params) : null,
      value: best ? reached[best.id]![axis] : null,
      asClaimed: best && expected ? expected.some((want) => matches(best.params, want)) : null,
    };
  });
  // Undecided without a lesson, without a claimed axis, or when no trial reached the threshold.
  const claimed = winners.filter((w) => opts.lesson?.expect[w.axis] !== undefined);
  const borneOut =
    claimed.length === 0 || claimed.some((w) => w.trialId === null) ? null : claimed.every((w) => w.asClaimed);
  return { metric: opts.metric, threshold: opts.threshold, reached, winners, borneOut };
}

const AXIS_WORDS: Readonly<Record<Axis, string>> = { envSteps: 'env steps', wallTime: 'wall time' };

function amount(axis: Axis, v: number): string {
  return axis === 'envSteps' ? `${Math.round(v).toLocaleString('en-US')} env steps` : `${v.toFixed(1)} s`;
}

/** One sentence per axis: `On env steps, DQN reached 150 first (4,200 env steps).` */
export function comparisonSentences(c: Comparison): string[] {
  const metric = c.metric.split('/').at(-1) ?? c.metric;
  return c.winners.map((w) =>
    w.trialId === null
      ? `On ${AXIS_WORDS[w.axis]}, no trial reached ${metric} ${c.threshold} in this run.`
      : `On ${AXIS_WORDS[w.axis]}, ${w.label} reached ${metric} ${c.threshold} first (${amount(w.axis, w.value!)})` +
        `${w.asClaimed === true ? ', as the lesson claims' : w.asClaimed === false ? ', not as the lesson claims' : ''}.`,
  );
}

/** The lesson's verdict in words. */
export function verdictSentence(c: Comparison): string {
  if (c.borneOut === null) return 'This run does not decide the claim: no trial reached the threshold.';
  return c.borneOut ? 'This run bore the claim out.' : 'This run did not bear the claim out.';
}

/**
 * A sweep's `lesson` section: title, claim and the expected winners per axis (`env_steps`,
 * `wall_time`), every problem named. Absent: null, without issues.
 */
export function parseLesson(raw: unknown, issues: ConfigIssue[]): Lesson | null {
  if (raw === undefined) return null;
  const error = (path: string, message: string): null => {
    issues.push({ path: `lesson${path}`, severity: 'error', message });
    return null;
  };
  if (!isPlainObject(raw)) return error('', 'must be an object: {"title": ..., "claim": ..., "expect": {...}}.');
  const { title, claim, expect, ...rest } = raw;
  for (const key of Object.keys(rest)) error(`.${key}`, 'unknown key; known: title, claim, expect.');
  if (typeof title !== 'string' || title.trim() === '') error('.title', 'must be a non-empty string.');
  if (typeof claim !== 'string' || claim.trim() === '') error('.claim', 'must be a non-empty string.');
  const out: Partial<Record<Axis, Record<string, unknown>[]>> = {};
  if (!isPlainObject(expect)) {
    error(
      '.expect',
      'must map env_steps and/or wall_time to the expected winners, e.g. {"wall_time": [{"algo": "PPO"}]}.',
    );
  } else {
    for (const [key, value] of Object.entries(expect)) {
      const axis =
        key === 'env_steps' || key === 'envSteps'
          ? 'envSteps'
          : key === 'wall_time' || key === 'wallTime'
            ? 'wallTime'
            : null;
      if (axis === null) {
        error(`.expect.${key}`, 'unknown axis; use env_steps or wall_time.');
        continue;
      }
      if (
        !Array.isArray(value) ||
        value.length === 0 ||
        !value.every((v) => isPlainObject(v) && Object.keys(v).length > 0)
      ) {
        error(`.expect.${key}`, 'must be a non-empty list of searched values, e.g. [{"algo": "DQN"}].');
        continue;
      }
      out[axis] = value as Record<string, unknown>[];
    }
  }
  if (issues.some((i) => i.path.startsWith('lesson') && i.severity === 'error')) return null;
  return { title: String(title), claim: String(claim), expect: out };
}
