/**
 * APPO's circular buffer of train batches (RLlib: rllib/algorithms/appo/utils.py `CircularBuffer`,
 * after IMPACT, Luo et al. 2020): holds at most N batches; each may be trained on at most K times.
 * `sample()` draws uniformly among the remaining uses (a batch with more uses left is likelier),
 * and a batch leaves when its K uses are spent or when a new batch pushes it out as the oldest.
 */
import type { Rng } from '../../core/rng';

interface Entry<T> {
  readonly item: T;
  usesLeft: number;
}

export class CircularBuffer<T> {
  private readonly entries: Entry<T>[] = [];
  /** Lifetime: batches pushed out before all K uses were spent. */
  numEvictedUnused = 0;
  numAdded = 0;

  constructor(
    /** RLlib: circular_buffer_num_batches (N). */
    readonly numBatches: number,
    /** RLlib: circular_buffer_iterations_per_batch (K). */
    readonly iterationsPerBatch: number,
  ) {
    if (!(numBatches >= 1 && iterationsPerBatch >= 1)) {
      throw new RangeError(`CircularBuffer needs N >= 1 and K >= 1, got ${numBatches} and ${iterationsPerBatch}`);
    }
  }

  /** Batches in the buffer with uses left. */
  get size(): number {
    return this.entries.length;
  }

  add(item: T): void {
    this.entries.push({ item, usesLeft: this.iterationsPerBatch });
    this.numAdded++;
    while (this.entries.length > this.numBatches) {
      this.entries.shift();
      this.numEvictedUnused++;
    }
  }

  /** A batch drawn with probability proportional to its uses left, or undefined when empty. */
  sample(rng: Rng): T | undefined {
    let total = 0;
    for (const e of this.entries) total += e.usesLeft;
    if (total === 0) return undefined;
    let pick = Math.floor(rng.uniform(0, total));
    const index = this.entries.findIndex((e) => (pick -= e.usesLeft) < 0);
    const entry = this.entries[index >= 0 ? index : this.entries.length - 1]!;
    entry.usesLeft--;
    if (entry.usesLeft === 0) this.entries.splice(this.entries.indexOf(entry), 1);
    return entry.item;
  }
}
