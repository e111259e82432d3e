/**
 * Collects one iteration's metrics (RLlib's MetricsLogger, reduced to what we report): timers,
 * learner stats and the 100-episode window behind `episode_return_mean`.
 */
import { EPISODE_WINDOW_MAX } from '../core/config-validation';

/** The episodes kept; `reporting.metricsNumEpisodesForSmoothing` of the newest are reported. */
export const EPISODE_WINDOW = EPISODE_WINDOW_MAX;

export class MetricsLogger {
  private values = new Map<string, number | string>();
  readonly episodeReturns: number[] = [];
  readonly episodeLengths: number[] = [];

  /**
   * Times `fn` and adds its duration in seconds to `key`: a phase timed several times in one
   * iteration (A2C's repeated steps, DQN's sample rounds) reports its total, as RLlib's timers do.
   */
  async time<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      const before = this.values.get(key);
      this.values.set(key, (typeof before === 'number' ? before : 0) + (performance.now() - t0) / 1000);
    }
  }

  set(key: string, value: number | string): void {
    this.values.set(key, value);
  }

  /** Records every stat under `prefix/`. */
  merge(prefix: string, stats: Readonly<Record<string, number>>): void {
    for (const [k, v] of Object.entries(stats)) this.values.set(`${prefix}/${k}`, v);
  }

  /** Adds finished episodes to the window; any number of them (one iteration can end 100k+). */
  addEpisodes(returns: readonly number[], lengths: readonly number[]): void {
    appendToWindow(this.episodeReturns, returns, EPISODE_WINDOW);
    appendToWindow(this.episodeLengths, lengths, EPISODE_WINDOW);
  }

  /** This iteration's values; clears them (the episode window persists). */
  reduce(): Record<string, number | string> {
    const out = Object.fromEntries(this.values);
    this.values.clear();
    return out;
  }
}

/**
 * The learner results of an iteration's updates as one dict: each key's mean over the updates,
 * or its sum where `isTotal(key)` (counts such as num_module_steps_trained).
 */
export function reduceLearnerResults(
  results: readonly Readonly<Record<string, number>>[],
  isTotal: (key: string) => boolean = () => false,
): Record<string, number> {
  const sums = new Map<string, number>();
  for (const r of results) for (const [k, v] of Object.entries(r)) sums.set(k, (sums.get(k) ?? 0) + v);
  const out: Record<string, number> = {};
  for (const [k, v] of sums) out[k] = isTotal(k) ? v : v / results.length;
  return out;
}

export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/**
 * Smallest and largest value (NaN for none), by a loop: `Math.min(...xs)` passes every element as
 * an argument and throws "Maximum call stack size exceeded" beyond ~100k of them.
 */
export function minMax(xs: readonly number[]): { min: number; max: number } {
  if (xs.length === 0) return { min: Number.NaN, max: Number.NaN };
  let min = Infinity;
  let max = -Infinity;
  for (const x of xs) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { min, max };
}

/**
 * Appends the values that can stay in a window of `size` (only the last `size` new ones) and
 * drops the oldest. A loop, not `window.push(...values)`: a spread passes every value as an
 * argument, which overflows the call stack beyond ~100k values.
 */
function appendToWindow(window: number[], values: readonly number[], size: number): void {
  for (let i = Math.max(0, values.length - size); i < values.length; i++) window.push(values[i]!);
  if (window.length > size) window.splice(0, window.length - size);
}
