/**
 * Segment trees over Float64Array for proportional prioritized replay (Schaul et al. 2016,
 * "Prioritized Experience Replay", appendix B.2.1): a sum tree to draw index i with probability
 * p_i / sum_j p_j in O(log n), and a min tree for the smallest priority, which gives the largest
 * importance weight the weights are normalised by. Same layout as RLlib's `SumSegmentTree` /
 * `MinSegmentTree`: node 1 is the root, node k has children 2k and 2k+1, leaves start at
 * `numLeaves` (capacity rounded up to a power of two).
 *
 * Parents are recomputed from both children on every update (never patched by a delta), so float
 * rounding cannot drift over millions of updates.
 */

function leafCountFor(capacity: number): number {
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(`Tree capacity must be a positive integer, got ${capacity}`);
  }
  let n = 1;
  while (n < capacity) n *= 2;
  return n;
}

export class SumTree {
  readonly capacity: number;
  private readonly numLeaves: number;
  /** 2 * numLeaves nodes; node 0 unused. */
  private readonly nodes: Float64Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.numLeaves = leafCountFor(capacity);
    this.nodes = new Float64Array(2 * this.numLeaves);
  }

  /** Sum of all priorities. */
  get total(): number {
    return this.nodes[1] ?? 0;
  }

  get(index: number): number {
    this.checkIndex(index);
    return this.nodes[this.numLeaves + index] ?? 0;
  }

  update(index: number, priority: number): void {
    this.checkIndex(index);
    if (!(priority >= 0) || !Number.isFinite(priority)) {
      throw new RangeError(`Priority must be finite and >= 0, got ${priority}`);
    }
    const nodes = this.nodes;
    let k = this.numLeaves + index;
    nodes[k] = priority;
    for (k >>= 1; k >= 1; k >>= 1) nodes[k] = (nodes[2 * k] ?? 0) + (nodes[2 * k + 1] ?? 0);
  }

  /**
   * The index i with cumsum(p[0..i-1]) <= prefixSum < cumsum(p[0..i]), descending from the root.
   * Zero-priority leaves are never returned while the total is positive: a prefix at or past
   * `total` (float rounding) lands on the last positive leaf, a prefix of 0 on the first.
   */
  find(prefixSum: number): number {
    const nodes = this.nodes;
    let mass = prefixSum;
    let k = 1;
    while (k < this.numLeaves) {
      const left = nodes[2 * k] ?? 0;
      const right = nodes[2 * k + 1] ?? 0;
      if (mass < left || right <= 0) {
        k = 2 * k;
      } else {
        mass -= left;
        k = 2 * k + 1;
      }
    }
    return Math.min(k - this.numLeaves, this.capacity - 1);
  }

  /** Leaf priorities 0..capacity-1 (a copy), for checkpoints. */
  getLeaves(): Float64Array {
    return this.nodes.slice(this.numLeaves, this.numLeaves + this.capacity);
  }

  /** Restores leaves and rebuilds every parent in O(n). */
  setLeaves(leaves: Float64Array): void {
    if (leaves.length !== this.capacity) {
      throw new RangeError(`SumTree.setLeaves needs ${this.capacity} leaves, got ${leaves.length}`);
    }
    this.nodes.fill(0);
    this.nodes.set(leaves, this.numLeaves);
    for (let k = this.numLeaves - 1; k >= 1; k--) {
      this.nodes[k] = (this.nodes[2 * k] ?? 0) + (this.nodes[2 * k + 1] ?? 0);
    }
  }

  private checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.capacity) {
      throw new RangeError(`Tree index ${index} out of range [0, ${this.capacity})`);
    }
  }
}

/** Minimum over leaves; unset leaves are +Infinity so they never win. */
export class MinTree {
  readonly capacity: number;
  private readonly numLeaves: number;
  private readonly nodes: Float64Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.numLeaves = leafCountFor(capacity);
    this.nodes = new Float64Array(2 * this.numLeaves).fill(Infinity);
  }

  /** Smallest priority set so far (Infinity when none). */
  get min(): number {
    return this.nodes[1] ?? Infinity;
  }

  update(index: number, priority: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.capacity) {
      throw new RangeError(`Tree index ${index} out of range [0, ${this.capacity})`);
    }
    const nodes = this.nodes;
    let k = this.numLeaves + index;
    nodes[k] = priority;
    for (k >>= 1; k >= 1; k >>= 1) nodes[k] = Math.min(nodes[2 * k] ?? Infinity, nodes[2 * k + 1] ?? Infinity);
  }

  /** Restores leaves (Infinity for unset) and rebuilds every parent in O(n). */
  setLeaves(leaves: Float64Array): void {
    if (leaves.length !== this.capacity) {
      throw new RangeError(`MinTree.setLeaves needs ${this.capacity} leaves, got ${leaves.length}`);
    }
    this.nodes.fill(Infinity);
    this.nodes.set(leaves, this.numLeaves);
    for (let k = this.numLeaves - 1; k >= 1; k--) {
      this.nodes[k] = Math.min(this.nodes[2 * k] ?? Infinity, this.nodes[2 * k + 1] ?? Infinity);
    }
  }
}
