/**
 * The driver page used the way a person uses it: choosing settings, clicking buttons, reading
 * what the page shows. No calls into window.rl: everything goes through the UI.
 */
import type { Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { expect, test } from './fixtures';

/** A field by its RLlib name, which every label ends with ("EnvRunners num_env_runners"). */
const field = (page: Page, rllibName: string) => page.getByLabel(new RegExp(`\\b${rllibName}$`));

/** Tiny CartPole PPO: 2 workers x 4 envs x 32 steps = 256 steps per iteration, a 32x32 net. */
const TINY: Readonly<Record<string, string>> = {
  num_env_runners: '2',
  num_envs_per_env_runner: '4',
  rollout_fragment_length: '32',
  train_batch_size_per_learner: '256',
  minibatch_size: '128',
  num_epochs: '2',
  fcnet_hiddens: '32,32',
  seed: '1',
  stop_reward: '',
  stop_timesteps: '',
  stop_iters: '400',
};

async function configure(page: Page, values: Readonly<Record<string, string>> = TINY): Promise<void> {
  await page.getByRole('combobox', { name: /^Environment/ }).selectOption('CartPole-v1');
  await field(page, 'num_gpus_per_learner').selectOption('0');
  for (const [name, value] of Object.entries(values)) await field(page, name).fill(value);
}

async function iteration(page: Page): Promise<number> {
  return Number(await page.getByTestId('iteration').textContent());
}

async function trainUntil(page: Page, minIteration: number): Promise<void> {
  await expect(page.getByRole('button', { name: 'Train' })).toBeEnabled();
  await page.getByRole('button', { name: 'Train' }).click();
  await expect.poll(() => iteration(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(minIteration);
}

test('configure CartPole PPO, train, watch the charts, pause/resume, and survive a killed runner', async ({
  appPage: page,
  consoleErrors,
}) => {
  await configure(page);
  await expect(page.getByTestId('derived-sizes')).toContainText('2 runners × 4 envs × 32 steps');
  await trainUntil(page, 2);

  // The return chart gains points and the counter climbs.
  const points = async (): Promise<number> =>
    Number(await page.getByTestId('chart-return').getAttribute('data-points'));
  const firstPoints = await points();
  expect(firstPoints).toBeGreaterThan(0);
  await expect.poll(points, { timeout: 60_000 }).toBeGreaterThan(firstPoints);
  await expect(page.getByTestId('runner-tile')).toHaveCount(2);
  await expect(page.getByTestId('eta')).not.toHaveText('—');

  // Pause holds between iterations; Resume continues.
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'paused');
  const paused = await iteration(page);
  await page.waitForTimeout(1500);
  expect(await iteration(page)).toBe(paused);
  await page.getByRole('button', { name: 'Resume' }).click();
  await expect.poll(() => iteration(page), { timeout: 60_000 }).toBeGreaterThan(paused);

  // Kill runner 1: its tile shows the crash, then the supervisor's restart brings it back.
  const tile = page.locator('[data-testid="runner-tile"][data-worker="1"]');
  await page.getByRole('button', { name: 'Kill runner 1' }).click();
  await expect(tile.getByTestId('runner-state')).toContainText('crashed', { timeout: 30_000 });
  await expect(tile).toHaveAttribute('data-state', /^(idle|sampling)$/, { timeout: 60_000 });
  await expect(tile.getByTestId('runner-restarts')).toHaveText('1');
  await expect(page.getByTestId('failure-log')).toContainText('killed by killEnvRunner');
  const afterRestart = await iteration(page);
  await expect.poll(() => iteration(page), { timeout: 60_000 }).toBeGreaterThan(afterRestart);

  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'stopped');
  expect(consoleErrors).toEqual([]);
});

test('an invalid value shows its message next to the field and disables Train', async ({
  appPage: page,
  consoleErrors,
}) => {
  const train = page.getByRole('button', { name: 'Train' });
  await expect(train).toBeEnabled();

  await field(page, 'num_env_runners').fill('-1');
  const runnersField = page.locator('.field', { has: field(page, 'num_env_runners') });
  await expect(runnersField.getByTestId('field-issue')).toHaveText('numEnvRunners (-1) must be >= 0.');
  await expect(field(page, 'num_env_runners')).toHaveAttribute('aria-invalid', 'true');
  await expect(train).toBeDisabled();

  await field(page, 'num_env_runners').fill('2');
  await field(page, 'minibatch_size').fill('5000');
  const minibatchField = page.locator('.field', { has: field(page, 'minibatch_size') });
  await expect(minibatchField.getByTestId('field-issue')).toContainText('must be <= trainBatchSizePerLearner');
  await expect(train).toBeDisabled();

  await field(page, 'minibatch_size').fill('256');
  await expect(page.getByTestId('field-issue')).toHaveCount(0);
  await expect(train).toBeEnabled();
  expect(consoleErrors).toEqual([]);
});

test('save, download, load and export checkpoints', async ({ appPage: page, consoleErrors }, testInfo) => {
  await configure(page, { ...TINY, num_env_runners: '1' });
  await trainUntil(page, 2);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'stopped');
  const trainedTo = await iteration(page);

  // Browser storage.
  await page.getByLabel('Name', { exact: true }).fill('e2e-ckpt');
  await page.getByRole('button', { name: 'Save checkpoint' }).click();
  await expect(page.getByTestId('checkpoint-note')).toContainText('Saved “e2e-ckpt”');

  // A file, and the weights alone.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download checkpoint' }).click(),
  ]);
  const ckptPath = testInfo.outputPath('e2e-ckpt.checkpoint.json');
  await download.saveAs(ckptPath);
  expect(JSON.parse(readFileSync(ckptPath, 'utf8'))).toMatchObject({ format: 'browser-rl-checkpoint/2', algo: 'PPO' });
  const [weightsDownload] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export policy weights' }).click(),
  ]);
  const weightsPath = testInfo.outputPath('weights.json');
  await weightsDownload.saveAs(weightsPath);
  const weights = JSON.parse(readFileSync(weightsPath, 'utf8')) as {
    format: string;
    shapes: number[][];
    values: number[][];
  };
  expect(weights.format).toBe('browser-rl-policy-weights/1');
  expect(weights.shapes.length).toBe(weights.values.length);
  weights.shapes.forEach((shape, i) => expect(weights.values[i]!.length).toBe(shape.reduce((a, b) => a * b, 1)));

  // Reset forgets the run; loading the stored checkpoint brings it back, settings included.
  await page.getByRole('button', { name: 'Reset' }).click();
  await expect(page.getByTestId('iteration')).toHaveText('0');
  await field(page, 'fcnet_hiddens').fill('8');
  await page.getByLabel('Stored').selectOption('e2e-ckpt');
  await page.getByRole('button', { name: 'Load stored' }).click();
  await expect(page.getByTestId('checkpoint-note')).toContainText('Loaded “e2e-ckpt”');
  await expect(page.getByTestId('iteration')).toHaveText(String(trainedTo));
  await expect(field(page, 'fcnet_hiddens')).toHaveValue('32,32');
  await expect(page.locator('[data-testid="runner-tile"]')).toHaveCount(1);

  // Training continues from the checkpoint's iteration.
  await page.getByRole('button', { name: 'Train' }).click();
  await expect.poll(() => iteration(page), { timeout: 60_000 }).toBeGreaterThan(trainedTo);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'stopped');

  // And from a file.
  await page.getByRole('button', { name: 'Reset' }).click();
  await page.locator('#ckpt-file').setInputFiles(ckptPath);
  await expect(page.getByTestId('checkpoint-note')).toContainText('Loaded e2e-ckpt.checkpoint.json');
  await expect(page.getByTestId('iteration')).toHaveText(String(trainedTo));
  expect(consoleErrors).toEqual([]);
});

test('a shared URL reproduces the settings', async ({ appPage: page, context, consoleErrors }) => {
  await configure(page, { ...TINY, num_env_runners: '1', lr: '0.0007', seed: '7', stop_iters: '42' });
  await field(page, 'restart_failed_sub_environments').check();
  await field(page, 'fcnet_activation').selectOption('relu');
  const url = await page.getByTestId('share-url').inputValue();
  // Readable, RLlib-named keys.
  expect(url).toContain('num_env_runners=1');
  expect(url).toContain('fcnet_hiddens=32,32');
  expect(url).toContain('lr=0.0007');
  expect(url).toContain('stop_iters=42');
  expect(page.url()).toContain('num_env_runners=1');

  const other = await context.newPage();
  await other.goto(url);
  await expect(field(other, 'num_env_runners')).toHaveValue('1');
  await expect(field(other, 'num_envs_per_env_runner')).toHaveValue('4');
  await expect(field(other, 'lr')).toHaveValue('0.0007');
  await expect(field(other, 'fcnet_hiddens')).toHaveValue('32,32');
  await expect(field(other, 'fcnet_activation')).toHaveValue('relu');
  await expect(field(other, 'seed')).toHaveValue('7');
  await expect(field(other, 'num_gpus_per_learner')).toHaveValue('0');
  await expect(field(other, 'restart_failed_sub_environments')).toBeChecked();
  await expect(field(other, 'stop_iters')).toHaveValue('42');
  await expect(field(other, 'stop_reward')).toHaveValue('');
  await expect(other.getByRole('combobox', { name: /^Environment/ })).toHaveValue('CartPole-v1');
  await other.close();
  expect(consoleErrors).toEqual([]);
});

test('hide= hides panels and autostart=1 trains without a click', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  await page.goto(
    '/#preset=CartPole-v1&num_env_runners=1&num_gpus_per_learner=0&fcnet_hiddens=32,32&stop_iters=3&hide=workers,checkpoints&autostart=1',
  );
  await expect(page.getByText('EnvRunners', { exact: true })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Save checkpoint' })).toHaveCount(0);
  await expect(page.getByTestId('chart-return')).toBeVisible();
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });
  expect(await iteration(page)).toBe(3);
  await expect(page.getByTestId('eta')).toContainText('iteration limit met');
  expect(errors).toEqual([]);
});

test('a hung runner is found by a deadline and replaced', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  // Short deadlines so the hang is noticed in seconds (RLlib's defaults are 30 s and 60 s): a runner
  // that hangs between samples is caught by the weight sync's deadline (sample_timeout_s), one that
  // hangs while sampling by the health probe.
  await page.goto(
    '/#preset=CartPole-v1&num_env_runners=2&num_envs_per_env_runner=4&rollout_fragment_length=32&train_batch_size_per_learner=256' +
      '&minibatch_size=128&num_epochs=2&fcnet_hiddens=32,32&num_gpus_per_learner=0&env_runner_health_probe_timeout_s=2&sample_timeout_s=5&stop_iters=400&autostart=1',
  );
  await expect.poll(() => iteration(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(2);
  const tile = page.locator('[data-testid="runner-tile"][data-worker="2"]');
  await page.getByRole('button', { name: 'Hang runner 2' }).click();
  await expect(tile.getByTestId('runner-state')).toContainText('crashed', { timeout: 30_000 });
  await expect(page.getByTestId('failure-log')).toContainText(/EnvRunner 2 .*(did not answer|hung)/);
  await expect(tile).toHaveAttribute('data-state', /^(idle|sampling)$/, { timeout: 60_000 });
  const after = await iteration(page);
  await expect.poll(() => iteration(page), { timeout: 60_000 }).toBeGreaterThan(after);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'stopped');
  expect(errors).toEqual([]);
});

for (const mode of ['iframe', 'element'] as const) {
  test(`the embed example (${mode}) receives progress messages`, async ({ page }) => {
    const errors: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`/embed-example.html?mode=${mode}`);
    const log = page.getByTestId('message-log');
    await expect(log.locator('li[data-type="ready"]')).toHaveCount(1, { timeout: 60_000 });
    await expect(log.locator('li[data-type="progress"]').first()).toBeVisible({ timeout: 120_000 });
    await expect(log.locator('li[data-type="progress"]').first()).toContainText('"iteration":');
    await expect(log.locator('li[data-type="episode"]').first()).toContainText('"episodeReturnMean":');
    // The compact layout inside the frame: no configuration form, the charts are there.
    const frame = page.frameLocator('iframe');
    await expect(frame.getByTestId('chart-return')).toBeVisible();
    await expect(frame.getByRole('form', { name: 'Configuration' })).toHaveCount(0);
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect(log.locator('li[data-type="done"]')).toHaveCount(1, { timeout: 60_000 });
    await expect(log.locator('li[data-type="done"]')).toContainText('"reason":"stopped"');
    expect(errors).toEqual([]);
  });
}

test('an idle page draws the still env once, and again only when the env changes', async ({ page }) => {
  // Every env render starts with one full-canvas fillRect (render-utils.ts); count them.
  await page.addInitScript(() => {
    const w = window as unknown as { envFrames: number };
    w.envFrames = 0;
    const proto = CanvasRenderingContext2D.prototype;
    const fillRect = Reflect.get(proto, 'fillRect');
    proto.fillRect = function (this: CanvasRenderingContext2D, ...args: Parameters<typeof fillRect>) {
      w.envFrames++;
      fillRect.apply(this, args);
    };
  });
  await page.goto('/');
  const frames = (): Promise<number> => page.evaluate(() => (window as unknown as { envFrames: number }).envFrames);
  await expect.poll(frames).toBeGreaterThan(0);
  await page.waitForTimeout(500);
  const settled = await frames();
  await page.waitForTimeout(1500);
  // At the preview's 30 frames a second this would be ~45 more.
  expect(await frames()).toBe(settled);
  await page.getByRole('combobox', { name: /^Environment/ }).selectOption('Acrobot-v1');
  await expect.poll(frames).toBeGreaterThan(settled);
});

test("the algorithm menu lists the registered algorithms and shows the chosen one's form and charts", async ({
  appPage: page,
  consoleErrors,
}) => {
  const menu = page.getByTestId('algo-menu');
  await expect(menu).toHaveValue('PPO');
  await expect(menu.locator('option')).toContainText(['PPO — proximal policy optimization (on-policy)']);
  // PPO's own section and charts come from its spec; the shared ones stay.
  await expect(page.getByRole('heading', { name: 'PPO hyperparameters' })).toBeVisible();
  await expect(field(page, 'clip_param')).toBeVisible();
  await expect(field(page, 'num_env_runners')).toBeVisible();
  for (const id of ['chart-return', 'chart-losses', 'chart-entropy', 'chart-kl', 'chart-sps']) {
    await expect(page.getByTestId(id)).toBeVisible();
  }
  // Choosing the algorithm again keeps the settings.
  await field(page, 'lr').fill('0.0011');
  await menu.selectOption('PPO');
  await expect(field(page, 'lr')).toHaveValue('0.0011');

  // The URL picks the algorithm by any case; an unknown one is reported at the menu.
  await page.goto('/#algo=ppo&lr=0.002');
  await expect(page.getByTestId('algo-menu')).toHaveValue('PPO');
  await expect(field(page, 'lr')).toHaveValue('0.002');
  await page.goto('/');
  await page.goto('/#algo=nope&lr=0.003');
  await expect(page.getByRole('alert').filter({ hasText: "Unknown algorithm 'nope'" })).toBeVisible();
  await expect(field(page, 'lr')).toHaveValue('0.003');
  expect(consoleErrors).toEqual([]);
});
