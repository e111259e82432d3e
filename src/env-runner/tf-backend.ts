/**
 * TF.js backend set-up for both sides of the app: the EnvRunner worker (inference) and the
 * driver page (the Learner, through runtime/device.ts). It loads in a Web Worker: no DOM.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { RLError } from '../core/errors';
import { installWasmSliceKernels } from './wasm-slice';
import { registerWebGpu, type AdapterReport } from './webgpu-device';

export { onGpuFailure, probeWebGpu, type AdapterReport, type GpuFailureListener } from './webgpu-device';

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
