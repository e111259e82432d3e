/**
 * Multi-agent runs as a user meets them (issues #18, #30): PPO in the page, from a URL, with the
 * mapping shown, per-module and per-agent return curves filling, and the preview drawing one
 * agent's view; SAC on MultiAgentPendulum (Box actions) from a URL, sampling in a Web Worker; and
 * `npm run train` with --policies / --policy-mapping, its files holding every module.
 */
import path from 'node:path';
import type { Page } from '@playwright/test';
import { readJson, readResults, runCli, tmpOutFactory } from './cli-process';
import { expect, test } from './fixtures';

const { tmpOut, removeTmpOuts } = tmpOutFactory('rl-cli-multi-agent-');
test.afterAll(removeTmpOuts);

const points = async (page: Page, chart: string): Promise<number> =>
  Number(await page.getByTestId(chart).getAttribute('data-points'));

const HASH =
  '#preset=MultiAgentCartPole&env=MultiAgentCartPole&policies=p0,p1&policy_mapping_fn=0%3Dp0,1%3Dp1' +
  '&policies_to_train=p0&num_envs_per_env_runner=4&rollout_fragment_length=32&train_batch_size_per_learner=256' +
  '&minibatch_size=128&num_epochs=2&num_env_runners=1&num_gpus_per_learner=0&seed=1&stop_iters=40';

test('a multi-agent run in the page: mapping view, per-module charts with data, one agent previewed', async ({
  page,
  consoleErrors,
}) => {
  await page.goto(`/${HASH}`);
  await page.waitForFunction(() => typeof window.rl === 'object');
  // The mapping view, before anything runs: 0 -> p0 (trained), 1 -> p1 (frozen: not in policies_to_train).
  const mapping = page.getByTestId('multi-agent-mapping');
  await expect(mapping.getByTestId('mapping-row')).toHaveCount(2);
  await expect(mapping.getByTestId('mapping-row').nth(0)).toContainText(/0\s*p0\s*1\s*trained/);
  await expect(mapping.getByTestId('mapping-row').nth(1)).toContainText(/1\s*p1\s*1\s*frozen/);
  await page.getByRole('button', { name: 'Train' }).click();
  // Per-module and per-agent curves get points (an episode must end first: a random pole falls in ~20 steps).
  for (const chart of ['chart-module-returns', 'chart-agent-returns']) {
    await expect.poll(() => points(page, chart), { timeout: 90_000 }).toBeGreaterThan(2);
  }
  const last = await page.evaluate(() => window.rl.results.at(-1)!);
  expect(Number(last['env_runners/module_episode_returns_mean/p0'])).toBeGreaterThan(0);
  expect(Number(last['env_runners/module_episode_returns_mean/p1'])).toBeGreaterThan(0);
  expect(Number(last['num_agent_steps_sampled_lifetime'])).toBeGreaterThan(
    Number(last['num_env_steps_sampled_lifetime']),
  );
  expect(last['learners/p0/num_module_steps_trained']).toBeGreaterThan(0);
  expect(last['learners/p1/num_module_steps_trained']).toBeUndefined(); // frozen
  // The runner is a Web Worker (num_env_runners=1), not the page.
  const runners = await page.evaluate(() => window.rl.faults.runners().map((r) => r.workerIndex));
  expect(runners).toEqual([1]);
  // The preview plays agent 1 when picked, and says which module drives it.
  await page.getByTestId('preview-agent').selectOption('1');
  await expect(page.getByTestId('preview-agent-numbers')).toContainText('agent 1 → module p1', { timeout: 30_000 });
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', /stopped|ready/);
  expect(decodeURIComponent(page.url())).toMatch(/policies=p0,p1/);
  expect(consoleErrors).toEqual([]);
});

test('SAC on MultiAgentPendulum from a URL: Box actions sampled in a worker, one learner and buffer per module', async ({
  page,
  consoleErrors,
}) => {
  const hash =
    // One env copy, so the 3 iterations (300+ env steps) end a 200-step Pendulum episode.
    '#algo=SAC&env=MultiAgentPendulum&policies=p0,p1&policy_mapping_fn=0%3Dp0,1%3Dp1&num_env_runners=1&num_envs_per_env_runner=1' +
    '&num_steps_sampled_before_learning_starts=64&min_sample_timesteps_per_iteration=100&train_batch_size_per_learner=16' +
    '&num_gpus_per_learner=0&seed=1&stop_iters=3';
  await page.goto(`/${hash}`);
  await page.waitForFunction(() => typeof window.rl === 'object');
  await expect(page.getByTestId('multi-agent-mapping').getByTestId('mapping-row')).toHaveCount(2);
  await page.getByRole('button', { name: 'Train' }).click();
  await expect
    .poll(() => page.evaluate(() => window.rl.results.length), { timeout: 120_000 })
    .toBeGreaterThanOrEqual(3);
  const last = await page.evaluate(() => window.rl.results.at(-1)!);
  expect(await page.evaluate(() => window.rl.algorithm?.config.algo)).toBe('SAC');
  for (const id of ['p0', 'p1']) {
    expect(Number(last[`learners/${id}/num_module_steps_trained`])).toBeGreaterThan(0);
    expect(Number(last[`replay_buffer/${id}/size`])).toBe(Number(last['num_env_steps_sampled_lifetime']));
    expect(Number.isFinite(Number(last[`env_runners/module_episode_returns_mean/${id}`]))).toBe(true);
  }
  const runners = await page.evaluate(() => window.rl.faults.runners().map((r) => r.workerIndex));
  expect(runners).toEqual([1]);
  // The preview acts with each agent's module: Box torques, no error.
  await page.getByTestId('preview-agent').selectOption('1');
  await expect(page.getByTestId('preview-agent-numbers')).toContainText('agent 1 → module p1', { timeout: 30_000 });
  expect(consoleErrors).toEqual([]);
});

test('npm run train with --policies / --policy-mapping: progress per module, files, checkpoint of every module', async () => {
  const out = tmpOut();
  const run = await runCli([
    '--env',
    'MultiAgentCartPole',
    '--policies',
    'p0,p1',
    '--policy-mapping',
    '0=p0,1=p1',
    '--num-env-runners',
    '1',
    '--num-envs-per-env-runner',
    '4',
    '--train-batch-size-per-learner',
    '256',
    '--minibatch-size',
    '128',
    '--stop-iters',
    '3',
    '--seed',
    '1',
    '--out',
    out,
  ]);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toMatch(/multi-agent modules p0, p1 \(all trained\); mapping 0 -> p0, 1 -> p1/);
  expect(run.stdout).toMatch(/iter +3 \| .* \| modules p0 [\d.]+, p1 [\d.]+ \| agent steps [\d,]+/);
  const results = readResults(out);
  expect(results).toHaveLength(3);
  expect(Number(results[2]!['num_env_steps_sampled_lifetime'])).toBe(768);
  expect(results[2]!['learners/p1/num_module_steps_trained']).toBeGreaterThan(0);
  const config = readJson<{ multiAgent: unknown }>(path.join(out, 'config.json'));
  expect(config.multiAgent).toEqual({
    policies: ['p0', 'p1'],
    policyMappingFn: { '0': 'p0', '1': 'p1' },
    policiesToTrain: null,
    stackModules: true,
    splitAgentsAcrossEnvRunners: false,
  });
  const ckpt = readJson<{ weights: { names: string[] }; modules: Record<string, unknown> }>(
    path.join(out, 'checkpoint', 'final.json'),
  );
  const modules = new Set(ckpt.weights.names.map((n) => n.split('/')[0]));
  expect([...modules].sort()).toEqual(['p0', 'p1']);
  expect(Object.keys(ckpt.modules).sort()).toEqual(['p0', 'p1']); // each trained module's learner state

  // Resumes from it; a mapping to a module that does not exist is refused before training, naming the fix.
  const resumed = await runCli(['--restore', out, '--stop-iters', '4', '--out', tmpOut()]);
  expect(resumed.code, resumed.stderr).toBe(0);
  const bad = await runCli([
    '--env',
    'MultiAgentCartPole',
    '--policies',
    'p0,p1',
    '--policy-mapping',
    '0=p0,1=p9',
    '--out',
    tmpOut(),
  ]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/policyMappingFn.*pattern "1" maps to "p9", which is not in policies/);
});
