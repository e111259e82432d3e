/**
 * Every call into a worker goes through `rpcCall`: a raw Comlink promise never settles if the
 * worker dies (comlink#601), so each call races a deadline, an abort signal and the worker's
 * failure promise.
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

export interface RpcOptions {
  /** Deadline in ms (from `deadlineMs(seconds)`); null waits without a deadline (RLlib's None). */
  readonly timeoutMs: number | null;
  readonly signal?: AbortSignal;
  /** Rejects when the worker fails (its `error` / `messageerror` events). */
  readonly failure?: Promise<never>;
  /** Names the call in errors, e.g. "EnvRunner 2 sample()". */
  readonly what?: string;
}

export function rpcCall<T>(call: Promise<T>, opts: RpcOptions): Promise<T> {
  const what = opts.what ?? 'worker call';
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      cancelTimer();
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = (): void => finish(() => reject(new RpcAbortedError(what)));
    const timeoutMs = opts.timeoutMs;
    const cancelTimer = setDeadline(timeoutMs, () => finish(() => reject(new RpcTimeoutError(what, timeoutMs ?? 0))));
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
