/**
 * WebGPU adapter probing and TF.js's WebGPU backend on a device we create, apart from the wasm
 * set-up in tf-backend.ts (whose Vite `?url` imports do not load in plain Node): the Node learner
 * benchmark registers WebGPU through this file with Dawn's `navigator.gpu`.
 */
import * as tf from '@tensorflow/tfjs';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { RLError } from '../core/errors';
import { GpuBusyMeter } from './gpu-busy-meter';

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

export function describeAdapter(adapter: GPUAdapter): AdapterReport {
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

const gpuFailureListeners = new Set<GpuFailureListener>();

/**
 * TF.js ignores `device.lost` and `uncapturederror`; we listen and report to every algorithm
 * training on the device (a sweep's trials share it). Returns the function that stops listening.
 */
export function onGpuFailure(listener: GpuFailureListener): () => void {
  gpuFailureListeners.add(listener);
  return () => gpuFailureListeners.delete(listener);
}

function reportGpuFailure(reason: string): void {
  for (const l of gpuFailureListeners) l(reason);
}

/**
 * The device TF.js's webgpu backend runs on. ONE per page: every learner that asks for WebGPU
 * (the trials of a sweep with numGpusPerLearner 0.2) shares it, as Ray packs fractional-GPU
 * actors onto one physical GPU. Re-registering would dispose the backend and with it every other
 * learner's variables, so a new device is made only when there is none or it was lost.
 */
let shared: { report: AdapterReport; lost: boolean; device: GPUDevice; meter: GpuBusyMeter } | null = null;

/**
 * This context's WebGPU device and its busy meter (null before WebGPU is registered, or after the
 * device was lost): what a runner hands to an env that steps on the GPU, and reads its busy time from.
 */
export function sharedGpu(): { readonly device: GPUDevice; readonly meter: GpuBusyMeter } | null {
  return shared && !shared.lost ? { device: shared.device, meter: shared.meter } : null;
}

/**
 * Registers TF.js's WebGPU backend on a device we create ourselves so that (1) the storage-buffer
 * limit is raised to what the adapter allows (TF.js 4.22's default limit makes `tf.addN` with 8+
 * inputs silently wrong), and (2) we can listen for device loss, which TF.js does not handle.
 * `gpu` is the page's `navigator.gpu`, or Dawn's for Node (cli/node-webgpu.ts).
 */
export async function registerWebGpu(
  gpu: GPU | undefined = (globalThis.navigator as Navigator | undefined)?.gpu,
): Promise<AdapterReport> {
  if (shared && !shared.lost && tf.findBackendFactory('webgpu')) return shared.report;
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
  // Installed before TF.js sees the device, so every submission is counted (gpu-busy-meter.ts).
  const meter = new GpuBusyMeter(device);
  const current = { report: describeAdapter(adapter), lost: false, device, meter };
  device.lost
    .then((info) => {
      current.lost = true;
      reportGpuFailure(`WebGPU device lost (${info.reason}): ${info.message}`);
    })
    .catch(() => undefined);
  device.addEventListener('uncapturederror', (event) => {
    reportGpuFailure(`WebGPU error: ${event.error.message}`);
  });
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(device, adapter.info));
  shared = current;
  return current.report;
}
