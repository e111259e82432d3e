/**
 * Picks the Learner's TF.js backend from `learners.numGpusPerLearner` (RLlib's semantics):
 *   > 0     WebGPU, or an error naming the setting when there is no adapter (RLlib raises too);
 *   0       wasm (cpu if wasm cannot load), even when a GPU exists;
 *   'auto'  WebGPU on a hardware adapter, wasm otherwise. A software adapter (SwiftShader) is
 *           ~30-200x slower than wasm here, so 'auto' treats it as no GPU; `> 0` can still force it.
 * The choice, the adapter and the reason are reported in the UI, the CLI, results and checkpoints.
 */
import { RLError } from '../core/errors';
import { activateBackend, probeWebGpu, type AdapterReport, type BackendName } from './tf-backend';

export interface DeviceInfo {
  readonly backend: BackendName;
  /** Adapter description, or null when no WebGPU adapter exists. */
  readonly adapter: string | null;
  readonly isFallbackAdapter: boolean;
  /** Why this backend: shown to the user verbatim. */
  readonly reason: string;
  readonly crossOriginIsolated: boolean;
  readonly hardwareConcurrency: number;
  /** XNNPACK threads of the wasm backend (learners.wasmThreads); 1 on any other backend. */
  readonly wasmThreads: number;
}

/** The device line's thread count, when threads were asked for or are running. */
function threadsNote(backend: BackendName, active: number, asked: number): string {
  if (backend !== 'wasm' || (active <= 1 && asked <= 1)) return '';
  return `wasm with ${active} thread${active === 1 ? '' : 's'} (learners.wasmThreads=${asked})`;
}

/** What the browser offers, without choosing anything (the page's device line). */
export async function detectDevice(): Promise<{
  adapter: AdapterReport | null;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
}> {
  return {
    adapter: await probeWebGpu(),
    crossOriginIsolated: Boolean(globalThis.crossOriginIsolated),
    hardwareConcurrency: globalThis.navigator?.hardwareConcurrency ?? 1,
  };
}

/** Decides the backend for a setting; pure so it can be unit-tested. */
export function chooseLearnerBackend(
  numGpusPerLearner: number | 'auto',
  adapter: AdapterReport | null,
): { backend: BackendName; reason: string } {
  if (numGpusPerLearner === 'auto') {
    if (adapter && !adapter.isFallbackAdapter) {
      return {
        backend: 'webgpu',
        reason: `numGpusPerLearner='auto' and a hardware WebGPU adapter exists (${adapter.description})`,
      };
    }
    const why = adapter
      ? `the only WebGPU adapter is a software fallback (${adapter.description}), slower than wasm`
      : 'no WebGPU adapter';
    return { backend: 'wasm', reason: `numGpusPerLearner='auto' and ${why}` };
  }
  if (numGpusPerLearner > 0) {
    if (!adapter) {
      throw new RLError(
        'device/no-webgpu',
        `learners.numGpusPerLearner=${numGpusPerLearner} asks for a GPU, but this browser has no WebGPU adapter. ` +
          `Set numGpusPerLearner to 0 (CPU, wasm) or 'auto', or use a browser with WebGPU enabled.`,
      );
    }
    const soft = adapter.isFallbackAdapter ? ' (software adapter: correct but slow)' : '';
    return {
      backend: 'webgpu',
      reason: `numGpusPerLearner=${numGpusPerLearner} forces WebGPU on ${adapter.description}${soft}`,
    };
  }
  return { backend: 'wasm', reason: 'numGpusPerLearner=0 asks for the CPU (wasm)' };
}

/** Chooses and activates the Learner's backend on this page. */
export async function selectLearnerDevice(
  numGpusPerLearner: number | 'auto',
  override?: BackendName,
  wasmThreads = 1,
): Promise<DeviceInfo> {
  const detected = await detectDevice();
  const choice = override
    ? { backend: override, reason: `backend '${override}' requested explicitly` }
    : chooseLearnerBackend(numGpusPerLearner, detected.adapter);
  if (choice.backend === 'webgpu' && !detected.adapter) {
    throw new RLError('device/no-webgpu', `backend 'webgpu' was requested but this browser has no WebGPU adapter.`);
  }
  const active = await activateBackend(choice.backend, { wasmThreads });
  return {
    backend: active.backend,
    adapter: detected.adapter?.description ?? null,
    isFallbackAdapter: detected.adapter?.isFallbackAdapter ?? false,
    reason: [choice.reason, threadsNote(active.backend, active.wasmThreads, wasmThreads), active.note]
      .filter((part) => part !== '')
      .join('; '),
    wasmThreads: active.wasmThreads,
    crossOriginIsolated: detected.crossOriginIsolated,
    hardwareConcurrency: detected.hardwareConcurrency,
  };
}
