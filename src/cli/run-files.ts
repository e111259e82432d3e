/**
 * The --out folder, laid out like a Ray Tune trial dir: config.json, result.jsonl (one result dict
 * per line), progress.csv, checkpoint/{latest,final}.json, summary.json, curve.png, console.log.
 * Files that are replaced are written to a temp name and renamed, so a crash or Ctrl-C mid-write
 * never leaves a truncated checkpoint behind.
 */
import {
  accessSync,
  appendFileSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { ResultDict } from '../app';
import {
  EPISODE_RETURN_MEAN,
  NUM_ENV_STEPS_SAMPLED_LIFETIME,
  TIME_TOTAL_S,
  TRAINING_ITERATION,
} from '../core/metric-keys';
import { UsageError } from './args';

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

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a double quote, LF or CR, quotes doubled;
 * empty for a missing or non-finite value. The one writer of progress.csv and trials.csv fields.
 */
export function csvCell(v: unknown): string {
  if (v === undefined || v === null || (typeof v === 'number' && !Number.isFinite(v))) return '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
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

/** The files a run writes (the folder may hold others; those are never touched). */
const RUN_FILES: readonly string[] = [
  FILES.config,
  FILES.results,
  FILES.progress,
  FILES.summary,
  FILES.curve,
  FILES.console,
  FILES.latest,
  FILES.final,
];

/** The run files already in `dir` (relative names); empty when there is no earlier run. */
export function existingRunFiles(dir: string): string[] {
  return RUN_FILES.filter((f) => existsSync(path.join(dir, f)));
}

/**
 * Checked before the browser starts: --out must be a folder we can write, and a folder that holds
 * an earlier run is never reused silently (it used to be truncated and its checkpoint overwritten).
 * `continuing`: --restore reads a checkpoint inside this folder, so the run goes on where it was.
 */
export function checkOutDir(dir: string, opts: { continuing: boolean; overwrite: boolean }): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new UsageError(`--out ${dir} is a file, not a folder; pick a folder name.`, 'cli/out-not-dir');
  }
  let ancestor = path.resolve(dir);
  while (!existsSync(ancestor)) ancestor = path.dirname(ancestor);
  try {
    if (!statSync(ancestor).isDirectory()) throw new Error('not a folder');
    accessSync(ancestor, constants.W_OK);
  } catch {
    throw new UsageError(
      `--out ${dir} cannot be created: ${ancestor} is not a writable folder. Pick another --out.`,
      'cli/out-not-writable',
    );
  }
  if (opts.continuing) {
    if (opts.overwrite) {
      throw new UsageError(
        `--overwrite would delete the checkpoint that --restore reads from ${dir}; drop --overwrite to continue that run there.`,
        'cli/out-overwrite-restore',
      );
    }
    return;
  }
  // A folder holding only console.log is a run that failed before it started: reuse it.
  const found = existingRunFiles(dir).filter((f) => f !== FILES.console);
  if (found.length === 0 || opts.overwrite) return;
  throw new UsageError(
    `--out ${dir} already holds a run (${found.join(', ')}); it is left as it is. ` +
      `Continue it with --restore ${dir} --out ${dir}, replace it with --overwrite, or pick another --out.`,
    'cli/out-exists',
  );
}

/**
 * result.jsonl of an earlier run, up to `upTo`. A killed process can leave its last line torn
 * (half written, no newline): that line is dropped with a warning, as Tune's result reader does,
 * so the run can be resumed. A broken line elsewhere is damage we will not guess around.
 */
export function readResultsFile(file: string, upTo: number): { results: ResultDict[]; warnings: string[] } {
  if (!existsSync(file)) return { results: [], warnings: [] };
  const lines = readFileSync(file, 'utf8').split('\n');
  const last = lines.reduce((at, l, i) => (l.trim() === '' ? at : i), -1);
  const results: ResultDict[] = [];
  const warnings: string[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      row = undefined;
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      if (i === last) {
        warnings.push(
          `${file}: dropped its last line ${i + 1}, which is incomplete (the earlier run was killed while writing it).`,
        );
        return;
      }
      throw new UsageError(
        `${file}: line ${i + 1} is not a JSON result; fix or delete that line, or start a new run with another --out.`,
        'cli/results-corrupt',
      );
    }
    results.push(row as ResultDict);
  });
  return { results: results.filter((r) => Number(r[TRAINING_ITERATION]) <= upTo), warnings };
}

export class RunFiles {
  private opened = false;
  /** Console lines that arrive before the folder exists (it is created only once the build succeeded). */
  private pendingConsole: string[] = [];

  constructor(
    readonly dir: string,
    private readonly opts: {
      /** Delete an earlier run's files when the folder is opened (--overwrite). */
      readonly overwrite?: boolean;
      /** Results of the run this one continues in place (readResultsFile), written back first. */
      readonly kept?: readonly ResultDict[];
    } = {},
  ) {}

  private p(name: string): string {
    return path.join(this.dir, name);
  }

  /**
   * Creates the folder; called once the algorithm is built, so a bad config leaves no empty run dir
   * and --overwrite deletes nothing unless the new run could start. Resuming a run in its own folder
   * keeps its results up to the restored iteration (as Tune appends to a restored trial's
   * result.json); they are returned so progress.csv has them too.
   */
  open(): ResultDict[] {
    if (this.opened) return [];
    const kept = [...(this.opts.kept ?? [])];
    if (this.opts.overwrite) for (const f of existingRunFiles(this.dir)) rmSync(this.p(f), { force: true });
    mkdirSync(this.p(FILES.checkpointDir), { recursive: true });
    writeFileSync(this.p(FILES.results), kept.map((r) => resultLine(r) + '\n').join(''));
    writeFileSync(this.p(FILES.console), this.pendingConsole.map((l) => `${l}\n`).join(''));
    this.pendingConsole = [];
    this.opened = true;
    return kept;
  }

  /**
   * A run that failed before it opened the folder (an env module that does not load, an env that
   * fails its check) still leaves the browser console there, the first thing to read.
   */
  saveConsoleOnly(): void {
    if (this.opened || this.pendingConsole.length === 0) return;
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(this.p(FILES.console), this.pendingConsole.map((l) => `${l}\n`).join(''));
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
