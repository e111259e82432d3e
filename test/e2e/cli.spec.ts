/**
 * The headless runner (`npm run train`), run as a subprocess exactly as a user runs it: it serves
 * dist/ itself on a free port (not the test web server), drives Chromium, and writes its --out
 * files. Runs are tiny (16x16 nets, 128-step batches, one runner) so the file stays around two
 * minutes on a 2-core machine. The first block checks argument handling in-process, no browser.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { STACK_LINE, readJson, readResults, runCli, startCli, tmpOutFactory, type Row } from './cli-process';
import { parseArgs } from '../../src/cli/args';
import { planRun } from '../../src/cli/plan';

// prettier-ignore
const TINY = [
  '--env', 'CartPole-v1',
  '--num-env-runners', '1',
  '--num-envs-per-env-runner', '4',
  '--rollout-fragment-length', '32',
  '--train-batch-size-per-learner', '128',
  '--minibatch-size', '64',
  '--num-epochs', '2',
  '--fcnet-hiddens', '16,16',
  '--seed', '1',
];

const { tmpOut, removeTmpOuts } = tmpOutFactory('cli-e2e-');
test.afterAll(removeTmpOuts);
const column = (rows: Row[], key: string): number[] => rows.map((r) => Number(r[key]));
const increasing = (xs: number[]): boolean => xs.every((x, i) => i === 0 || x > xs[i - 1]!);

test.describe('argument parsing (no browser)', () => {
  test('RLlib snake_case, kebab-case and dotted config flags resolve to config paths', () => {
    const opts = parseArgs([
      '--num_env_runners',
      '3',
      '--lr=3e-4',
      '--fcnet-hiddens',
      '16,16',
      '--training.clip-param',
      '0.1',
    ]);
    expect(opts.configFlags.map((f) => [f.path, f.value])).toEqual([
      ['envRunners.numEnvRunners', 3],
      ['training.lr', 3e-4],
      ['rlModule.fcnetHiddens', [16, 16]],
      ['training.clipParam', 0.1],
    ]);
  });

  test('--env applies its preset and the preset stop; --preset none falls back to 100 iterations', () => {
    const plan = planRun(parseArgs(['--env', 'CartPole-v1', '--num-env-runners', '1']));
    expect(plan.presetNote).toContain("preset 'CartPole-v1'");
    expect(plan.stop['env_runners/episode_return_mean']).toBe(450);
    const envRunners = plan.configInput['envRunners'] as Record<string, unknown>;
    expect(envRunners['numEnvRunners']).toBe(1); // the flag overrides the preset
    expect(envRunners['numEnvsPerEnvRunner']).toBe(8); // the preset's value stays
    const plain = planRun(parseArgs(['--env', 'CartPole-v1', '--preset', 'none']));
    expect(plain.presetNote).toBe("PPO's plain defaults (--preset none)");
    expect(plain.stop).toEqual({ training_iteration: 100 });
  });

  test('WebGPU launch flags only when asked for', () => {
    expect(planRun(parseArgs(['--preset', 'none'])).launchWebGpu).toBe(false);
    const gpu = planRun(parseArgs(['--backend', 'webgpu']));
    expect([gpu.launchWebGpu, gpu.backend]).toEqual([true, 'webgpu']);
    expect(planRun(parseArgs(['--num-gpus-per-learner', '1'])).launchWebGpu).toBe(true);
    const auto = planRun(parseArgs(['--backend', 'auto']));
    expect([auto.launchWebGpu, auto.backend]).toEqual([true, undefined]);
    expect(planRun(parseArgs(['--backend', 'wasm'])).launchWebGpu).toBe(false);
  });
});

test.describe('npm run train', () => {
  test.describe.configure({ mode: 'serial', timeout: 240_000 });
  let firstRun = '';

  test('a short CartPole run writes every file with consistent contents', async () => {
    const out = tmpOut();
    const run = await runCli([...TINY, '--stop-iters', '3', '--checkpoint-every', '2', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('PPO on CartPole-v1');
    expect(run.stdout).toMatch(/device\s+(wasm|cpu) \(adapter: /);
    expect(run.stdout).toContain('Done: training_iteration reached its stop value.');

    const results = readResults(out);
    const summary = readJson(path.join(out, 'summary.json'));
    expect(column(results, 'training_iteration')).toEqual([1, 2, 3]);
    expect(summary).toMatchObject({ reason: 'stop-criterion', criterion: 'training_iteration', iterations: 3 });
    expect(summary).toMatchObject({ pageCrashes: 0, reached: true, exitCode: 0 });
    expect(summary['numEnvStepsSampledLifetime']).toBe(results[2]!['num_env_steps_sampled_lifetime']);
    expect(results.every((r) => typeof r['time_total_s'] === 'number')).toBe(true);
    expect(increasing(column(results, 'num_env_steps_sampled_lifetime'))).toBe(true);

    const csv = readFileSync(path.join(out, 'progress.csv'), 'utf8').trim().split('\n');
    const header = csv[0]!.split(',');
    expect(csv).toHaveLength(1 + results.length);
    expect(header).toEqual(
      expect.arrayContaining(['training_iteration', 'time_total_s', 'env_runners/episode_return_mean']),
    );
    const iterCol = header.indexOf('training_iteration');
    expect(csv.slice(1).map((row) => Number(row.split(',')[iterCol]))).toEqual([1, 2, 3]);

    const config = readJson<{
      rlModule: { fcnetHiddens: number[] };
      envRunners: { numEnvRunners: number };
      debugging: { seed: number };
    }>(path.join(out, 'config.json'));
    expect(config.rlModule.fcnetHiddens).toEqual([16, 16]);
    expect(config.envRunners.numEnvRunners).toBe(1);
    expect(config.debugging.seed).toBe(1);

    for (const name of ['latest.json', 'final.json']) {
      const ckpt = readJson<{ format: string; counters: { trainingIteration: number } }>(
        path.join(out, 'checkpoint', name),
      );
      expect(ckpt.format).toMatch(/^browser-rl-checkpoint\//);
      expect(ckpt.counters.trainingIteration).toBe(3);
    }
    const png = readFileSync(path.join(out, 'curve.png'));
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(png.length).toBeGreaterThan(1024);
    expect(existsSync(path.join(out, 'console.log'))).toBe(true);
    firstRun = out;
  });

  test('--restore continues the counters of the checkpoint', async () => {
    expect(firstRun, 'needs the previous test').not.toBe('');
    const ckpt = readJson<{ counters: { trainingIteration: number; numEnvStepsSampledLifetime: number } }>(
      path.join(firstRun, 'checkpoint', 'latest.json'),
    );
    const out = tmpOut();
    const run = await runCli(['--restore', firstRun, '--stop-iters', '5', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('restored');
    const results = readResults(out);
    expect(results[0]!['training_iteration']).toBeGreaterThan(ckpt.counters.trainingIteration);
    expect(results[0]!['num_env_steps_sampled_lifetime']).toBeGreaterThan(ckpt.counters.numEnvStepsSampledLifetime);
    // --stop-iters counts the restored iterations: 3 restored + 2 new.
    expect(column(results, 'training_iteration')).toEqual([4, 5]);
    expect(readJson(path.join(out, 'summary.json'))).toMatchObject({ iterations: 5, iterationsThisRun: 2 });
  });
});

test.describe('npm run train: exit codes', () => {
  test.describe.configure({ timeout: 240_000 });

  test('--as-test exits 1 when the reward is not reached (and --json streams results)', async () => {
    const out = tmpOut();
    const run = await runCli([
      ...TINY,
      '--as-test',
      '--stop-reward',
      '500',
      '--stop-iters',
      '2',
      '--json',
      '--out',
      out,
    ]);
    expect(run.code, run.stderr).toBe(1);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Row);
    expect(column(lines, 'training_iteration')).toEqual([1, 2]);
    expect(run.stderr).toContain('--as-test');
    expect(readJson(path.join(out, 'summary.json'))).toMatchObject({ reached: false, exitCode: 1, stopReward: 500 });
  });

  test('--as-test exits 0 when the reward is reached', async () => {
    // An untrained CartPole policy already averages ~20 steps per episode; seed 1 is fixed.
    const out = tmpOut();
    // A 20-episode window: a reward stop waits for a full window (88 episodes fit in 30 iterations).
    const run = await runCli([
      ...TINY,
      ...['--metrics-num-episodes-for-smoothing', '20', '--as-test', '--stop-reward', '15', '--stop-iters', '30'],
      ...['--out', out],
    ]);
    expect(run.code, run.stderr).toBe(0);
    const summary = readJson(path.join(out, 'summary.json'));
    expect(summary).toMatchObject({ reached: true, criterion: 'env_runners/episode_return_mean' });
    expect(summary['finalReturn']).toBeGreaterThanOrEqual(15);
  });

  test('an unknown option exits 2 with a suggestion and no stack trace', async () => {
    const run = await runCli(['--num-env-runner', '2']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown option --num-env-runner (did you mean --num-env-runners?)');
    expect(run.stderr).not.toMatch(STACK_LINE);
    const bad = await runCli(['--stop-iters', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--stop-iters needs a number');
  });

  test('an invalid config exits 2 naming the problem, without a stack trace or a run dir', async () => {
    const out = tmpOut();
    const run = await runCli([
      ...TINY,
      '--minibatch-size',
      '99999',
      '--train-batch-size-per-learner',
      '100',
      '--out',
      out,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Invalid config');
    expect(run.stderr).toContain('minibatchSize (99999) must be <= trainBatchSizePerLearner (100)');
    expect(run.stderr).not.toMatch(STACK_LINE);
    expect(existsSync(out)).toBe(false);
  });
});

test.describe('npm run train: robustness', () => {
  test.describe.configure({ timeout: 240_000 });

  test('a page crash mid-run resumes from the last checkpoint and finishes', async () => {
    const out = tmpOut();
    const args = [
      ...TINY,
      '--stop-iters',
      '5',
      '--checkpoint-every',
      '2',
      '--debug-crash-after-iter',
      '3',
      '--out',
      out,
    ];
    const run = await runCli(args);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('resuming from the checkpoint at iteration 2');
    const summary = readJson(path.join(out, 'summary.json'));
    expect(summary).toMatchObject({ pageCrashes: 1, iterations: 5, reason: 'stop-criterion' });
    const results = readResults(out);
    // Iteration 3 ran twice (before the crash and after the resume from iteration 2); only the redo is kept.
    expect(column(results, 'training_iteration')).toEqual([1, 2, 3, 4, 5]);
    expect(increasing(column(results, 'num_env_steps_sampled_lifetime'))).toBe(true);
    expect(increasing(column(results, 'time_total_s'))).toBe(true);
    expect(readFileSync(path.join(out, 'console.log'), 'utf8')).toContain('page crashed');
  });

  test('Ctrl-C (SIGINT) saves a checkpoint and exits 130', async () => {
    const out = tmpOut();
    const { child, done } = startCli([...TINY, '--stop-iters', '100000', '--out', out]);
    await expect
      .poll(() => (existsSync(path.join(out, 'result.jsonl')) ? readResults(out).length : 0), { timeout: 120_000 })
      .toBeGreaterThanOrEqual(3);
    child.kill('SIGINT');
    const run = await done;
    expect(run.code).toBe(130);
    const summary = readJson(path.join(out, 'summary.json'));
    expect(summary).toMatchObject({ reason: 'interrupted', exitCode: 130 });
    const ckpt = readJson<{ counters: { trainingIteration: number } }>(path.join(out, 'checkpoint', 'final.json'));
    expect(ckpt.counters.trainingIteration).toBe(summary['iterations']);
    expect(readResults(out)).toHaveLength(Number(summary['iterations']));
  });
});
