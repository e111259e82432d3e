/**
 * The page loads an env module by URL (`env_module=` in the hash), trains one of its envs to its
 * reward threshold with the automatic preset, builds it in a worker too, and shows a throw from
 * another of its envs in the error panel, with the module's URL and line. The module is served
 * same-origin by route interception, as a file next to the app would be.
 */
import { expect, test } from './fixtures';

const MODULE_PATH = '/test-env-modules/corridors.js';

const MODULE_SOURCE = `import { box, discrete, registerEnv, vectorize } from '/env-api.js';

class Corridor {
  pos = 0;
  reset(rng) {
    this.pos = rng.integer(3);
    return [this.pos / 9];
  }
  step(action) {
    this.pos = Math.max(0, Math.min(9, this.pos + (action === 1 ? 1 : -1)));
    return { obs: [this.pos / 9], reward: this.pos === 9 ? 1 : -0.01, terminated: this.pos === 9 };
  }
  getState() {
    return [this.pos];
  }
  setState(s) {
    this.pos = s[0] ?? 0;
    return [this.pos / 9];
  }
}

class Fragile extends Corridor {
  steps = 0;
  step(action) {
    this.steps++;
    if (this.steps === 10) {
      throw new Error('Fragile broke at step 10');
    }
    return super.step(action);
  }
}

const spaces = { observationSpace: box(0, 1, [1]), actionSpace: discrete(2) };
registerEnv('PageCorridor-v0', vectorize({ ...spaces, create: () => new Corridor() }), {
  maxEpisodeSteps: 50,
  rewardThreshold: 0.9,
});
registerEnv('Fragile-v0', vectorize({ ...spaces, create: () => new Fragile() }), { maxEpisodeSteps: 50 });
`;

/** The line of the `throw`, where the panel must point. */
const THROW_LINE = MODULE_SOURCE.split('\n').findIndex((l) => l.includes('throw new Error')) + 1;

test.use({ allowConsoleErrors: /Fragile broke at step 10|\[env\]/ });

test('env_module= loads a same-origin module: it trains, runs in a worker, and its throw shows in the error panel', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await page.route(`**${MODULE_PATH}`, (route) =>
    route.fulfill({ body: MODULE_SOURCE, contentType: 'text/javascript' }),
  );
  await page.goto(`/#env_module=${encodeURIComponent(MODULE_PATH)}&env=PageCorridor-v0&preset=auto&autostart=1`);
  await page.waitForFunction(() => typeof window.rl === 'object');

  // Trains to the module's rewardThreshold (the automatic preset's stop criterion).
  await expect
    .poll(() => page.evaluate(() => window.rl.results.at(-1)?.['env_runners/episode_return_mean'] ?? null), {
      timeout: 120_000,
    })
    .toBeGreaterThanOrEqual(0.9);
  await expect.poll(() => page.evaluate(() => window.rl.status), { timeout: 30_000 }).toBe('ready');
  await expect(page.getByTestId('env-error')).toHaveCount(0);
  // The hash keeps the module, so the link reproduces the setup.
  expect(decodeURIComponent(await page.evaluate(() => location.hash))).toContain(`env_module=${MODULE_PATH}`);

  // A remote EnvRunner (a worker) imports the same module before it builds its env.
  const workerSteps = await page.evaluate(async () => {
    await window.rl.build({ env: 'PageCorridor-v0', preset: 'auto', num_env_runners: 1, num_envs_per_env_runner: 2 });
    const r = await window.rl.step();
    const runners = window.rl.faults.runners().map((v) => v.state);
    window.rl.dispose();
    return { steps: r['num_env_steps_sampled_lifetime'], runners };
  });
  expect(workerSteps.steps).toBeGreaterThan(0);
  expect(workerSteps.runners).toHaveLength(1);

  // Another env of the module throws on its 10th step: the check before training shows it.
  await page.selectOption('#f-environment-env', 'Fragile-v0');
  await page.getByRole('button', { name: /Train/ }).first().click();
  const panel = page.getByTestId('env-error');
  await expect(panel).toBeVisible({ timeout: 30_000 });
  await expect(panel).toContainText('Fragile-v0');
  await expect(page.getByTestId('env-error-message')).toContainText('step() threw Error: Fragile broke at step 10');
  await expect(page.getByTestId('env-error-location')).toContainText(`${MODULE_PATH}:${THROW_LINE}:`);
});

test('env_module= from another origin is refused with the reason in the panel, and the page still works', async ({
  page,
}) => {
  await page.goto(`/#env_module=${encodeURIComponent('https://example.com/envs.js')}`);
  await page.waitForFunction(() => typeof window.rl === 'object');
  await expect(page.getByTestId('env-error-message')).toContainText("is not this page's origin");
  await expect(page.getByTestId('env-error-message')).toContainText('VITE_ENV_MODULE_ORIGINS');
  // Nothing was fetched from there, and the form still works with the built-in envs.
  await page.selectOption('#f-environment-env', 'CartPole-v1');
  await expect(page.getByRole('button', { name: /Train/ }).first()).toBeEnabled();
});
