/**
 * The env preview (issue 12, item 14): before any run it shows the env's initial state (reset with
 * the configured seed), and after a run ends, at its stop criterion or by Stop, it keeps playing
 * the last policy instead of reading "waiting for a policy".
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

const TINY =
  'env=CartPole-v1&num_env_runners=1&num_envs_per_env_runner=4&rollout_fragment_length=32' +
  '&train_batch_size_per_learner=128&minibatch_size=64&num_epochs=1&fcnet_hiddens=16,16&seed=3';

/** Distinct colours on the preview canvas: a blank canvas has 1, a drawn CartPole several. */
function previewColours(page: Page): Promise<number> {
  return page
    .getByTestId('env-preview')
    .locator('canvas')
    .evaluate((c: HTMLCanvasElement) => {
      const ctx = c.getContext('2d');
      if (!ctx || c.width < 2) return 0;
      const px = ctx.getImageData(0, 0, c.width, c.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < px.length; i += 4 * 7) seen.add((px[i]! << 16) | (px[i + 1]! << 8) | px[i + 2]!);
      return seen.size;
    });
}

const stepText = (page: Page): Promise<string> => page.getByTestId('env-preview').locator('.numbers').innerText();

test('before any run the preview shows the env, reset with the configured seed', async ({ page }) => {
  await page.goto(`/#${TINY}`);
  await page.waitForFunction(() => typeof window.rl === 'object');
  await expect.poll(() => previewColours(page), { timeout: 30_000 }).toBeGreaterThan(2);
  await expect(page.getByTestId('env-preview-mode')).toHaveText('initial state · seed 3');
});

for (const ending of ['stop criterion', 'Stop'] as const) {
  test(`after a run ends (${ending}) the preview keeps playing the last policy`, async ({ page }) => {
    const stop = ending === 'Stop' ? 'stop_iters=100000' : 'stop_iters=2';
    await page.goto(`/#${TINY}&${stop}`);
    await page.waitForFunction(() => typeof window.rl === 'object');
    await page.getByRole('button', { name: /Train/ }).click();
    if (ending === 'Stop') {
      await expect.poll(() => page.evaluate(() => window.rl.results.length), { timeout: 120_000 }).toBeGreaterThan(1);
      await page.getByRole('button', { name: /Stop/ }).click();
      await expect.poll(() => page.evaluate(() => window.rl.status), { timeout: 60_000 }).toBe('stopped');
    } else {
      await expect.poll(() => page.evaluate(() => window.rl.status), { timeout: 120_000 }).toBe('ready');
      expect(await page.evaluate(() => window.rl.results.length)).toBe(2);
    }
    await expect(page.getByTestId('env-preview-mode')).toHaveText('last policy, greedy actions');
    // Still stepping: the step counter moves.
    const before = await stepText(page);
    await expect.poll(() => stepText(page), { timeout: 10_000 }).not.toBe(before);
  });
}
