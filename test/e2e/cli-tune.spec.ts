/**
 * `npm run tune` as a subprocess: 3 learning rates x 2 seeds (num_samples 2) of tiny CartPole PPO,
 * two trials at a time in one tab. Six trial folders, and trials.csv rows that match each folder's
 * result.jsonl. A bad sweep fails before the browser starts, listing every problem.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ROOT, readResults, tmpOutFactory, type CliRun } from './cli-process';

const { tmpOut, removeTmpOuts } = tmpOutFactory('cli-tune-');
test.afterAll(removeTmpOuts);

function runTune(args: readonly string[]): Promise<CliRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/tune.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

function parseCsv(text: string): Record<string, string>[] {
  const [head, ...rows] = text.trim().split('\n');
  const cols = head!.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i]!, v])));
}

test('3 learning rates x 2 seeds, two at a time: six trial folders and a trials.csv matching them', async () => {
  test.setTimeout(300_000);
  const out = tmpOut();
  const sweep = path.join(ROOT, 'test/e2e/sweeps/cartpole-lr-seeds.json');
  const run = await runTune(['--config', sweep, '--max-concurrent', '2', '--num-cpus', '4', '--out', out]);
  expect(run.code, run.stderr).toBe(0);
  const trialDirs = readdirSync(out).filter((f) => f.startsWith('trial_'));
  expect(trialDirs).toHaveLength(6);
  // Two at a time: the second trial started before the first ended.
  const lines = run.stdout.split('\n');
  expect(lines.indexOf('trial_00001 RUNNING  lr=0.0003')).toBeLessThan(
    lines.findIndex((l) => l.startsWith('trial_00000 TERMINATED')),
  );
  const rows = parseCsv(readFileSync(path.join(out, 'trials.csv'), 'utf8'));
  expect(rows.map((r) => [r['config/lr'], r['seed']])).toEqual([
    ['0.001', '1'],
    ['0.0003', '1'],
    ['0.0001', '1'],
    ['0.001', '2'],
    ['0.0003', '2'],
    ['0.0001', '2'],
  ]);
  for (const row of rows) {
    const dir = path.join(out, row['logdir']!);
    const results = readResults(dir);
    const returns = results.map((r) => Number(r['env_runners/episode_return_mean']));
    expect(row['status']).toBe('TERMINATED');
    expect(Number(row['training_iteration'])).toBe(results.length);
    expect(results.map((r) => r['training_iteration'])).toEqual([1, 2, 3]);
    expect(Number(row['last/env_runners/episode_return_mean'])).toBe(returns.at(-1));
    expect(Number(row['best/env_runners/episode_return_mean'])).toBe(Math.max(...returns));
    // config.json is the resolved config the trial was built with, as npm run train writes it.
    const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect((config['training'] as Record<string, unknown>)['lr']).toBe(Number(row['config/lr']));
    expect((config['debugging'] as Record<string, unknown>)['seed']).toBe(Number(row['seed']));
    expect(existsSync(path.join(dir, 'checkpoint/final.json'))).toBe(true);
  }
  const best = [...rows].sort(
    (a, b) => Number(b['last/env_runners/episode_return_mean']) - Number(a['last/env_runners/episode_return_mean']),
  )[0]!;
  expect(run.stdout).toContain(`Best trial: ${best['trial_id']} `);
});

test('a bad sweep is refused before the browser starts, every problem named', async () => {
  const file = path.join(path.dirname(tmpOut()), 'bad.json');
  writeFileSync(
    file,
    JSON.stringify({
      param_space: { lr: { loguniform: [0, 1] }, gamma: { uniform: [1] } },
      tune_config: { num_samples: 0, mode: 'best' },
    }),
  );
  const run = await runTune(['--config', file]);
  expect(run.code).toBe(2);
  for (const path of ['param_space.lr', 'param_space.gamma', 'tune_config.num_samples', 'tune_config.mode']) {
    expect(run.stderr).toContain(path);
  }
});
