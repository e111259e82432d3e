/**
 * The link from issue #31, as a teacher writes it by hand: no preset named, so the env's own
 * (MultiAgentCartPole's) applies, as it does for `npm run train` with the same keys. It trains in
 * the page to 450 for both modules within two minutes of training; the learner charts draw one
 * line per module and hold data, and the preview's agent menu lists the agents, one selected.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

const LINK = '/#env=MultiAgentCartPole&policies=p0,p1&policy_mapping_fn=0%3Dp0,1%3Dp1&autostart=1';
const points = async (page: Page, testid: string): Promise<number> =>
  Number(await page.getByTestId(testid).getAttribute('data-points'));

test('#env=MultiAgentCartPole&policies=...&autostart=1 reaches 450 for both modules in the page', async ({
  page,
  consoleErrors,
}) => {
  test.setTimeout(240_000);
  await page.goto(LINK);
  await page.waitForFunction(() => typeof window.rl === 'object');
  await expect(page.getByTestId('preset-in-force')).toHaveAttribute('data-preset', 'MultiAgentCartPole');
  // The agent menu lists both agents, one of them shown.
  const menu = page.getByTestId('preview-agent');
  await expect(menu.locator('option')).toHaveText(['0', '1']);
  await expect(menu).toHaveValue('0');
  // Two minutes of training: the preset stops once every module's 100-episode mean is 450.
  await expect.poll(() => page.evaluate(() => window.rl.status), { timeout: 120_000, intervals: [2000] }).toBe('ready');
  const last = await page.evaluate(() => window.rl.results.at(-1)!);
  console.log(
    `MultiAgentCartPole link: 450 for both modules at ${String(last['num_env_steps_sampled_lifetime'])} env steps, ` +
      `${Number(last['time_total_s']).toFixed(1)} s of training`,
  );
  expect(Number(last['env_runners/module_episode_returns_mean/p0'])).toBeGreaterThanOrEqual(450);
  expect(Number(last['env_runners/module_episode_returns_mean/p1'])).toBeGreaterThanOrEqual(450);
  // Per-module learner charts: losses and entropy hold data for each module.
  for (const chart of ['chart-losses', 'chart-entropy', 'chart-kl'])
    expect(await points(page, chart)).toBeGreaterThan(0);
  const legend = await page.getByTestId('chart-losses').textContent();
  expect(legend).toContain('p0 policy');
  expect(legend).toContain('p1 policy');
  expect(consoleErrors).toEqual([]);
});
