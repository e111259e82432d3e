/**
 * PPO updates on WebGPU (the SwiftShader adapter, forced) against the cpu backend: same weights,
 * same batch, same shuffles. Loss stats and gradients must agree within 1e-3 relative.
 */
import { expect, test } from './fixtures';

const REL = 1e-3;

function expectClose(actual: number, expected: number, what: string, scale = Math.abs(expected)): void {
  // Relative to the value, with a floor relative to the vector's scale so near-zero entries
  // are compared at float32 precision instead of against themselves.
  const tol = REL * Math.max(Math.abs(expected), scale * 1e-2, 1e-6);
  expect(Math.abs(actual - expected), `${what}: webgpu ${actual} vs cpu ${expected}`).toBeLessThanOrEqual(tol);
}

test('PPO loss and gradients on webgpu match the cpu backend', async ({ appPage }) => {
  test.setTimeout(240_000);
  const adapter = await appPage.evaluate(async () => (await window.rl.diagnostics.detectDevice()).adapter);
  expect(adapter, 'no WebGPU adapter: Chromium needs the SwiftShader WebGPU flags').not.toBeNull();
  const [gpu, cpu] = await appPage.evaluate(() => window.rl.diagnostics.ppoBackendParity(['webgpu', 'cpu'], 3, 64));
  expect(gpu!.backend).toBe('webgpu');
  expect(cpu!.backend).toBe('cpu');

  const scale = Math.max(...cpu!.gradients.map(Math.abs));
  expect(scale).toBeGreaterThan(0);
  expect(gpu!.gradients).toHaveLength(cpu!.gradients.length);
  gpu!.gradients.forEach((g, i) => expectClose(g, cpu!.gradients[i]!, `gradient[${i}]`, scale));

  for (let u = 0; u < cpu!.updates.length; u++) {
    for (const key of ['total_loss', 'policy_loss', 'vf_loss', 'entropy', 'gradient_global_norm', 'mean_kl_loss']) {
      // KL values near 1e-5 are float32 cancellation noise: compare them on the loss's scale.
      const scale = key === 'mean_kl_loss' ? 0.1 : undefined;
      expectClose(gpu!.updates[u]![key]!, cpu!.updates[u]![key]!, `update ${u} ${key}`, scale);
    }
  }
  const wScale = Math.max(...cpu!.finalWeights.map(Math.abs));
  gpu!.finalWeights.forEach((w, i) => expectClose(w, cpu!.finalWeights[i]!, `weight[${i}] after 3 updates`, wScale));
});
