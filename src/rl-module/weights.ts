/**
 * Module weights as plain data (named Float32Arrays with shapes and a version number), so they
 * cross `postMessage` as transferred buffers and live in checkpoints; plus the seeded
 * initialisers that create them.
 */
import { RLError } from '../core/errors';
import type { Rng } from '../core/rng';

export interface ModuleWeights {
  /** Weights version (the Learner bumps it after every update); runners ignore older ones. */
  readonly version: number;
  /** Logical variable names, e.g. `pi/fc_0/kernel`; identical for every module with the same spec. */
  readonly names: string[];
  readonly shapes: number[][];
  readonly arrays: Float32Array[];
}

/** Every buffer of a weights object, for `postMessage` transfer lists. */
export function weightsTransferables(weights: ModuleWeights): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const a of weights.arrays) if (a.buffer instanceof ArrayBuffer) buffers.add(a.buffer);
  return [...buffers];
}

function sameShape(a: readonly number[] | undefined, b: readonly number[]): boolean {
  return a !== undefined && a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Throws `module/weights-mismatch` naming the first difference between `weights` and what a
 * module expects (names and shapes in order).
 */
export function checkWeights(
  weights: ModuleWeights,
  expectedNames: readonly string[],
  expectedShapes: readonly (readonly number[])[],
): void {
  const fail = (what: string): never => {
    throw new RLError(
      'module/weights-mismatch',
      `Weights do not fit this module: ${what}. Weights must come from a module built with the same ` +
        `observation space, action space and model config (fcnetHiddens, vfShareLayers).`,
    );
  };
  const n = Math.max(expectedNames.length, weights.names.length);
  for (let i = 0; i < n; i++) {
    const name = expectedNames[i];
    const got = weights.names[i];
    if (name === undefined) fail(`unexpected extra weight '${got}' at index ${i}`);
    if (got !== name) fail(`weight ${i} should be '${name}', got '${got ?? '(missing)'}'`);
    const shape = expectedShapes[i] ?? [];
    if (!sameShape(weights.shapes[i], shape)) {
      fail(`'${name}' should have shape [${shape.join(', ')}], got [${(weights.shapes[i] ?? []).join(', ')}]`);
    }
    const size = shape.reduce((a, b) => a * b, 1);
    const array = weights.arrays[i];
    if (array?.length !== size) fail(`'${name}' needs ${size} values, got ${array?.length ?? 0}`);
  }
}

/**
 * Orthogonal initialisation (Saxe et al. 2014), as torch.nn.init.orthogonal_ and CleanRL's
 * `layer_init`: QR of a Gaussian matrix, scaled by `gain`. Computed in float64 JS from the seeded
 * Rng, so the same seed gives bit-identical weights on every backend.
 *
 * Returns a row-major `[rows, cols]` kernel (x @ W convention): orthonormal columns when
 * rows >= cols, orthonormal rows otherwise.
 */
export function orthogonal(rows: number, cols: number, gain: number, rng: Rng): Float32Array {
  const n = Math.max(rows, cols);
  const m = Math.min(rows, cols);
  // q[j] is column j of an n x m matrix; Gram-Schmidt with a second pass for float stability.
  const q: Float64Array[] = [];
  for (let j = 0; j < m; j++) {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = rng.normal();
    for (let pass = 0; pass < 2; pass++) {
      for (const prev of q) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += prev[i]! * v[i]!;
        for (let i = 0; i < n; i++) v[i] = v[i]! - dot * prev[i]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[i]! * v[i]!;
    norm = Math.sqrt(norm);
    // R's diagonal is this positive norm, so no sign correction is needed (torch multiplies by sign(diag R)).
    for (let i = 0; i < n; i++) v[i] = v[i]! / norm;
    q.push(v);
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      out[r * cols + c] = gain * (rows >= cols ? q[c]![r]! : q[r]![c]!);
    }
  }
  return out;
}
