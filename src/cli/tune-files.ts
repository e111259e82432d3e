/**
 * The --out folder of `npm run tune`, laid out like a Tune experiment dir: one folder per trial
 * with the run files `npm run train` writes (config.json, result.jsonl, progress.csv,
 * checkpoint/, summary.json), and trials.csv with each trial's parameters and final/best metrics.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ResultDict } from '../app';
import type { TrialView } from '../app/tune-session';
import { TRAINING_ITERATION } from '../core/metric-keys';
import type { Sweep } from '../tune/sweep';
import { csvCell, RunFiles } from './run-files';

export const TRIALS_CSV = 'trials.csv';

/** The metric of a trial's results: its last value and its best (by mode). */
export function metricOf(
  results: readonly ResultDict[],
  metric: string,
  mode: 'max' | 'min',
): { last: number | null; best: number | null } {
  const values = results.map((r) => r[metric]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const lastRow = results[results.length - 1]?.[metric];
  const last = typeof lastRow === 'number' && Number.isFinite(lastRow) ? lastRow : null;
  if (values.length === 0) return { last, best: null };
  return { last, best: mode === 'max' ? Math.max(...values) : Math.min(...values) };
}

export class TuneFiles {
  private readonly trials = new Map<string, { files: RunFiles; results: ResultDict[] }>();

  constructor(
    readonly dir: string,
    private readonly sweep: Sweep,
  ) {}

  private trial(id: string): { files: RunFiles; results: ResultDict[] } {
    let t = this.trials.get(id);
    if (!t) {
      const files = new RunFiles(path.join(this.dir, id));
      files.open();
      // The trial's config as the sweep gives it, until `built` replaces it with the resolved one.
      const config = this.sweep.trials.find((s) => s.id === id)?.config ?? {};
      files.writeConfig(config);
      t = { files, results: [] };
      this.trials.set(id, t);
    }
    return t;
  }

  results(id: string): readonly ResultDict[] {
    return this.trials.get(id)?.results ?? [];
  }

  started(id: string): void {
    this.trial(id);
  }

  /** The resolved config a trial was built with (its preset applied): config.json, as npm run train writes it. */
  built(id: string, config: unknown): void {
    this.trial(id).files.writeConfig(config);
  }

  result(id: string, result: ResultDict): void {
    const t = this.trial(id);
    t.results.push(result);
    t.files.appendResult(result);
  }

  checkpoint(id: string, text: string, final: boolean): void {
    const t = this.trial(id);
    t.files.writeCheckpoint(text, { final });
    t.files.writeProgressCsv(t.results);
  }

  /** A retried trial goes on from its checkpoint: later results are dropped, as Tune does. */
  retry(id: string, fromIteration: number, error: string): void {
    const t = this.trial(id);
    t.results.splice(0, Infinity, ...t.results.filter((r) => Number(r[TRAINING_ITERATION]) <= fromIteration));
    t.files.rewriteResults(t.results);
    t.files.console(`[tune] trial failed (${error}); retrying from iteration ${fromIteration}`);
  }

  /** summary.json and progress.csv per trial, then trials.csv. */
  finish(rows: readonly TrialView[]): void {
    for (const row of rows) {
      const t = this.trial(row.id);
      t.files.writeProgressCsv(t.results);
      const m = metricOf(t.results, this.sweep.metric, this.sweep.mode);
      t.files.writeSummary({ ...row, metric: this.sweep.metric, lastMetric: m.last, bestMetric: m.best });
      if (row.error) t.files.console(`[tune] trial error: ${row.error}`);
    }
    const metric = this.sweep.metric;
    const header = [
      'trial_id',
      'status',
      ...this.sweep.paramKeys.map((k) => `config/${k}`),
      'seed',
      TRAINING_ITERATION,
      `last/${metric}`,
      `best/${metric}`,
      'num_failures',
      'stop_reason',
      'error',
      'logdir',
    ];
    const lines = rows.map((row) => {
      const spec = this.sweep.trials.find((s) => s.id === row.id);
      const m = metricOf(this.results(row.id), metric, this.sweep.mode);
      const last = this.results(row.id).at(-1);
      return [
        row.id,
        row.status,
        ...this.sweep.paramKeys.map((k) => row.params[k]),
        spec?.seed,
        last ? last[TRAINING_ITERATION] : 0,
        m.last,
        m.best,
        row.failures,
        row.stopReason,
        row.error,
        row.id,
      ]
        .map(csvCell)
        .join(',');
    });
    writeFileSync(path.join(this.dir, TRIALS_CSV), [header.map(csvCell).join(','), ...lines].join('\n') + '\n');
  }
}
