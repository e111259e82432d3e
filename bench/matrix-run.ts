/**
 * The algorithm matrix end to end: every chosen row for every seed, each in a freshly loaded page,
 * logged as it goes; returns the rows and the chart drawn from them.
 */
import type { AppSession } from '../src/cli/app-session';
import {
  benchMatrixRun,
  benchOfflineMatrixRun,
  recordExpert,
  type MatrixRunRow,
  type OfflineDataset,
} from './algorithms';
import type { Section } from './args';
import { FLOOR_SHAPES } from './floor';
import { ENV_THRESHOLDS, MATRIX_SEEDS, QUICK, matrixFor, seedsOf, worstCaseSeconds, type MatrixEntry } from './matrix';
import { chartPanels } from './summary';
import { drawReturnChart, type ChartDrawing } from '../src/cli/return-chart';

export interface MatrixRunOptions {
  readonly session: AppSession;
  /** Opens a new page: every run starts from a fresh app (no tensors, workers or timers left over). */
  readonly fresh: () => Promise<void>;
  /** Where the offline rows' recordings are written (and read back from by the page). */
  readonly dataDir: string;
  readonly only: ReadonlySet<Section>;
  readonly quick: boolean;
  readonly log: (msg: string) => void;
}

export interface MatrixResult {
  readonly rows: MatrixRunRow[];
  /** The return-vs-wall-time chart of the rows, for AppSession.drawChart. */
  readonly chart: (title: string) => ChartDrawing;
}

function describe(row: MatrixRunRow): string {
  const head = row.reached
    ? `reached ${row.target} at ${row.secondsToTarget!.toFixed(1)} s, ${row.envStepsToTarget} env steps`
    : `missed ${row.target} (${row.stopReason}; best ${row.bestReturn.toFixed(1)})`;
  const err = row.error ? `; error: ${row.error}` : '';
  const gflops =
    row.learnerGflops === null
      ? ''
      : ` (${row.learnerGflops.toFixed(1)} GFLOP/s, ${(100 * (row.learnerFractionOfPeak ?? NaN)).toFixed(0)}% of peak)`;
  return (
    `  ${head}; ${row.wallSeconds.toFixed(1)} s, ${Math.round(row.envStepsPerSecond)} env steps/s, ` +
    `learner ${row.learnerMsPerUpdate.toFixed(1)} ms/update${gflops}, longest task ${row.longestMainThreadTaskMs.toFixed(0)} ms${err}`
  );
}

export async function runAlgorithmMatrix(o: MatrixRunOptions): Promise<MatrixResult> {
  const entries = matrixFor(o.only);
  const seeds = o.quick ? QUICK.seeds : MATRIX_SEEDS;
  const rows: MatrixRunRow[] = [];
  if (entries.length) {
    const capMin = (worstCaseSeconds(entries, o.quick) / 60).toFixed(0);
    o.log(
      `algorithm matrix: ${entries.length} rows x ${seeds.length} seed(s) (multi-agent rows: 1), at most ~${capMin} min if every run hits its cap`,
    );
  }
  const target = (e: MatrixEntry): number => e.target ?? ENV_THRESHOLDS[e.env]!;
  // The learners' GFLOP/s column is against the best matrix product this tab does (section floor's peak).
  let peakGflops = Number.NaN;
  if (entries.some((x) => !x.offline)) {
    await o.fresh();
    const matmul = await o.session.diagnostics('matmulPeak', 'wasm', FLOOR_SHAPES, o.quick ? 0.05 : 0.2);
    peakGflops = Math.max(...matmul.map((r) => r.gflops));
    o.log(`matmul peak on wasm: ${peakGflops.toFixed(1)} GFLOP/s`);
  }
  for (const e of entries.filter((x) => !x.offline)) {
    for (const seed of seedsOf(e, o.quick)) {
      o.log(`${e.algo} ${e.env} (preset ${e.preset}) seed ${seed} ...`);
      await o.fresh();
      const row = await benchMatrixRun(o.session, e, target(e), seed, o.quick, peakGflops);
      o.log(describe(row));
      rows.push(row);
    }
  }
  const offline = entries.filter((x) => x.offline);
  if (offline.length) {
    for (const seed of seeds) {
      o.log(`offline data: PPO CartPole-v1 seed ${seed}, then recording ...`);
      await o.fresh();
      const data: OfflineDataset = await recordExpert(o.session, seed, o.quick, o.dataDir);
      o.log(
        `  recorded ${data.numEnvSteps} env steps (mean return ${data.returnMean.toFixed(1)}) after ${data.expertEnvSteps} PPO env steps`,
      );
      for (const e of offline) {
        o.log(`${e.algo} ${e.env} on the recording, seed ${seed} ...`);
        await o.fresh();
        const row = await benchOfflineMatrixRun(o.session, e, target(e), seed, o.quick, data);
        o.log(describe(row));
        rows.push(row);
      }
    }
  }
  return { rows, chart: (title) => returnsChart(title, rows) };
}

/** One panel per env (two per row), one line per algorithm, the thresholds dashed. */
export function returnsChart(title: string, rows: readonly MatrixRunRow[]): ChartDrawing {
  return drawReturnChart({
    title,
    panels: chartPanels(rows),
    xLabel: 'wall time (s) since training began',
    yLabel: 'episode return mean',
    targetLabel: 'threshold',
    columns: 2,
    panelWidth: 480,
    panelHeight: 300,
    legend: true,
  });
}
