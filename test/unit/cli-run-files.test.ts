/**
 * The --out folder (issue 12, item 8): an earlier run is never reused silently, --overwrite deletes
 * only the run's own files and only once the folder is opened, and a torn last line in result.jsonl
 * (a killed process) is dropped with a warning instead of blocking a resume.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkOutDir, readResultsFile, RunFiles } from '../../src/cli/run-files';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'run-files-'));
  dirs.push(d);
  return d;
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A folder that looks like a finished run with two iterations. */
function earlierRun(): string {
  const dir = path.join(tmp(), 'run');
  mkdirSync(path.join(dir, 'checkpoint'), { recursive: true });
  writeFileSync(path.join(dir, 'result.jsonl'), '{"training_iteration":1}\n{"training_iteration":2}\n');
  writeFileSync(path.join(dir, 'checkpoint', 'latest.json'), '{"old":true}');
  writeFileSync(path.join(dir, 'notes.txt'), 'mine');
  return dir;
}

const codeOf = (f: () => void): string | null => {
  try {
    f();
    return null;
  } catch (e) {
    return (e as { code?: string }).code ?? 'no code';
  }
};

describe('checkOutDir', () => {
  it('refuses a folder holding an earlier run, naming --restore and --overwrite', () => {
    const dir = earlierRun();
    expect(() => checkOutDir(dir, { continuing: false, overwrite: false })).toThrow(
      new RegExp(`--restore ${dir} --out ${dir}.*--overwrite`),
    );
    expect(codeOf(() => checkOutDir(dir, { continuing: false, overwrite: false }))).toBe('cli/out-exists');
  });

  it('accepts a new, an empty or an unrelated folder, a continued run and --overwrite', () => {
    const base = tmp();
    expect(codeOf(() => checkOutDir(path.join(base, 'new', 'deeper'), { continuing: false, overwrite: false }))).toBe(
      null,
    );
    writeFileSync(path.join(base, 'unrelated.txt'), 'x');
    expect(codeOf(() => checkOutDir(base, { continuing: false, overwrite: false }))).toBe(null);
    const dir = earlierRun();
    expect(codeOf(() => checkOutDir(dir, { continuing: true, overwrite: false }))).toBe(null);
    expect(codeOf(() => checkOutDir(dir, { continuing: false, overwrite: true }))).toBe(null);
    expect(codeOf(() => checkOutDir(dir, { continuing: true, overwrite: true }))).toBe('cli/out-overwrite-restore');
  });

  it('refuses a file and a path under a file, before anything starts', () => {
    const file = path.join(tmp(), 'f');
    writeFileSync(file, 'x');
    expect(codeOf(() => checkOutDir(file, { continuing: false, overwrite: false }))).toBe('cli/out-not-dir');
    expect(codeOf(() => checkOutDir(path.join(file, 'run'), { continuing: false, overwrite: false }))).toBe(
      'cli/out-not-writable',
    );
  });
});

describe('RunFiles with --overwrite', () => {
  it("deletes only the earlier run's files, and only when opened", () => {
    const dir = earlierRun();
    const files = new RunFiles(dir, { overwrite: true });
    expect(existsSync(path.join(dir, 'checkpoint', 'latest.json'))).toBe(true);
    files.open();
    expect(existsSync(path.join(dir, 'checkpoint', 'latest.json'))).toBe(false);
    expect(readFileSync(path.join(dir, 'result.jsonl'), 'utf8')).toBe('');
    expect(readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });
});

describe('readResultsFile', () => {
  it('drops a torn last line with a warning and keeps the rest up to the restored iteration', () => {
    const file = path.join(tmp(), 'result.jsonl');
    writeFileSync(file, '{"training_iteration":1}\n{"training_iteration":2}\n{"training_iteration":3}\n{"training_it');
    const { results, warnings } = readResultsFile(file, 2);
    expect(results.map((r) => r['training_iteration'])).toEqual([1, 2]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/dropped its last line 4, which is incomplete/);
  });

  it('refuses a broken line in the middle (damage, not a kill), naming the line', () => {
    const file = path.join(tmp(), 'result.jsonl');
    writeFileSync(file, '{"training_iteration":1}\nnot json\n{"training_iteration":3}\n');
    expect(() => readResultsFile(file, 3)).toThrow(/line 2 is not a JSON result/);
  });

  it('reads nothing when there is no file', () => {
    expect(readResultsFile(path.join(tmp(), 'none.jsonl'), 5)).toEqual({ results: [], warnings: [] });
  });
});
