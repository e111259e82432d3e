/**
 * A stand-in for a GPUDevice in Node (no WebGPU here): buffers are ArrayBuffers, a compute pass
 * runs `kernel` on them at submit, copies and timestamp writes happen at submit in order, and
 * promises resolve on the next macrotask. Enough for the parts of the app that talk to WebGPU
 * directly (the busy meter, CartPoleGpu-v1's host side); the shaders themselves run in the browser
 * tests.
 */

export interface FakeGpuOptions {
  readonly timestampQuery?: boolean;
  /** Runs a dispatch: gets the bound buffers (binding order) and the workgroup count. */
  readonly kernel?: (buffers: ArrayBuffer[], workgroups: number) => void;
  /** Nanoseconds each compute pass takes on the fake GPU's clock. */
  readonly passNs?: bigint;
}

interface FakeBuffer {
  readonly data: ArrayBuffer;
  readonly size: number;
  mapped: boolean;
}

type Command =
  | { kind: 'dispatch'; buffers: ArrayBuffer[]; workgroups: number; stamps: [FakeQuerySet, number, number] | null }
  | { kind: 'copy'; from: FakeBuffer; fromOffset: number; to: FakeBuffer; toOffset: number; size: number }
  | { kind: 'resolve'; set: FakeQuerySet; first: number; count: number; to: FakeBuffer; offset: number };

interface FakeQuerySet {
  readonly values: BigUint64Array;
}

export interface FakeGpu {
  readonly device: GPUDevice;
  /** Commands submitted so far, by kind. */
  readonly counts: { submits: number; dispatches: number; timedPasses: number };
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/** WebGPU's flag namespaces, which Node lacks (the values are the spec's). */
function installGlobals(): void {
  const g = globalThis as Record<string, unknown>;
  g['GPUBufferUsage'] ??= {
    MAP_READ: 0x1,
    MAP_WRITE: 0x2,
    COPY_SRC: 0x4,
    COPY_DST: 0x8,
    INDEX: 0x10,
    VERTEX: 0x20,
    UNIFORM: 0x40,
    STORAGE: 0x80,
    INDIRECT: 0x100,
    QUERY_RESOLVE: 0x200,
  };
  g['GPUMapMode'] ??= { READ: 0x1, WRITE: 0x2 };
}

export function fakeGpu(opts: FakeGpuOptions = {}): FakeGpu {
  installGlobals();
  const counts = { submits: 0, dispatches: 0, timedPasses: 0 };
  let clockNs = 1_000_000n;
  const buffers = new WeakMap<object, FakeBuffer>();
  const bufferOf = (b: unknown): FakeBuffer => {
    const found = buffers.get(b as object);
    if (!found) throw new Error('fake GPU: not a buffer of this device');
    return found;
  };
  const queue = {
    writeBuffer(buffer: GPUBuffer, offset: number, data: ArrayBufferView): void {
      const b = bufferOf(buffer);
      new Uint8Array(b.data, offset, data.byteLength).set(
        new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      );
    },
    submit(list: Iterable<{ commands: Command[] }>): void {
      counts.submits++;
      for (const cb of list) {
        for (const c of cb.commands) {
          if (c.kind === 'dispatch') {
            counts.dispatches++;
            if (c.stamps) {
              counts.timedPasses++;
              c.stamps[0].values[c.stamps[1]] = clockNs;
              clockNs += opts.passNs ?? 1000n;
              c.stamps[0].values[c.stamps[2]] = clockNs;
            }
            opts.kernel?.(c.buffers, c.workgroups);
          } else if (c.kind === 'copy') {
            new Uint8Array(c.to.data, c.toOffset, c.size).set(new Uint8Array(c.from.data, c.fromOffset, c.size));
          } else {
            new BigUint64Array(c.to.data, c.offset, c.count).set(c.set.values.subarray(c.first, c.first + c.count));
          }
        }
      }
    },
    onSubmittedWorkDone: (): Promise<undefined> => tick().then(() => undefined),
  };
  const device = {
    features: new Set(opts.timestampQuery ? ['timestamp-query'] : []),
    queue,
    createBuffer({ size }: { size: number }): GPUBuffer {
      const b: FakeBuffer = { data: new ArrayBuffer(size), size, mapped: false };
      const handle = {
        size,
        mapAsync: async (): Promise<void> => {
          await tick();
          b.mapped = true;
        },
        getMappedRange: (offset = 0, size?: number): ArrayBuffer => {
          if (!b.mapped) throw new Error('fake GPU: getMappedRange before mapAsync');
          return b.data.slice(offset, size === undefined ? undefined : offset + size);
        },
        unmap: (): void => {
          b.mapped = false;
        },
        destroy: (): void => undefined,
      };
      buffers.set(handle, b);
      return handle as unknown as GPUBuffer;
    },
    createQuerySet({ count }: { count: number }): GPUQuerySet {
      return { values: new BigUint64Array(count), destroy: () => undefined } as unknown as GPUQuerySet;
    },
    createShaderModule: (d: { code: string }): GPUShaderModule => ({ code: d.code }) as unknown as GPUShaderModule,
    createComputePipeline: (): GPUComputePipeline =>
      ({ getBindGroupLayout: () => ({}) }) as unknown as GPUComputePipeline,
    createBindGroup(d: { entries: { resource: { buffer: GPUBuffer } }[] }): GPUBindGroup {
      return { buffers: d.entries.map((e) => bufferOf(e.resource.buffer).data) } as unknown as GPUBindGroup;
    },
    createCommandEncoder(): GPUCommandEncoder {
      const commands: Command[] = [];
      return {
        beginComputePass(desc?: GPUComputePassDescriptor): GPUComputePassEncoder {
          let bound: ArrayBuffer[] = [];
          const tw = desc?.timestampWrites;
          const stamps: [FakeQuerySet, number, number] | null = tw
            ? [tw.querySet as unknown as FakeQuerySet, tw.beginningOfPassWriteIndex ?? 0, tw.endOfPassWriteIndex ?? 1]
            : null;
          return {
            setPipeline: () => undefined,
            setBindGroup: (_i: number, g: { buffers: ArrayBuffer[] }) => (bound = g.buffers),
            dispatchWorkgroups: (x: number) =>
              commands.push({ kind: 'dispatch', buffers: bound, workgroups: x, stamps }),
            end: () => undefined,
          } as unknown as GPUComputePassEncoder;
        },
        copyBufferToBuffer(from: GPUBuffer, fromOffset: number, to: GPUBuffer, toOffset: number, size: number): void {
          commands.push({ kind: 'copy', from: bufferOf(from), fromOffset, to: bufferOf(to), toOffset, size });
        },
        resolveQuerySet(set: GPUQuerySet, first: number, count: number, to: GPUBuffer, offset: number): void {
          commands.push({
            kind: 'resolve',
            set: set as unknown as FakeQuerySet,
            first,
            count,
            to: bufferOf(to),
            offset,
          });
        },
        finish: () => ({ commands }) as unknown as GPUCommandBuffer,
      } as unknown as GPUCommandEncoder;
    },
  };
  return { device: device as unknown as GPUDevice, counts };
}
