/**
 * Test-side editing of Parquet files: a Thrift compact protocol decoder/encoder that keeps every
 * field's wire type, so a test can change one count in a real file's footer (or a page header)
 * and write the file back. Written apart from src/offline's reader on purpose: the files a test
 * builds must not depend on the code under test.
 */

/** Thrift compact wire types. */
export const T = { TRUE: 1, FALSE: 2, BYTE: 3, I16: 4, I32: 5, I64: 6, DOUBLE: 7, BINARY: 8, LIST: 9, STRUCT: 12 };

export interface TList {
  elem: number;
  items: TField['v'][];
}
/** A field: its wire type and value (bigint for integers, so 2^62 survives the round trip). */
export interface TField {
  t: number;
  v: boolean | bigint | number | Uint8Array | TList | TStruct;
}
export type TStruct = Map<number, TField>;

class Decoder {
  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
  ) {}
  byte(): number {
    if (this.pos >= this.bytes.length) throw new Error('thrift: past the end');
    return this.bytes[this.pos++]!;
  }
  varint(): bigint {
    let out = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = this.byte();
      out |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return out;
    }
  }
  zigzag(): bigint {
    const n = this.varint();
    return (n >> 1n) ^ -(n & 1n);
  }
  value(t: number): TField['v'] {
    switch (t) {
      case T.TRUE:
      case T.FALSE:
        return t === T.TRUE;
      case T.BYTE:
        return BigInt(this.byte());
      case T.I16:
      case T.I32:
      case T.I64:
        return this.zigzag();
      case T.DOUBLE: {
        const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 8).getFloat64(0, true);
        this.pos += 8;
        return v;
      }
      case T.BINARY: {
        const n = Number(this.varint());
        const v = this.bytes.slice(this.pos, this.pos + n);
        this.pos += n;
        return v;
      }
      case T.LIST: {
        const head = this.byte();
        let size = head >> 4;
        if (size === 15) size = Number(this.varint());
        const elem = head & 0x0f;
        const items: TField['v'][] = [];
        for (let i = 0; i < size; i++) {
          items.push(elem === T.TRUE || elem === T.FALSE ? this.byte() === 1 : this.value(elem));
        }
        return { elem, items };
      }
      case T.STRUCT:
        return this.struct();
      default:
        throw new Error(`thrift: type ${t}`);
    }
  }
  struct(): TStruct {
    const out: TStruct = new Map();
    let last = 0;
    for (;;) {
      const head = this.byte();
      if (head === 0) return out;
      const t = head & 0x0f;
      const fid = head >> 4 ? last + (head >> 4) : Number(this.zigzag());
      out.set(fid, { t, v: this.value(t) });
      last = fid;
    }
  }
}

class Encoder {
  readonly out: number[] = [];
  varint(n: bigint): void {
    let v = n;
    while (v >= 0x80n) {
      this.out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.out.push(Number(v));
  }
  zigzag(n: bigint): void {
    this.varint(n >= 0n ? n << 1n : (-n << 1n) - 1n);
  }
  value(t: number, v: TField['v']): void {
    switch (t) {
      case T.TRUE:
      case T.FALSE:
        return;
      case T.BYTE:
        this.out.push(Number(v) & 0xff);
        return;
      case T.I16:
      case T.I32:
      case T.I64:
        this.zigzag(BigInt(v as bigint));
        return;
      case T.DOUBLE: {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setFloat64(0, v as number, true);
        this.out.push(...b);
        return;
      }
      case T.BINARY: {
        const b = v as Uint8Array;
        this.varint(BigInt(b.length));
        for (const x of b) this.out.push(x);
        return;
      }
      case T.LIST: {
        const { elem, items } = v as TList;
        if (items.length < 15) this.out.push((items.length << 4) | elem);
        else {
          this.out.push(0xf0 | elem);
          this.varint(BigInt(items.length));
        }
        for (const item of items) {
          if (elem === T.TRUE || elem === T.FALSE) this.out.push(item ? 1 : 2);
          else this.value(elem, item);
        }
        return;
      }
      case T.STRUCT:
        this.struct(v as TStruct);
        return;
      default:
        throw new Error(`thrift: type ${t}`);
    }
  }
  struct(s: TStruct): void {
    let last = 0;
    for (const fid of [...s.keys()].sort((a, b) => a - b)) {
      const f = s.get(fid)!;
      const wire = f.t === T.TRUE || f.t === T.FALSE ? (f.v ? T.TRUE : T.FALSE) : f.t;
      if (fid > last && fid - last <= 15) this.out.push(((fid - last) << 4) | wire);
      else {
        this.out.push(wire);
        this.zigzag(BigInt(fid));
      }
      this.value(wire, f.v);
      last = fid;
    }
    this.out.push(0);
  }
}

export function decodeStruct(bytes: Uint8Array, pos = 0): { value: TStruct; end: number } {
  const d = new Decoder(bytes, pos);
  const value = d.struct();
  return { value, end: d.pos };
}

export function encodeStruct(s: TStruct): Uint8Array {
  const e = new Encoder();
  e.struct(s);
  return Uint8Array.from(e.out);
}

/** A file's footer (FileMetaData) and where it starts. */
export function footerOf(file: Uint8Array): { meta: TStruct; start: number } {
  const len = new DataView(file.buffer, file.byteOffset).getUint32(file.length - 8, true);
  const start = file.length - 8 - len;
  return { meta: decodeStruct(file, start).value, start };
}

/** The file with its footer replaced by `meta` (the data pages stay where they were). */
export function withFooter(file: Uint8Array, meta: TStruct): Uint8Array {
  const { start } = footerOf(file);
  const footer = encodeStruct(meta);
  const out = new Uint8Array(start + footer.length + 8);
  out.set(file.subarray(0, start));
  out.set(footer, start);
  new DataView(out.buffer).setUint32(start + footer.length, footer.length, true);
  out.set([0x50, 0x41, 0x52, 0x31], start + footer.length + 4);
  return out;
}

/** The file with its footer edited in place by `edit`. */
export function editFooter(file: Uint8Array, edit: (meta: TStruct) => void): Uint8Array {
  const { meta } = footerOf(file);
  edit(meta);
  return withFooter(file, meta);
}

/** Field `fid` of a struct (throws if absent: a test's own mistake). */
export function field<V extends TField['v']>(s: TStruct, fid: number): V {
  const f = s.get(fid);
  if (!f) throw new Error(`no field ${fid}`);
  return f.v as V;
}

/** The footer's row groups (FileMetaData field 4). */
export const rowGroupsOf = (meta: TStruct): TStruct[] => field<TList>(meta, 4).items as TStruct[];

/** Sets the rows a footer claims: the file's num_rows and every row group's. */
export function claimRows(meta: TStruct, rows: bigint): void {
  meta.set(3, { t: T.I64, v: rows });
  for (const g of rowGroupsOf(meta)) g.set(3, { t: T.I64, v: rows });
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Sets (or, with null, removes) a key of the footer's key-value metadata. */
export function setKv(meta: TStruct, key: string, value: string | null): void {
  const list = meta.get(5)?.v as TList | undefined;
  const items = (list?.items ?? []) as TStruct[];
  const rest = items.filter((kv) => new TextDecoder().decode(field<Uint8Array>(kv, 1)) !== key);
  if (value !== null)
    rest.push(
      new Map([
        [1, { t: T.BINARY, v: utf8(key) }],
        [2, { t: T.BINARY, v: utf8(value) }],
      ]),
    );
  meta.set(5, { t: T.LIST, v: { elem: T.STRUCT, items: rest } });
}

const u32 = (n: number): number[] => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];

/**
 * The same file with every DATA_PAGE_V2 rewritten as a DATA_PAGE (v1: pyarrow's default), for an
 * uncompressed file without dictionaries: levels move into the page body behind 4-byte lengths.
 */
export function toDataPageV1(file: Uint8Array): Uint8Array {
  const { meta } = footerOf(file);
  const out: number[] = [0x50, 0x41, 0x52, 0x31];
  for (const group of rowGroupsOf(meta)) {
    for (const chunk of field<TList>(group, 1).items as TStruct[]) {
      const cm = field<TStruct>(chunk, 3);
      const start = Number(field<bigint>(cm, 9));
      const end = start + Number(field<bigint>(cm, 7));
      const newStart = out.length;
      for (let pos = start; pos < end;) {
        const { value: h, end: bodyStart } = decodeStruct(file, pos);
        const size = Number(field<bigint>(h, 3));
        const body = file.subarray(bodyStart, bodyStart + size);
        pos = bodyStart + size;
        if (field<bigint>(h, 1) !== 3n) throw new Error('toDataPageV1: only DATA_PAGE_V2 pages');
        const v2 = field<TStruct>(h, 8);
        const defLen = Number(field<bigint>(v2, 5));
        const repLen = Number(field<bigint>(v2, 6));
        const v1body = [
          ...(repLen ? [...u32(repLen), ...body.subarray(0, repLen)] : []),
          ...(defLen ? [...u32(defLen), ...body.subarray(repLen, repLen + defLen)] : []),
          ...body.subarray(repLen + defLen),
        ];
        const i32 = (v: bigint): TField => ({ t: T.I32, v });
        const header: TStruct = new Map([
          [1, i32(0n)],
          [2, i32(BigInt(v1body.length))],
          [3, i32(BigInt(v1body.length))],
          [
            5,
            {
              t: T.STRUCT,
              v: new Map([
                [1, i32(field<bigint>(v2, 1))],
                [2, i32(field<bigint>(v2, 4))],
                [3, i32(3n)],
                [4, i32(3n)],
              ]),
            },
          ],
        ]);
        out.push(...encodeStruct(header), ...v1body);
      }
      cm.set(9, { t: T.I64, v: BigInt(newStart) });
      cm.set(7, { t: T.I64, v: BigInt(out.length - newStart) });
      cm.set(6, { t: T.I64, v: BigInt(out.length - newStart) });
      cm.delete(11);
      chunk.delete(2);
    }
  }
  // Page indexes point into the old layout: drop them.
  for (const group of rowGroupsOf(meta))
    for (const chunk of field<TList>(group, 1).items as TStruct[]) for (const id of [4, 5, 6, 7]) chunk.delete(id);
  const footer = encodeStruct(meta);
  return Uint8Array.from([...out, ...footer, ...u32(footer.length), 0x50, 0x41, 0x52, 0x31]);
}
