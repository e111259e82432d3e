/**
 * CartPoleGpu-v1's host side in Node, on a fake device whose "shader" is CartPole's step in
 * float32 (the WGSL itself runs in the browser: test/e2e/gpu-env.spec.ts). Checks the buffer
 * layout, the read back, the time limit, rewards and same-step autoreset against CartPole-v1, and
 * the coded errors where no device is handed to it.
 */
import { describe, expect, it } from 'vitest';
import { RLError } from '../../src/core/errors';
import { EnvRunner } from '../../src/env-runner/env-runner';
import { getEnvSpec, makeVectorEnv } from '../../src/envs';
import { CARTPOLE_WGSL } from '../../src/envs/cartpole-gpu';
import { fakeGpu } from './helpers/fake-gpu';
import { runnerSettings } from './helpers/settings';

/** CartPole's step in float32, as the shader runs it (polynomial sin/cos there, Math's here). */
function cartPoleKernel(buffers: ArrayBuffer[]): void {
  const state = new Float32Array(buffers[0]!);
  const actions = new Int32Array(buffers[1]!);
  const terminated = new Uint32Array(buffers[2]!);
  const n = new Uint32Array(buffers[3]!)[0]!;
  const f = Math.fround;
  for (let i = 0; i < n; i++) {
    const [x, xDot, theta, thetaDot] = [state[4 * i]!, state[4 * i + 1]!, state[4 * i + 2]!, state[4 * i + 3]!];
    const force = actions[i] === 1 ? 10 : -10;
    const c = f(Math.cos(theta));
    const s = f(Math.sin(theta));
    const temp = f((force + 0.05 * thetaDot * thetaDot * s) / 1.1);
    const thetaacc = f((9.8 * s - c * temp) / (0.5 * (4 / 3 - (0.1 * c * c) / 1.1)));
    const xacc = f(temp - (0.05 * thetaacc * c) / 1.1);
    state.set([x + 0.02 * xDot, xDot + 0.02 * xacc, theta + 0.02 * thetaDot, thetaDot + 0.02 * thetaacc], 4 * i);
    const nx = state[4 * i]!;
    const nt = state[4 * i + 2]!;
    terminated[i] = nx < -2.4 || nx > 2.4 || nt < -0.2094395 || nt > 0.2094395 ? 1 : 0;
  }
}

describe('CartPoleGpu-v1', () => {
  it("is registered as an env that needs a GPU, with CartPole-v1's limits and the same shader constants", () => {
    expect(getEnvSpec('CartPoleGpu-v1')).toMatchObject({
      maxEpisodeSteps: 500,
      rewardThreshold: 475,
      requiresGpu: true,
    });
    for (const c of ['9.8', '10.0', '0.05', '1.1', '0.02', '2.4']) expect(CARTPOLE_WGSL).toContain(c);
  });

  it('builds without a device (its spaces are read on the page) but refuses to step: env/needs-gpu, env/async-step', async () => {
    const env = makeVectorEnv('CartPoleGpu-v1', { numEnvs: 2, seed: 0 });
    const cpu = makeVectorEnv('CartPole-v1', { numEnvs: 2, seed: 0 });
    env.reset(5);
    cpu.reset(5);
    // The same seed gives CartPole-v1's initial states: seeding is the CPU env's own.
    expect(Array.from(env.obs)).toEqual(Array.from(cpu.obs));
    expect(() => env.step(new Int32Array(2))).toThrow(expect.objectContaining({ code: 'env/async-step' }) as Error);
    await expect(env.stepAsync!(new Int32Array(2))).rejects.toMatchObject({ code: 'env/needs-gpu' });
  });

  it('steps every sub-env per dispatch, with the time limit, rewards and same-step autoreset of CartPole-v1', async () => {
    const gpu = fakeGpu({ kernel: cartPoleKernel });
    const n = 100;
    const env = makeVectorEnv('CartPoleGpu-v1', { numEnvs: n, seed: 1, maxEpisodeSteps: 30, gpuDevice: gpu.device });
    const cpu = makeVectorEnv('CartPole-v1', { numEnvs: n, seed: 1, maxEpisodeSteps: 30 });
    env.reset(1);
    cpu.reset(1);
    const actions = new Int32Array(n);
    let ends = 0;
    for (let t = 0; t < 60; t++) {
      for (let i = 0; i < n; i++) actions[i] = (t * 7 + i * 3) % 5 < 2 ? 1 : 0;
      await env.stepAsync!(actions);
      cpu.step(actions);
      // Float32 physics drifts from float64 over an episode; the flags and rewards do not here.
      expect(Array.from(env.terminated)).toEqual(Array.from(cpu.terminated));
      expect(Array.from(env.truncated)).toEqual(Array.from(cpu.truncated));
      expect(Array.from(env.rewards)).toEqual(Array.from(cpu.rewards));
      for (let k = 0; k < n * 4; k++) expect(Math.abs(env.obs[k]! - cpu.obs[k]!)).toBeLessThan(1e-3);
      ends += env.terminated.reduce((a, b) => a + b, 0) + env.truncated.reduce((a, b) => a + b, 0);
    }
    expect(ends).toBeGreaterThan(n); // both terminations and the 30-step limit happened, and reset
    expect(gpu.counts.dispatches).toBe(60); // one dispatch per step for all 100 sub-envs
    env.close?.();
  });

  it('an EnvRunner builds it only with a device of its own, and never in remote sub-env workers', () => {
    const settings = runnerSettings({ env: 'CartPoleGpu-v1', numEnvs: 2, inferenceBackend: 'wasm' });
    const error = (f: () => unknown): RLError => {
      try {
        f();
      } catch (e) {
        return e as RLError;
      }
      throw new Error('no error');
    };
    const none = error(() => new EnvRunner(settings));
    expect(none.code).toBe('env/needs-gpu');
    expect(none.message).toMatch(
      /CartPoleGpu-v1 steps on the GPU, but EnvRunner 1 \(inference on wasm\) has no WebGPU device.*numGpusPerEnvRunner > 0/,
    );
    const gpu = fakeGpu({ kernel: cartPoleKernel });
    const remote = error(
      () => new EnvRunner({ ...settings, remoteWorkerEnvs: true }, undefined, { device: gpu.device, meter: null }),
    );
    expect(remote.message).toMatch(/a remote sub-env worker \(remoteWorkerEnvs\)/);
    const runner = new EnvRunner(settings, undefined, { device: gpu.device, meter: null });
    expect(runner.env.id).toBe('CartPoleGpu-v1');
    runner.stop();
  });
});
