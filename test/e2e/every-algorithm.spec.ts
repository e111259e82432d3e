/**
 * Every algorithm's page works as PPO's does (issue #31): on a 2-core machine each of the eight
 * algorithms is chosen from the menu (on an env it trains: Pendulum-v1 for SAC), trains two
 * iterations from its preset (SAC four: its Pendulum preset steps 4 copies 256 env steps an
 * iteration, and a Pendulum episode is 200 steps, so the return chart's first point comes in the
 * fourth), and every chart its spec declares holds data, checked by the
 * points each chart reports (not by a screenshot). MARWIL and BC train on episodes the PPO run
 * recorded first, loaded through the offline-data panel as a person would.
 */
import type { Page } from '@playwright/test';
import { getSpec } from '../../src/algorithms/registry';
import { expect, test } from './fixtures';

const field = (page: Page, rllibName: string) => page.getByLabel(new RegExp(`\\b${rllibName}$`));
const iteration = async (page: Page): Promise<number> => Number(await page.getByTestId('iteration').textContent());
const points = async (page: Page, testid: string): Promise<number> =>
  Number(await page.getByTestId(testid).getAttribute('data-points'));

/** The algorithms in menu order, each with the env it trains on here. */
const ALGORITHMS: readonly {
  readonly algo: string;
  readonly env: string;
  readonly offline?: boolean;
  readonly iterations?: number;
}[] = [
  { algo: 'PPO', env: 'CartPole-v1' },
  { algo: 'DQN', env: 'CartPole-v1' },
  { algo: 'SAC', env: 'Pendulum-v1', iterations: 4 },
  { algo: 'IMPALA', env: 'CartPole-v1' },
  { algo: 'APPO', env: 'CartPole-v1' },
  { algo: 'A2C', env: 'CartPole-v1' },
  { algo: 'MARWIL', env: 'CartPole-v1', offline: true },
  { algo: 'BC', env: 'CartPole-v1', offline: true },
];

async function trainIterations(page: Page, iterations: number): Promise<void> {
  await field(page, 'num_gpus_per_learner').selectOption('0');
  const stop = { seed: '1', stop_reward: '', stop_timesteps: '', stop_iters: String(iterations) };
  for (const [name, value] of Object.entries(stop)) await field(page, name).fill(value);
  await expect(page.getByRole('button', { name: 'Train' })).toBeEnabled();
  await page.getByRole('button', { name: 'Train' }).click();
  await expect.poll(() => iteration(page), { timeout: 150_000 }).toBe(iterations);
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'ready', { timeout: 30_000 });
}

test('each of the eight algorithms trains two iterations from the menu, every chart with data', async ({
  page,
  consoleErrors,
}, testInfo) => {
  test.setTimeout(900_000);
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => 2, configurable: true });
  });
  await page.goto('/');
  await page.waitForFunction(() => typeof window.rl === 'object');
  let recording: string | null = null;
  for (const { algo, env, offline, iterations } of ALGORITHMS) {
    await page.getByTestId('algo-menu').selectOption(algo);
    await page.getByRole('combobox', { name: /^Environment/ }).selectOption(env);
    if (offline) {
      await page.locator('#offline-file').setInputFiles(recording!);
      await expect(page.getByTestId('offline-note')).toContainText('offline data set to it');
    }
    if (algo === 'DQN') {
      // The summary states what an iteration really samples (the wall-time preset: 8 envs x 8 steps), not one round.
      await expect(page.getByTestId('derived-sizes')).toContainText(
        '64 env steps per round; 16 training steps (sample, update, weight sync) = 1,024 env steps per iteration.',
      );
    }
    await trainIterations(page, iterations ?? 2);
    const declared = ['chart-return', ...getSpec(algo).charts.map((c) => c.testid), ...(offline ? [] : ['chart-sps'])];
    for (const chart of declared) {
      await expect
        .poll(() => points(page, chart), { message: `${algo}: ${chart}`, timeout: 10_000 })
        .toBeGreaterThan(0);
    }
    if (algo === 'PPO') {
      // Episodes for MARWIL and BC, recorded from this policy and downloaded.
      await page.getByLabel('Steps to record').fill('2000');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Record episodes' }).click(),
      ]);
      recording = testInfo.outputPath(download.suggestedFilename());
      await download.saveAs(recording);
    }
  }
  expect(consoleErrors).toEqual([]);
});
