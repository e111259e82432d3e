/**
 * How the page reaches the learners of a data-parallel group: the connection to one learner (a
 * Web Worker behind Comlink in the browser, runtime/learner-connection.ts; the host called in
 * process in tests), the page <-> learner-worker control messages (outside Comlink), one
 * discriminated union, and the weights checksum every learner reports so the page can tell that
 * their weights are still identical.
 */

/** The page's handle on one learner. */
export interface LearnerConnection<Api> {
  readonly api: Api;
  /** Rejects when the worker fails (uncaught error, messageerror); never resolves. */
  readonly failure: Promise<never>;
  /** Fails the connection from outside (a missed deadline or health probe): `failure` rejects with `error`. */
  fail(error: Error): void;
  /** Marks `buffers` / ports in `value` for transfer on the next call (Comlink.transfer; identity in-process). */
  transfer<T>(value: T, transferables: Transferable[]): T;
  terminate(): void;
}

export type ConnectLearner<Api> = (rank: number) => Promise<LearnerConnection<Api>>;

export type LearnerControlMessage =
  /** Posted once after Comlink.expose: nothing calls the worker before this arrives. */
  | { readonly type: 'learner/ready' }
  /** Posted from the worker's global error handler before the error event reaches the page. */
  | { readonly type: 'learner/fatal'; readonly message: string };

export function isLearnerControlMessage(data: unknown): data is LearnerControlMessage {
  return (
    typeof data === 'object' &&
    data !== null &&
    typeof (data as { type?: unknown }).type === 'string' &&
    (data as { type: string }).type.startsWith('learner/')
  );
}

/**
 * FNV-1a over the bit patterns of every float (not their values: -0 and 0, or two NaNs with
 * different payloads, count as different). Equal checksums on two learners mean, up to a 2^-32
 * chance, bit-identical weights.
 */
export function weightsChecksum(arrays: readonly Float32Array[]): number {
  let h = 0x811c9dc5;
  for (const a of arrays) {
    const bits = new Uint32Array(a.buffer, a.byteOffset, a.length);
    for (let i = 0; i < bits.length; i++) {
      h ^= bits[i]!;
      h = Math.imul(h, 0x01000193);
    }
  }
  return h >>> 0;
}
