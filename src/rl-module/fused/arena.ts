/**
 * One WebAssembly.Memory that the fused kernels (simd-kernels.ts) read and write, carved into
 * float arrays by a bump allocator: parameters, gradients, Adam moments, target copies, batch
 * columns and activations all live here, so a gradient step never copies between JS and wasm.
 *
 * The kernels are compiled once, asynchronously (`loadFusedKernels`): Chromium refuses to compile
 * a module over 4 KB synchronously on the page's main thread, and this one is ~5.5 KB.
 */
import { instantiateKernels, simdModuleBytes, type SimdKernelExports } from './simd-kernels';

const PAGE_BYTES = 65536;

let compiled: Promise<WebAssembly.Module | null> | null = null;
let ready: WebAssembly.Module | null = null;

/**
 * Compiles the kernels (once per realm); resolves to whether this engine runs them (wasm SIMD).
 * An engine without SIMD rejects the bytes, and the learners keep their TF.js path.
 */
export function loadFusedKernels(): Promise<boolean> {
  compiled ??= (async () => {
    try {
      const bytes = simdModuleBytes();
      if (!WebAssembly.validate(bytes)) return null;
      ready = await WebAssembly.compile(bytes);
      return ready;
    } catch {
      return null;
    }
  })();
  return compiled.then((m) => m !== null);
}

/** Whether `loadFusedKernels` has finished and the kernels run here. */
export function fusedKernelsReady(): boolean {
  return ready !== null;
}

/** A float array inside the arena: its byte offset (what kernels take) and length in floats. */
export interface Region {
  readonly ptr: number;
  readonly length: number;
}

export class Arena {
  /**
   * Multiply-adds done by every arena's matrix products (gemm, gemmDot) while `countMacs` is on:
   * the bench's count of a learner step's work (diagnostics/learner-floor.ts).
   */
  static macs = 0;
  static countMacs = false;
  private readonly raw: SimdKernelExports;
  private readonly counting: SimdKernelExports;
  private readonly memory: WebAssembly.Memory;
  private top = 16;
  private view: Float32Array;
  /** A float 1.0 at byte 0: column sums are products with a stride-0 row of ones. */
  static readonly ONE = 0;

  private constructor(memory: WebAssembly.Memory, kernels: SimdKernelExports) {
    this.memory = memory;
    this.raw = kernels;
    this.counting = {
      ...kernels,
      gemm: (...args: Parameters<SimdKernelExports['gemm']>) => {
        Arena.macs += args[7] * args[8] * args[9];
        kernels.gemm(...args);
      },
      gemmDot: (...args: Parameters<SimdKernelExports['gemmDot']>) => {
        Arena.macs += args[6] * args[7] * args[8];
        kernels.gemmDot(...args);
      },
    };
    this.view = new Float32Array(memory.buffer);
    this.view[0] = 1;
  }

  /** The kernels (counting multiply-adds while Arena.countMacs is on). */
  get kernels(): SimdKernelExports {
    return Arena.countMacs ? this.counting : this.raw;
  }

  /** A new arena, or null when the kernels are not loaded (see loadFusedKernels). */
  static create(): Arena | null {
    if (!ready) return null;
    const memory = new WebAssembly.Memory({ initial: 16 });
    return new Arena(memory, instantiateKernels(memory, ready));
  }

  /** `floats` zeroed floats, 16-byte aligned; the memory grows when needed (views refresh). */
  alloc(floats: number): Region {
    const ptr = this.top;
    this.top = ptr + Math.ceil((floats * 4) / 16) * 16;
    const needed = this.top - this.memory.buffer.byteLength;
    if (needed > 0) {
      this.memory.grow(Math.ceil(needed / PAGE_BYTES));
      this.view = new Float32Array(this.memory.buffer);
    }
    return { ptr, length: floats };
  }

  /** The whole memory as floats (index = byte offset / 4); refreshed after growth. */
  get f32(): Float32Array {
    if (this.view.buffer !== this.memory.buffer) this.view = new Float32Array(this.memory.buffer);
    return this.view;
  }

  /** A live view of `region` (or its first `length` floats). */
  array(region: Region, length = region.length): Float32Array {
    const start = region.ptr >> 2;
    return this.f32.subarray(start, start + length);
  }

  /** Bytes allocated so far. */
  get bytesUsed(): number {
    return this.top;
  }
}
