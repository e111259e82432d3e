/**
 * Offline data on the page, used as a person would: train a tiny PPO agent, record its episodes
 * as a Parquet download, switch to BC, load that file with "Load offline data file", and train:
 * the return shown is BC's evaluation in the env. The downloaded file is read back in Node.
 */
import type { Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { readEpisodesParquet } from '../../src/offline/parquet-episodes';
import { expect, test } from './fixtures';

const field = (page: Page, rllibName: string) => page.getByLabel(new RegExp(`\\b${rllibName}$`));

async function iteration(page: Page): Promise<number> {
  return Number(await page.getByTestId('iteration').textContent());
}

test('record a PPO agent on the page, then train BC on the downloaded file', async ({
  appPage: page,
  consoleErrors,
}, testInfo) => {
  await page.getByRole('combobox', { name: /^Environment/ }).selectOption('CartPole-v1');
  const tiny = { num_env_runners: '1', num_envs_per_env_runner: '4', rollout_fragment_length: '32' };
  for (const [name, value] of Object.entries({ ...tiny, fcnet_hiddens: '32,32', seed: '1', stop_iters: '2' }))
    await field(page, name).fill(value);
  await field(page, 'num_gpus_per_learner').selectOption('0');
  await page.getByRole('button', { name: 'Train' }).click();
  await expect.poll(() => iteration(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(2);
  await expect(page.getByRole('button', { name: 'Record episodes' })).toBeEnabled();

  await page.getByLabel('Steps to record').fill('1000');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Record episodes' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^CartPole-v1-\d+-steps\.parquet$/);
  const file = testInfo.outputPath(download.suggestedFilename());
  await download.saveAs(file);
  await expect(page.getByTestId('offline-note')).toContainText('Downloaded CartPole-v1-');
  const table = await readEpisodesParquet(readFileSync(file), file);
  expect(table.numRows).toBeGreaterThanOrEqual(1000);
  expect([table.env, table.obsDim, table.actionKind]).toEqual(['CartPole-v1', 4, 'discrete']);

  // BC: its form asks for offline data; loading the file fills it in.
  await page.getByTestId('algo-menu').selectOption('BC');
  await expect(page.getByRole('heading', { name: 'Offline data and evaluation' })).toBeVisible();
  await page.locator('#offline-file').setInputFiles(file);
  await expect(page.getByTestId('offline-note')).toContainText('offline data set to it');
  await expect(field(page, 'input')).toHaveValue(download.suggestedFilename());
  for (const [name, value] of Object.entries({ num_env_runners: '1', stop_reward: '', stop_iters: '2' }))
    await field(page, name).fill(value);
  await field(page, 'num_gpus_per_learner').selectOption('0');
  await page.getByRole('button', { name: 'Train' }).click();
  await expect.poll(() => iteration(page), { timeout: 120_000 }).toBe(2);
  // The return shown is the evaluation's: a number, not the "—" of a run without episodes.
  await expect(page.getByTestId('return-mean')).toHaveText(/^\d/);
  expect(consoleErrors).toEqual([]);
});
