/**
 * How long a GPUDevice was busy: the number behind RLlib's rule 4 ("tune the number of runners and
 * envs per runner to maximise GPU utilisation"). Installed on the one device of a context (the
 * page's, or a runner worker's) when webgpu-device.ts creates it, it sees every submission, TF.js's
 * and a GPU env's alike, and adds up:
 *  - with the adapter's `timestamp-query` feature: the GPU's own start and end time of every compute
 *    pass (timestampWrites added to passes that carry none, resolved with the command buffer and
 *    read once it is done);
 *  - without it: submit-to-done time, from `queue.submit` until `onSubmittedWorkDone()` resolves,
 *    each submission counted from when the previous one finished (the queue runs them in order).
 *    This includes the event loop's latency in seeing the promise resolve, so it reads high.
 * `totalMs()` waits for the work submitted so far and returns the busy milliseconds since the meter
 * was installed; each reader keeps its own cursor (`BusyCursor`), so trials sharing the page's
 * device each see the device's busy time over their own iteration.
 */

export type GpuTiming = 'timestamp-query' | 'submit-to-done';

/** Compute passes one command encoder can time; passes beyond it run untimed (counted in `untimedPasses`). */
export const MAX_TIMED_PASSES_PER_ENCODER = 64;
const NS_PER_MS = 1e6;

interface QuerySlots {
  readonly querySet: GPUQuerySet;
  readonly resolve: GPUBuffer;
  readonly read: GPUBuffer;
}

export class GpuBusyMeter {
  readonly timing: GpuTiming;
  /** Compute passes that ran without timestamps (a pass TF.js's own tf.time() timed, or past the per-encoder cap). */
  untimedPasses = 0;
  private busyMs = 0;
  private lastDoneAt = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly freeSlots: QuerySlots[] = [];
  private readonly timedBuffers = new WeakMap<GPUCommandBuffer, { slots: QuerySlots; passes: number }>();
  private readonly now: () => number;

  constructor(
    private readonly device: GPUDevice,
    opts: { readonly timing?: GpuTiming; readonly now?: () => number } = {},
  ) {
    this.timing = opts.timing ?? (device.features.has('timestamp-query') ? 'timestamp-query' : 'submit-to-done');
    this.now = opts.now ?? ((): number => performance.now());
    const queue = device.queue;
    const submit = queue.submit.bind(queue);
    queue.submit = (buffers: Iterable<GPUCommandBuffer>): undefined => {
      const list = [...buffers];
      submit(list);
      if (this.timing === 'timestamp-query') this.readTimestamps(list);
      else this.timeSubmission();
      return undefined;
    };
    if (this.timing === 'timestamp-query') {
      const create = device.createCommandEncoder.bind(device);
      device.createCommandEncoder = (descriptor?: GPUCommandEncoderDescriptor): GPUCommandEncoder =>
        this.instrument(create(descriptor));
    }
  }

  /** Busy milliseconds counted so far, without waiting for work still in flight. */
  get countedMs(): number {
    return this.busyMs;
  }

  /** Busy milliseconds since the meter was installed, once the work submitted so far is done. */
  async totalMs(): Promise<number> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    return this.busyMs;
  }

  private track(p: Promise<void>): void {
    const tracked = p.catch(() => undefined).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private timeSubmission(): void {
    const submittedAt = this.now();
    this.track(
      this.device.queue.onSubmittedWorkDone().then(() => {
        const done = this.now();
        const start = Math.max(submittedAt, this.lastDoneAt);
        if (done > start) this.busyMs += done - start;
        this.lastDoneAt = Math.max(this.lastDoneAt, done);
      }),
    );
  }

  /** Adds timestampWrites to the encoder's compute passes and resolves them when it is finished. */
  private instrument(encoder: GPUCommandEncoder): GPUCommandEncoder {
    let slots: QuerySlots | null = null;
    let passes = 0;
    const begin = encoder.beginComputePass.bind(encoder);
    encoder.beginComputePass = (descriptor?: GPUComputePassDescriptor): GPUComputePassEncoder => {
      if (descriptor?.timestampWrites || passes >= MAX_TIMED_PASSES_PER_ENCODER) {
        this.untimedPasses++;
        return begin(descriptor);
      }
      slots ??= this.acquireSlots();
      const i = passes++;
      return begin({
        ...descriptor,
        timestampWrites: { querySet: slots.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 },
      });
    };
    const finish = encoder.finish.bind(encoder);
    encoder.finish = (descriptor?: GPUCommandBufferDescriptor): GPUCommandBuffer => {
      if (slots && passes > 0) {
        encoder.resolveQuerySet(slots.querySet, 0, 2 * passes, slots.resolve, 0);
        encoder.copyBufferToBuffer(slots.resolve, 0, slots.read, 0, 16 * passes);
      }
      const buffer = finish(descriptor);
      if (slots && passes > 0) this.timedBuffers.set(buffer, { slots, passes });
      else if (slots) this.freeSlots.push(slots);
      return buffer;
    };
    return encoder;
  }

  private acquireSlots(): QuerySlots {
    const free = this.freeSlots.pop();
    if (free) return free;
    const n = 2 * MAX_TIMED_PASSES_PER_ENCODER;
    return {
      querySet: this.device.createQuerySet({ type: 'timestamp', count: n }),
      resolve: this.device.createBuffer({ size: 8 * n, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }),
      read: this.device.createBuffer({ size: 8 * n, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }),
    };
  }

  /** Reads the timestamps of submitted buffers once the GPU has written them. */
  private readTimestamps(buffers: readonly GPUCommandBuffer[]): void {
    for (const buffer of buffers) {
      const timed = this.timedBuffers.get(buffer);
      if (!timed) continue;
      this.timedBuffers.delete(buffer);
      const { slots, passes } = timed;
      this.track(
        slots.read.mapAsync(GPUMapMode.READ, 0, 16 * passes).then(() => {
          const stamps = new BigUint64Array(slots.read.getMappedRange(0, 16 * passes));
          for (let i = 0; i < passes; i++) {
            const begin = stamps[2 * i] ?? 0n;
            const end = stamps[2 * i + 1] ?? 0n;
            // A pass the GPU could not time writes zeros; quantised stamps may tie.
            if (begin > 0n && end > begin) this.busyMs += Number(end - begin) / NS_PER_MS;
          }
          slots.read.unmap();
          this.freeSlots.push(slots);
        }),
      );
    }
  }
}

/** One reader's view of a meter: the busy time since its previous read. */
export class BusyCursor {
  private seen: number | null = null;

  /** `fromNow`: count from what the meter has counted so far (a run starting on a device in use). */
  constructor(
    readonly meter: GpuBusyMeter,
    fromNow = false,
  ) {
    if (fromNow) this.seen = meter.countedMs;
  }

  /** Busy milliseconds since the previous call (since the meter started, on the first). */
  async sinceLast(): Promise<number> {
    const total = await this.meter.totalMs();
    const ms = total - (this.seen ?? 0);
    this.seen = total;
    return ms;
  }
}
