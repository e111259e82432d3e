/**
 * Every call into a worker goes through `rpcCall`: a raw Comlink promise never settles if the
 * worker dies (comlink#601), so each call races a deadline, an abort signal and the worker's
 * failure promise. A call whose length scales with its work (a sample, a learner update) also
 * takes a health probe: the worker is pinged while the call runs, and a ping that misses its
 * deadline fails the call as hung, long before (or without) a deadline on the call itself.
 */
import { describeDeadline, setDeadline } from '../core/deadline';
import { RLError } from '../core/errors';

export class RpcTimeoutError extends RLError {
  constructor(what: string, timeoutMs: number) {
    super('rpc/timeout', `${what} did not answer within ${describeDeadline(timeoutMs)}`);
    this.name = 'RpcTimeoutError';
  }
}

export class RpcAbortedError extends RLError {
  constructor(what: string) {
    super('rpc/aborted', `${what} was aborted`);
    this.name = 'RpcAbortedError';
  }
}

export class RpcHungError extends RLError {
  constructor(what: string, probeTimeoutMs: number) {
    super(
      'rpc/hung',
      `${what}: a health probe (ping) did not answer within ${describeDeadline(probeTimeoutMs)}; the worker is hung`,
    );
    this.name = 'RpcHungError';
  }
}

/** The health probe of a long call: RLlib's env_runner_health_probe_timeout_s, applied while the call runs. */
export interface RpcProbe {
  /** The worker's ping (a call it answers between chunks of its work: they yield, core/yield.ts). */
  readonly ping: () => Promise<unknown>;
  /** Deadline of each ping; null turns the probe off. */
  readonly timeoutMs: number | null;
}

export interface RpcOptions {
  /** Deadline in ms (from `deadlineMs(seconds)`); null waits without a deadline (RLlib's None). */
  readonly timeoutMs: number | null;
  readonly signal?: AbortSignal;
  /** Rejects when the worker fails (its `error` / `messageerror` events). */
  readonly failure?: Promise<never>;
  /** Names the call in errors, e.g. "EnvRunner 2 sample()". */
  readonly what?: string;
  /** Ping the worker while the call runs; a missed ping rejects the call with RpcHungError. */
  readonly probe?: RpcProbe;
}

/** Pings at half the probe deadline, within [250 ms, 5 s]: often enough to catch a hang early, rarely enough to cost nothing. */
function probeIntervalMs(probeTimeoutMs: number): number {
  return Math.max(250, Math.min(5000, probeTimeoutMs / 2));
}

export function rpcCall<T>(call: Promise<T>, opts: RpcOptions): Promise<T> {
  const what = opts.what ?? 'worker call';
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      cancelTimer();
      stopProbe();
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = (): void => finish(() => reject(new RpcAbortedError(what)));
    const timeoutMs = opts.timeoutMs;
    const cancelTimer = setDeadline(timeoutMs, () => finish(() => reject(new RpcTimeoutError(what, timeoutMs ?? 0))));
    const stopProbe = startProbe(
      opts,
      () => settled,
      (e) => finish(() => reject(e)),
    );
    if (opts.signal?.aborted) {
      onAbort();
      return;
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    // Registered before the call's handlers: a worker that already failed never "answers".
    opts.failure?.catch((e: unknown) => finish(() => reject(e instanceof Error ? e : new Error(String(e)))));
    call.then(
      (v) => finish(() => resolve(v)),
      (e: unknown) => finish(() => reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}

/** Pings every interval while the call is pending (one ping at a time); returns the function that stops it. */
function startProbe(opts: RpcOptions, settled: () => boolean, onHung: (e: RpcHungError) => void): () => void {
  const probe = opts.probe;
  const probeMs = probe?.timeoutMs ?? null;
  if (!probe || probeMs === null) return () => undefined;
  const what = opts.what ?? 'worker call';
  let pinging = false;
  const timer = setInterval(() => {
    if (pinging || settled()) return;
    pinging = true;
    // The ping itself goes through rpcCall: a dead worker's ping must not be waited on either.
    rpcCall(probe.ping(), { timeoutMs: probeMs, ...(opts.failure ? { failure: opts.failure } : {}), what })
      .then(
        () => undefined,
        (e: unknown) => {
          if (e instanceof RpcTimeoutError) onHung(new RpcHungError(what, probeMs));
        },
      )
      .finally(() => {
        pinging = false;
      });
  }, probeIntervalMs(probeMs));
  return () => clearInterval(timer);
}

/** A promise that rejects once, when `fail` is called; never resolves. Used per worker lifetime. */
export function failureSignal(): { promise: Promise<never>; fail: (error: Error) => void; failed: () => Error | null } {
  let reject!: (e: Error) => void;
  let error: Error | null = null;
  const promise = new Promise<never>((_, rej) => {
    reject = rej;
  });
  // Nobody may be listening when it fires; that must not be an unhandled rejection.
  promise.catch(() => undefined);
  return {
    promise,
    fail: (e) => {
      if (error) return;
      error = e;
      reject(e);
    },
    failed: () => error,
  };
}
