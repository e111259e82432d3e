/**
 * The run's history for the charts: one column per result key against lifetime env steps, kept
 * in plain arrays (not reactive state) so thousands of points cost nothing until uPlot draws them.
 * NaN (no episode finished yet) becomes null, which uPlot draws as a gap.
 */
import type { ResultDict } from '../app';
import { NUM_ENV_STEPS_SAMPLED_LIFETIME } from '../core/metric-keys';

export type Column = (number | null)[];

export class MetricSeries {
  readonly x: number[] = [];
  private readonly columns = new Map<string, Column>();

  push(result: ResultDict): void {
    const step = result[NUM_ENV_STEPS_SAMPLED_LIFETIME];
    this.x.push(typeof step === 'number' ? step : this.x.length);
    const n = this.x.length;
    for (const [key, value] of Object.entries(result)) {
      if (typeof value !== 'number') continue;
      let col = this.columns.get(key);
      if (!col) {
        col = new Array<number | null>(n - 1).fill(null);
        this.columns.set(key, col);
      }
      col.push(Number.isFinite(value) ? value : null);
    }
    // Keys missing from this result get a gap, so every column stays aligned with x.
    for (const col of this.columns.values()) if (col.length < n) col.push(null);
  }

  /** The column for a result key (all nulls if it never appeared). */
  column(key: string): Column {
    let col = this.columns.get(key);
    if (!col) {
      col = new Array<number | null>(this.x.length).fill(null);
      this.columns.set(key, col);
    }
    return col;
  }

  /** Points with a value in `key`'s column. */
  count(key: string): number {
    return this.column(key).reduce((n: number, v) => (v === null ? n : n + 1), 0);
  }

  get length(): number {
    return this.x.length;
  }

  clear(): void {
    this.x.length = 0;
    this.columns.clear();
  }
}
