/**
 * Faults in a sweep, seen from the Trials panel: killing one trial's runner (the row's Kill
 * button) restarts it, the restart counter in its row goes up and the trial trains on to its
 * stop; a trial with a bad env config fails (ERROR, its message in the table, after
 * max_failures retries) while the other trials run to completion.
 */
import { expect, test } from './fixtures';

const ITERATIONS = 60;

const SWEEP = {
  param_space: {
    env: 'CartPole-v1',
    // The third value is not a boolean: CartPole's constructor rejects it when that trial builds.
    env_config: { grid_search: [{}, { suttonBartoReward: false }, { suttonBartoReward: 'yes' }] },
    num_env_runners: 1,
    num_envs_per_env_runner: 4,
    rollout_fragment_length: 32,
    train_batch_size_per_learner: 128,
    minibatch_size: 64,
    num_epochs: 1,
    fcnet_hiddens: [16, 16],
    num_gpus_per_learner: 0,
    delay_between_env_runner_restarts_s: 0.5,
    seed: 5,
  },
  tune_config: { max_concurrent_trials: 3 },
  run_config: { stop: { training_iteration: ITERATIONS }, failure_config: { max_failures: 1 } },
  resources: { num_cpus: 6 },
};

test('a killed runner restarts inside its trial, a bad env config errors one trial, the others finish', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await page.goto(`/#tune=${encodeURIComponent(JSON.stringify(SWEEP))}`);
  await page.waitForFunction(() => typeof window.rl === 'object');
  await page.getByTestId('sweep-start').click();
  const row = (id: string) => page.locator(`[data-testid=trial-row][data-trial=${id}]`);

  // Kill trial 0's runner once it has trained a little.
  await expect(row('trial_00000')).toHaveAttribute('data-status', 'RUNNING', { timeout: 120_000 });
  await page.waitForFunction(() => (window.rl.sweeps.session?.results('trial_00000').length ?? 0) >= 2);
  await row('trial_00000').getByRole('button').click();
  await page.getByTestId('trial-kill-runner').click();
  const atKill = await page.evaluate(() => window.rl.sweeps.session!.results('trial_00000').length);
  expect(atKill).toBeLessThan(ITERATIONS);
  await expect(row('trial_00000').getByTestId('trial-restarts')).toHaveText('1', { timeout: 30_000 });

  // The bad trial: ERROR with the setting named, retried once (max_failures 1) then given up.
  const bad = row('trial_00002');
  await expect(bad).toHaveAttribute('data-status', 'ERROR', { timeout: 120_000 });
  await expect(bad.getByTestId('trial-error')).toContainText('suttonBartoReward');
  await expect(bad.getByTestId('trial-error')).toContainText('must be true or false');
  await expect(bad.locator('td').last()).toHaveText('2');

  // The others train to their stop; trial 0 went on past the kill.
  for (const id of ['trial_00000', 'trial_00001']) {
    await expect(row(id)).toHaveAttribute('data-status', /TERMINATED/, { timeout: 240_000 });
    await expect(row(id).getByTestId('trial-iterations')).toHaveText(String(ITERATIONS));
  }
  await expect(row('trial_00000').getByTestId('trial-restarts')).toHaveText('1');
  await expect(row('trial_00001').getByTestId('trial-restarts')).toHaveText('0');
  const lifetime = await page.evaluate(() =>
    window.rl.sweeps.session!.results('trial_00000').map((r) => Number(r['num_env_steps_sampled_lifetime'])),
  );
  expect(lifetime).toHaveLength(ITERATIONS);
  for (let i = 1; i < lifetime.length; i++) expect(lifetime[i]).toBeGreaterThan(lifetime[i - 1]!);
  const restarts = await page.evaluate(
    () => window.rl.sweeps.session!.results('trial_00000').at(-1)!['fault_tolerance/num_remote_worker_restarts'],
  );
  expect(restarts).toBe(1);
});
