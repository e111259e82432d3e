/**
 * IMPALA in the page, as a person uses it: pick it in the algorithm menu, train with its preset,
 * watch its own charts (policy lag, learner queue) fill, and find the choice in the URL hash.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

const field = (page: Page, rllibName: string) => page.getByLabel(new RegExp(`\\b${rllibName}$`));
const points = async (page: Page, chart: string): Promise<number> =>
  Number(await page.getByTestId(chart).getAttribute('data-points'));

test('IMPALA from the menu: its form sections, charts and URL hash', async ({ appPage: page, consoleErrors }) => {
  await page.getByTestId('algo-menu').selectOption('IMPALA');
  await expect(page.getByRole('heading', { name: 'IMPALA training' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Asynchronous sampling' })).toBeVisible();
  await expect(field(page, 'vtrace_clip_rho_threshold')).toHaveCount(1);
  await expect(field(page, 'clip_param')).toHaveCount(0);
  await field(page, 'num_gpus_per_learner').selectOption('0');
  await field(page, 'seed').fill('1');
  await page.getByRole('button', { name: 'Train' }).click();
  for (const chart of ['chart-policy-lag', 'chart-learner-queue']) {
    await expect.poll(() => points(page, chart), { timeout: 60_000 }).toBeGreaterThan(1);
  }
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'stopped');
  expect(decodeURIComponent(page.url())).toMatch(/algo=IMPALA/i);
  expect(consoleErrors).toEqual([]);
});
