import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng';
import type { Activation } from '../../src/rl-module/dense';
import { jsDense } from '../../src/rl-module/js-sequential';
import { JsSequential } from '../../src/rl-module/js-sequential';

/** The naive forward: y = act(x W + b) per row, with W as TF.js lays it out ([inDim, outDim]). */
function naive(x: number[], layers: { w: number[]; b: number[]; inDim: number; outDim: number; act: Activation }[]) {
  let h = x;
  for (const { w, b, inDim, outDim, act } of layers) {
    const rows = h.length / inDim;
    const y: number[] = [];
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < outDim; j++) {
        let z = b[j]!;
        for (let i = 0; i < inDim; i++) z += h[r * inDim + i]! * w[i * outDim + j]!;
        y.push(act === 'tanh' ? Math.tanh(z) : act === 'relu' ? Math.max(0, z) : z);
      }
    }
    h = y;
  }
  return h;
}

describe('JsSequential', () => {
  it('matches a naive loop for every row count around the 4-row unrolling', () => {
    const rng = new Rng(1);
    const dims = [5, 7, 3, 2];
    const acts: Activation[] = ['tanh', 'relu', 'linear'];
    const layers = acts.map((act, k) => {
      const inDim = dims[k]!;
      const outDim = dims[k + 1]!;
      const w = Array.from({ length: inDim * outDim }, () => rng.uniform(-1, 1));
      const b = Array.from({ length: outDim }, () => rng.uniform(-0.5, 0.5));
      return { w, b, inDim, outDim, act };
    });
    const seq = new JsSequential(
      layers.map(({ w, b, inDim, outDim, act }) => ({
        dense: jsDense(Float32Array.from(w), Float32Array.from(b), inDim, outDim),
        activation: act,
      })),
    );
    expect([seq.inDim, seq.outDim, seq.macsPerRow]).toEqual([5, 2, 5 * 7 + 7 * 3 + 3 * 2]);
    for (const rows of [1, 3, 4, 5, 9]) {
      const x = Array.from({ length: rows * 5 }, () => rng.uniform(-2, 2));
      const want = naive(x, layers);
      const out = new Float32Array(rows * 2);
      expect(seq.forward(Float32Array.from(x), rows, out)).toBe(out);
      out.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
      // Without `out`, the result lies in the stack's own buffer.
      const own = seq.forward(Float32Array.from(x), rows);
      Array.from(own.subarray(0, rows * 2)).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    }
  });

  it('is the identity without layers and rejects layers that do not chain', () => {
    const id = new JsSequential([], 3);
    const x = Float32Array.of(1, 2, 3, 4, 5, 6);
    expect(id.forward(x, 2)).toBe(x);
    const out = new Float32Array(6);
    expect(Array.from(id.forward(x, 2, out))).toEqual([1, 2, 3, 4, 5, 6]);
    const layer = (inDim: number, outDim: number) => ({
      dense: jsDense(new Float32Array(inDim * outDim), new Float32Array(outDim), inDim, outDim),
      activation: 'linear' as const,
    });
    expect(() => new JsSequential([layer(3, 4), layer(5, 2)])).toThrow(/layer 1 takes 5 inputs/);
  });
});
