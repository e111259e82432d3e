/**
 * Issue 12 through the CLI as a user runs it (`npm run train` as a subprocess): reused --out
 * folders (item 8), signals and what the run prints (item 10), and exit codes (item 12).
 * Runs are tiny (16x16 nets, one runner); the signal test uses one long iteration on purpose.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { STACK_LINE, readJson, readResults, runCli, startCli, tmpOutFactory } from './cli-process';
import { checkpointFromJson } from '../../src/app/checkpoint-codec';

// prettier-ignore
const TINY = [
  '--env', 'CartPole-v1', '--preset', 'none',
  '--num-env-runners', '1', '--num-envs-per-env-runner', '4', '--rollout-fragment-length', '32',
  '--train-batch-size-per-learner', '128', '--minibatch-size', '64', '--num-epochs', '2',
  '--fcnet-hiddens', '16,16', '--seed', '1',
];

const { tmpOut, removeTmpOuts } = tmpOutFactory('cli-safety-');
test.afterAll(removeTmpOuts);

test.describe.configure({ mode: 'serial', timeout: 240_000 });

test.describe('--out folders (item 8)', () => {
  test('a folder holding an earlier run is refused with exit 2 and left as it was', async () => {
    const out = tmpOut();
    mkdirSync(path.join(out, 'checkpoint'), { recursive: true });
    writeFileSync(path.join(out, 'result.jsonl'), '{"training_iteration":1}\n');
    writeFileSync(path.join(out, 'checkpoint', 'latest.json'), '{"earlier":"run"}');
    const run = await runCli([...TINY, '--stop-iters', '1', '--out', out]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(`--out ${out} already holds a run`);
    expect(run.stderr).toContain(`--restore ${out} --out ${out}`);
    expect(run.stderr).toContain('--overwrite');
    expect(run.stderr).not.toMatch(STACK_LINE);
    expect(readFileSync(path.join(out, 'result.jsonl'), 'utf8')).toBe('{"training_iteration":1}\n');
    expect(readFileSync(path.join(out, 'checkpoint', 'latest.json'), 'utf8')).toBe('{"earlier":"run"}');
  });

  test('a torn last result line is dropped with a warning and the run continues in place', async () => {
    const out = tmpOut();
    const first = await runCli([...TINY, '--stop-iters', '2', '--out', out]);
    expect(first.code, first.stderr).toBe(0);
    appendFileSync(path.join(out, 'result.jsonl'), '{"training_iteration":3,"num_env_st'); // killed mid-write
    const again = await runCli(['--restore', out, '--out', out, '--stop-iters', '3']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/dropped its last line 3, which is incomplete/);
    expect(readResults(out).map((r) => r['training_iteration'])).toEqual([1, 2, 3]);
  });

  test('--overwrite replaces the earlier run', async () => {
    const out = tmpOut();
    mkdirSync(path.join(out, 'checkpoint'), { recursive: true });
    writeFileSync(path.join(out, 'result.jsonl'), '{"training_iteration":7}\n');
    writeFileSync(path.join(out, 'checkpoint', 'final.json'), '{"earlier":"run"}');
    const run = await runCli([...TINY, '--stop-iters', '1', '--checkpoint-every', '0', '--overwrite', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(readResults(out).map((r) => r['training_iteration'])).toEqual([1]);
    expect(
      readJson<{ counters: { trainingIteration: number } }>(path.join(out, 'checkpoint', 'final.json')).counters,
    ).toMatchObject({ trainingIteration: 1 });
  });
});

test.describe('exit codes (item 12)', () => {
  test('input problems exit 2 with one message and no stack trace', async () => {
    const dir = tmpOut();
    mkdirSync(dir, { recursive: true });
    const notACheckpoint = path.join(dir, 'ckpt.json');
    writeFileSync(notACheckpoint, '{"format":"something else"}');
    const cases: [string, string[], NodeJS.ProcessEnv, RegExp][] = [
      ['bad flag', ['--stop-iters', 'many'], {}, /--stop-iters needs a number/],
      ['bad config', [...TINY, '--minibatch-size', '0'], {}, /Invalid config/],
      ['bad checkpoint', ['--restore', notACheckpoint], {}, /is not a checkpoint/],
      ['missing env', [...TINY, '--env', 'NoSuchEnv-v0'], {}, /unknown env 'NoSuchEnv-v0'/],
      ['no browser', [...TINY], { CHROMIUM_PATH: '/nonexistent/chromium' }, /CHROMIUM_PATH is set to/],
      ['unwritable --out', [...TINY, '--out', '/dev/null/run'], {}, /--out \/dev\/null\/run cannot be created/],
    ];
    for (const [name, args, env, message] of cases) {
      const run = await runCli(args, env);
      expect(run.code, `${name}: ${run.stderr}`).toBe(2);
      expect(run.stderr, name).toMatch(message);
      expect(run.stderr, name).not.toMatch(STACK_LINE);
    }
  });

  test('runners failing beyond tolerance exit 1, and each failure is printed as it happens (item 10)', async () => {
    const out = tmpOut();
    const run = await runCli([
      ...TINY,
      '--env',
      'CartPoleCrashing-v1',
      '--env-config',
      '{"pCrash":0.05}',
      '--restart-failed-env-runners',
      'false',
      '--stop-iters',
      '3',
      '--out',
      out,
    ]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/^env runner 1 failed; training stops: CartPoleCrashing-v1: sub-env\(s\) .* crashed/m);
    expect(readJson(path.join(out, 'summary.json'))).toMatchObject({ reason: 'error', exitCode: 1 });
  });
});

test.describe('signals and warnings (item 10)', () => {
  test('config warnings that only the page can give are printed at the start', async () => {
    const out = tmpOut();
    const run = await runCli([...TINY, '--num-cpus-per-env-runner', '64', '--stop-iters', '1', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /warning: The run asks for 65 CPUs \(numCpusForMainProcess \(1\) \+ numEnvRunners \(1\) x numCpusPerEnvRunner \(64\)\)/,
    );
  });

  // One iteration takes ~30 s here (600 epochs of 32 minibatches); the old runner finished it first.
  // prettier-ignore
  const LONG_ITERATION = [
    '--env', 'CartPole-v1', '--preset', 'none', '--seed', '1',
    '--num-env-runners', '1', '--num-envs-per-env-runner', '8', '--rollout-fragment-length', '128',
    '--train-batch-size-per-learner', '1024', '--minibatch-size', '32', '--num-epochs', '600',
    '--fcnet-hiddens', '64,64', '--stop-iters', '1000',
  ];

  test('SIGTERM mid-iteration stops within seconds, saves the last completed iteration, exits 130', async () => {
    const out = tmpOut();
    const { child, done } = startCli([...LONG_ITERATION, '--checkpoint-every', '0', '--out', out]);
    await expect
      .poll(() => (existsSync(path.join(out, 'result.jsonl')) ? readResults(out).length : 0), { timeout: 180_000 })
      .toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 1000)); // well inside iteration 2
    const sentAt = Date.now();
    child.kill('SIGTERM');
    const run = await done;
    const seconds = (Date.now() - sentAt) / 1000;
    expect(run.code, run.stderr).toBe(130);
    // The iteration is cut at its next yield point; closing the browser takes most of this.
    expect(seconds, run.stderr).toBeLessThan(5);
    expect(run.stderr).toContain('SIGTERM: stopping now and saving the last completed iteration');
    const summary = readJson(path.join(out, 'summary.json'));
    expect(summary).toMatchObject({ reason: 'interrupted', exitCode: 130, iterations: 1 });
    const ckpt = readJson<{ counters: { trainingIteration: number } }>(path.join(out, 'checkpoint', 'final.json'));
    expect(ckpt.counters.trainingIteration).toBe(1);
    expect(readResults(out)).toHaveLength(1);
  });

  test('a second signal quits at once and says so', async () => {
    const out = tmpOut();
    const { child, done } = startCli([...LONG_ITERATION, '--out', out]);
    await expect.poll(() => existsSync(path.join(out, 'config.json')), { timeout: 180_000 }).toBe(true);
    // Two different signals: two of the same kind sent at once can arrive as one.
    child.kill('SIGTERM');
    child.kill('SIGINT');
    const run = await done;
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(
      /(SIGINT|SIGTERM) \(second signal\): quitting at once without saving; no checkpoint was saved in this run\./,
    );
  });
});

test.describe('divergence (item 1)', () => {
  // prettier-ignore
  const TINY_PENDULUM = [
    '--env', 'Pendulum-v1', '--preset', 'none',
    '--num-env-runners', '1', '--num-envs-per-env-runner', '4', '--rollout-fragment-length', '32',
    '--train-batch-size-per-learner', '128', '--minibatch-size', '64', '--num-epochs', '2',
    '--fcnet-hiddens', '16,16', '--seed', '1',
  ];

  test('a diverging continuation exits 1 naming learner/diverged; every checkpoint on disk stays finite', async () => {
    const out = tmpOut();
    const good = await runCli([...TINY_PENDULUM, '--stop-iters', '2', '--checkpoint-every', '1', '--out', out]);
    expect(good.code, good.stderr).toBe(0);
    const latest = path.join(out, 'checkpoint', 'latest.json');
    const final = path.join(out, 'checkpoint', 'final.json');
    const finalBefore = readFileSync(final, 'utf8');

    // lr 1e30 makes the Gaussian head's weights non-finite within a few updates (CartPole's stay finite).
    const args = [...TINY_PENDULUM, '--lr', '1e30', '--stop-iters', '20', '--checkpoint-every', '1'];
    const run = await runCli(['--restore', out, '--out', out, ...args]);
    expect(run.code, run.stderr).toBe(1);
    const diverged = /Training iteration (\d+) diverged/.exec(run.stderr);
    expect(diverged, run.stderr).not.toBeNull();
    expect(run.stderr).toMatch(/lower/i); // the fix: lower the learning rate
    expect(run.stderr).not.toMatch(STACK_LINE);
    // Checkpoints written before the divergence are finite (the schema check refuses anything else),
    // and the one the failed iteration would have written does not exist.
    const ckpt = checkpointFromJson(readFileSync(latest, 'utf8'));
    expect(ckpt.counters.trainingIteration).toBeLessThan(Number(diverged?.[1]));
    expect(readFileSync(final, 'utf8') === finalBefore, 'final.json untouched by the failed run').toBe(true);
  });
});
