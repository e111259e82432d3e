/**
 * Every learner on WebGPU (issue 29 item 6): DQN, SAC, IMPALA, APPO and MARWIL train with their
 * Learner on the WebGPU backend (the SwiftShader adapter, forced by numGpusPerLearner 1), and the
 * first update matches the wasm backend's: the same seed gives the same weights, the same sampled
 * batch (runner inference in a wasm worker) and the same replay draws, so iteration 1's learner
 * results may differ only by float32 rounding of the two backends. PPO's version is webgpu-ppo.spec.ts.
 */
import { expect, test } from './fixtures';

type Config = Record<string, unknown>;

/** Each config does exactly one learner update in iteration 1. */
const CASES: Readonly<Record<string, Config>> = {
  DQN: {
    algo: 'DQN',
    environment: { env: 'CartPole-v1' },
    envRunners: { numEnvRunners: 1, numEnvsPerEnvRunner: 1, rolloutFragmentLength: 8 },
    rlModule: { fcnetHiddens: [16] },
    training: {
      trainBatchSizePerLearner: 32,
      numStepsSampledBeforeLearningStarts: 64,
      minSampleTimestepsPerIteration: 64,
      replayBufferConfig: { capacity: 1000 },
    },
  },
  SAC: {
    algo: 'SAC',
    environment: { env: 'Pendulum-v1' },
    envRunners: { numEnvRunners: 1, numEnvsPerEnvRunner: 1, rolloutFragmentLength: 8 },
    training: {
      trainBatchSizePerLearner: 32,
      numStepsSampledBeforeLearningStarts: 64,
      minSampleTimestepsPerIteration: 64,
      replayBufferConfig: { capacity: 1000 },
      policyModelConfig: { fcnetHiddens: [16] },
      qModelConfig: { fcnetHiddens: [16] },
    },
  },
  IMPALA: {
    algo: 'IMPALA',
    environment: { env: 'CartPole-v1' },
    envRunners: { numEnvRunners: 1, numEnvsPerEnvRunner: 2, rolloutFragmentLength: 16 },
    rlModule: { fcnetHiddens: [16] },
    training: { trainBatchSizePerLearner: 32, maxRequestsInFlightPerEnvRunner: 1 },
  },
  APPO: {
    algo: 'APPO',
    environment: { env: 'CartPole-v1' },
    envRunners: { numEnvRunners: 1, numEnvsPerEnvRunner: 2, rolloutFragmentLength: 16 },
    rlModule: { fcnetHiddens: [16] },
    training: { trainBatchSizePerLearner: 32, maxRequestsInFlightPerEnvRunner: 1 },
  },
};

const REL = 2e-3;

/** The learner results of iteration 1 on each backend agree within float32 rounding of the backends. */
function expectSameFirstUpdate(name: string, wasm: Record<string, unknown>, gpu: Record<string, unknown>): void {
  const keys = Object.keys(wasm).filter((k) => k.startsWith('learners/') && typeof wasm[k] === 'number');
  expect(keys.length, `${name}: learner results`).toBeGreaterThan(3);
  const scale = Math.max(...keys.map((k) => Math.abs(wasm[k] as number)).filter((v) => v < 1e6));
  const worst = keys
    .map(
      (k) =>
        [k, Math.abs((gpu[k] as number) - (wasm[k] as number)) / Math.max(Math.abs(wasm[k] as number), 1e-12)] as const,
    )
    .sort((a, b) => b[1] - a[1])[0]!;
  const differ = keys.filter((k) => gpu[k] !== wasm[k]).length;
  console.log(
    `${name}: ${keys.length} learner results, ${differ} differ in the last bits; largest relative difference ${worst[1].toExponential(2)} (${worst[0]})`,
  );
  for (const k of keys) {
    const a = wasm[k] as number;
    const b = gpu[k] as number;
    // Relative to the value, with a floor on the results' scale for entries near zero.
    const tol = REL * Math.max(Math.abs(a), scale * 1e-2, 1e-6);
    expect(Math.abs(b - a), `${name} ${k}: webgpu ${b} vs wasm ${a}`).toBeLessThanOrEqual(tol);
  }
}

async function firstUpdates(
  page: import('@playwright/test').Page,
  config: Config,
): Promise<{
  wasm: Record<string, unknown>;
  gpu: Record<string, unknown>;
  more: Record<string, unknown>[];
  backend: string;
}> {
  return page.evaluate(async (c) => {
    const run = async (gpus: number) => {
      const built = await window.rl.build({ ...c, learners: { numGpusPerLearner: gpus }, debugging: { seed: 7 } });
      return { backend: built.device.backend, result: await window.rl.step() };
    };
    const wasm = await run(0);
    const gpu = await run(1);
    // It keeps training on WebGPU: two more iterations.
    const more = [await window.rl.step(), await window.rl.step()];
    return { wasm: wasm.result, gpu: gpu.result, more, backend: gpu.backend };
  }, config);
}

for (const [name, config] of Object.entries(CASES)) {
  test(`${name}: the Learner trains on WebGPU and its first update matches wasm's`, async ({ appPage }) => {
    test.setTimeout(300_000);
    const adapter = await appPage.evaluate(async () => (await window.rl.diagnostics.detectDevice()).adapter);
    expect(adapter, 'no WebGPU adapter: Chromium needs the SwiftShader WebGPU flags').not.toBeNull();
    const out = await firstUpdates(appPage, config);
    expect(out.backend).toBe('webgpu');
    expect(out.gpu['device/backend']).toBe('webgpu');
    expect(out.wasm['device/backend']).toBe('wasm');
    expectSameFirstUpdate(name, out.wasm, out.gpu);
    for (const r of out.more) {
      expect(r['num_env_steps_trained']).toBeGreaterThan(0);
      expect(r['perf/learner_gpu_busy_ms']).toBeGreaterThan(0);
    }
  });
}

test("MARWIL: the Learner trains on WebGPU from a recorded file and its first update matches wasm's", async ({
  appPage,
}) => {
  test.setTimeout(300_000);
  const out = await appPage.evaluate(async () => {
    // Data to learn from: 600 steps of a tiny (untrained) PPO policy, recorded as Parquet.
    await window.rl.build({
      environment: { env: 'CartPole-v1' },
      envRunners: { numEnvRunners: 0, numEnvsPerEnvRunner: 2, rolloutFragmentLength: 16 },
      rlModule: { fcnetHiddens: [16] },
      training: { trainBatchSizePerLearner: 32, minibatchSize: 32 },
      learners: { numGpusPerLearner: 0 },
      debugging: { seed: 3 },
    });
    const recording = await window.rl.offline.recordEpisodes(600);
    const input = window.rl.offline.load('webgpu-marwil.parquet', recording.bytes);
    const run = async (gpus: number) => {
      const built = await window.rl.build({
        algo: 'MARWIL',
        environment: { env: 'CartPole-v1' },
        envRunners: { numEnvRunners: 0 },
        rlModule: { fcnetHiddens: [16] },
        offlineData: { input: [input] },
        evaluation: { evaluationDuration: 1 },
        training: { trainBatchSizePerLearner: 32 },
        learners: { numGpusPerLearner: gpus },
        debugging: { seed: 7 },
      });
      return { backend: built.device.backend, result: await window.rl.step() };
    };
    const wasm = await run(0);
    const gpu = await run(1);
    return { wasm: wasm.result, gpu: gpu.result, more: [await window.rl.step()], backend: gpu.backend };
  });
  expect(out.backend).toBe('webgpu');
  expectSameFirstUpdate('MARWIL', out.wasm, out.gpu);
  expect(out.more[0]!['perf/learner_gpu_busy_ms']).toBeGreaterThan(0);
});
