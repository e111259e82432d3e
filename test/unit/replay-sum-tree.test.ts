import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng';
import { MinTree, SumTree } from '../../src/replay';

/** Pearson chi-square of observed counts against expected probabilities (zero-probability cells must stay empty). */
function chiSquare(counts: readonly number[], probabilities: readonly number[], draws: number): number {
  let stat = 0;
  probabilities.forEach((p, i) => {
    const observed = counts[i] ?? 0;
    if (p === 0) {
      expect(observed, `index ${i} has priority 0 but was drawn`).toBe(0);
      return;
    }
    const expected = p * draws;
    stat += (observed - expected) ** 2 / expected;
  });
  return stat;
}

function drawCounts(tree: SumTree, draws: number, seed: number): number[] {
  const rng = new Rng(seed);
  const counts = new Array<number>(tree.capacity).fill(0);
  for (let d = 0; d < draws; d++) {
    const i = tree.find(rng.random() * tree.total);
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts;
}

function fill(tree: SumTree, priorities: readonly number[]): void {
  priorities.forEach((p, i) => tree.update(i, p));
}

describe('SumTree', () => {
  // Critical chi-square values at p = 0.001: df 4 -> 18.47, df 5 -> 20.52.
  it('draws indices in proportion to their priorities (chi-square over 100k draws)', () => {
    const priorities = [1, 2, 3, 4, 0, 10]; // 6 leaves: not a power of two
    const tree = new SumTree(priorities.length);
    fill(tree, priorities);
    expect(tree.total).toBe(20);
    const draws = 100_000;
    const counts = drawCounts(tree, draws, 1);
    expect(
      chiSquare(
        counts,
        priorities.map((p) => p / 20),
        draws,
      ),
    ).toBeLessThan(18.47);
  });

  it('an update changes the proportions', () => {
    const tree = new SumTree(6);
    fill(tree, [1, 2, 3, 4, 0, 10]);
    tree.update(5, 0);
    tree.update(4, 5);
    tree.update(0, 5);
    const priorities = [5, 2, 3, 4, 5, 0];
    expect(tree.total).toBe(19);
    const draws = 100_000;
    const counts = drawCounts(tree, draws, 2);
    expect(
      chiSquare(
        counts,
        priorities.map((p) => p / 19),
        draws,
      ),
    ).toBeLessThan(20.52);
    expect(counts[5]).toBe(0);
  });

  it('the chi-square test can fail: wrong proportions are rejected', () => {
    const tree = new SumTree(4);
    fill(tree, [1, 1, 1, 1]);
    const counts = drawCounts(tree, 100_000, 3);
    expect(chiSquare(counts, [0.4, 0.2, 0.2, 0.2], 100_000)).toBeGreaterThan(1000);
  });

  it('find: prefix boundaries, prefix 0 and prefix total', () => {
    const tree = new SumTree(5);
    fill(tree, [0, 1, 2, 3, 0]);
    expect(tree.find(0)).toBe(1); // first positive leaf, the leading zero is skipped
    expect(tree.find(0.999)).toBe(1);
    expect(tree.find(1)).toBe(2); // cumsum boundary belongs to the next leaf
    expect(tree.find(2.999)).toBe(2);
    expect(tree.find(3)).toBe(3);
    expect(tree.find(6)).toBe(3); // = total: last positive leaf, never the trailing zero
    expect(tree.find(6 + 1e-9)).toBe(3);
    expect(tree.find(1e9)).toBe(3);
  });

  it('works with one leaf and keeps exact totals after many updates', () => {
    const one = new SumTree(1);
    one.update(0, 2.5);
    expect(one.total).toBe(2.5);
    expect(one.find(0)).toBe(0);
    expect(one.find(2.5)).toBe(0);

    const tree = new SumTree(1000);
    const rng = new Rng(4);
    const leaves = new Float64Array(1000);
    for (let k = 0; k < 20_000; k++) {
      const i = rng.integer(1000);
      const p = rng.random() * 100;
      leaves[i] = p;
      tree.update(i, p);
    }
    // Parents are recomputed from children, so the root equals a fresh sum (no drift).
    const fresh = new SumTree(1000);
    fresh.setLeaves(leaves);
    expect(tree.total).toBe(fresh.total);
    expect(tree.get(17)).toBe(leaves[17]);
  });

  it('rejects bad priorities and indices', () => {
    const tree = new SumTree(3);
    expect(() => tree.update(0, -1)).toThrow(RangeError);
    expect(() => tree.update(0, Number.NaN)).toThrow(RangeError);
    expect(() => tree.update(0, Infinity)).toThrow(RangeError);
    expect(() => tree.update(3, 1)).toThrow(RangeError);
    expect(() => new SumTree(0)).toThrow(RangeError);
  });

  it('getLeaves/setLeaves round-trip', () => {
    const tree = new SumTree(5);
    fill(tree, [1, 0, 4, 2, 8]);
    const copy = new SumTree(5);
    copy.setLeaves(tree.getLeaves());
    expect(copy.total).toBe(15);
    for (const prefix of [0, 0.5, 1, 4.9, 5, 7, 14.9, 15]) expect(copy.find(prefix)).toBe(tree.find(prefix));
  });
});

describe('MinTree', () => {
  it('tracks the minimum through updates; unset leaves do not count', () => {
    const tree = new MinTree(6);
    expect(tree.min).toBe(Infinity);
    tree.update(2, 5);
    tree.update(4, 3);
    expect(tree.min).toBe(3);
    tree.update(4, 7);
    expect(tree.min).toBe(5);
    tree.update(0, 0.5);
    expect(tree.min).toBe(0.5);
    const rebuilt = new MinTree(6);
    rebuilt.setLeaves(Float64Array.from([0.5, Infinity, 5, Infinity, 7, Infinity]));
    expect(rebuilt.min).toBe(0.5);
  });
});
