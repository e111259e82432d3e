import { describe, expect, it } from 'vitest';
import { onGpuFailure, registerWebGpu } from '../../src/backend/webgpu-device';

/** A stand-in for navigator.gpu: counts devices and lets a test lose the latest one. */
function fakeGpu(): { gpu: GPU; devices: () => number; loseLatest: () => Promise<void> } {
  const losers: ((info: { reason: string; message: string }) => void)[] = [];
  const adapter = {
    limits: {},
    features: new Set<string>(),
    info: { vendor: 'google', architecture: 'swiftshader', device: '', description: '' },
    requestDevice: () =>
      Promise.resolve({
        lost: new Promise((resolve) => losers.push(resolve)),
        addEventListener: () => undefined,
        // What the GPU busy meter wraps (gpu-busy-meter.ts).
        features: new Set<string>(),
        queue: { submit: () => undefined, onSubmittedWorkDone: () => Promise.resolve() },
      }),
  };
  return {
    gpu: { requestAdapter: () => Promise.resolve(adapter) } as unknown as GPU,
    devices: () => losers.length,
    loseLatest: async () => {
      losers.at(-1)!({ reason: 'destroyed', message: 'test' });
      await new Promise((r) => setTimeout(r, 0));
    },
  };
}

describe('one WebGPU device per page, shared by every learner', () => {
  it('a second learner reuses the device; only a lost device is replaced, and every listener hears of it', async () => {
    const fake = fakeGpu();
    const first = await registerWebGpu(fake.gpu);
    // Five trials with numGpusPerLearner 0.2 build one after another: still one device.
    for (let i = 0; i < 4; i++) expect(await registerWebGpu(fake.gpu)).toEqual(first);
    expect(fake.devices()).toBe(1);
    const heard: string[] = [];
    const stopA = onGpuFailure((r) => heard.push(`a: ${r}`));
    onGpuFailure((r) => heard.push(`b: ${r}`));
    stopA();
    await fake.loseLatest();
    expect(heard).toEqual(['b: WebGPU device lost (destroyed): test']);
    await registerWebGpu(fake.gpu);
    expect(fake.devices()).toBe(2);
  });
});
