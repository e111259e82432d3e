/**
 * SAC in the page, used as a person uses it: pick it in the algorithm menu, Pendulum-v1, set a
 * few fields, train, watch its own charts (alpha and entropy, Q values, losses), save a
 * checkpoint to browser storage and load it back. No calls into window.rl.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

const field = (page: Page, rllibName: string) => page.getByLabel(new RegExp(`\\b${rllibName.replace('.', '\\.')}$`));

/** Tiny SAC: the local runner, 32-unit nets, batch 32, learning from the 200th step. */
const TINY: Readonly<Record<string, string>> = {
  'policy_model_config.fcnet_hiddens': '32',
  'q_model_config.fcnet_hiddens': '32',
  train_batch_size_per_learner: '32',
  num_steps_sampled_before_learning_starts: '200',
  'replay_buffer_config.capacity': '5000',
  seed: '1',
  stop_reward: '',
  stop_timesteps: '',
  stop_iters: '400',
};

const iteration = async (page: Page): Promise<number> => Number(await page.getByTestId('iteration').textContent());
const points = async (page: Page, chart: string): Promise<number> =>
  Number(await page.getByTestId(chart).getAttribute('data-points'));

test('SAC from the menu: configure, train, watch its charts, save and load a checkpoint', async ({
  appPage: page,
  consoleErrors,
}) => {
  await page.getByTestId('algo-menu').selectOption('SAC');
  await expect(page.getByRole('heading', { name: 'SAC training' })).toBeVisible();
  await expect(field(page, 'clip_param')).toHaveCount(0);
  await page.getByRole('combobox', { name: /^Environment/ }).selectOption('Pendulum-v1');
  await field(page, 'num_gpus_per_learner').selectOption('0');
  for (const [name, value] of Object.entries(TINY)) await field(page, name).fill(value);

  await expect(page.getByRole('button', { name: 'Train' })).toBeEnabled();
  await page.getByRole('button', { name: 'Train' }).click();
  await expect.poll(() => iteration(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(2);
  // SAC's charts come from its spec and fill once learning has started.
  for (const chart of ['chart-alpha', 'chart-q-values', 'chart-sac-losses']) {
    await expect.poll(() => points(page, chart), { timeout: 60_000 }).toBeGreaterThan(0);
  }
  await expect(page.getByTestId('chart-kl')).toHaveCount(0);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'stopped');
  const trainedTo = await iteration(page);

  await page.getByLabel('Name', { exact: true }).fill('e2e-sac');
  await page.getByRole('button', { name: 'Save checkpoint' }).click();
  await expect(page.getByTestId('checkpoint-note')).toContainText('Saved “e2e-sac”');

  // Reset, switch to PPO, then load: the checkpoint brings SAC and its settings back.
  await page.getByRole('button', { name: 'Reset' }).click();
  await expect(page.getByTestId('iteration')).toHaveText('0');
  await page.getByTestId('algo-menu').selectOption('PPO');
  await page.getByLabel('Stored').selectOption('e2e-sac');
  await page.getByRole('button', { name: 'Load stored' }).click();
  await expect(page.getByTestId('checkpoint-note')).toContainText('Loaded “e2e-sac”');
  await expect(page.getByTestId('algo-menu')).toHaveValue('SAC');
  await expect(page.getByTestId('iteration')).toHaveText(String(trainedTo));
  await expect(field(page, 'q_model_config.fcnet_hiddens')).toHaveValue('32');

  // Training continues from the checkpoint's iteration.
  await page.getByRole('button', { name: 'Train' }).click();
  await expect.poll(() => iteration(page), { timeout: 120_000 }).toBeGreaterThan(trainedTo);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'stopped');
  expect(consoleErrors).toEqual([]);
});
