/**
 * Time left until the run's stop criteria (Ray Tune's dict: the run stops when ANY is met), from
 * the rates seen so far. Budgets (env steps, iterations, seconds) extrapolate linearly; a return
 * target uses the slope of the recent returns, and only when they are rising.
 */
import type { ResultDict } from '../app';
import * as K from '../core/metric-keys';

export interface Eta {
  /** Seconds until the first criterion is expected to be met, or null when nothing can be estimated. */
  readonly seconds: number | null;
  /** The criterion behind `seconds`. */
  readonly criterion: string | null;
  /** Fraction (0..1) of the way to the nearest criterion. */
  readonly progress: number;
}

const num = (r: ResultDict | undefined, key: string): number => {
  const v = r?.[key];
  return typeof v === 'number' ? v : Number.NaN;
};

/** Least-squares slope of returns over training time, over the last `window` results with a return. */
function returnSlopePerS(history: readonly ResultDict[], window = 20): number {
  const pts = history
    .slice(-window)
    .map((r) => [num(r, K.TIME_TOTAL_S), num(r, K.EPISODE_RETURN_MEAN)] as const)
    .filter(([t, y]) => Number.isFinite(t) && Number.isFinite(y));
  if (pts.length < 3) return Number.NaN;
  const mt = pts.reduce((s, [t]) => s + t, 0) / pts.length;
  const my = pts.reduce((s, [, y]) => s + y, 0) / pts.length;
  const cov = pts.reduce((s, [t, y]) => s + (t - mt) * (y - my), 0);
  const vt = pts.reduce((s, [t]) => s + (t - mt) ** 2, 0);
  return vt > 0 ? cov / vt : Number.NaN;
}

export function estimateEta(stop: Readonly<Record<string, number>>, history: readonly ResultDict[]): Eta {
  const last = history[history.length - 1];
  if (!last) return { seconds: null, criterion: null, progress: 0 };
  const time = num(last, K.TIME_TOTAL_S);
  const first = history[0];
  // Rates over this session's results (a restored run's counters start above zero).
  const dt = time - num(first, K.TIME_TOTAL_S) + num(first, K.TIME_THIS_ITER_S);
  const dSteps =
    num(last, K.NUM_ENV_STEPS_SAMPLED_LIFETIME) -
    num(first, K.NUM_ENV_STEPS_SAMPLED_LIFETIME) +
    num(first, K.NUM_ENV_STEPS_SAMPLED);
  const dIters = history.length;
  const estimates: { criterion: string; seconds: number; progress: number }[] = [];
  for (const [key, target] of Object.entries(stop)) {
    const value = num(last, key);
    let seconds = Number.NaN;
    let progress = value / target;
    if (key === K.NUM_ENV_STEPS_SAMPLED_LIFETIME) seconds = ((target - value) * dt) / dSteps;
    else if (key === K.TRAINING_ITERATION) seconds = ((target - value) * dt) / dIters;
    else if (key === K.TIME_TOTAL_S) seconds = target - value;
    else if (key === K.EPISODE_RETURN_MEAN) {
      const slope = returnSlopePerS(history);
      if (slope > 0) seconds = (target - value) / slope;
      if (!(target > 0)) progress = Number.NaN; // a fraction of a negative target means nothing
    }
    estimates.push({ criterion: key, seconds: Math.max(0, seconds), progress });
  }
  const timed = estimates.filter((e) => Number.isFinite(e.seconds)).sort((a, b) => a.seconds - b.seconds);
  const progresses = estimates.map((e) => e.progress).filter(Number.isFinite);
  return {
    seconds: timed[0]?.seconds ?? null,
    criterion: timed[0]?.criterion ?? null,
    progress: Math.min(1, Math.max(0, ...progresses, 0)),
  };
}

/** 75 s -> "1 min 15 s"; 5400 s -> "1 h 30 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
