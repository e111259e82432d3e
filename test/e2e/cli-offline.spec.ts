/**
 * The offline workflow from the command line, as a user runs it: `npm run record` writes a
 * Parquet file from a run's checkpoint, `--merge` joins two recordings, and `npm run train --
 * --algo bc --input FILE` trains on it and reports its evaluation return.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readEpisodesParquet } from '../../src/offline/parquet-episodes';
import { ROOT, readResults, runCli, tmpOutFactory, type CliRun } from './cli-process';
import { expect, test } from './fixtures';

const { tmpOut, removeTmpOuts } = tmpOutFactory('rl-cli-offline-');
test.afterAll(removeTmpOuts);

function record(args: readonly string[]): Promise<CliRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/record.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const TINY = ['--env', 'CartPole-v1', '--num-env-runners', '1', '--fcnet-hiddens', '32,32', '--seed', '1'];

test('record a checkpoint, merge recordings, train BC on them', async () => {
  const run = tmpOut();
  const trained = await runCli([...TINY, '--stop-iters', '2', '--out', run, '--quiet']);
  expect(trained.code, trained.stderr).toBe(0);

  const dir = path.dirname(run);
  const expert = path.join(dir, 'expert.parquet');
  const rec = await record(['--restore', run, '--num-steps', '2000', '--output', expert]);
  expect(rec.code, rec.stderr).toBe(0);
  expect(rec.stderr).toMatch(/from the checkpoint .*latest\.json \(iteration 2\)/);
  expect(rec.stderr).toMatch(/Wrote .*expert\.parquet: \d+ env steps, \d+ episodes/);
  const table = await readEpisodesParquet(readFileSync(expert), expert);
  expect(table.numRows).toBeGreaterThanOrEqual(2000);
  expect(table.env).toBe('CartPole-v1');

  // Python reads what the CLI recorded (python/parquet_reader.py: standard library only; CI has python3).
  const py = spawnSync('python3', ['python/parquet_reader.py', expert], { cwd: ROOT, encoding: 'utf8' });
  if (py.error)
    console.warn('\n*** SKIPPED: python3 is not installed; the recorded file was not read in Python. ***\n');
  else {
    expect(py.status, py.stderr).toBe(0);
    const summary = JSON.parse(py.stdout) as {
      num_rows: number;
      num_episodes: number;
      metadata: Record<string, string>;
    };
    expect(summary.num_rows).toBe(table.numRows);
    expect(summary.num_episodes).toBe(new Set(table.epsId).size);
    expect(summary.metadata['rl.env']).toBe('CartPole-v1');
  }

  // Writing over an existing file needs --overwrite; --merge joins files without a browser.
  const again = await record(['--restore', run, '--num-steps', '10', '--output', expert]);
  expect(again.code).toBe(2);
  expect(again.stderr).toContain('pass --overwrite');
  const mixed = path.join(dir, 'mixed.parquet');
  const merged = await record(['--merge', `${expert},${expert}`, '--output', mixed]);
  expect(merged.code, merged.stderr).toBe(0);
  expect((await readEpisodesParquet(readFileSync(mixed), mixed)).numRows).toBe(2 * table.numRows);

  const out = tmpOut();
  const bc = await runCli([
    '--algo',
    'bc',
    ...TINY,
    '--input',
    mixed,
    '--evaluation-duration',
    '3',
    '--stop-iters',
    '2',
    '--out',
    out,
  ]);
  expect(bc.code, bc.stderr).toBe(0);
  expect(bc.stdout + bc.stderr).toContain('BC on CartPole-v1');
  const results = readResults(out);
  expect(results).toHaveLength(2);
  const last = results[1]!;
  expect(Number(last['evaluation/env_runners/episode_return_mean'])).toBeGreaterThan(0);
  expect(last['env_runners/episode_return_mean']).toBe(last['evaluation/env_runners/episode_return_mean']);
  expect(Number(last['num_env_steps_trained_lifetime'])).toBe(2 * 20 * 256);
  expect(existsSync(path.join(out, 'checkpoint', 'latest.json'))).toBe(true);

  // A missing input file is named, with the fix.
  const missing = await runCli(['--algo', 'bc', ...TINY, '--input', path.join(dir, 'nope.parquet'), '--out', tmpOut()]);
  expect(missing.code).not.toBe(0);
  expect(missing.stderr).toMatch(/nope\.parquet.*is not a file/);
});

test('a missing or damaged input file exits 2 and names the file (--input, --merge)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rl-cli-offline-bad-'));
  const junk = path.join(dir, 'junk.parquet');
  writeFileSync(junk, 'PAR1 this is not a recording PAR1');
  for (const input of [junk, path.join(dir, 'nope.parquet')]) {
    const run = await runCli(['--algo', 'bc', ...TINY, '--input', input, '--out', tmpOut()]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(path.basename(input));
  }
  const merged = await record(['--merge', `${junk},${junk}`, '--output', path.join(dir, 'out.parquet')]);
  expect(merged.code, merged.stderr).toBe(2);
  expect(merged.stderr).toMatch(/junk\.parquet is not an episode file/);
});
