/**
 * Probes of CartPoleGpu-v1 in the page (WebGPU needs a browser here): its step-for-step agreement
 * with CartPole-v1 over states the CPU env visits (the e2e check), and its stepping speed next to
 * the CPU env's (the bench's `gpu-env` section). Each makes its own GPUDevice from the page's
 * adapter, apart from TF.js's.
 */
import { RLError } from '../core/errors';
import { Rng } from '../core/rng';
import { makeVectorEnv, type VectorEnv } from '../envs';
import { THETA_THRESHOLD_RADIANS, X_THRESHOLD } from '../envs/cartpole';
import { measureEnvStepsPerSecond } from './env-stepping';

async function gpuDevice(): Promise<{ device: GPUDevice; adapter: string }> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  const adapter = gpu ? await gpu.requestAdapter({ powerPreference: 'high-performance' }) : null;
  if (!adapter)
    throw new RLError('device/no-webgpu', 'CartPoleGpu-v1 probes need a WebGPU adapter; this browser has none.');
  const info = adapter.info;
  return {
    device: await adapter.requestDevice(),
    adapter: [info.vendor, info.architecture, info.description].filter(Boolean).join(' / '),
  };
}

export interface GpuEnvAgreement {
  readonly adapter: string;
  /** Transitions compared: (state, action) pairs the CPU env visited under random actions. */
  readonly transitions: number;
  /** Largest |GPU - CPU| over every next-state component, and relative to max(1, |CPU|). */
  readonly maxAbsError: number;
  readonly maxRelError: number;
  readonly cpuTerminations: number;
  readonly gpuTerminations: number;
  /** Transitions whose terminated flags differ, among those not within float32 rounding of a threshold. */
  readonly terminationMismatches: number;
  /** Transitions left out of that count: the CPU's next state within 1e-5 of a termination threshold. */
  readonly nearThreshold: number;
}

/**
 * Rolls CartPole-v1 (float64) under seeded random actions and records `transitions` (state,
 * action, next state, terminated); then sets CartPoleGpu-v1's sub-env i to state i, steps every
 * sub-env with action i in one dispatch and compares (the next state of an ended episode is its
 * finalObs row: same-step autoreset has already moved on).
 */
export async function gpuEnvAgreement(transitions = 4096, seed = 0): Promise<GpuEnvAgreement> {
  const cpu = makeVectorEnv('CartPole-v1', { numEnvs: 1, seed });
  const rng = new Rng(seed + 1);
  const states: Float64Array[] = [];
  const actions = new Int32Array(transitions);
  const next: Float64Array[] = [];
  const terminated = new Uint8Array(transitions);
  cpu.reset(seed);
  const action = new Int32Array(1);
  for (let k = 0; k < transitions; k++) {
    states.push(cpu.getState(0));
    action[0] = rng.integer(2);
    actions[k] = action[0];
    cpu.step(action);
    const ended = cpu.terminated[0] === 1 || cpu.truncated[0] === 1;
    next.push(ended ? Float64Array.from(cpu.finalObs.subarray(0, 4)) : cpu.getState(0));
    terminated[k] = cpu.terminated[0]!;
  }
  const { device, adapter } = await gpuDevice();
  const gpu = makeVectorEnv('CartPoleGpu-v1', { numEnvs: transitions, seed, gpuDevice: device });
  try {
    gpu.reset(seed);
    for (let k = 0; k < transitions; k++) gpu.setState(k, states[k]!);
    await stepOnce(gpu, actions);
    let maxAbsError = 0;
    let maxRelError = 0;
    let gpuTerminations = 0;
    let mismatches = 0;
    let nearThreshold = 0;
    for (let k = 0; k < transitions; k++) {
      const ended = gpu.terminated[k] === 1 || gpu.truncated[k] === 1;
      const row = ended ? gpu.finalObs : gpu.obs;
      const want = next[k]!;
      for (let j = 0; j < 4; j++) {
        const err = Math.abs(row[k * 4 + j]! - want[j]!);
        maxAbsError = Math.max(maxAbsError, err);
        maxRelError = Math.max(maxRelError, err / Math.max(1, Math.abs(want[j]!)));
      }
      gpuTerminations += gpu.terminated[k]!;
      const margin = Math.min(
        Math.abs(Math.abs(want[0]!) - X_THRESHOLD),
        Math.abs(Math.abs(want[2]!) - THETA_THRESHOLD_RADIANS),
      );
      if (margin < 1e-5) nearThreshold++;
      else if (gpu.terminated[k] !== terminated[k]) mismatches++;
    }
    return {
      adapter,
      transitions,
      maxAbsError,
      maxRelError,
      cpuTerminations: terminated.reduce((a, b) => a + b, 0),
      gpuTerminations,
      terminationMismatches: mismatches,
      nearThreshold,
    };
  } finally {
    gpu.close?.();
    device.destroy();
  }
}

function stepOnce(env: VectorEnv, actions: Int32Array): Promise<void> {
  if (!env.stepAsync) throw new RLError('env/not-gpu', `${env.id} has no stepAsync: not a GPU env.`);
  return env.stepAsync(actions);
}

export interface GpuEnvSpeed {
  readonly numEnvs: number;
  /** Sub-env steps per second: CartPoleGpu-v1 (upload, one dispatch, read back per step) and CartPole-v1 on the CPU. */
  readonly gpuStepsPerSecond: number;
  readonly cpuStepsPerSecond: number;
  readonly adapter: string;
}

/** Env steps per second of CartPoleGpu-v1 and CartPole-v1 at `numEnvs` copies, random actions. */
export async function gpuEnvStepsPerSecond(numEnvs: number, seconds = 1.5): Promise<GpuEnvSpeed> {
  const { device, adapter } = await gpuDevice();
  const env = makeVectorEnv('CartPoleGpu-v1', { numEnvs, seed: 0, gpuDevice: device });
  const rng = new Rng(1);
  const batches = Array.from({ length: 16 }, () => Int32Array.from({ length: numEnvs }, () => rng.integer(2)));
  try {
    env.reset(0);
    const run = async (ms: number): Promise<{ calls: number; elapsedMs: number }> => {
      const start = performance.now();
      let calls = 0;
      while (performance.now() - start < ms) await stepOnce(env, batches[calls++ % batches.length]!);
      return { calls, elapsedMs: performance.now() - start };
    };
    await run(Math.min(500, seconds * 300)); // shader compilation and warm-up
    const { calls, elapsedMs } = await run(seconds * 1000);
    return {
      numEnvs,
      gpuStepsPerSecond: (calls * numEnvs) / (elapsedMs / 1000),
      cpuStepsPerSecond: measureEnvStepsPerSecond('CartPole-v1', numEnvs, seconds),
      adapter,
    };
  } finally {
    env.close?.();
    device.destroy();
  }
}
