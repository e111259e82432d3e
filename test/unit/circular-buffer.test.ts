import { describe, expect, it } from 'vitest';
import { CircularBuffer } from '../../src/algorithms/appo/circular-buffer';
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
});
