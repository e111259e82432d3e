/**
 * python/parquet_reader.py under hostile files (issue 27, item 4): a 24-byte footer that is a
 * Thrift map of 2^62 bools used to loop forever, 5,000-deep nesting raised RecursionError. The
 * reader bounds sizes and depth and raises one error, ParquetError (a ValueError), with a
 * message. Then a property test: test/unit/python/parquet_reader_fuzz.py feeds it 1,200 generated
 * files (fixed seed), each within a time budget and under a memory cap. Standard library only, as
 * the reader; run with python3 as the other Python tests in this folder.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeEpisodesParquet } from '../../src/offline/parquet-episodes';
import { cartPoleDemos } from './helpers/cartpole-demos';

const FUZZ = 'test/unit/python/parquet_reader_fuzz.py';
const hasPython = !spawnSync('python3', ['--version']).error;
let dir = '';

/** A file: PAR1, the footer bytes, their length, PAR1. */
function wrap(footer: readonly number[]): Uint8Array {
  const out = new Uint8Array(footer.length + 12);
  out.set([0x50, 0x41, 0x52, 0x31]);
  out.set(footer, 4);
  new DataView(out.buffer).setUint32(4 + footer.length, footer.length, true);
  out.set([0x50, 0x41, 0x52, 0x31], 8 + footer.length);
  return out;
}

function write(name: string, bytes: Uint8Array): string {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

/** The reader's outcome on one file, through the fuzz script's `--one` (budget and memory cap). */
function outcome(file: string): { outcome: string; detail: string } {
  const run = spawnSync('python3', [FUZZ, '--one', file], { encoding: 'utf8', timeout: 20_000 });
  expect(run.error, 'python3 did not answer').toBeUndefined();
  return JSON.parse(run.stdout) as { outcome: string; detail: string };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rl-parquet-py-'));
});

describe.runIf(hasPython)('python/parquet_reader.py (item 4)', () => {
  it('a 24-byte footer holding a Thrift map of 2^62 bools is refused at once', () => {
    // Field 1 of type map (0x1B), 2^62 entries as a varint, key and value type bool (0x11).
    const footer = [0x1b, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40, 0x11, 0x00];
    const file = write('map.parquet', wrap(footer));
    expect(wrap(footer).length).toBe(24);
    const got = outcome(file);
    expect(got.outcome, got.detail).toBe('error');
    expect(got.detail).toMatch(/map\.parquet/);
    // The command line says so too, exit 1, instead of spinning.
    const cli = spawnSync('python3', ['python/parquet_reader.py', file], { encoding: 'utf8', timeout: 20_000 });
    expect(cli.error).toBeUndefined();
    expect(cli.status).toBe(1);
    expect(cli.stderr).toMatch(/^error: .*map\.parquet/);
  });

  it.each([
    ['structs', [...new Array<number>(5000).fill(0x1c), ...new Array<number>(5001).fill(0)]],
    ['lists', [0x19, ...new Array<number>(5000).fill(0x19), 0, 0, 0, 0]],
  ])('5,000-deep nested %s raise ParquetError, not RecursionError', (_, footer) => {
    const got = outcome(write('deep.parquet', wrap(footer)));
    expect(got.outcome, got.detail).toBe('error');
    expect(got.detail).toMatch(/deep/);
  });

  it('1,200 generated files (seed 27): each returns or raises ParquetError within 2 s', () => {
    const valid = write(
      'valid.parquet',
      writeEpisodesParquet(cartPoleDemos({ numSteps: 40, randomRate: 0.3, seed: 1 })),
    );
    const t0 = performance.now();
    const run = spawnSync('python3', [FUZZ, valid, '--seed', '27', '--cases', '1200'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.error, 'the fuzz run did not finish').toBeUndefined();
    const summary = JSON.parse(run.stdout) as { cases: number; failures: unknown[]; counts: Record<string, number> };
    expect(summary.failures, JSON.stringify(summary.failures, null, 1)).toEqual([]);
    expect(run.status).toBe(0);
    expect(summary.cases).toBe(1200);
    // Some generated files are still valid, most are refused: both paths ran.
    const total = (suffix: string): number =>
      Object.entries(summary.counts).reduce((n, [k, v]) => n + (k.endsWith(suffix) ? v : 0), 0);
    expect(total('/ok')).toBeGreaterThan(0);
    expect(total('/error')).toBeGreaterThan(600);
    console.log(
      `parquet_reader.py fuzz: ${JSON.stringify(summary.counts)} in ${Math.round(performance.now() - t0)} ms`,
    );
  });
});

it.skipIf(hasPython)('python3 is missing: the Python reader was not tested', () => {
  console.warn(
    '\n*** SKIPPED: python3 is not installed, so python/parquet_reader.py was not fuzzed. CI installs it. ***\n',
  );
});
