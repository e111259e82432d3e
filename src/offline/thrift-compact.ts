/**
 * The Thrift compact protocol that Parquet's footer and page headers are written in
 * (apache/thrift doc/specs/thrift-compact-protocol.md), read with every size checked against the
 * bytes left before anything of that size is built, and nesting bounded. A footer is data from
 * the user's disk: a list that claims 2^62 entries or 5,000 nested structs is a damaged file, not
 * a reason to loop or to overflow the stack.
 */

/** A file the Parquet reader cannot read; the message says what and where (no file name). */
export class BadParquet extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadParquet';
  }
}

export type ThriftValue = boolean | number | Uint8Array | ThriftValue[] | ThriftStruct;
/** A struct: field id -> value. Integers beyond 2^53 lose precision; every count that matters is range-checked. */
export type ThriftStruct = Map<number, ThriftValue>;

/** Parquet's footer nests about 6 structs deep (FileMetaData > RowGroup > ColumnChunk > ColumnMetaData > Statistics). */
export const MAX_THRIFT_DEPTH = 64;

/** Compact protocol wire types. */
const Wire = {
  TRUE: 1,
  FALSE: 2,
  BYTE: 3,
  I16: 4,
  I32: 5,
  I64: 6,
  DOUBLE: 7,
  BINARY: 8,
  LIST: 9,
  SET: 10,
  MAP: 11,
  STRUCT: 12,
} as const;

class Reader {
  constructor(
    private readonly bytes: Uint8Array,
    public pos: number,
    private readonly end: number,
  ) {}

  need(n: number, what: string): void {
    if (!(n >= 0 && n <= this.end - this.pos)) {
      throw new BadParquet(`${what} needs ${n} bytes at offset ${this.pos}, only ${this.end - this.pos} are left`);
    }
  }

  byte(): number {
    this.need(1, 'Thrift data');
    return this.bytes[this.pos++]!;
  }

  /** Unsigned LEB128 in float arithmetic: exact to 2^53, at most 10 bytes. */
  varint(): number {
    let out = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      out += (b & 0x7f) * scale;
      if (!(b & 0x80)) return out;
      scale *= 128;
    }
    throw new BadParquet(`a Thrift varint longer than 10 bytes at offset ${this.pos}`);
  }

  zigzag(): number {
    const n = this.varint();
    // n odd -> -(n + 1) / 2, even -> n / 2; `% 2` stays exact where bit operations would wrap at 2^31.
    return n % 2 === 1 ? -(n + 1) / 2 : n / 2;
  }

  /** A list, set or map element: bools take one byte there (in a struct the type carries them). */
  element(type: number, depth: number): ThriftValue {
    return type === Wire.TRUE || type === Wire.FALSE ? this.byte() === Wire.TRUE : this.value(type, depth);
  }

  value(type: number, depth: number): ThriftValue {
    switch (type) {
      case Wire.TRUE:
      case Wire.FALSE:
        return type === Wire.TRUE;
      case Wire.BYTE: {
        const b = this.byte();
        return b > 127 ? b - 256 : b;
      }
      case Wire.I16:
      case Wire.I32:
      case Wire.I64:
        return this.zigzag();
      case Wire.DOUBLE: {
        this.need(8, 'a Thrift double');
        const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 8).getFloat64(0, true);
        this.pos += 8;
        return v;
      }
      case Wire.BINARY: {
        const n = this.varint();
        this.need(n, 'a Thrift string');
        const v = this.bytes.subarray(this.pos, this.pos + n);
        this.pos += n;
        return v;
      }
      case Wire.LIST:
      case Wire.SET: {
        const head = this.byte();
        const size = head >> 4 === 15 ? this.varint() : head >> 4;
        // Every element takes at least one byte, so the bytes left bound the size.
        this.need(size, `a Thrift list of ${size} entries`);
        this.deeper(depth);
        const out = new Array<ThriftValue>(size);
        for (let i = 0; i < size; i++) out[i] = this.element(head & 0x0f, depth + 1);
        return out;
      }
      case Wire.MAP: {
        // Parquet's metadata has no maps; read (and drop) one as the protocol says, within bounds.
        const size = this.varint();
        if (size === 0) return [];
        const kv = this.byte();
        this.need(2 * size, `a Thrift map of ${size} entries`);
        this.deeper(depth);
        for (let i = 0; i < size; i++) {
          this.element(kv >> 4, depth + 1);
          this.element(kv & 0x0f, depth + 1);
        }
        return [];
      }
      case Wire.STRUCT:
        return this.struct(depth + 1);
      default:
        throw new BadParquet(`unknown Thrift compact type ${type} at offset ${this.pos - 1}`);
    }
  }

  deeper(depth: number): void {
    if (depth >= MAX_THRIFT_DEPTH) throw new BadParquet(`Thrift data nested more than ${MAX_THRIFT_DEPTH} deep`);
  }

  struct(depth: number): ThriftStruct {
    this.deeper(depth);
    const out: ThriftStruct = new Map();
    let last = 0;
    for (;;) {
      const head = this.byte();
      if (head === 0) return out;
      const id = head >> 4 ? last + (head >> 4) : this.zigzag();
      out.set(id, this.value(head & 0x0f, depth));
      last = id;
    }
  }
}

/** The struct that starts at `start`, read without passing `end`, and where it ended. */
export function readThriftStruct(bytes: Uint8Array, start: number, end: number): { value: ThriftStruct; end: number } {
  const r = new Reader(bytes, start, end);
  const value = r.struct(0);
  return { value, end: r.pos };
}

// Typed access: each getter checks the field's type and range, naming `what` when it is wrong.

function get(s: ThriftStruct, id: number, what: string): ThriftValue | undefined {
  if (!(s instanceof Map)) throw new BadParquet(`${what} is not a Thrift struct`);
  return s.get(id);
}

/** An integer field within [lo, hi]; `fallback` when absent (absent and no fallback: a problem). */
export function intField(s: ThriftStruct, id: number, what: string, lo: number, hi: number, fallback?: number): number {
  const v = get(s, id, what);
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number')
    throw new BadParquet(`${what}: field ${id} ${v === undefined ? 'is missing' : 'is not an integer'}`);
  if (!(v >= lo && v <= hi)) throw new BadParquet(`${what}: field ${id} is ${v}, outside ${lo}..${hi}`);
  return v;
}

export function bytesField(s: ThriftStruct, id: number, what: string, fallback?: Uint8Array): Uint8Array {
  const v = get(s, id, what);
  if (v === undefined && fallback !== undefined) return fallback;
  if (!(v instanceof Uint8Array))
    throw new BadParquet(`${what}: field ${id} ${v === undefined ? 'is missing' : 'is not binary'}`);
  return v;
}

export function listField(s: ThriftStruct, id: number, what: string, fallback?: ThriftValue[]): ThriftValue[] {
  const v = get(s, id, what);
  if (v === undefined && fallback !== undefined) return fallback;
  if (!Array.isArray(v))
    throw new BadParquet(`${what}: field ${id} ${v === undefined ? 'is missing' : 'is not a list'}`);
  return v;
}

/** A struct field, or null when absent. */
export function structField(s: ThriftStruct, id: number, what: string): ThriftStruct | null {
  const v = get(s, id, what);
  if (v === undefined) return null;
  if (!(v instanceof Map)) throw new BadParquet(`${what}: field ${id} is not a struct`);
  return v;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes as UTF-8 text. */
export function text(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new BadParquet(`${what} is not UTF-8 text`);
  }
}
