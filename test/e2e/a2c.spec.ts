/**
 * A2C end to end, as a user runs it: `npm run train -- --algo a2c` in a subprocess, with an
 * RLlib user's snake_case keys, in worker runners. It trains a few iterations of one gradient step
 * per batch, writes A2C's learner results and a checkpoint, and `--restore` continues it. Then the
 * page: A2C from the menu, its form and its charts.
 */
import path from 'node:path';
import type { Page } from '@playwright/test';
import { readJson, readResults, runCli, tmpOutFactory } from './cli-process';
import { expect, test } from './fixtures';

// prettier-ignore
const TINY = [
  '--algo', 'a2c',
  '--env', 'CartPole-v1',
  '--num_env_runners', '1',
  '--num_envs_per_env_runner', '4',
  '--train_batch_size', '64',
  '--min_sample_timesteps_per_iteration', '256',
  '--microbatch_size', '16',
  '--use_gae', 'false',
  '--fcnet_hiddens', '16,16',
  '--seed', '1',
];

const { tmpOut, removeTmpOuts } = tmpOutFactory('a2c-e2e-');
test.afterAll(removeTmpOuts);

test('npm run train --algo a2c: a few iterations, A2C results, a checkpoint that resumes', async () => {
  test.setTimeout(240_000);
  const out = tmpOut();
  const run = await runCli([...TINY, '--stop-iters', '3', '--out', out]);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toContain('A2C on CartPole-v1');
  expect(run.stdout).toContain('returns - V, 1 step per 64-step batch, >= 256 env steps per iteration');

  const results = readResults(out);
  expect(results.map((r) => r['training_iteration'])).toEqual([1, 2, 3]);
  for (const r of results) {
    // 256 env steps per iteration: four 64-step batches, one gradient step each.
    expect(r['num_env_steps_sampled']).toBe(256);
    expect(r['num_env_steps_trained']).toBe(256);
    expect(r['learners/default_policy/num_module_steps_trained']).toBe(256);
    for (const key of ['policy_loss', 'vf_loss', 'entropy', 'vf_explained_var', 'gradient_global_norm']) {
      expect(Number.isFinite(r[`learners/default_policy/${key}`]), key).toBe(true);
    }
    expect(r['learners/default_policy/approx_kl']).toBeUndefined(); // PPO's, not A2C's
  }
  const config = readJson<{ algo: string; training: Record<string, unknown> }>(path.join(out, 'config.json'));
  expect(config.algo).toBe('A2C');
  expect(config.training).toMatchObject({ useGae: false, microbatchSize: 16, trainBatchSizePerLearner: 64 });

  const resumed = await runCli([...TINY, '--restore', out, '--stop-iters', '5', '--out', `${out}-resumed`]);
  expect(resumed.code, resumed.stderr).toBe(0);
  const more = readResults(`${out}-resumed`);
  expect(more.map((r) => r['training_iteration'])).toEqual([4, 5]);
  expect(more[0]!['num_env_steps_sampled_lifetime']).toBe(256 * 4);
});

const field = (page: Page, rllibName: string) => page.getByLabel(new RegExp(`\\b${rllibName}$`));

test('A2C from the page menu: its form, a short run, its charts', async ({ appPage: page, consoleErrors }) => {
  await page.getByTestId('algo-menu').selectOption('A2C');
  await expect(page.getByRole('heading', { name: 'A2C hyperparameters' })).toBeVisible();
  await expect(field(page, 'clip_param')).toHaveCount(0);
  await page.getByRole('combobox', { name: /^Environment/ }).selectOption('CartPole-v1');
  await field(page, 'num_gpus_per_learner').selectOption('0');
  const tiny: Record<string, string> = {
    num_env_runners: '0',
    num_envs_per_env_runner: '4',
    train_batch_size: '64',
    fcnet_hiddens: '16',
    seed: '1',
    stop_reward: '',
    stop_timesteps: '',
    stop_iters: '200',
  };
  for (const [name, value] of Object.entries(tiny)) await field(page, name).fill(value);
  await page.getByRole('button', { name: 'Train' }).click();
  const iteration = async (): Promise<number> => Number(await page.getByTestId('iteration').textContent());
  await expect.poll(iteration, { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
  for (const chart of ['chart-losses', 'chart-entropy', 'chart-grad-norm']) {
    await expect
      .poll(async () => Number(await page.getByTestId(chart).getAttribute('data-points')), { timeout: 30_000 })
      .toBeGreaterThan(0);
  }
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'stopped');
  expect(consoleErrors).toEqual([]);
});
