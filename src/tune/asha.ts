/**
 * Asynchronous successive halving, as Tune's ASHAScheduler (tune/schedulers/async_hyperband.py,
 * one bracket): rungs at grace_period * reduction_factor^k (<= max_t) of `time_attr`. When a trial
 * reaches a rung it is compared with every trial recorded there before it: below the
 * (1 - 1/reduction_factor) quantile, it stops. Asynchronous: a trial never waits for others.
 */
import { RLError } from '../core/errors';
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

/**
 * The most rungs one scheduler may have. Tune's usual settings give a handful (grace 1, factor 4,
 * max_t 100: 4 rungs; factor 1.05: 95). More means a reduction factor so close to 1 that a rung
 * culls almost nothing, and each result walks every rung; 1 + 2^-52 would need ~2e16 of them.
 */
export const MAX_ASHA_RUNGS = 100;

type RungOptions = Pick<AshaOptions, 'gracePeriod' | 'reductionFactor' | 'maxT'>;

/** Why these options give no usable rungs (the message names the fix), or null when they do. */
export function ashaRungsProblem({ gracePeriod, reductionFactor, maxT }: RungOptions): string | null {
  const finite = [gracePeriod, reductionFactor, maxT].every(Number.isFinite);
  if (!finite || !(gracePeriod > 0) || !(reductionFactor > 1) || !(maxT > 0)) {
    return `ASHA needs finite grace_period > 0, reduction_factor > 1 and max_t > 0; got ${gracePeriod}, ${reductionFactor}, ${maxT}.`;
  }
  let rungs = 0;
  for (let m = gracePeriod; m < maxT && rungs <= MAX_ASHA_RUNGS; m *= reductionFactor) rungs++;
  if (rungs <= MAX_ASHA_RUNGS) return null;
  const needed = Math.ceil(Math.log(maxT / gracePeriod) / Math.log1p(reductionFactor - 1));
  return (
    `reduction_factor ${reductionFactor} with grace_period ${gracePeriod} and max_t ${maxT} needs about ${needed} rungs ` +
    `(one at each grace_period * reduction_factor^k below max_t); a scheduler has at most ${MAX_ASHA_RUNGS} rungs. ` +
    "Raise reduction_factor (Tune's default is 4) or bring grace_period and max_t closer."
  );
}

/** The rung milestones, lowest first; throws config/invalid where ashaRungsProblem finds one. */
export function ashaMilestones(opts: RungOptions): number[] {
  const problem = ashaRungsProblem(opts);
  if (problem !== null) throw new RLError('config/invalid', problem);
  const out: number[] = [];
  for (let m = opts.gracePeriod; m < opts.maxT; m *= opts.reductionFactor) out.push(m);
  return out;
}

/** Linear-interpolated percentile (numpy's default), q in [0, 100]. */
function percentile(sorted: readonly number[], q: number): number {
  const pos = ((sorted.length - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export class AshaScheduler {
  /** Rung milestone -> trial id -> the (sign-adjusted) metric recorded there. */
  private readonly rungs: readonly { milestone: number; recorded: Map<string, number> }[];

  constructor(readonly opts: AshaOptions) {
    // Highest first: a result is decided by the highest rung it reached.
    this.rungs = ashaMilestones(opts)
      .reverse()
      .map((milestone) => ({ milestone, recorded: new Map<string, number>() }));
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
