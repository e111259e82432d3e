/**
 * numGpusPerEnvRunner > 0: runner inference on WebGPU inside the runner's worker (SwiftShader
 * here, via the launch flags in playwright.config.ts). The runner reports its backend, and its
 * greedy actions on the same observations and weights match the page's wasm module.
 */
import { expect, test } from './fixtures';

for (const env of ['Pendulum-v1', 'CartPole-v1'] as const) {
  test(`${env}: a runner with numGpusPerEnvRunner 1 infers on webgpu and acts like the wasm module`, async ({
    appPage,
  }) => {
    test.setTimeout(240_000);
    const out = await appPage.evaluate(async (id) => {
      const { device } = await window.rl.build({
        preset: id,
        rlModule: { fcnetHiddens: [32, 32] },
        envRunners: { numEnvRunners: 1, numEnvsPerEnvRunner: 2, rolloutFragmentLength: 64, numGpusPerEnvRunner: 1 },
        training: { trainBatchSizePerLearner: 128, minibatchSize: 64, numEpochs: 1 },
        learners: { numGpusPerLearner: 0 },
        debugging: { seed: 5 },
      });
      await window.rl.step(); // trained weights, synced to the runner after the update
      const obsDim = id === 'Pendulum-v1' ? 3 : 4;
      const rows = 256;
      // Deterministic observations spanning the spaces' typical ranges.
      const obs = Array.from({ length: rows * obsDim }, (_, k) => Math.sin(k * 12.9898) * 2);
      const actions = await window.rl.diagnostics.compareRunnerActions(obs, rows);
      return { pageBackend: device.backend, runners: window.rl.faults.runners(), actions };
    }, env);
    expect(out.pageBackend).toBe('wasm');
    expect(out.runners.map((r) => r.backend)).toEqual(['webgpu']);
    const gpu = out.actions.runners[1]!;
    const wasm = out.actions.page;
    expect(gpu).toHaveLength(wasm.length);
    if (env === 'CartPole-v1') {
      expect(gpu).toEqual(wasm);
      expect(new Set(wasm).size).toBe(2); // both actions occur: the comparison is not trivial
    } else {
      wasm.forEach((a, i) => expect(Math.abs(gpu[i]! - a), `action[${i}]`).toBeLessThanOrEqual(1e-4));
      expect(Math.max(...wasm) - Math.min(...wasm)).toBeGreaterThan(0.01);
    }
  });
}
