/**
 * Asynchronous successive halving, as Tune's ASHAScheduler (tune/schedulers/async_hyperband.py,
 * one bracket): rungs at grace_period * reduction_factor^k (<= max_t) of `time_attr`. When a trial
 * reaches a rung it is compared with every trial recorded there before it: below the
 * (1 - 1/reduction_factor) quantile, it stops. Asynchronous: a trial never waits for others.
 */
import type { ResultDict } from '../core/metric-keys';

export interface AshaOptions {
  /** Result key that counts progress. Tune: time_attr (default training_iteration). */
  readonly timeAttr: string;
  /** Result key compared at the rungs. Tune: metric. */
  readonly metric: string;
  /** 'max' keeps high values. Tune: mode. */
  readonly mode: 'max' | 'min';
  /** First rung: no trial stops before this much `timeAttr`. Tune: grace_period (default 1). */
  readonly gracePeriod: number;
  /** Keep 1/reduction_factor of the trials at each rung. Tune: reduction_factor (default 4). */
  readonly reductionFactor: number;
  /** A trial stops (done, not culled) at this much `timeAttr`. Tune: max_t (default 100). */
  readonly maxT: number;
}

export type AshaDecision = 'continue' | 'stop';

/** Linear-interpolated percentile (numpy's default), q in [0, 100]. */
function percentile(sorted: readonly number[], q: number): number {
  const pos = ((sorted.length - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export class AshaScheduler {
  /** Rung milestone -> trial id -> the (sign-adjusted) metric recorded there. */
  private readonly rungs: { milestone: number; recorded: Map<string, number> }[] = [];

  constructor(readonly opts: AshaOptions) {
    for (let m = opts.gracePeriod; m < opts.maxT; m *= opts.reductionFactor) {
      this.rungs.unshift({ milestone: m, recorded: new Map() });
    }
  }

  get milestones(): number[] {
    return this.rungs.map((r) => r.milestone).reverse();
  }

  /** Tune's on_trial_result: whether `trialId` goes on after this result. */
  onResult(trialId: string, result: ResultDict): AshaDecision {
    const t = result[this.opts.timeAttr];
    const raw = result[this.opts.metric];
    if (typeof t !== 'number') return 'continue';
    if (t >= this.opts.maxT) return 'stop';
    if (typeof raw !== 'number' || !Number.isFinite(raw)) return 'continue';
    const value = this.opts.mode === 'max' ? raw : -raw;
    // The highest rung reached and not yet recorded for this trial decides (Tune walks rungs top down).
    for (const rung of this.rungs) {
      if (t < rung.milestone || rung.recorded.has(trialId)) continue;
      const others = [...rung.recorded.values()].sort((a, b) => a - b);
      rung.recorded.set(trialId, value);
      if (others.length === 0) return 'continue';
      const cutoff = percentile(others, (1 - 1 / this.opts.reductionFactor) * 100);
      return value < cutoff ? 'stop' : 'continue';
    }
    return 'continue';
  }
}
