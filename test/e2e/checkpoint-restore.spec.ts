/**
 * Checkpoints on the page and in the CLI (issue 12, items 2 and 3): a bad checkpoint leaves the
 * running model as it was, a full browser storage says "not saved" instead of "Saved", and the CLI
 * refuses a bad --restore file with exit 2 before it starts a browser.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const TINY_CONFIG = {
  environment: { env: 'CartPole-v1' },
  envRunners: { numEnvRunners: 1, numEnvsPerEnvRunner: 2, rolloutFragmentLength: 32 },
  training: { trainBatchSizePerLearner: 64, minibatchSize: 32, numEpochs: 1 },
  rlModule: { fcnetHiddens: [64, 64] },
  learners: { numGpusPerLearner: 0 },
  debugging: { seed: 1 },
};

/** Builds a tiny PPO through the facade and trains `iterations` iterations. */
async function buildAndTrain(page: Page, iterations: number): Promise<void> {
  await page.evaluate(
    async ({ config, iterations }) => {
      await window.rl.build(config);
      for (let i = 0; i < iterations; i++) await window.rl.step();
    },
    { config: TINY_CONFIG, iterations },
  );
}

test('a bad checkpoint loaded after training leaves the current model, status and results untouched', async ({
  appPage: page,
}) => {
  await buildAndTrain(page, 2);
  const outcome = await page.evaluate(async () => {
    const rl = window.rl;
    const before = JSON.parse(await rl.checkpoints.exportJson()) as Record<string, unknown>;
    const weightsBefore = JSON.stringify(before['weights']);
    // The case: a NaN weight and a string counter.
    const nanBias = btoa(String.fromCharCode(...new Uint8Array(new Float32Array(64).fill(Number.NaN).buffer)));
    const weights = before['weights'] as { arrays: unknown[] };
    const bad = {
      ...before,
      weights: { ...weights, arrays: weights.arrays.map((a, i) => (i === 1 ? { $f32: nanBias } : a)) },
      counters: { ...(before['counters'] as object), trainingIteration: '2' },
    };
    let error: { code: unknown; message: string } | null = null;
    try {
      await rl.checkpoints.restoreFromJson(JSON.stringify(bad));
    } catch (e) {
      error = { code: (e as { code?: unknown }).code, message: (e as Error).message };
    }
    const after = JSON.parse(await rl.checkpoints.exportJson()) as Record<string, unknown>;
    const status = rl.status;
    const results = rl.results.length;
    const next = await rl.step();
    return {
      error,
      status,
      results,
      sameWeights: JSON.stringify(after['weights']) === weightsBefore,
      nextIteration: next['training_iteration'],
    };
  });
  expect(outcome.error?.code).toBe('checkpoint/invalid');
  expect(outcome.error?.message).toContain("weights.arrays[1] ('pi/fc_0/bias'): has 64 non-finite values");
  expect(outcome.error?.message).toContain('counters.trainingIteration: must be a number');
  expect(outcome.status).toBe('ready');
  expect(outcome.results).toBe(2);
  expect(outcome.sameWeights).toBe(true);
  expect(outcome.nextIteration).toBe(3);
});

test('a full browser storage reports "not saved" in the checkpoint panel, and nothing is stored', async ({
  appPage: page,
}) => {
  // Through the UI, so the panel's Save button is live: a tiny run, stopped after one iteration.
  const field = (name: string) => page.getByLabel(new RegExp(`\\b${name}$`));
  await page.getByRole('combobox', { name: /^Environment/ }).selectOption('CartPole-v1');
  await field('num_gpus_per_learner').selectOption('0');
  const values = { num_env_runners: '1', num_envs_per_env_runner: '2', rollout_fragment_length: '32' };
  for (const [name, value] of Object.entries({ ...values, train_batch_size_per_learner: '64', minibatch_size: '32' })) {
    await field(name).fill(value);
  }
  await field('fcnet_hiddens').fill('64,64');
  await page.getByRole('button', { name: 'Train' }).click();
  await expect.poll(async () => Number(await page.getByTestId('iteration').textContent())).toBeGreaterThanOrEqual(1);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'stopped');

  // Force a quota far below one checkpoint (~100 KB with 64x64 nets and Adam moments).
  const cdp = await page.context().newCDPSession(page);
  const origin = new URL(page.url()).origin;
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 20_000 });

  const viaApi = await page.evaluate(async () => {
    try {
      await window.rl.checkpoints.saveToStorage('too-big');
      return { code: null, message: 'Saved', stored: await window.rl.checkpoints.listStored() };
    } catch (e) {
      const err = e as { code?: string; message: string };
      return { code: err.code ?? null, message: err.message, stored: await window.rl.checkpoints.listStored() };
    }
  });
  expect(viaApi.code).toBe('storage/quota');
  expect(viaApi.message).toMatch(/not saved: storage is full \(used [\d.]+ MB of [\d.]+ MB available\)/);
  expect(viaApi.stored).not.toContain('too-big');

  // The panel shows the same, not "Saved".
  await page.getByLabel('Name', { exact: true }).fill('too-big');
  await page.getByRole('button', { name: 'Save checkpoint' }).click();
  await expect(page.getByTestId('checkpoint-note')).toContainText('not saved: storage is full');
  await expect(page.getByTestId('checkpoint-note')).not.toContainText('Saved “too-big”');

  // With the quota lifted, the same save goes through.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin });
  await page.getByRole('button', { name: 'Save checkpoint' }).click();
  await expect(page.getByTestId('checkpoint-note')).toContainText('Saved “too-big”');
  expect(await page.evaluate(() => window.rl.checkpoints.listStored())).toContain('too-big');
});

test('CLI: --restore of a bad checkpoint exits 2 before the browser starts, listing every problem', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ckpt-e2e-'));
  try {
    const f32 = (values: number[]): { $f32: string } => ({
      $f32: Buffer.from(Float32Array.from(values).buffer).toString('base64'),
    });
    // The cases in one file: a NaN weight, a string counter, a string episode window,
    // -1e18 steps and no rng state.
    const ckpt = {
      format: 'browser-rl-checkpoint/2',
      algo: 'PPO',
      config: { algo: 'PPO', ...TINY_CONFIG },
      weights: { version: 1, names: ['pi/fc_0/bias'], shapes: [[2]], arrays: [f32([Number.NaN, 0])] },
      optimizerState: { names: [], shapes: [], arrays: [], step: 0 },
      learnerState: { currKlCoeff: 0.2 },
      counters: {
        trainingIteration: 'three',
        numEnvStepsSampledLifetime: -1e18,
        numEnvStepsTrainedLifetime: 0,
        numEpisodesLifetime: 0,
        timeTotalS: 1,
      },
      episodeReturns: '999',
      episodeLengths: [],
      device: {
        backend: 'wasm',
        adapter: null,
        isFallbackAdapter: false,
        reason: 'test',
        crossOriginIsolated: true,
        hardwareConcurrency: 2,
      },
      createdAt: '2026-01-01T00:00:00.000Z',
    };
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(ckpt));
    const out = path.join(dir, 'run');
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/train.ts', '--restore', file, '--out', out], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Invalid checkpoint (5 problems)');
    for (const p of [
      "weights.arrays[0] ('pi/fc_0/bias')",
      'counters.trainingIteration',
      'counters.numEnvStepsSampledLifetime',
      'episodeReturns',
      'rngState',
    ]) {
      expect(run.stderr).toContain(`- ${p}:`);
    }
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(run.stdout + run.stderr).not.toMatch(/Chromium|Serving/);
    expect(existsSync(out)).toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
