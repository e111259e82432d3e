/**
 * One rule for defaults (issue #31): the same keys, with no preset named, through every way in
 * build the same config, the env's preset for the algorithm under them (DQN's CartPole-v1 preset
 * here), never RLlib's plain defaults. The CLI (`npm run train`, its config.json), a link (URL
 * hash), the form (the algorithm menu and fields), `<rl-trainer>` (its attributes) and a sweep
 * (`algo` searched) each build and train one iteration; the resolved configs are compared whole.
 */
import type { Frame, Page } from '@playwright/test';
import path from 'node:path';
import { readJson, runCli, tmpOutFactory } from './cli-process';
import { expect, test } from './fixtures';

const { tmpOut, removeTmpOuts } = tmpOutFactory('rl-ways-in-');
test.afterAll(removeTmpOuts);

/** The setup: DQN on CartPole-v1, lr 0.001, seed 7, learner on the CPU; one iteration. */
const KEYS = { lr: '0.001', seed: '7', num_gpus_per_learner: '0' } as const;

const field = (page: Page, rllibName: string) => page.getByLabel(new RegExp(`\\b${rllibName}$`));

type Target = Page | Frame;
const builtConfig = async (target: Target): Promise<unknown> => {
  await target.waitForFunction(() => (window.rl.results.length ?? 0) >= 1, null, { timeout: 120_000 });
  return target.evaluate(() => JSON.parse(JSON.stringify(window.rl.algorithm!.config)) as unknown);
};

test('CLI flags, URL hash, form, <rl-trainer> and sweep build one config over the env preset', async ({
  page,
  consoleErrors,
}) => {
  test.setTimeout(420_000);
  const configs: Record<string, unknown> = {};

  // 1. The CLI, as a user runs it.
  const out = tmpOut();
  const cli = await runCli([
    ...['--algo', 'dqn', '--env', 'CartPole-v1'],
    ...Object.entries(KEYS).flatMap(([k, v]) => [`--${k}`, v]),
    ...['--stop-iters', '1', '--out', out, '--quiet'],
  ]);
  expect(cli.code, cli.stderr).toBe(0);
  configs['cli'] = readJson(path.join(out, 'config.json'));

  // 2. A link.
  const hash = new URLSearchParams({ algo: 'DQN', env: 'CartPole-v1', ...KEYS, stop_iters: '1' }).toString();
  await page.goto(`/#${hash}`);
  await page.waitForFunction(() => typeof window.rl === 'object');
  await expect(page.getByTestId('preset-in-force')).toHaveAttribute('data-preset', 'CartPole-v1');
  await page.getByRole('button', { name: 'Train' }).click();
  configs['url'] = await builtConfig(page);

  // 3. The form: the algorithm menu applies the same rule, then the fields.
  await page.goto('/');
  await page.waitForFunction(() => typeof window.rl === 'object');
  await page.getByTestId('algo-menu').selectOption('DQN');
  await expect(page.getByTestId('preset-in-force')).toHaveAttribute('data-preset', 'CartPole-v1');
  await field(page, 'lr').fill(KEYS.lr);
  await field(page, 'seed').fill(KEYS.seed);
  await field(page, 'num_gpus_per_learner').selectOption(KEYS.num_gpus_per_learner);
  for (const [name, value] of Object.entries({ stop_reward: '', stop_timesteps: '', stop_iters: '1' }))
    await field(page, name).fill(value);
  await page.getByRole('button', { name: 'Train' }).click();
  configs['form'] = await builtConfig(page);

  // 4. <rl-trainer>: its attributes become the app's hash inside an iframe.
  await page.goto('/');
  await page.waitForFunction(() => typeof window.rl === 'object');
  await page.addScriptTag({ url: '/rl-trainer.js', type: 'module' });
  await page.evaluate((keys) => {
    const el = document.createElement('rl-trainer');
    for (const [k, v] of Object.entries({ algo: 'DQN', env: 'CartPole-v1', ...keys, 'stop-iters': '1' }))
      el.setAttribute(k.replace(/_/g, '-'), v);
    el.setAttribute('autostart', '');
    document.body.append(el);
  }, KEYS);
  await expect.poll(() => page.frames().length, { timeout: 30_000 }).toBeGreaterThan(1);
  const frame = page.frames().find((f) => f !== page.mainFrame())!;
  await frame.waitForFunction(() => typeof window.rl === 'object', null, { timeout: 60_000 });
  configs['element'] = await builtConfig(frame);

  // 5. A sweep that searches over algo.
  configs['sweep'] = await page.evaluate(async (keys) => {
    await window.rl.sweeps.run({
      param_space: {
        algo: { grid_search: ['DQN'] },
        env: 'CartPole-v1',
        lr: Number(keys.lr),
        seed: Number(keys.seed),
        num_gpus_per_learner: Number(keys.num_gpus_per_learner),
      },
      run_config: { stop: { training_iteration: 1 } },
    });
    return JSON.parse(JSON.stringify(window.rl.sweeps.session!.configOf('trial_00000'))) as unknown;
  }, KEYS);

  // Every way in built the same config: DQN's CartPole preset, with the three keys over it.
  const cliConfig = configs['cli'] as {
    algo: string;
    rlModule: { fcnetHiddens: number[] };
    training: { lr: number };
    debugging: { seed: number };
  };
  expect(cliConfig.algo).toBe('DQN');
  expect(cliConfig.rlModule.fcnetHiddens).toEqual([64, 64]); // the preset's (tuned for wall time), not RLlib's default [256, 256]
  expect(cliConfig.training.lr).toBe(0.001);
  expect(cliConfig.debugging.seed).toBe(7);
  for (const way of ['url', 'form', 'element', 'sweep']) expect(configs[way], way).toEqual(configs['cli']);
  expect(consoleErrors).toEqual([]);
});
