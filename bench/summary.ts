/**
 * The one table every end-to-end run feeds: a line per (algorithm, env) with its success rate,
 * median time and env steps to the threshold, env steps/s, learner ms per update and the longest
 * main-thread task; and the chart's panels (return vs wall time, one line per algorithm per env).
 */
import type { MatrixRunRow } from './algorithms';
import { ENV_THRESHOLDS } from './matrix';
import type { ChartPanel } from '../src/cli/return-chart';

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const fmtCount = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e4 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0);

/** Rows grouped by (algorithm, env, preset), in the order they first appear. */
export function groupRuns(rows: readonly MatrixRunRow[]): MatrixRunRow[][] {
  const groups = new Map<string, MatrixRunRow[]>();
  for (const r of rows) {
    const key = `${r.algo}\u0000${r.env}\u0000${r.preset}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()];
}

/** "median (min-max)" over the runs that reached the threshold; "—" when none did. */
function spread(xs: readonly number[], f: (x: number) => string): string {
  if (xs.length === 0) return '—';
  const lo = xs.reduce((m, x) => Math.min(m, x), Infinity);
  const hi = xs.reduce((m, x) => Math.max(m, x), -Infinity);
  return xs.length === 1 ? f(xs[0]!) : `${f(median(xs))} (${f(lo)}-${f(hi)})`;
}

/** Why the runs that missed stopped, e.g. "2 x wall cap (best 412.3)". */
function misses(rs: readonly MatrixRunRow[]): string {
  const missed = rs.filter((r) => !r.reached);
  if (missed.length === 0) return '';
  const reasons = [...new Set(missed.map((r) => r.stopReason))].join(', ');
  const best = missed.reduce((m, r) => Math.max(m, r.bestReturn), -Infinity);
  return `missed: ${reasons}${Number.isFinite(best) ? ` (best ${best.toFixed(1)})` : ''}`;
}

export const SUMMARY_HEADER = [
  '| algorithm | env | preset | threshold | seeds reaching it | wall s to threshold, median (range) | env steps to threshold, median (range) | env steps/s | learner ms / update | learner GFLOP/s (of peak) | longest main-thread task ms | notes |',
  '|---|---|---|---:|---|---|---|---:|---:|---:|---:|---|',
];

/** The summary table's lines; `notes` maps "algo env preset" to a note from the matrix. */
export function summaryTable(rows: readonly MatrixRunRow[], notes: ReadonlyMap<string, string> = new Map()): string[] {
  const out = [...SUMMARY_HEADER];
  for (const rs of groupRuns(rows)) {
    const r0 = rs[0]!;
    const ok = rs.filter((r) => r.reached);
    const offline = r0.dataset !== undefined;
    const steps = offline
      ? `— (offline: ${fmtCount(r0.dataset!.numEnvSteps)} recorded, mean return ${median(rs.map((r) => r.dataset?.returnMean ?? NaN)).toFixed(0)})`
      : spread(
          ok.map((r) => r.envStepsToTarget ?? 0),
          fmtCount,
        );
    const sps = offline ? '—' : fmtCount(median(rs.map((r) => r.envStepsPerSecond)));
    const note = [notes.get(`${r0.algo} ${r0.env} ${r0.preset}`), misses(rs)].filter(Boolean).join('; ');
    out.push(
      `| ${r0.algo} | ${r0.env} | ${r0.preset} | ${r0.target} | ${ok.length}/${rs.length} | ${spread(
        ok.map((r) => r.secondsToTarget ?? 0),
        (x) => x.toFixed(1),
      )} | ${steps} | ${sps} | ${median(rs.map((r) => r.learnerMsPerUpdate)).toFixed(1)} | ${fmtGflops(rs)} | ${fmtLongestTask(
        rs.reduce((m, r) => Math.max(m, r.longestMainThreadTaskMs), 0),
      )} | ${note} |`,
    );
  }
  return out;
}

/** Median learner GFLOP/s and its fraction of the peak, "—" for a TF.js-path learner (nothing counted). */
function fmtGflops(rs: readonly MatrixRunRow[]): string {
  const counted = rs.filter((r) => r.learnerGflops !== null && r.learnerFractionOfPeak !== null);
  if (counted.length === 0) return '—';
  const g = median(counted.map((r) => r.learnerGflops!));
  const f = median(counted.map((r) => r.learnerFractionOfPeak!));
  return `${g.toFixed(1)} (${(100 * f).toFixed(0)}%)`;
}

/** The Long Tasks API reports tasks of 50 ms and more only: none seen is "< 50", not 0. */
function fmtLongestTask(ms: number): string {
  return ms > 0 ? ms.toFixed(0) : '< 50';
}

/**
 * The run drawn for a group: the seed with the median time to the threshold among those that
 * reached it (the lower middle for an even count), else the run with the best return.
 */
export function representativeRun(rs: readonly MatrixRunRow[]): MatrixRunRow | undefined {
  const ok = rs.filter((r) => r.reached).sort((a, b) => (a.secondsToTarget ?? 0) - (b.secondsToTarget ?? 0));
  if (ok.length) return ok[Math.floor((ok.length - 1) / 2)];
  return [...rs].sort((a, b) => b.bestReturn - a.bestReturn)[0];
}

/** One panel per env (in the thresholds' order, then any other), one line per algorithm. */
export function chartPanels(rows: readonly MatrixRunRow[]): ChartPanel[] {
  const envs = [...new Set(rows.map((r) => r.env))].sort((a, b) => envOrder(a) - envOrder(b));
  return envs.map((env) => {
    const groups = groupRuns(rows.filter((r) => r.env === env));
    return {
      title: env,
      target: groups[0]?.[0]?.target ?? ENV_THRESHOLDS[env] ?? null,
      series: groups.flatMap((rs) => {
        const r = representativeRun(rs);
        if (!r) return [];
        // A variant preset (DQN's CartPole-v1:rllib) is a line of its own beside the default.
        const variant = r.preset.includes(':') ? ` (${r.preset.slice(r.preset.lastIndexOf(':') + 1)})` : '';
        return [{ label: `${r.algo}${variant}`, points: r.curve.map(([t, ret]) => [t, ret] as const) }];
      }),
    };
  });
}

function envOrder(env: string): number {
  const i = Object.keys(ENV_THRESHOLDS).indexOf(env);
  return i < 0 ? Number.MAX_SAFE_INTEGER : i;
}
