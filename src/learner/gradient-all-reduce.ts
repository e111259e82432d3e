/**
 * The all-reduce of data-parallel Learners (RLlib's LearnerGroup with num_learners > 1, where
 * torch DDP averages gradients with NCCL/gloo): every learner hands in its flat gradient and the
 * weight of its shard (shard rows / minibatch rows) and gets back the same weighted mean. Every
 * learner then applies that mean, so their weights stay identical.
 *
 * Two transports, one contract:
 * - `SharedArrayAllReduce`: when the page is cross-origin isolated, one SharedArrayBuffer holds a
 *   slot per learner (twice, alternating by step, so a fast learner never overwrites a slot a slow
 *   one is still reading) and a barrier on Atomics; each learner sums the slots itself, in rank
 *   order, so every learner computes bit-identical means. No message per step.
 * - `PortAllReduce` + `AllReduceHub`: otherwise, each learner posts its gradient through a
 *   MessagePort to the hub on the page, which averages once and posts the mean back to all.
 * Both run in Node too (MessageChannel, Atomics.waitAsync), so the unit tests use the real thing.
 */
import { RLError } from '../core/errors';

export interface GradientAllReducer {
  /** Resolves to the weighted mean over all learners of `grad` (weights sum to 1 over learners). */
  allReduce(grad: Float32Array, weight: number): Promise<Float32Array>;
  /** Stops waiting: a pending or later `allReduce` rejects. */
  close(): void;
}

/** How a learner worker reaches the others: plain data that crosses `postMessage`. */
export type AllReduceTransport =
  | {
      readonly kind: 'shared-array';
      readonly buffer: SharedArrayBuffer;
      readonly size: number;
      readonly length: number;
      readonly timeoutMs: number;
    }
  | { readonly kind: 'port'; readonly port: MessagePort; readonly timeoutMs: number };

/** ES2024's Atomics.waitAsync (Chrome 87+, Node 16+); the lib here is ES2023. */
type WaitAsync = (
  typedArray: Int32Array,
  index: number,
  value: number,
  timeoutMs: number,
) => { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** Control words at the start of the shared buffer: arrival count, barrier generation, closed flag. */
const CONTROL_INTS = 4;
const COUNT = 0;
const GENERATION = 1;
const CLOSED = 2;

function timeoutError(timeoutMs: number): RLError {
  return new RLError(
    'learner/all-reduce-timeout',
    `A learner waited ${timeoutMs / 1000} s for the other learners' gradients; one of them failed or stalled.`,
  );
}

function closedError(): RLError {
  return new RLError('learner/all-reduce-closed', 'The learner group was stopped during an update.');
}

/** Bytes a shared buffer needs for `size` learners and gradients of `length` floats. */
export function sharedAllReduceBytes(size: number, length: number): number {
  // Control words, then [2 parities][size slots][length + 1] floats (the +1 carries the weight).
  return CONTROL_INTS * 4 + 2 * size * (length + 1) * 4;
}

/** One learner's side of the shared-memory all-reduce. */
export class SharedArrayAllReduce implements GradientAllReducer {
  private readonly control: Int32Array;
  private readonly slots: Float32Array;
  private step = 0;

  constructor(
    private readonly buffer: SharedArrayBuffer,
    private readonly rank: number,
    private readonly size: number,
    private readonly length: number,
    private readonly timeoutMs: number,
  ) {
    if (buffer.byteLength < sharedAllReduceBytes(size, length)) {
      throw new RangeError(
        `shared all-reduce buffer holds ${buffer.byteLength} bytes, needs ${sharedAllReduceBytes(size, length)}`,
      );
    }
    this.control = new Int32Array(buffer, 0, CONTROL_INTS);
    this.slots = new Float32Array(buffer, CONTROL_INTS * 4, 2 * size * (length + 1));
  }

  async allReduce(grad: Float32Array, weight: number): Promise<Float32Array> {
    if (grad.length !== this.length)
      throw new RangeError(`gradient has ${grad.length} floats, expected ${this.length}`);
    const parity = this.step++ % 2;
    const slotFloats = this.length + 1;
    const base = (parity * this.size + this.rank) * slotFloats;
    this.slots.set(grad, base);
    this.slots[base + this.length] = weight;
    await this.barrier();
    const mean = new Float64Array(this.length);
    for (let k = 0; k < this.size; k++) {
      const off = (parity * this.size + k) * slotFloats;
      const w = this.slots[off + this.length]!;
      for (let i = 0; i < this.length; i++) mean[i]! += w * this.slots[off + i]!;
    }
    return Float32Array.from(mean);
  }

  /** Sense-reversing barrier: the last to arrive bumps the generation and wakes the others. */
  private async barrier(): Promise<void> {
    const c = this.control;
    if (Atomics.load(c, CLOSED) !== 0) throw closedError();
    const generation = Atomics.load(c, GENERATION);
    if (Atomics.add(c, COUNT, 1) === this.size - 1) {
      Atomics.store(c, COUNT, 0);
      Atomics.add(c, GENERATION, 1);
      Atomics.notify(c, GENERATION);
      return;
    }
    const deadline = performance.now() + this.timeoutMs;
    while (Atomics.load(c, GENERATION) === generation) {
      if (Atomics.load(c, CLOSED) !== 0) throw closedError();
      const left = deadline - performance.now();
      if (left <= 0) throw timeoutError(this.timeoutMs);
      // waitAsync keeps the worker's event loop free (Comlink still answers); in-process tests need it too.
      const waited = waitAsync(c, GENERATION, generation, left);
      if (waited.async) await waited.value;
    }
  }

  close(): void {
    Atomics.store(this.control, CLOSED, 1);
    Atomics.notify(this.control, GENERATION);
  }
}

interface PortMessage {
  readonly step: number;
  readonly grad: Float32Array;
  readonly weight: number;
}

/** One learner's side of the message all-reduce: posts to the hub, waits for the mean. */
export class PortAllReduce implements GradientAllReducer {
  private step = 0;
  private pending: { resolve: (v: Float32Array) => void; reject: (e: Error) => void } | null = null;
  private closed = false;

  constructor(
    private readonly port: MessagePort,
    private readonly timeoutMs: number,
  ) {
    port.onmessage = (event: MessageEvent<PortMessage>) => {
      const p = this.pending;
      this.pending = null;
      p?.resolve(event.data.grad);
    };
  }

  allReduce(grad: Float32Array, weight: number): Promise<Float32Array> {
    if (this.closed) return Promise.reject(closedError());
    return new Promise<Float32Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = null;
        reject(timeoutError(this.timeoutMs));
      }, this.timeoutMs);
      this.pending = {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const copy = grad.slice();
      const message: PortMessage = { step: this.step++, grad: copy, weight };
      this.port.postMessage(message, [copy.buffer]);
    });
  }

  close(): void {
    this.closed = true;
    const p = this.pending;
    this.pending = null;
    p?.reject(closedError());
    this.port.close();
  }
}

/** The page's side of the message all-reduce: collects one gradient per learner, posts the mean back. */
export class AllReduceHub {
  private readonly arrived: (PortMessage | null)[];
  private count = 0;

  constructor(private readonly ports: readonly MessagePort[]) {
    this.arrived = ports.map(() => null);
    ports.forEach((port, rank) => {
      port.onmessage = (event: MessageEvent<PortMessage>) => this.receive(rank, event.data);
    });
  }

  private receive(rank: number, message: PortMessage): void {
    this.arrived[rank] = message;
    if (++this.count < this.ports.length) return;
    const length = message.grad.length;
    const mean = new Float64Array(length);
    for (const m of this.arrived) {
      for (let i = 0; i < length; i++) mean[i]! += m!.weight * m!.grad[i]!;
    }
    const out = Float32Array.from(mean);
    this.arrived.fill(null);
    this.count = 0;
    for (const port of this.ports) port.postMessage({ step: message.step, grad: out, weight: 1 });
  }

  close(): void {
    for (const port of this.ports) port.close();
  }
}

/**
 * The transports of a group of `size` learners: shared memory when the page is cross-origin
 * isolated, ports to a hub otherwise. `hub` is null for shared memory.
 */
export function makeAllReduceTransports(
  size: number,
  length: number,
  timeoutMs: number,
  useSharedMemory: boolean,
): { transports: AllReduceTransport[]; hub: AllReduceHub | null } {
  if (useSharedMemory) {
    const buffer = new SharedArrayBuffer(sharedAllReduceBytes(size, length));
    const transports = Array.from({ length: size }, () => ({
      kind: 'shared-array' as const,
      buffer,
      size,
      length,
      timeoutMs,
    }));
    return { transports, hub: null };
  }
  const channels = Array.from({ length: size }, () => new MessageChannel());
  const hub = new AllReduceHub(channels.map((c) => c.port1));
  return { transports: channels.map((c) => ({ kind: 'port' as const, port: c.port2, timeoutMs })), hub };
}

/** The learner's reducer for the transport it was given. */
export function openAllReducer(transport: AllReduceTransport, rank: number): GradientAllReducer {
  return transport.kind === 'shared-array'
    ? new SharedArrayAllReduce(transport.buffer, rank, transport.size, transport.length, transport.timeoutMs)
    : new PortAllReduce(transport.port, transport.timeoutMs);
}
