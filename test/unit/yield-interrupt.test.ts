/** An interrupt stops long work at its next yield point (issue 12, item 10). */
import { describe, expect, it } from 'vitest';
import { interruptYieldsWith, yieldIfBusy } from '../../src/core/yield';

describe('interruptYieldsWith', () => {
  it('makes the next yield point throw, and stops once released', async () => {
    const abort = new AbortController();
    const release = interruptYieldsWith(abort.signal);
    await expect(yieldIfBusy(0)).resolves.toBeUndefined();
    abort.abort(new Error('interrupted'));
    await expect(yieldIfBusy(0)).rejects.toThrow('interrupted');
    await expect(yieldIfBusy(1e9)).rejects.toThrow('interrupted'); // no turn due: still checked
    release();
    await expect(yieldIfBusy(0)).resolves.toBeUndefined();
  });

  it("a stale release does not clear a newer interrupt's signal", async () => {
    const first = new AbortController();
    const releaseFirst = interruptYieldsWith(first.signal);
    const second = new AbortController();
    const releaseSecond = interruptYieldsWith(second.signal);
    releaseFirst();
    second.abort(new Error('second'));
    await expect(yieldIfBusy(0)).rejects.toThrow('second');
    releaseSecond();
  });

  it('a loop of minibatches stops within one turn of the abort', async () => {
    const abort = new AbortController();
    const release = interruptYieldsWith(abort.signal);
    let done = 0;
    const loop = (async () => {
      for (let i = 0; i < 1e6; i++) {
        done++;
        await yieldIfBusy(1);
      }
    })();
    setTimeout(() => abort.abort(new Error('stop')), 20);
    await expect(loop).rejects.toThrow('stop');
    expect(done).toBeLessThan(1e6);
    release();
  });
});
