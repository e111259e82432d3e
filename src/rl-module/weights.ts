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
 * Above this many multiply-adds (n * m^2 for an n x m kernel, n >= m) the exact QR is replaced by
 * a fast construction. 2^24 keeps every layer up to 256 x 256 (RLlib's default net) exact and
 * bit-identical to earlier versions, at under ~80 ms; a 1024 x 1024 layer would take seconds.
 */
export const EXACT_ORTHOGONAL_MAX_MACS = 2 ** 24;

/**
 * Orthogonal initialisation (Saxe et al. 2014), as torch.nn.init.orthogonal_ and CleanRL's
 * `layer_init`, scaled by `gain`. Computed in float64 JS from the seeded Rng, so the same seed
 * gives bit-identical weights on every backend.
 *
 * Returns a row-major `[rows, cols]` kernel (x @ W convention): orthonormal columns when
 * rows >= cols, orthonormal rows otherwise.
 *
 * Any exact Haar-random orthogonal matrix costs O(n m^2) (QR, Householder or Gram-Schmidt alike:
 * ~3 s for 1024 x 1024 on the main thread). Up to EXACT_ORTHOGONAL_MAX_MACS we pay it; above, the
 * kernel comes from Kac's random walk (layers of random Givens rotations, O(n m log n)): exactly
 * orthogonal, dense, with entries distributed like Haar's (same variance; kurtosis within ~0.3 of
 * a Gaussian's 3 after 3 log2(n) layers). A 1024 x 1024 layer takes ~40 ms.
 */
export function orthogonal(rows: number, cols: number, gain: number, rng: Rng): Float32Array {
  const n = Math.max(rows, cols);
  const m = Math.min(rows, cols);
  const q = n * m * m <= EXACT_ORTHOGONAL_MAX_MACS ? gramSchmidtColumns(n, m, rng) : givensColumns(n, m, rng);
  // q is n x m row-major with orthonormal columns; a wide kernel is its transpose.
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      out[r * cols + c] = gain * (rows >= cols ? q[r * m + c]! : q[c * m + r]!);
    }
  }
  return out;
}

/** QR of an n x m Gaussian matrix by Gram-Schmidt (exact Haar): n x m row-major, orthonormal columns. */
function gramSchmidtColumns(n: number, m: number, rng: Rng): Float64Array {
  // cols[j] is column j; Gram-Schmidt with a second pass for float stability.
  const cols: Float64Array[] = [];
  for (let j = 0; j < m; j++) {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = rng.normal();
    for (let pass = 0; pass < 2; pass++) {
      for (const prev of cols) {
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
    cols.push(v);
  }
  const q = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) q[i * m + j] = cols[j]![i]!;
  return q;
}

/**
 * Kac's random walk, in parallel layers: start from the first m columns of the identity and, per
 * layer, pair all n rows at random and rotate each pair by a uniform random angle. Every step is a
 * rotation, so the columns stay orthonormal to float64 precision; 3 ceil(log2 n) layers spread
 * each column over all rows and mix it close to uniform on the sphere (Pillai & Smith 2017).
 */
function givensColumns(n: number, m: number, rng: Rng): Float64Array {
  const q = new Float64Array(n * m);
  for (let j = 0; j < m; j++) q[j * m + j] = 1;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const layers = 3 * Math.max(1, Math.ceil(Math.log2(n)));
  for (let layer = 0; layer < layers; layer++) {
    for (let i = n - 1; i > 0; i--) {
      const k = rng.integer(i + 1);
      const t = order[i]!;
      order[i] = order[k]!;
      order[k] = t;
    }
    for (let p = 0; p + 1 < n; p += 2) {
      const theta = 2 * Math.PI * rng.random();
      rotateRows(q, order[p]! * m, order[p + 1]! * m, m, Math.cos(theta), Math.sin(theta));
    }
  }
  return q;
}

/** Rows a and b (offsets into q, length m) <- [c -s; s c] applied to them. */
function rotateRows(q: Float64Array, a: number, b: number, m: number, c: number, s: number): void {
  for (let j = 0; j < m; j++) {
    const x = q[a + j]!;
    const y = q[b + j]!;
    q[a + j] = c * x - s * y;
    q[b + j] = s * x + c * y;
  }
}
