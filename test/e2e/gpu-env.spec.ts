/**
 * Envs that need a GPU (issue 29 item 4): CartPoleGpu-v1 steps CartPole-v1's equations in a WGSL
 * compute shader (SwiftShader here), all sub-envs per dispatch. It agrees with the CPU env
 * transition by transition over states the CPU env visits, trains with the runner handing it its
 * GPUDevice, and fails with a coded error where no device is handed to it.
 */
import { expect, test } from './fixtures';

test('CartPoleGpu-v1 agrees with CartPole-v1 step for step over 4096 visited states (float32), same terminations', async ({
  appPage,
}) => {
  test.setTimeout(120_000);
  const a = await appPage.evaluate(() => window.rl.diagnostics.gpuEnvAgreement(4096, 3));
  console.log(`CartPoleGpu-v1 vs CartPole-v1 on ${a.adapter}: ${JSON.stringify(a)}`);
  expect(a.transitions).toBe(4096);
  // One float32 step of states of magnitude <= ~3: a few ulps (relative to max(1, |value|)).
  expect(a.maxRelError).toBeLessThan(1e-6);
  expect(a.maxAbsError).toBeGreaterThanOrEqual(0);
  // Random actions end an episode every ~20 steps: the terminations are a real comparison.
  expect(a.cpuTerminations).toBeGreaterThan(100);
  expect(a.terminationMismatches).toBe(0);
  expect(a.nearThreshold).toBeLessThanOrEqual(2);
  expect(Math.abs(a.gpuTerminations - a.cpuTerminations)).toBeLessThanOrEqual(a.nearThreshold);
});

test('PPO trains on CartPoleGpu-v1: the runner hands its WebGPU device to the env and reports its GPU busy time', async ({
  appPage,
}) => {
  test.setTimeout(420_000);
  const out = await appPage.evaluate(async () => {
    await window.rl.build({
      preset: 'CartPole-v1',
      environment: { env: 'CartPoleGpu-v1' },
      rlModule: { fcnetHiddens: [32, 32] },
      envRunners: { numEnvRunners: 1, numEnvsPerEnvRunner: 64, rolloutFragmentLength: 16, numGpusPerEnvRunner: 1 },
      training: { trainBatchSizePerLearner: 1024, minibatchSize: 256, numEpochs: 6, lr: 0.003 },
      learners: { numGpusPerLearner: 0 },
      debugging: { seed: 2 },
    });
    const summary = await window.rl.train({
      stop: { 'env_runners/episode_return_mean': 100, num_env_steps_sampled_lifetime: 150_000 },
    });
    return { summary, runners: window.rl.faults.runners() };
  });
  expect(out.summary.error).toBeNull();
  expect(out.summary.criterion).toBe('env_runners/episode_return_mean');
  expect(out.runners.map((r) => r.backend)).toEqual(['webgpu']);
  const last = out.summary.lastResult!;
  // The shader's steps and the runner's inference ran on its device: both counted.
  expect(last['perf/env_runner_1_gpu_busy_ms']).toBeGreaterThan(0);
  expect(last['perf/gpu_timing']).toMatch(/^(timestamp-query|submit-to-done)$/);
});

test.describe('without a GPU', () => {
  test.use({ allowConsoleErrors: /steps on the GPU/ });

  test('CartPoleGpu-v1 in a runner without numGpusPerEnvRunner fails with env/needs-gpu, naming the setting', async ({
    appPage,
  }) => {
    test.setTimeout(120_000);
    const error = await appPage.evaluate(async () => {
      try {
        await window.rl.build({
          environment: { env: 'CartPoleGpu-v1' },
          envRunners: { numEnvRunners: 1, numEnvsPerEnvRunner: 2, rolloutFragmentLength: 8 },
          training: { trainBatchSizePerLearner: 16, minibatchSize: 16 },
          learners: { numGpusPerLearner: 0 },
          faultTolerance: { restartFailedEnvRunners: false },
        });
        return 'built';
      } catch (e) {
        return `${(e as { code?: string }).code ?? ''}: ${e instanceof Error ? e.message : String(e)}`;
      }
    });
    expect(error).toMatch(
      /CartPoleGpu-v1 steps on the GPU, but EnvRunner 1 \(inference on wasm\) has no WebGPU device/,
    );
    expect(error).toContain('numGpusPerEnvRunner > 0');
  });
});
