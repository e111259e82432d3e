import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng';
import { EXACT_ORTHOGONAL_MAX_MACS, orthogonal } from '../../src/rl-module/weights';

/** Largest |(W^T W)_pq - gain^2 [p = q]| over the given columns (rows for a wide kernel). */
function orthogonalityError(w: Float32Array, rows: number, cols: number, gain: number, upTo = Infinity): number {
  const tall = rows >= cols;
  const k = Math.min(tall ? cols : rows, upTo);
  const len = tall ? rows : cols;
  const at = (vec: number, i: number): number => (tall ? w[i * cols + vec]! : w[vec * cols + i]!);
  let worst = 0;
  for (let p = 0; p < k; p++) {
    for (let q = p; q < k; q++) {
      let dot = 0;
      for (let i = 0; i < len; i++) dot += at(p, i) * at(q, i);
      worst = Math.max(worst, Math.abs(dot - (p === q ? gain * gain : 0)));
    }
  }
  return worst;
}

/** The Gram-Schmidt QR of a Gaussian matrix, written plainly: the reference for small kernels. */
function referenceOrthogonal(rows: number, cols: number, gain: number, rng: Rng): Float32Array {
  const n = Math.max(rows, cols);
  const m = Math.min(rows, cols);
  const q: number[][] = [];
  for (let j = 0; j < m; j++) {
    const v = Array.from({ length: n }, () => rng.normal());
    for (let pass = 0; pass < 2; pass++) {
      for (const prev of q) {
        const dot = prev.reduce((s, x, i) => s + x * v[i]!, 0);
        for (let i = 0; i < n; i++) v[i] = v[i]! - dot * prev[i]!;
      }
    }
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    q.push(v.map((x) => x / norm));
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (rows >= cols ? q[c]![r]! : q[r]![c]!);
  return out;
}

describe('orthogonal initialisation', () => {
  it('small kernels use the exact QR, unchanged: same values as the plain Gram-Schmidt reference', () => {
    for (const [rows, cols] of [
      [4, 64],
      [64, 64],
      [64, 2],
      [256, 256],
    ] as const) {
      expect(rows * cols * Math.min(rows, cols)).toBeLessThanOrEqual(EXACT_ORTHOGONAL_MAX_MACS);
      expect(orthogonal(rows, cols, 1.5, new Rng(11))).toEqual(referenceOrthogonal(rows, cols, 1.5, new Rng(11)));
    }
  });

  it('large kernels are orthogonal to float32 precision, tall and wide', () => {
    for (const [rows, cols, gain] of [
      [600, 600, Math.SQRT2],
      [1024, 300, 1],
      [300, 1024, 0.01],
    ] as const) {
      expect(Math.max(rows, cols) * Math.min(rows, cols) ** 2).toBeGreaterThan(EXACT_ORTHOGONAL_MAX_MACS);
      const w = orthogonal(rows, cols, gain, new Rng(5));
      expect(orthogonalityError(w, rows, cols, gain, 120) / (gain * gain)).toBeLessThan(1e-5);
    }
    const w = orthogonal(1024, 1024, 1, new Rng(9));
    expect(orthogonalityError(w, 1024, 1024, 1, 24)).toBeLessThan(1e-5);
  });

  it('large kernels are dense with Haar-like entries: variance 1/n, Gaussian-like tails', () => {
    const n = 1024;
    const w = orthogonal(n, n, 1, new Rng(3));
    let m1 = 0;
    let m2 = 0;
    let m4 = 0;
    let zeros = 0;
    for (const x of w) {
      const y = x * Math.sqrt(n);
      m1 += y;
      m2 += y * y;
      m4 += y ** 4;
      if (x === 0) zeros++;
    }
    const count = w.length;
    expect(zeros).toBe(0);
    expect(Math.abs(m1 / count)).toBeLessThan(0.01);
    expect(m2 / count).toBeCloseTo(1, 4);
    // A Haar matrix's entries times sqrt(n) are close to N(0, 1): kurtosis 3.
    const kurtosis = m4 / count / (m2 / count) ** 2;
    expect(kurtosis).toBeGreaterThan(2.7);
    expect(kurtosis).toBeLessThan(3.6);
  });

  it('is seeded: the same seed gives the same kernel, another seed a different one', () => {
    const a = orthogonal(700, 500, 1, new Rng(1));
    const same = (b: Float32Array): boolean => b.length === a.length && b.every((x, i) => x === a[i]);
    expect(same(orthogonal(700, 500, 1, new Rng(1)))).toBe(true);
    expect(same(orthogonal(700, 500, 1, new Rng(2)))).toBe(false);
  });
});
