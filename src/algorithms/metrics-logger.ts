/**
 * Collects one iteration's metrics (RLlib's MetricsLogger, reduced to what we report): timers,
 * learner stats and the 100-episode window behind `episode_return_mean`.
 */
export const EPISODE_WINDOW = 100;

export class MetricsLogger {
  private values = new Map<string, number | string>();
  readonly episodeReturns: number[] = [];
  readonly episodeLengths: number[] = [];

  /** Times `fn` and records its duration in seconds under `key`. */
  async time<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.values.set(key, (performance.now() - t0) / 1000);
    }
  }

  set(key: string, value: number | string): void {
    this.values.set(key, value);
  }

  /** Records every stat under `prefix/`. */
  merge(prefix: string, stats: Readonly<Record<string, number>>): void {
    for (const [k, v] of Object.entries(stats)) this.values.set(`${prefix}/${k}`, v);
  }

  addEpisodes(returns: readonly number[], lengths: readonly number[]): void {
    this.episodeReturns.push(...returns);
    this.episodeLengths.push(...lengths);
    if (this.episodeReturns.length > EPISODE_WINDOW)
      this.episodeReturns.splice(0, this.episodeReturns.length - EPISODE_WINDOW);
    if (this.episodeLengths.length > EPISODE_WINDOW)
      this.episodeLengths.splice(0, this.episodeLengths.length - EPISODE_WINDOW);
  }

  /** This iteration's values; clears them (the episode window persists). */
  reduce(): Record<string, number | string> {
    const out = Object.fromEntries(this.values);
    this.values.clear();
    return out;
  }
}

export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}
