/**
 * Handing a run to RLlib and back (issue 19, items 3-4): `npm run export -- --rllib` on a folder
 * written by `npm run train`, `--restore-weights` starting a CLI run from the exported weights (a
 * bad file refused with exit 2 before any browser starts), and the page's "Load policy weights"
 * file input, after which the preview plays the loaded policy.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EXPORT_FILES, exportRunToRLlib } from '../../src/cli/rllib-export';
import { ROOT, runCli, tmpOutFactory } from './cli-process';
import { expect, test } from './fixtures';

const { tmpOut, removeTmpOuts } = tmpOutFactory('rllib-weights-e2e-');
test.afterAll(removeTmpOuts);

const TINY_FLAGS = [
  '--algo',
  'ppo',
  '--env',
  'CartPole-v1',
  '--preset',
  'none',
  '--num-env-runners',
  '1',
  '--num-envs-per-env-runner',
  '2',
  '--rollout-fragment-length',
  '32',
  '--train-batch-size-per-learner',
  '64',
  '--minibatch-size',
  '32',
  '--num-epochs',
  '1',
  '--fcnet-hiddens',
  '16,16',
  '--num-gpus-per-learner',
  '0',
  '--seed',
  '1',
];

test('a run folder from npm run train exports for RLlib, and a new run starts from its weights', async () => {
  test.setTimeout(240_000);
  const runDir = tmpOut();
  const trained = await runCli([...TINY_FLAGS, '--stop-iters', '2', '--out', runDir, '--quiet']);
  expect(trained.code, trained.stderr).toBe(0);

  const exported = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/export.ts', '--rllib', runDir], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect(exported.status, exported.stderr).toBe(0);
  const weights = path.join(runDir, 'rllib', EXPORT_FILES.weights);
  for (const f of Object.values(EXPORT_FILES)) expect(existsSync(path.join(runDir, 'rllib', f)), f).toBe(true);
  expect(exported.stdout).toMatch(/config keys mapped/);

  // A damaged file is refused in Node, before a browser starts: exit 2, every problem named.
  const broken = path.join(path.dirname(runDir), 'broken.safetensors');
  writeFileSync(broken, Buffer.from('not a safetensors file at all'));
  const refused = await runCli([...TINY_FLAGS, '--restore-weights', broken, '--stop-iters', '1', '--out', tmpOut()]);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain(`--restore-weights ${broken}`);

  // Weights for another model size are refused once the model exists: also exit 2.
  const mismatch = await runCli([
    ...TINY_FLAGS,
    '--fcnet-hiddens',
    '32',
    '--restore-weights',
    weights,
    '--stop-iters',
    '1',
    '--out',
    tmpOut(),
  ]);
  expect(mismatch.code).toBe(2);
  expect(mismatch.stderr).toMatch(/encoder\.actor_encoder\.net\.mlp\.0\.weight: has shape \[16, 4\]/);

  const resumed = await runCli([...TINY_FLAGS, '--restore-weights', weights, '--stop-iters', '1', '--out', tmpOut()]);
  expect(resumed.code, resumed.stderr).toBe(0);
  expect(resumed.stdout + resumed.stderr).toMatch(/weights +.*weights\.safetensors \(12 tensors loaded\)/);
});

test('the page loads policy weights from a .safetensors file and the preview plays them', async ({ appPage: page }) => {
  test.setTimeout(120_000);
  // A trained run's checkpoint, exported as npm run export would from its folder.
  const config = {
    environment: { env: 'CartPole-v1' },
    envRunners: { numEnvRunners: 1, numEnvsPerEnvRunner: 2, rolloutFragmentLength: 32 },
    training: { trainBatchSizePerLearner: 64, minibatchSize: 32, numEpochs: 2, lr: 3e-3 },
    rlModule: { fcnetHiddens: [16, 16] },
    learners: { numGpusPerLearner: 0 },
    debugging: { seed: 4 },
  };
  const obs = Array.from({ length: 64 * 4 }, (_, i) => Math.sin(i * 0.37) * 0.3);
  const source = await page.evaluate(
    async ({ config, obs }) => {
      await window.rl.build(config);
      for (let i = 0; i < 3; i++) await window.rl.step();
      const actions = Array.from(await window.rl.algorithm!.computeActions(Float32Array.from(obs), 64));
      const text = await window.rl.checkpoints.exportJson();
      window.rl.dispose();
      return { actions, text };
    },
    { config, obs },
  );
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rllib-weights-page-'));
  try {
    mkdirSync(path.join(dir, 'checkpoint'));
    const ckpt = JSON.parse(source.text) as { config: unknown };
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify(ckpt.config));
    writeFileSync(path.join(dir, 'checkpoint', 'final.json'), source.text);
    const { outDir } = exportRunToRLlib(dir);

    // A fresh page: nothing built; the file's own config builds the run it loads into.
    await page.reload();
    await page.waitForFunction(() => typeof window.rl === 'object');
    const broken = path.join(dir, 'broken.safetensors');
    writeFileSync(broken, Buffer.from([1, 2, 3]));
    await page.setInputFiles('#weights-file', broken);
    await expect(page.getByTestId('checkpoint-note')).toContainText('Invalid safetensors file');
    expect(await page.evaluate(() => window.rl.algorithm === null)).toBe(true);

    await page.setInputFiles('#weights-file', path.join(outDir, EXPORT_FILES.weights));
    await expect(page.getByTestId('checkpoint-note')).toContainText('Loaded 12 PPO weight tensors', {
      timeout: 60_000,
    });
    const loaded = await page.evaluate(
      async (obs) => Array.from(await window.rl.algorithm!.computeActions(Float32Array.from(obs), 64)),
      obs,
    );
    expect(loaded).toEqual(source.actions);
    await expect(page.getByTestId('env-preview-mode')).toHaveText('last policy, greedy actions');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
