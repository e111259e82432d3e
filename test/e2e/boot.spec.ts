import { expect, test } from './fixtures';

test('the page boots and shows the detected device', async ({ appPage, consoleErrors }) => {
  const line = appPage.getByTestId('device-line');
  await expect(line).toContainText('WebGPU:');
  await expect(line).toContainText(/cross-origin isolated: (yes|no)/);
  // Served with COOP/COEP, so the page is cross-origin isolated.
  await expect(line).toContainText('cross-origin isolated: yes');
  expect(consoleErrors).toEqual([]);
});

test('WebGPU (SwiftShader) runs a TF.js computation that matches the cpu backend', async ({ appPage }) => {
  const adapter = await appPage.evaluate(async () => (await window.rl.diagnostics.detectDevice()).adapter);
  expect(adapter, 'no WebGPU adapter: launch Chromium with the SwiftShader WebGPU flags').not.toBeNull();
  const [gpu, cpu] = await appPage.evaluate(async () => [
    await window.rl.diagnostics.tinyComputation('webgpu'),
    await window.rl.diagnostics.tinyComputation('cpu'),
  ]);
  expect(gpu.backend).toBe('webgpu');
  expect(cpu.backend).toBe('cpu');
  expect(gpu.values).toHaveLength(cpu.values.length);
  gpu.values.forEach((v, i) => expect(v).toBeCloseTo(cpu.values[i]!, 4));
});
