/**
 * TF.js backend set-up for both sides of the app: the EnvRunner worker (inference) and the
 * driver page (the Learner, through runtime/device.ts). It loads in a Web Worker: no DOM.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { RLError } from '../core/errors';
import { installWasmSliceKernels } from './wasm-slice';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export interface AdapterReport {
  /** e.g. "google / swiftshader" or "nvidia / ampere". */
  readonly description: string;
  /** A software adapter (SwiftShader): correct but slow; `'auto'` treats it as no GPU. */
  readonly isFallbackAdapter: boolean;
}

/** What WebGPU this context offers, without creating a device. `null` = no adapter at all. */
export async function probeWebGpu(): Promise<AdapterReport | null> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return null;
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    return adapter ? describeAdapter(adapter) : null;
  } catch {
    return null;
  }
}

function describeAdapter(adapter: GPUAdapter): AdapterReport {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const legacyFallback = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter;
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((s) => s);
  const isSwiftShader = /swiftshader/i.test(parts.join(' '));
  return {
    description: parts.join(' / ') || 'unknown adapter',
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? legacyFallback) || isSwiftShader,
  };
}

/** Why the WebGPU device went away, delivered to whoever is training on it. */
export type GpuFailureListener = (reason: string) => void;

let gpuFailureListener: GpuFailureListener | null = null;

/** TF.js ignores `device.lost` and `uncapturederror`; we listen and report through this. */
export function onGpuFailure(listener: GpuFailureListener | null): void {
  gpuFailureListener = listener;
}

/**
 * Registers TF.js's WebGPU backend on a device we create ourselves so that (1) the storage-buffer
 * limit is raised to what the adapter allows (TF.js 4.22's default limit makes `tf.addN` with 8+
 * inputs silently wrong), and (2) we can listen for device loss, which TF.js does not handle.
 */
async function registerWebGpu(): Promise<AdapterReport> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  const adapter = gpu ? await gpu.requestAdapter({ powerPreference: 'high-performance' }) : null;
  if (!adapter) throw new RLError('device/no-webgpu', 'No WebGPU adapter is available in this browser context.');
  const limits = adapter.limits;
  const requiredFeatures: GPUFeatureName[] = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  const device = await adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
      maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
    },
  });
  device.lost
    .then((info) => gpuFailureListener?.(`WebGPU device lost (${info.reason}): ${info.message}`))
    .catch(() => undefined);
  device.addEventListener('uncapturederror', (event) => {
    gpuFailureListener?.(`WebGPU error: ${event.error.message}`);
  });
  if (tf.findBackend('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(device, adapter.info));
  return describeAdapter(adapter);
}

let wasmPathsSet = false;

function configureWasm(): void {
  if (wasmPathsSet) return;
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlainUrl,
    'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
  });
  wasmPathsSet = true;
}

/**
 * Makes `name` the active TF.js backend. For wasm, falls back to cpu when wasm cannot load and
 * says so in the returned note. Returns the backend actually active.
 */
export async function activateBackend(
  name: BackendName,
  opts: { wasmThreads?: boolean } = {},
): Promise<{ backend: BackendName; adapter: AdapterReport | null; note: string }> {
  if (name === 'webgpu') {
    const adapter = await registerWebGpu();
    if (!(await tf.setBackend('webgpu'))) throw new RLError('device/webgpu-init', 'TF.js could not start WebGPU.');
    await tf.ready();
    return { backend: 'webgpu', adapter, note: '' };
  }
  if (name === 'wasm') {
    configureWasm();
    // Threads only pay off for big matmuls; our MLPs are small and the cores are busy with runners.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', Boolean(opts.wasmThreads) && globalThis.crossOriginIsolated);
    try {
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        installWasmSliceKernels();
        return { backend: 'wasm', adapter: null, note: '' };
      }
    } catch {
      // fall through to cpu
    }
    await tf.setBackend('cpu');
    return { backend: 'cpu', adapter: null, note: 'wasm could not load; using cpu' };
  }
  if (!(await tf.setBackend(name))) throw new RLError('device/backend-init', `TF.js could not start ${name}.`);
  await tf.ready();
  return { backend: name, adapter: null, note: '' };
}
