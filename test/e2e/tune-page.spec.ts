/**
 * The Trials panel: a sweep in the URL (`#tune=<json>`) opens the panel with it in the editor;
 * Start runs it in the tab; the table shows Tune's states, iterations and returns; the chart has
 * one curve per trial; clicking a trial shows its policy playing. A bad sweep in the URL lists
 * every problem and cannot be started.
 */
import { expect, test } from './fixtures';

/**
 * Iterations per trial: enough that the second trial stays RUNNING for seconds (a tiny PPO
 * iteration takes a few ms on the fused learner, so 25 of them could start and end between polls).
 */
const ITERATIONS = 250;

const SMALL_SWEEP = {
  param_space: {
    env: 'CartPole-v1',
    lr: { grid_search: [1e-3, 1e-4] },
    num_env_runners: 1,
    num_envs_per_env_runner: 4,
    rollout_fragment_length: 32,
    train_batch_size_per_learner: 128,
    minibatch_size: 64,
    num_epochs: 1,
    fcnet_hiddens: [16, 16],
    num_gpus_per_learner: 0,
    seed: 3,
  },
  tune_config: { max_concurrent_trials: 1 },
  run_config: { stop: { training_iteration: ITERATIONS } },
  resources: { num_cpus: 4 },
};

const tuneUrl = (sweep: unknown): string => `/#tune=${encodeURIComponent(JSON.stringify(sweep))}`;

test('a sweep in the URL: the panel offers it, runs it, fills the table and the curves; a click shows that trial playing', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await page.goto(tuneUrl(SMALL_SWEEP));
  await page.waitForFunction(() => typeof window.rl === 'object');
  const panel = page.getByTestId('trials-panel');
  await expect(panel).toHaveAttribute('open', '');
  expect(JSON.parse(await page.getByTestId('sweep-text').inputValue())).toEqual(SMALL_SWEEP);
  // Offered, not started: no trial exists until Start is pressed.
  await expect(page.getByTestId('trial-row')).toHaveCount(0);
  // The page's own hash mirroring keeps the sweep in the URL.
  expect(await page.evaluate(() => location.hash)).toContain('tune=');

  await page.getByTestId('sweep-start').click();
  const rows = page.getByTestId('trial-row');
  await expect(rows).toHaveCount(2);
  const second = page.locator('[data-testid=trial-row][data-trial=trial_00001]');
  // One at a time: the second trial waits, and picking it says so.
  await expect(second).toHaveAttribute('data-status', 'PENDING');
  await second.getByRole('button').click();
  await expect(page.getByTestId('trial-watch-idle')).toContainText('Waiting for resources');
  // Once it runs, its own policy plays in the preview.
  await expect(second).toHaveAttribute('data-status', 'RUNNING', { timeout: 120_000 });
  const watch = page.getByTestId('trial-watch');
  await expect(watch.getByTestId('env-preview-mode')).toContainText('greedy actions', { timeout: 30_000 });
  await expect(watch.locator('.numbers')).toContainText('step', { timeout: 30_000 });

  for (const id of ['trial_00000', 'trial_00001']) {
    const row = page.locator(`[data-testid=trial-row][data-trial=${id}]`);
    await expect(row).toHaveAttribute('data-status', 'TERMINATED', { timeout: 120_000 });
    await expect(row.getByTestId('trial-iterations')).toHaveText(String(ITERATIONS));
    expect(Number(await row.getByTestId('trial-best').textContent())).toBeGreaterThan(0);
  }
  // One curve per trial, a point per iteration (the first series' count is on the chart).
  await expect(page.getByTestId('chart-trials')).toHaveAttribute('data-points', String(ITERATIONS));
  const curves = await page.evaluate(() =>
    ['trial_00000', 'trial_00001'].map((id) => window.rl.sweeps.session!.results(id).length),
  );
  expect(curves).toEqual([ITERATIONS, ITERATIONS]);
  await expect(watch).toContainText('TERMINATED');
});

test('a bad sweep in the URL: every problem listed, Start disabled', async ({ page }) => {
  await page.goto(
    tuneUrl({ param_space: { lr: { loguniform: [0, 1] } }, tune_config: { num_samples: 0, mode: 'best' } }),
  );
  await page.waitForFunction(() => typeof window.rl === 'object');
  const issues = page.getByTestId('sweep-issues');
  for (const path of ['param_space.lr', 'tune_config.num_samples', 'tune_config.mode']) {
    await expect(issues).toContainText(path);
  }
  await expect(page.getByTestId('sweep-start')).toBeDisabled();
  // Too large for a link: refused with the limit and the way out.
  await page.getByTestId('sweep-text').fill(`{"param_space": {"x": "${'a'.repeat(5000)}"}}`);
  await expect(issues).toContainText('at most 4000');
  await expect(issues).toContainText('npm run tune');
  await page.getByTestId('sweep-text').fill('{"param_space": ');
  await expect(issues).toContainText('not valid JSON');
  await expect(page.getByTestId('sweep-start')).toBeDisabled();
});

test('a 73-character link asking for a billion trials: the page stays responsive and says how many', async ({
  page,
}) => {
  // Before the count came first, the sweep check (run while the panel renders) never returned.
  await page.goto(tuneUrl({ param_space: { env: 'CartPole-v1' }, tune_config: { num_samples: 1e9 } }));
  await page.waitForFunction(() => typeof window.rl === 'object');
  const issues = page.getByTestId('sweep-issues');
  await expect(issues).toContainText('tune_config.num_samples');
  await expect(issues).toContainText('1000000000 trials');
  await expect(page.getByTestId('sweep-start')).toBeDisabled();
  // Ten grids of ten typed into the editor: counted, not expanded.
  const grids = Object.fromEntries(
    Array.from({ length: 10 }, (_, i) => [`k${i}`, { grid_search: [...Array(10).keys()] }]),
  );
  await page.getByTestId('sweep-text').fill(JSON.stringify({ param_space: { env: 'CartPole-v1', env_config: grids } }));
  await expect(issues).toContainText('10000000000 trials');
});
