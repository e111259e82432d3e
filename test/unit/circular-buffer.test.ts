import { describe, expect, it } from 'vitest';
import { CircularBuffer, refillCircularBuffer } from '../../src/algorithms/appo/circular-buffer';
import { Rng } from '../../src/core/rng';

describe("APPO's CircularBuffer (N batches, K uses each)", () => {
  it('serves each batch at most K times, then it leaves', () => {
    const buf = new CircularBuffer<string>(4, 3);
    const rng = new Rng(1);
    buf.add('a');
    buf.add('b');
    const drawn: string[] = [];
    for (let i = 0; i < 6; i++) drawn.push(buf.sample(rng)!);
    expect(drawn.filter((x) => x === 'a')).toHaveLength(3);
    expect(drawn.filter((x) => x === 'b')).toHaveLength(3);
    expect(buf.size).toBe(0);
    expect(buf.sample(rng)).toBeUndefined();
  });

  it('holds at most N batches: the oldest is pushed out (counted) when a new one arrives', () => {
    const buf = new CircularBuffer<number>(2, 2);
    const rng = new Rng(2);
    for (let i = 1; i <= 5; i++) buf.add(i);
    expect(buf.size).toBe(2);
    expect(buf.numEvictedUnused).toBe(3);
    const seen = new Set<number>();
    for (let i = 0; i < 4; i++) seen.add(buf.sample(rng)!);
    expect([...seen].sort()).toEqual([4, 5]);
  });

  it('add() returns the batches it pushed out unused', () => {
    const buf = new CircularBuffer<number>(2, 2);
    expect(buf.add(1)).toEqual([]);
    expect(buf.add(2)).toEqual([]);
    expect(buf.hasRoom).toBe(false);
    expect(buf.add(3)).toEqual([1]);
  });
});

/** A learner queue holding `items` train batches; records the `wait` flag of every take. */
function readySource(items: number[]): { take: (wait: boolean) => Promise<number | null>; waits: boolean[] } {
  const waits: boolean[] = [];
  return {
    waits,
    take: (wait) => {
      waits.push(wait);
      const next = items.shift();
      if (next !== undefined) return Promise.resolve(next);
      if (wait) throw new Error('would wait forever: the test source is empty');
      return Promise.resolve(null);
    },
  };
}

describe('refillCircularBuffer', () => {
  it("without back-pressure (RLlib's new stack) takes every ready batch and pushes the oldest out unused", async () => {
    const buf = new CircularBuffer<number>(4, 2);
    const queue = [1, 2, 3, 4, 5, 6];
    const evicted = await refillCircularBuffer(buf, readySource(queue).take, false);
    expect(queue).toEqual([]);
    expect(evicted).toEqual([1, 2]);
    expect(buf.size).toBe(4);
  });

  it("with back-pressure ('block') takes batches only while the buffer has room: none leaves before its K uses", async () => {
    const buf = new CircularBuffer<number>(4, 2);
    const queue = [1, 2, 3, 4, 5, 6];
    const source = readySource(queue);
    expect(await refillCircularBuffer(buf, source.take, true)).toEqual([]);
    // Batches 5 and 6 stay in the learner queue, where a 'block' policy holds the runners back.
    expect(queue).toEqual([5, 6]);
    expect(buf.size).toBe(4);
    // Train until one batch has spent its K uses: exactly one more comes in, nothing is dropped.
    const rng = new Rng(3);
    const uses = new Map<number, number>();
    while (buf.size === 4) {
      const b = buf.sample(rng)!;
      uses.set(b, (uses.get(b) ?? 0) + 1);
    }
    expect(await refillCircularBuffer(buf, source.take, true)).toEqual([]);
    expect(queue).toEqual([6]);
    expect(buf.numEvictedUnused).toBe(0);
    // Drain it all: every batch is trained on exactly K times.
    while (queue.length > 0 || buf.size > 0) {
      await refillCircularBuffer(buf, source.take, true);
      const b = buf.sample(rng)!;
      uses.set(b, (uses.get(b) ?? 0) + 1);
    }
    expect(buf.numEvictedUnused).toBe(0);
    expect([...uses.entries()].sort((a, b) => a[0] - b[0])).toEqual([1, 2, 3, 4, 5, 6].map((b) => [b, 2]));
  });

  it('waits for a batch only while the buffer is empty', async () => {
    const buf = new CircularBuffer<number>(2, 1);
    const source = readySource([7]);
    await refillCircularBuffer(buf, source.take, true);
    // First take: buffer empty, so it may wait; after one batch, none is ready and it does not wait.
    expect(source.waits).toEqual([true, false]);
    expect(buf.size).toBe(1);
  });
});
