/**
 * Module weights <-> RLlib's torch layout, as safetensors. Our dense kernels are [in, out]
 * row-major (x @ W); torch's nn.Linear keeps weight [out, in] (x @ W^T), so kernels are
 * transposed on the way out and back; biases and log-stds keep their shape. Variables RLlib keeps
 * outside its RLModule (SAC's log_alpha) travel in the file's metadata as JSON numbers; weights
 * RLlib's module lacks and that carry nothing (BC's untrained value branch) are left out.
 *
 * Import checks a file against the weights the current module has (names and shapes) and
 * reports every problem at once: missing and unexpected tensors, shapes, non-finite values, a
 * different algorithm named in the metadata. No TF.js: the CLI checks files in Node with it.
 */
import type { AlgorithmConfigBase } from '../../core/config';
import type { ModuleWeights } from '../../rl-module/weights';
import {
  SafetensorsError,
  decodeSafetensors,
  encodeSafetensors,
  type NamedTensor,
  type SafetensorsFile,
  type SafetensorsIssue,
} from '../../rl-module/safetensors';
import type { RLlibMapping } from './rllib-mapping';

/** Marks a file this exporter wrote (and the layout version its names follow). */
export const RLLIB_WEIGHTS_FORMAT = 'browser-rl-rllib-weights/1';

/** Metadata key prefix of the variables kept outside RLlib's module (`extra/log_alpha`). */
const EXTRA = 'extra/';

/** RLlib keeps its target networks in the same state_dict; an import takes the online ones. */
const TARGET_PREFIX = 'target_';

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

/** The torch shape of one of our weights: kernels [in, out] become [out, in]. */
function torchShape(shape: readonly number[]): number[] {
  return shape.length === 2 ? [shape[1]!, shape[0]!] : [...shape];
}

/** Our weights as RLlib-named torch tensors, plus the metadata entries of what RLlib keeps elsewhere. */
export function toRLlibTensors(
  weights: ModuleWeights,
  mapping: RLlibMapping,
  config: AlgorithmConfigBase,
): { tensors: NamedTensor[]; extras: Record<string, string> } {
  const tensors: NamedTensor[] = [];
  const extras: Record<string, string> = {};
  weights.names.forEach((name, i) => {
    if (mapping.omitsWeight?.(name, config)) return;
    const shape = weights.shapes[i]!;
    const data = weights.arrays[i]!;
    const rllibName = mapping.weightName(name, config);
    if (rllibName === null) {
      extras[EXTRA + name] = JSON.stringify(Array.from(data));
      return;
    }
    const torchData = shape.length === 2 ? transpose(data, shape[0]!, shape[1]!) : new Float32Array(data);
    tensors.push({ name: rllibName, shape: torchShape(shape), data: torchData });
  });
  return { tensors, extras };
}

export interface RLlibWeightsFileInfo {
  /** The run's algorithm and full config, for a reader of the file. */
  readonly algo: string;
  readonly config: AlgorithmConfigBase;
  /** What the Python loader builds (mapping.moduleLayout). */
  readonly layout: Record<string, unknown>;
}

/** A safetensors file of our weights in RLlib's layout, with what the loader needs in its metadata. */
export function encodeRLlibWeights(
  weights: ModuleWeights,
  mapping: RLlibMapping,
  info: RLlibWeightsFileInfo,
): Uint8Array {
  const { tensors, extras } = toRLlibTensors(weights, mapping, info.config);
  return encodeSafetensors(tensors, {
    format: RLLIB_WEIGHTS_FORMAT,
    algo: info.algo,
    layout: JSON.stringify(info.layout),
    config: JSON.stringify(info.config),
    ...extras,
  });
}

function extraValue(
  metadata: Readonly<Record<string, string>>,
  name: string,
  size: number,
  issues: SafetensorsIssue[],
): Float32Array | null {
  const text = metadata[EXTRA + name];
  if (text === undefined) return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  if (!Array.isArray(v) || v.length !== size || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    issues.push({ path: `__metadata__.${EXTRA}${name}`, message: `must be a JSON list of ${size} finite numbers.` });
    return null;
  }
  return Float32Array.from(v as number[]);
}

/**
 * Reads a safetensors file in RLlib's layout into weights shaped like `current` (the module's
 * own, which also supply any variable the file lacks but RLlib keeps outside the module, such as
 * SAC's log_alpha). Throws SafetensorsError (`weights/invalid-file`) listing every problem.
 */
export function decodeRLlibWeights(
  bytes: Uint8Array,
  current: ModuleWeights,
  mapping: RLlibMapping,
  config: AlgorithmConfigBase,
): ModuleWeights {
  const file = decodeSafetensors(bytes);
  const issues: SafetensorsIssue[] = [];
  const algo = file.metadata['algo'];
  if (algo !== undefined && algo !== config.algo) {
    issues.push({
      path: '__metadata__.algo',
      message: `the file holds ${algo} weights; this run is ${config.algo}. Build a ${algo} run (same env and model sizes) first.`,
    });
  }
  const byName = new Map(file.tensors.map((t) => [t.name, t]));
  const used = new Set<string>();
  const arrays = current.names.map((name, i) => {
    const shape = current.shapes[i]!;
    if (mapping.omitsWeight?.(name, config)) return current.arrays[i]!;
    const rllibName = mapping.weightName(name, config);
    if (rllibName === null)
      return extraValue(file.metadata, name, current.arrays[i]!.length, issues) ?? current.arrays[i]!;
    used.add(rllibName);
    const t = byName.get(rllibName);
    const want = torchShape(shape);
    if (!t) {
      issues.push({ path: rllibName, message: `is missing (our ${name}, torch shape [${want.join(', ')}]).` });
      return current.arrays[i]!;
    }
    if (t.shape.length !== want.length || t.shape.some((d, k) => d !== want[k])) {
      issues.push({
        path: rllibName,
        message: `has shape [${t.shape.join(', ')}]; this run's model needs [${want.join(', ')}] (check fcnet_hiddens and the env's spaces).`,
      });
      return current.arrays[i]!;
    }
    return shape.length === 2 ? transpose(t.data, shape[1]!, shape[0]!) : t.data;
  });
  for (const t of file.tensors) {
    if (!used.has(t.name) && !t.name.startsWith(TARGET_PREFIX))
      issues.push({
        path: t.name,
        message: `is not a weight of this run's ${config.algo} module; is the file for another model?`,
      });
  }
  if (issues.length > 0) throw new SafetensorsError(issues, 'These weights do not fit this run');
  return { version: current.version + 1, names: [...current.names], shapes: current.shapes.map((s) => [...s]), arrays };
}

/**
 * The run config an exported file carries in its metadata (our exporter writes it; a file saved
 * from RLlib has none), for building a run to load the weights into; null when absent or unreadable.
 */
export function configInWeightsFile(file: SafetensorsFile): unknown {
  const text = file.metadata['config'];
  if (text === undefined) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null; // then the page's form config is the fallback; the import checks the fit
  }
}
