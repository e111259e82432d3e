import { describe, expect, it } from 'vitest';
import { failureSignal, rpcCall, RpcAbortedError, RpcHungError, RpcTimeoutError } from '../../src/runtime/rpc';

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

describe('rpcCall', () => {
  it('resolves with the call value', async () => {
    await expect(rpcCall(Promise.resolve(42), { timeoutMs: 100 })).resolves.toBe(42);
  });

  it('rejects on timeout instead of hanging', async () => {
    await expect(rpcCall(never(), { timeoutMs: 30, what: 'EnvRunner 1 sample()' })).rejects.toThrow(RpcTimeoutError);
    await expect(rpcCall(never(), { timeoutMs: 30, what: 'EnvRunner 1 sample()' })).rejects.toThrow(
      /EnvRunner 1 sample\(\) did not answer/,
    );
  });

  it('rejects when the worker fails while the call is pending', async () => {
    const failure = failureSignal();
    const call = rpcCall(never(), { timeoutMs: 10_000, failure: failure.promise });
    setTimeout(() => failure.fail(new Error('EnvRunner 2 crashed: boom')), 10);
    await expect(call).rejects.toThrow('EnvRunner 2 crashed: boom');
  });

  it('rejects at once when the worker had already failed', async () => {
    const failure = failureSignal();
    failure.fail(new Error('dead'));
    await expect(rpcCall(never(), { timeoutMs: 10_000, failure: failure.promise })).rejects.toThrow('dead');
  });

  it('rejects on abort', async () => {
    const ctrl = new AbortController();
    const call = rpcCall(never(), { timeoutMs: 10_000, signal: ctrl.signal });
    ctrl.abort();
    await expect(call).rejects.toThrow(RpcAbortedError);
  });

  it('passes the call rejection through', async () => {
    await expect(rpcCall(Promise.reject(new Error('env exploded')), { timeoutMs: 100 })).rejects.toThrow(
      'env exploded',
    );
  });
});

describe('rpcCall with a health probe', () => {
  it('fails a long call as hung when a ping misses its deadline, long before the call deadline', async () => {
    const t0 = Date.now();
    const call = rpcCall(never(), {
      timeoutMs: null,
      what: 'Learner 0 update()',
      probe: { ping: () => never(), timeoutMs: 100 },
    });
    await expect(call).rejects.toThrow(RpcHungError);
    await expect(call).rejects.toThrow(/Learner 0 update\(\): a health probe \(ping\) did not answer within 0.1 s/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('keeps a long call alive while the worker answers its pings', async () => {
    const slow = new Promise<string>((resolve) => setTimeout(() => resolve('done'), 700));
    await expect(
      rpcCall(slow, { timeoutMs: null, probe: { ping: () => Promise.resolve(1), timeoutMs: 100 } }),
    ).resolves.toBe('done');
  });
});
