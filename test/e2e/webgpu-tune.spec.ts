/**
 * Fractional GPUs (issue #17, the seed's `num_gpus: 0.2` example): six trials with
 * numGpusPerLearner 0.2 on WebGPU (SwiftShader here). Five run at once on the one device, the
 * sixth waits PENDING until one ends. Asserted from the Trials panel's states over time.
 * The learners share ONE GPUDevice (webgpu-device.ts): TF.js has one webgpu backend per page, and
 * a second device would mean re-registering it, which disposes every other learner's variables.
 */
import { expect, test } from './fixtures';

const SWEEP = {
  param_space: {
    env: 'CartPole-v1',
    lr: { grid_search: [1e-3, 3e-4, 1e-4] },
    num_env_runners: 1,
    num_envs_per_env_runner: 2,
    rollout_fragment_length: 16,
    train_batch_size_per_learner: 32,
    minibatch_size: 32,
    num_epochs: 1,
    fcnet_hiddens: [8],
    num_gpus_per_learner: 0.2,
    seed: 1,
  },
  tune_config: { num_samples: 2 },
  run_config: { stop: { training_iteration: 3 } },
  // CPUs to spare, so the GPU fraction is what limits the trials at once.
  resources: { num_cpus: 12, num_gpus: 1 },
};

test('six trials at numGpusPerLearner 0.2: five run at once on one WebGPU device, the sixth waits for one to end', async ({
  page,
}) => {
  test.setTimeout(420_000);
  await page.goto(`/#tune=${encodeURIComponent(JSON.stringify(SWEEP))}`);
  await page.waitForFunction(() => typeof window.rl === 'object');
  const adapter = await page.evaluate(async () => (await window.rl.diagnostics.detectDevice()).adapter);
  expect(adapter, 'no WebGPU adapter: Chromium needs the SwiftShader WebGPU flags').not.toBeNull();

  // Every change of the table's states, as the page showed them.
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
  await expect(rows).toHaveCount(6);
  for (let i = 0; i < 6; i++) {
    await expect(rows.nth(i)).toHaveAttribute('data-status', /TERMINATED|ERROR/, { timeout: 360_000 });
  }
  // A second device would have disposed the first learners' variables: those trials would be ERROR.
  const ended = await page.evaluate(() => window.rl.sweeps.session!.trials.map((t) => `${t.status} ${t.error ?? ''}`));
  expect(ended).toEqual(Array(6).fill('TERMINATED '));
  const snapshots = await page.evaluate(() => (window as unknown as { trialStates: string[][] }).trialStates);
  const count = (s: string[], status: string): number => s.filter((x) => x === status).length;

  // Never more than five at once; at some point five ran while the sixth waited.
  expect(Math.max(...snapshots.map((s) => count(s, 'RUNNING')))).toBe(5);
  expect(snapshots.some((s) => count(s, 'RUNNING') === 5 && s[5] === 'PENDING')).toBe(true);
  // The sixth started only once one of the first five had ended (the end and the start can land in
  // the same frame: the freed share is taken at once), and until then it waited.
  const sixthStarts = snapshots.findIndex((s) => s[5] === 'RUNNING');
  expect(sixthStarts).toBeGreaterThan(0);
  expect(count(snapshots[sixthStarts]!, 'TERMINATED')).toBeGreaterThanOrEqual(1);
  expect(snapshots.slice(0, sixthStarts).every((s) => s[5] === 'PENDING')).toBe(true);
  console.log(`trial states over time: ${snapshots.map((s) => s.map((x) => x[0]).join('')).join(' ')}`);

  // Every learner trained on WebGPU, each to its stop.
  const views = await page.evaluate(() => window.rl.sweeps.session!.trials);
  expect(views.map((v) => v.learnerBackend)).toEqual(Array(6).fill('webgpu'));
  expect(views.map((v) => v.iterations)).toEqual(Array(6).fill(3));
  expect(views.every((v) => v.demand.gpu === 0.2)).toBe(true);
});
