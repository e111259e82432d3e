/**
 * A shared link with autostart=1 whose config exceeds this machine does not build at once: the
 * page asks ("Build anyway" / "Cancel"), in the full page and in embed mode alike.
 */
import { expect, test } from './fixtures';

/** 1 runner that claims 1000 cores: more than any test machine has, but cheap to build. */
const OVERSUBSCRIBED =
  'env=CartPole-v1&num_env_runners=1&num_cpus_per_env_runner=1000&num_envs_per_env_runner=2&rollout_fragment_length=16' +
  '&train_batch_size_per_learner=32&minibatch_size=32&num_epochs=1&fcnet_hiddens=16&num_gpus_per_learner=0&stop_iters=2';

test('autostart=1 with more runners than cores asks first; Build anyway trains', async ({ page }) => {
  await page.goto(`/#${OVERSUBSCRIBED}&autostart=1`);
  const prompt = page.getByTestId('build-prompt');
  await expect(prompt).toBeVisible();
  await expect(prompt).toContainText('numEnvRunners (1) x numCpusPerEnvRunner (1000)');
  await page.waitForTimeout(1000);
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'idle');
  await prompt.getByRole('button', { name: 'Build anyway' }).click();
  await expect(prompt).toBeHidden();
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', /building|ready|training|done|stopped/);
  await expect.poll(() => page.getByTestId('iteration').textContent(), { timeout: 120_000 }).toBe('2');
});

test('a large model asks too, and Cancel leaves the page idle (embed mode)', async ({ page }) => {
  await page.goto(`/?embed=1#env=CartPole-v1&fcnet_hiddens=2048,2048&num_gpus_per_learner=0&embed=1&autostart=1`);
  const prompt = page.getByTestId('build-prompt');
  await expect(prompt).toBeVisible();
  await expect(prompt).toContainText(/large model: at least [\d,]+ parameters/);
  await prompt.getByRole('button', { name: 'Cancel' }).click();
  await expect(prompt).toBeHidden();
  await page.waitForTimeout(500);
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'idle');
});

test('num_env_runners=100000 in a link is refused, not built', async ({ page }) => {
  await page.goto('/#num_env_runners=100000&fcnet_hiddens=100000,100000&autostart=1');
  await expect(page.getByRole('alert')).toContainText('invalid and was not started');
  await expect(page.getByText(/more than the limit of 64/).first()).toBeVisible();
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'idle');
});
