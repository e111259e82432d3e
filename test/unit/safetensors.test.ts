/**
 * safetensors: the format round trip (export then import gives identical weights), RLlib's layout
 * and back for each module kind, and bad files refused with every problem listed.
 */
import { describe, expect, it } from 'vitest';
import { getSpec, resolveConfig } from '../../src/algorithms/registry';
import { decodeRLlibWeights, encodeRLlibWeights } from '../../src/algorithms/rllib/rllib-weights';
import { Rng } from '../../src/core/rng';
import type { ModuleWeights } from '../../src/rl-module/weights';
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from '../../src/rl-module/safetensors';
import { TINY_RUNS, type TinyAlgo } from './helpers/rllib-run';

/** The names and shapes each module kind has for the tiny configs (what getWeights returns). */
const LAYOUTS: Record<Extract<TinyAlgo, 'PPO' | 'DQN' | 'SAC'>, [string, number[]][]> = {
  PPO: [
    ['pi/fc_0/kernel', [4, 16]],
    ['pi/fc_0/bias', [16]],
    ['pi/fc_1/kernel', [16, 8]],
    ['pi/fc_1/bias', [8]],
    ['vf/fc_0/kernel', [4, 16]],
    ['vf/fc_0/bias', [16]],
    ['vf/fc_1/kernel', [16, 8]],
    ['vf/fc_1/bias', [8]],
    ['pi/out/kernel', [8, 2]],
    ['pi/out/bias', [2]],
    ['vf/out/kernel', [8, 1]],
    ['vf/out/bias', [1]],
  ],
  DQN: [
    ['encoder/fc_0/kernel', [4, 16]],
    ['encoder/fc_0/bias', [16]],
    ['af/fc_0/kernel', [16, 8]],
    ['af/fc_0/bias', [8]],
    ['af/out/kernel', [8, 2]],
    ['af/out/bias', [2]],
    ['vf/fc_0/kernel', [16, 8]],
    ['vf/fc_0/bias', [8]],
    ['vf/out/kernel', [8, 1]],
    ['vf/out/bias', [1]],
  ],
  SAC: [
    ['pi/fc_0/kernel', [3, 16]],
    ['pi/fc_0/bias', [16]],
    ['pi/fc_1/kernel', [16, 16]],
    ['pi/fc_1/bias', [16]],
    ['pi/out/kernel', [16, 2]],
    ['pi/out/bias', [2]],
    ['qf/fc_0/kernel', [4, 16]],
    ['qf/fc_0/bias', [16]],
    ['qf/fc_1/kernel', [16, 16]],
    ['qf/fc_1/bias', [16]],
    ['qf/out/kernel', [16, 1]],
    ['qf/out/bias', [1]],
    ['qf_twin/fc_0/kernel', [4, 16]],
    ['qf_twin/fc_0/bias', [16]],
    ['qf_twin/fc_1/kernel', [16, 16]],
    ['qf_twin/fc_1/bias', [16]],
    ['qf_twin/out/kernel', [16, 1]],
    ['qf_twin/out/bias', [1]],
    ['log_alpha', [1]],
  ],
};

function randomWeights(algo: keyof typeof LAYOUTS, seed = 1): ModuleWeights {
  const rng = new Rng(seed);
  const layout = LAYOUTS[algo];
  return {
    version: 3,
    names: layout.map(([n]) => n),
    shapes: layout.map(([, s]) => s),
    arrays: layout.map(([, s]) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rng.normal())),
  };
}

function fileFor(algo: keyof typeof LAYOUTS, weights = randomWeights(algo)): Uint8Array {
  const config = resolveConfig(TINY_RUNS[algo]);
  const mapping = getSpec(algo).rllib!;
  return encodeRLlibWeights(weights, mapping, { algo, config, layout: { kind: 'test' } });
}

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SafetensorsError);
    return (e as SafetensorsError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected a SafetensorsError');
}

describe('safetensors format', () => {
  it('round-trips names, shapes, values and metadata; the data starts 8-byte aligned', () => {
    const tensors = [
      { name: 'a', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 1e-30, 0, -0]) },
      { name: 'b.weight', shape: [], data: Float32Array.from([7]) },
      { name: 'empty', shape: [0, 4], data: new Float32Array(0) },
    ];
    const bytes = encodeSafetensors(tensors, { format: 'x', note: 'é' });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const back = decodeSafetensors(bytes);
    expect(back.metadata).toEqual({ format: 'x', note: 'é' });
    expect(back.tensors.map((t) => [t.name, t.shape, Array.from(t.data)])).toEqual(
      tensors.map((t) => [t.name, t.shape, Array.from(t.data)]),
    );
  });

  it('refuses a file that is not safetensors, in one line', () => {
    expect(issuesOf(() => decodeSafetensors(new Uint8Array([1, 2, 3])))).toHaveLength(1);
    const json = new TextEncoder().encode('{"format": "browser-rl-checkpoint/2"}');
    expect(issuesOf(() => decodeSafetensors(json))[0]).toMatch(/header bytes/);
  });

  it('lists every problem of a damaged file at once: dtype, shape, offsets, NaN', () => {
    const header = {
      good: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      half: { dtype: 'F16', shape: [2], data_offsets: [8, 12] },
      badShape: { dtype: 'F32', shape: [3], data_offsets: [12, 20] },
      nan: { dtype: 'F32', shape: [2], data_offsets: [20, 28] },
      outside: { dtype: 'F32', shape: [1], data_offsets: [28, 400] },
    };
    const json = new TextEncoder().encode(JSON.stringify(header));
    const bytes = new Uint8Array(8 + json.length + 28);
    const view = new DataView(bytes.buffer);
    view.setBigUint64(0, BigInt(json.length), true);
    bytes.set(json, 8);
    view.setFloat32(8 + json.length + 20, NaN, true);
    const issues = issuesOf(() => decodeSafetensors(bytes));
    expect(issues.join('\n')).toMatch(/half: dtype is F16; only F32/);
    expect(issues.join('\n')).toMatch(/badShape: shape \[3\] needs 12 bytes/);
    expect(issues.join('\n')).toMatch(/outside: data_offsets/);
    expect(issues.join('\n')).toMatch(/nan: has 1 non-finite value/);
  });
});

describe.each(['PPO', 'DQN', 'SAC'] as const)('%s weights in RLlib layout', (algo) => {
  const config = resolveConfig(TINY_RUNS[algo]);
  const mapping = getSpec(algo).rllib!;

  it('export then import gives identical weights (kernels transposed to torch and back)', () => {
    const weights = randomWeights(algo);
    const bytes = fileFor(algo, weights);
    const file = decodeSafetensors(bytes);
    // Kernels are [out, in] in the file, as torch's nn.Linear holds them.
    const first = file.tensors[0]!;
    expect(first.shape).toEqual([...weights.shapes[0]!].reverse());
    expect(first.data[1]).toBe(weights.arrays[0]![weights.shapes[0]![1]!]);
    const zeros: ModuleWeights = { ...weights, arrays: weights.arrays.map((a) => new Float32Array(a.length)) };
    const back = decodeRLlibWeights(bytes, zeros, mapping, config);
    expect(back.names).toEqual(weights.names);
    back.arrays.forEach((a, i) => expect(Array.from(a), weights.names[i]).toEqual(Array.from(weights.arrays[i]!)));
  });

  it('refuses weights that do not fit, naming every tensor at once', () => {
    const w = randomWeights(algo);
    // Tensor 1 dropped, tensor 0 one column wider: both reported by one import.
    const wider = [w.shapes[0]![0]!, w.shapes[0]![1]! + 1];
    const bad: ModuleWeights = {
      version: 1,
      names: w.names.filter((_, i) => i !== 1),
      shapes: [wider, ...w.shapes.slice(2)],
      arrays: [new Float32Array(wider[0]! * wider[1]!), ...w.arrays.slice(2)],
    };
    const issues = issuesOf(() => decodeRLlibWeights(fileFor(algo, bad), w, mapping, config)).join('\n');
    expect(issues).toMatch(/is missing \(our .*\/bias/);
    expect(issues).toMatch(/has shape \[\d+, \d+\]; this run's model needs/);
    // A NaN anywhere refuses the file.
    const nan: ModuleWeights = {
      ...w,
      arrays: w.arrays.map((a, i) => (i === 2 ? Float32Array.from(a, () => NaN) : a)),
    };
    expect(issuesOf(() => decodeRLlibWeights(fileFor(algo, nan), w, mapping, config)).join('\n')).toMatch(/non-finite/);
  });

  it('refuses another algorithm’s file, saying which', () => {
    const other = algo === 'PPO' ? 'DQN' : 'PPO';
    const bytes = fileFor(other);
    const issues = issuesOf(() => decodeRLlibWeights(bytes, randomWeights(algo), mapping, config)).join('\n');
    expect(issues).toMatch(new RegExp(`holds ${other} weights; this run is ${algo}`));
  });
});
