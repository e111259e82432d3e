/**
 * A quiet first open (issue #31) on a 2-core machine: the default setup (PPO on CartPole-v1, its
 * preset) shows no warning, says which preset is in force in one plain sentence with its tuning
 * notes folded under "details", and keeps the technical device facts folded too. A layout the
 * person then chooses that oversubscribes the cores still warns.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

const field = (page: Page, rllibName: string) => page.getByLabel(new RegExp(`\\b${rllibName}$`));

/** Warnings and errors the page shows: form messages, alerts, the build prompt. */
const visibleWarnings = (page: Page) =>
  page.locator('.warning:visible, .msg.error:visible, [role="alert"]:visible, [role="alertdialog"]:visible');

test('first open at 2 cores: no warning, the preset in force in a sentence, details folded', async ({
  page,
  consoleErrors,
}) => {
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => 2, configurable: true });
  });
  await page.goto('/');
  await page.waitForFunction(() => typeof window.rl === 'object');
  await expect(page.getByTestId('device-line')).toContainText('2 cores');
  // The form has the device (cores) by now: its checks ran with hardwareConcurrency 2.
  await expect(page.getByTestId('derived-sizes')).toContainText('2 runners × 8 envs × 64 steps');
  await expect(visibleWarnings(page)).toHaveCount(0);

  // Which preset is in force, in the header and under the menu: one sentence, notes under details.
  await expect(page.getByTestId('preset-in-force')).toHaveAttribute('data-preset', 'CartPole-v1');
  await expect(page.getByTestId('preset-in-force')).toContainText("preset CartPole-v1 (the env's own)");
  const description = (await page.getByTestId('preset-description').textContent())!.trim();
  expect(description).toMatch(/^[A-Z][^.]*\.$/);
  const details = page.locator('.preset-details');
  await expect(details).not.toHaveAttribute('open');
  await expect(details.locator('small')).toBeHidden();
  await details.locator('summary').click();
  await expect(details.locator('small')).toContainText('sampleAsync');

  // The device line's technical facts are folded under its one plain phrase.
  const device = page.getByTestId('device-line');
  await expect(device.getByText(/cross-origin isolated/)).toBeHidden();
  await device.locator('summary').click();
  await expect(device.getByText(/cross-origin isolated: (yes|no)/)).toBeVisible();

  // A layout the person chose that oversubscribes the 2 cores still warns.
  await field(page, 'num_env_runners').fill('3');
  await expect(page.locator('.warning:visible').filter({ hasText: 'The run asks for 4 CPUs' })).toHaveCount(1);
  expect(consoleErrors).toEqual([]);
});
