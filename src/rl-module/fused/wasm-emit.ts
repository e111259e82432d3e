/**
 * Just enough of a WebAssembly binary writer to build the fused MLP kernels (simd-kernels.ts) at
 * run time: one module, an imported memory, functions over i32/f32/v128 locals. There is no wasm
 * toolchain in this project (and the kernels are ~100 instructions each), so the bytes are
 * written here from the spec (WebAssembly Core 2.0, sections 5.4 instructions and 5.5 modules;
 * the SIMD opcodes of the fixed-width SIMD proposal, merged in 2.0).
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof V128;

function uleb(n: number, out: number[]): void {
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
}

function sleb(n: number, out: number[]): void {
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

function name(s: string, out: number[]): void {
  const bytes = new TextEncoder().encode(s);
  uleb(bytes.length, out);
  out.push(...bytes);
}

const f32Bytes = (x: number): number[] => [...new Uint8Array(Float32Array.of(x).buffer)];

/**
 * A function body. Locals are numbered after the parameters; `local(type)` adds one. Methods
 * append one instruction each and return `this`, so a kernel reads as its instruction list.
 */
export class Body {
  readonly code: number[] = [];
  private readonly locals: ValType[] = [];

  constructor(readonly params: readonly ValType[]) {}

  local(type: ValType): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  private op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }

  private simd(opcode: number, ...imm: number[]): this {
    this.code.push(0xfd);
    uleb(opcode, this.code);
    this.code.push(...imm);
    return this;
  }

  private mem(opcode: number, align: number, offset: number, simd: boolean): this {
    if (simd) {
      this.code.push(0xfd);
      uleb(opcode, this.code);
    } else {
      this.code.push(opcode);
    }
    uleb(align, this.code);
    uleb(offset, this.code);
    return this;
  }

  get(i: number): this {
    this.code.push(0x20);
    uleb(i, this.code);
    return this;
  }
  set(i: number): this {
    this.code.push(0x21);
    uleb(i, this.code);
    return this;
  }
  tee(i: number): this {
    this.code.push(0x22);
    uleb(i, this.code);
    return this;
  }
  i32(n: number): this {
    this.code.push(0x41);
    sleb(n | 0, this.code);
    return this;
  }
  f32(x: number): this {
    return this.op(0x43, ...f32Bytes(x));
  }
  /** v128.const with one f32 in every lane. */
  f32x4(x: number): this {
    const lane = f32Bytes(x);
    return this.simd(0x0c, ...lane, ...lane, ...lane, ...lane);
  }

  // Control. Blocks and loops take no values and leave none (block type 0x40).
  block(): this {
    return this.op(0x02, 0x40);
  }
  loop(): this {
    return this.op(0x03, 0x40);
  }
  if(): this {
    return this.op(0x04, 0x40);
  }
  else(): this {
    return this.op(0x05);
  }
  end(): this {
    return this.op(0x0b);
  }
  br(depth: number): this {
    this.code.push(0x0c);
    uleb(depth, this.code);
    return this;
  }
  brIf(depth: number): this {
    this.code.push(0x0d);
    uleb(depth, this.code);
    return this;
  }
  return(): this {
    return this.op(0x0f);
  }

  // i32 arithmetic and comparisons.
  add(): this {
    return this.op(0x6a);
  }
  sub(): this {
    return this.op(0x6b);
  }
  mul(): this {
    return this.op(0x6c);
  }
  shl(): this {
    return this.op(0x74);
  }
  eqz(): this {
    return this.op(0x45);
  }
  eq(): this {
    return this.op(0x46);
  }
  ltS(): this {
    return this.op(0x48);
  }
  gtS(): this {
    return this.op(0x4a);
  }
  leS(): this {
    return this.op(0x4c);
  }
  geS(): this {
    return this.op(0x4e);
  }

  // f32 scalar memory and arithmetic.
  f32Load(offset = 0): this {
    return this.mem(0x2a, 2, offset, false);
  }
  f32Store(offset = 0): this {
    return this.mem(0x38, 2, offset, false);
  }
  fadd(): this {
    return this.op(0x92);
  }
  fsub(): this {
    return this.op(0x93);
  }
  fmul(): this {
    return this.op(0x94);
  }
  fdiv(): this {
    return this.op(0x95);
  }
  fmin(): this {
    return this.op(0x96);
  }
  fmax(): this {
    return this.op(0x97);
  }
  fsqrt(): this {
    return this.op(0x91);
  }
  fgt(): this {
    return this.op(0x5e);
  }
  select(): this {
    return this.op(0x1b);
  }
  drop(): this {
    return this.op(0x1a);
  }

  // v128. Alignment hints are 4 bytes: the arrays are only float-aligned.
  load(offset = 0): this {
    return this.mem(0x00, 2, offset, true);
  }
  loadSplat(offset = 0): this {
    return this.mem(0x09, 2, offset, true);
  }
  store(offset = 0): this {
    return this.mem(0x0b, 2, offset, true);
  }
  splat(): this {
    return this.simd(0x13);
  }
  lane(i: number): this {
    return this.simd(0x1f, i);
  }
  vgt(): this {
    return this.simd(0x44);
  }
  vand(): this {
    return this.simd(0x4e);
  }
  vbitselect(): this {
    return this.simd(0x52);
  }
  vabs(): this {
    return this.simd(0xe0);
  }
  vsqrt(): this {
    return this.simd(0xe3);
  }
  vadd(): this {
    return this.simd(0xe4);
  }
  vsub(): this {
    return this.simd(0xe5);
  }
  vmul(): this {
    return this.simd(0xe6);
  }
  vdiv(): this {
    return this.simd(0xe7);
  }
  /** f32x4.pmin: b < a ? b : a per lane (one minps; f32x4.min's NaN rules cost several). */
  vpmin(): this {
    return this.simd(0xea);
  }
  /** f32x4.pmax: a < b ? b : a per lane. */
  vpmax(): this {
    return this.simd(0xeb);
  }

  /** The body as the code section encodes it: local declarations, instructions, end. */
  encode(): number[] {
    const groups: [number, ValType][] = [];
    for (const t of this.locals) {
      const last = groups.at(-1);
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const out: number[] = [];
    uleb(groups.length, out);
    for (const [count, type] of groups) {
      uleb(count, out);
      out.push(type);
    }
    out.push(...this.code, 0x0b);
    const sized: number[] = [];
    uleb(out.length, sized);
    return [...sized, ...out];
  }
}

export interface WasmFunction {
  readonly name: string;
  readonly body: Body;
  readonly results: readonly ValType[];
}

function section(id: number, content: number[], out: number[]): void {
  out.push(id);
  uleb(content.length, out);
  out.push(...content);
}

/** A module importing `env.memory` (initial pages given) and exporting every function by name. */
export function encodeModule(functions: readonly WasmFunction[], memoryPages: number): Uint8Array<ArrayBuffer> {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types: number[] = [];
  uleb(functions.length, types);
  for (const f of functions) {
    types.push(0x60);
    uleb(f.body.params.length, types);
    types.push(...f.body.params);
    uleb(f.results.length, types);
    types.push(...f.results);
  }
  section(1, types, out);
  const imports: number[] = [1];
  name('env', imports);
  name('memory', imports);
  imports.push(0x02, 0x00);
  uleb(memoryPages, imports);
  section(2, imports, out);
  const funcs: number[] = [];
  uleb(functions.length, funcs);
  functions.forEach((_, i) => uleb(i, funcs));
  section(3, funcs, out);
  const exports: number[] = [];
  uleb(functions.length, exports);
  functions.forEach((f, i) => {
    name(f.name, exports);
    exports.push(0x00);
    uleb(i, exports);
  });
  section(7, exports, out);
  const code: number[] = [];
  uleb(functions.length, code);
  for (const f of functions) code.push(...f.body.encode());
  section(10, code, out);
  return Uint8Array.from(out);
}
