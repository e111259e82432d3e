/**
 * The --out folder, laid out like a Ray Tune trial dir: config.json, result.jsonl (one result dict
 * per line), progress.csv, checkpoint/{latest,final}.json, summary.json, curve.png, console.log.
 * Files that are replaced are written to a temp name and renamed, so a crash or Ctrl-C mid-write
 * never leaves a truncated checkpoint behind.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ResultDict } from '../app';
import {
  EPISODE_RETURN_MEAN,
  NUM_ENV_STEPS_SAMPLED_LIFETIME,
  TIME_TOTAL_S,
  TRAINING_ITERATION,
} from '../core/metric-keys';

export const FILES = {
  config: 'config.json',
  results: 'result.jsonl',
  progress: 'progress.csv',
  summary: 'summary.json',
  curve: 'curve.png',
  console: 'console.log',
  checkpointDir: 'checkpoint',
  latest: 'checkpoint/latest.json',
  final: 'checkpoint/final.json',
} as const;

function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/** One JSON line; NaN (no episode yet) becomes null, as in JSON.stringify. */
export function resultLine(result: ResultDict): string {
  return JSON.stringify(result);
}

function csvCell(v: unknown): string {
  if (v === undefined || v === null || (typeof v === 'number' && !Number.isFinite(v))) return '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Columns a reader looks for first; the rest follow in first-seen order. */
const LEADING_COLUMNS = [TRAINING_ITERATION, NUM_ENV_STEPS_SAMPLED_LIFETIME, EPISODE_RETURN_MEAN, TIME_TOTAL_S];

/** progress.csv: one row per result, columns = the union of the results' keys. */
export function progressCsv(results: readonly ResultDict[]): string {
  const present = LEADING_COLUMNS.filter((k) => results.some((r) => k in r));
  const columns: string[] = [...present];
  const seen = new Set<string>(present);
  for (const r of results) {
    for (const k of Object.keys(r)) {
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
    }
  }
  const rows = results.map((r) => columns.map((c) => csvCell(r[c])).join(','));
  return [columns.map(csvCell).join(','), ...rows].join('\n') + '\n';
}

export class RunFiles {
  private opened = false;
  /** Console lines that arrive before the folder exists (it is created only once the build succeeded). */
  private pendingConsole: string[] = [];

  constructor(readonly dir: string) {}

  private p(name: string): string {
    return path.join(this.dir, name);
  }

  /**
   * Creates the folder; called once the algorithm is built, so a bad config leaves no empty run dir.
   * Resuming a run in its own folder keeps its results up to the restored iteration (as Tune
   * appends to a restored trial's result.json); they are returned so progress.csv has them too.
   */
  open(keepResultsUpTo: number | null = null): ResultDict[] {
    if (this.opened) return [];
    const kept = keepResultsUpTo === null ? [] : this.existingResults(keepResultsUpTo);
    mkdirSync(this.p(FILES.checkpointDir), { recursive: true });
    writeFileSync(this.p(FILES.results), kept.map((r) => resultLine(r) + '\n').join(''));
    writeFileSync(this.p(FILES.console), this.pendingConsole.map((l) => `${l}\n`).join(''));
    this.pendingConsole = [];
    this.opened = true;
    return kept;
  }

  private existingResults(upTo: number): ResultDict[] {
    if (!existsSync(this.p(FILES.results))) return [];
    const rows = readFileSync(this.p(FILES.results), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as ResultDict);
    return rows.filter((r) => Number(r[TRAINING_ITERATION]) <= upTo);
  }

  console(line: string): void {
    const stamped = `${new Date().toISOString()} ${line}`;
    if (this.opened) appendFileSync(this.p(FILES.console), `${stamped}\n`);
    else this.pendingConsole.push(stamped);
  }

  writeConfig(config: unknown): void {
    writeAtomic(this.p(FILES.config), JSON.stringify(config, null, 2) + '\n');
  }

  appendResult(result: ResultDict): void {
    appendFileSync(this.p(FILES.results), resultLine(result) + '\n');
  }

  /** After a crash rolled training back to a checkpoint: the kept results only. */
  rewriteResults(results: readonly ResultDict[]): void {
    writeAtomic(this.p(FILES.results), results.map((r) => resultLine(r) + '\n').join(''));
  }

  writeProgressCsv(results: readonly ResultDict[]): void {
    writeAtomic(this.p(FILES.progress), progressCsv(results));
  }

  writeCheckpoint(text: string, which: { final: boolean }): void {
    writeAtomic(this.p(FILES.latest), text);
    if (which.final) writeAtomic(this.p(FILES.final), text);
  }

  writeSummary(summary: unknown): void {
    writeAtomic(this.p(FILES.summary), JSON.stringify(summary, null, 2) + '\n');
  }

  writeCurve(png: Uint8Array): void {
    writeAtomic(this.p(FILES.curve), png);
  }
}
