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

  /** Whether a new batch would fit without pushing one out. */
  get hasRoom(): boolean {
    return this.entries.length < this.numBatches;
  }

  /** Adds a batch; returns the batches pushed out unused to make room (RLlib's `add` returns their env steps). */
  add(item: T): T[] {
    this.entries.push({ item, usesLeft: this.iterationsPerBatch });
    this.numAdded++;
    const evicted: T[] = [];
    while (this.entries.length > this.numBatches) {
      evicted.push(this.entries.shift()!.item);
      this.numEvictedUnused++;
    }
    return evicted;
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

/**
 * Moves fresh train batches into `buffer` before a draw, waiting for one only while the buffer is
 * empty. `takeFresh(wait)` returns the next fresh train batch, or null when none is ready and
 * `wait` is false.
 *
 * Without back-pressure (RLlib's new stack) every ready batch goes in and the oldest are pushed
 * out unused: the learner trains on the freshest data, and a learner slower than the runners
 * trains on only a share of what they sample. With back-pressure (learnerQueueFullPolicy
 * 'block'), a batch goes in only while the buffer has room, so none leaves before its K uses; the
 * rest stay in the learner queue, whose 'block' policy then makes the runners wait. Every sampled
 * env step is then trained on K times whatever the speed of the machine (IMPACT's replay ratio).
 * Returns the batches pushed out unused.
 */
export async function refillCircularBuffer<T>(
  buffer: CircularBuffer<T>,
  takeFresh: (wait: boolean) => Promise<T | null>,
  backPressure: boolean,
): Promise<T[]> {
  const evicted: T[] = [];
  while (!backPressure || buffer.hasRoom) {
    const fresh = await takeFresh(buffer.size === 0);
    if (fresh === null) break;
    evicted.push(...buffer.add(fresh));
  }
  return evicted;
}
