/**
 * TF.js backend set-up for both sides of the app: the EnvRunner worker (inference) and the
 * driver page (the Learner, through backend/device.ts). It loads in a Web Worker: no DOM.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { RLError } from '../core/errors';
import { installWasmSliceKernels } from './wasm-slice';
import { registerWebGpu, type AdapterReport } from './webgpu-device';

export { onGpuFailure, probeWebGpu, sharedGpu, type AdapterReport, type GpuFailureListener } from './webgpu-device';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

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
 * Starts TF.js's wasm backend. TF.js caps XNNPACK's pool at navigator.hardwareConcurrency / 2
 * (backend.cc assumes two hyperthreads per core), which is 1 thread on a 2-core machine; asking
 * for `threads` means reporting 2 x threads logical cores while the module starts, then restoring
 * the real value. Threads need SharedArrayBuffer, so a page that is not cross-origin isolated gets 1.
 */
async function startWasm(threads: number): Promise<{ started: boolean; threads: number; note: string }> {
  configureWasm();
  const isolated = globalThis.crossOriginIsolated === true;
  const threaded = threads > 1 && isolated;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threaded);
  if (threaded) setThreadsCount(threads);
  const nav = globalThis.navigator as { hardwareConcurrency: number } | undefined;
  const shadowCores = threaded && nav !== undefined;
  if (shadowCores) Object.defineProperty(nav, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
  try {
    if (!(await tf.setBackend('wasm'))) return { started: false, threads: 1, note: '' };
    await tf.ready();
  } catch {
    return { started: false, threads: 1, note: '' };
  } finally {
    if (shadowCores) delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
  }
  // What XNNPACK's pool really has (a backend started earlier on this page keeps its pool).
  const active = getThreadsCount();
  const note =
    threads > 1 && !isolated
      ? `${threads} wasm threads asked for, but the page is not cross-origin isolated (no SharedArrayBuffer): 1 thread`
      : '';
  return { started: true, threads: active, note };
}

/**
 * Makes `name` the active TF.js backend. For wasm, falls back to cpu when wasm cannot load and
 * says so in the returned note; `wasmThreads` > 1 starts wasm with that many XNNPACK threads.
 * Returns the backend actually active and, for wasm, its thread count (1 otherwise).
 */
export async function activateBackend(
  name: BackendName,
  opts: { wasmThreads?: number } = {},
): Promise<{ backend: BackendName; adapter: AdapterReport | null; note: string; wasmThreads: number }> {
  if (name === 'webgpu') {
    const adapter = await registerWebGpu();
    if (!(await tf.setBackend('webgpu'))) throw new RLError('device/webgpu-init', 'TF.js could not start WebGPU.');
    await tf.ready();
    return { backend: 'webgpu', adapter, note: '', wasmThreads: 1 };
  }
  if (name === 'wasm') {
    const wasm = await startWasm(opts.wasmThreads ?? 1);
    if (wasm.started) {
      installWasmSliceKernels();
      return { backend: 'wasm', adapter: null, note: wasm.note, wasmThreads: wasm.threads };
    }
    await tf.setBackend('cpu');
    return { backend: 'cpu', adapter: null, note: 'wasm could not load; using cpu', wasmThreads: 1 };
  }
  if (!(await tf.setBackend(name))) throw new RLError('device/backend-init', `TF.js could not start ${name}.`);
  await tf.ready();
  return { backend: name, adapter: null, note: '', wasmThreads: 1 };
}
