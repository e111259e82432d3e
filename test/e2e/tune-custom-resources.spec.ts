/**
 * Custom resources (issue 29 item 3, Ray's `resources={"licence": 2}`): four trials whose runner
 * needs one simulator licence each (RLlib's custom_resources_per_env_runner) share the two the
 * sweep declares (resources.custom). Never more than two run at once, though the CPUs would allow
 * all four; the others wait PENDING until a licence is given back. Asserted from the Trials
 * panel's states over time.
 */
import { expect, test } from './fixtures';

const SWEEP = {
  param_space: {
    env: 'CartPole-v1',
    lr: { grid_search: [1e-3, 3e-4, 1e-4, 3e-5] },
    num_env_runners: 1,
    num_envs_per_env_runner: 2,
    rollout_fragment_length: 16,
    train_batch_size_per_learner: 32,
    minibatch_size: 32,
    num_epochs: 1,
    fcnet_hiddens: [8],
    num_gpus_per_learner: 0,
    custom_resources_per_env_runner: { licence: 1 },
    seed: 1,
  },
  run_config: { stop: { training_iteration: 3 } },
  // CPUs for all four at once: only the licences hold trials back.
  resources: { num_cpus: 16, custom: { licence: 2 } },
};

test('four trials needing one of two licences each: never more than two run at once', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto(`/#tune=${encodeURIComponent(JSON.stringify(SWEEP))}`);
  await page.waitForFunction(() => typeof window.rl === 'object');
  await page.evaluate(() => {
    const w = window as unknown as { trialStates: string[][] };
    w.trialStates = [];
    let last = '';
    setInterval(() => {
      const states = [...document.querySelectorAll('[data-testid=trial-row]')].map(
        (r) => r.getAttribute('data-status') ?? '',
      );
      if (states.join() !== last) w.trialStates.push(states);
      last = states.join();
    }, 20);
  });
  await page.getByTestId('sweep-start').click();
  const rows = page.getByTestId('trial-row');
  await expect(rows).toHaveCount(4);
  for (let i = 0; i < 4; i++) {
    await expect(rows.nth(i)).toHaveAttribute('data-status', /TERMINATED|ERROR/, { timeout: 240_000 });
  }
  const ended = await page.evaluate(() => window.rl.sweeps.session!.trials.map((t) => `${t.status} ${t.error ?? ''}`));
  expect(ended).toEqual(Array(4).fill('TERMINATED '));
  const snapshots = await page.evaluate(() => (window as unknown as { trialStates: string[][] }).trialStates);
  const count = (s: string[], status: string): number => s.filter((x) => x === status).length;
  console.log(`trial states over time: ${snapshots.map((s) => s.map((x) => x[0]).join('')).join(' ')}`);
  expect(Math.max(...snapshots.map((s) => count(s, 'RUNNING')))).toBe(2);
  // Two ran while two waited for a licence.
  expect(snapshots.some((s) => count(s, 'RUNNING') === 2 && count(s, 'PENDING') === 2)).toBe(true);
  const views = await page.evaluate(() => window.rl.sweeps.session!.trials);
  expect(views.every((v) => v.demand.custom?.['licence'] === 1)).toBe(true);
});
