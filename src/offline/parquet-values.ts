/**
 * Values and levels inside one Parquet page: the RLE / bit-packed hybrid (levels, booleans,
 * dictionary indices), PLAIN values of each physical type into typed arrays, dictionary lookups.
 * Every read is bounds-checked against the page, every run is cut at the count the page header
 * declared, so a damaged page fails with a message (BadParquet) instead of a RangeError or a hang.
 */
import type { LeafColumn, PhysicalType } from './parquet-footer';
import { BadParquet } from './thrift-compact';

export type ColumnValues = Uint8Array | Int32Array | BigInt64Array | Float32Array | Float64Array | string[];

export const ENCODING = { PLAIN: 0, PLAIN_DICTIONARY: 2, RLE: 3, RLE_DICTIONARY: 8 } as const;
const ENCODING_NAMES = [
  'PLAIN',
  'GROUP_VAR_INT',
  'PLAIN_DICTIONARY',
  'RLE',
  'BIT_PACKED',
  'DELTA_BINARY_PACKED',
  'DELTA_LENGTH_BYTE_ARRAY',
  'DELTA_BYTE_ARRAY',
  'RLE_DICTIONARY',
  'BYTE_STREAM_SPLIT',
];
const bitWidth = (maxValue: number): number => 32 - Math.clz32(maxValue);

/**
 * `out.length` values of the RLE / bit-packed hybrid encoding from buf[pos, end): runs past the
 * count are cut off, a run past `end` is refused. Returns where the data ended.
 */
function readHybrid(
  buf: Uint8Array,
  pos: number,
  end: number,
  width: number,
  out: Uint8Array | Int32Array,
  at: string,
): number {
  if (width > 32) throw new BadParquet(`${at}: RLE bit width ${width}`);
  const byteWidth = (width + 7) >> 3;
  const mask = width >= 32 ? 0xffffffff : 2 ** width - 1;
  let filled = 0;
  while (filled < out.length) {
    if (pos >= end) throw new BadParquet(`${at}: RLE data holds ${filled} of ${out.length} values`);
    let header = 0;
    for (let scale = 1, i = 0; ; i++, scale *= 128) {
      if (pos >= end || i === 10) throw new BadParquet(`${at}: a damaged RLE run header`);
      const b = buf[pos++]!;
      header += (b & 0x7f) * scale;
      if (!(b & 0x80)) break;
    }
    const count = Math.floor(header / 2);
    if (header % 2 === 1) {
      // Bit-packed: count groups of 8 values, width bits each, least significant bit first.
      const nbytes = count * width;
      if (nbytes > end - pos) throw new BadParquet(`${at}: a bit-packed run of ${nbytes} bytes past the page's end`);
      const k = Math.min(count * 8, out.length - filled);
      for (let i = 0; i < k; i++) out[filled + i] = bitsAt(buf, pos, i * width, width, mask);
      filled += k;
      pos += nbytes;
    } else {
      if (byteWidth > end - pos) throw new BadParquet(`${at}: an RLE run past the page's end`);
      let value = 0;
      for (let i = 0; i < byteWidth; i++) value += buf[pos + i]! * 2 ** (8 * i);
      pos += byteWidth;
      const k = Math.min(count, out.length - filled);
      out.fill(value, filled, filled + k);
      filled += k;
    }
  }
  return pos;
}

function bitsAt(buf: Uint8Array, base: number, bit: number, width: number, mask: number): number {
  const p = base + (bit >> 3);
  const shift = bit & 7;
  if (width + shift <= 32) {
    // Past the run's last byte `buf[i]` is undefined (0) or a later byte that the mask drops.
    const word = (buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24)) >>> 0;
    const v = word >>> shift;
    // A 32-bit value needs no mask (and `& mask` would make it negative).
    return width === 32 ? v : v & mask;
  }
  let v = 0;
  for (let b = 0; b < width; b++) v += ((buf[base + ((bit + b) >> 3)]! >> ((bit + b) & 7)) & 1) * 2 ** b;
  return v;
}

/** Levels of a page, each checked against the column's maximum. */
export function levels(buf: Uint8Array, pos: number, end: number, n: number, max: number, at: string): Uint8Array {
  const out = new Uint8Array(n);
  if (max === 0) return out;
  readHybrid(buf, pos, end, bitWidth(max), out, at);
  for (let i = 0; i < n; i++) if (out[i]! > max) throw new BadParquet(`${at}: a level of ${out[i]}, above ${max}`);
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `count` PLAIN values of `type` from buf[pos, buf.length). */
export function plainValues(
  buf: Uint8Array,
  pos: number,
  type: PhysicalType,
  count: number,
  strings: TextCache,
  at: string,
): ColumnValues {
  const room = buf.length - pos;
  const need = (bytesEach: number): Uint8Array => {
    if (Math.ceil(count * bytesEach) > room)
      throw new BadParquet(
        `${at}: ${count} ${type} values need ${Math.ceil(count * bytesEach)} bytes, the page has ${room}`,
      );
    // A copy: aligned for the typed array, and independent of the file's buffer. (Not `slice`: on
    // a Node Buffer, as readFileSync returns, slice is a view into a shared pool.)
    return new Uint8Array(buf.subarray(pos, pos + Math.ceil(count * bytesEach)));
  };
  switch (type) {
    case 'BOOLEAN': {
      const packed = need(1 / 8);
      const out = new Uint8Array(count);
      for (let i = 0; i < count; i++) out[i] = (packed[i >> 3]! >> (i & 7)) & 1;
      return out;
    }
    case 'INT32':
      return new Int32Array(need(4).buffer);
    case 'FLOAT':
      return new Float32Array(need(4).buffer);
    case 'INT64':
      return new BigInt64Array(need(8).buffer);
    case 'DOUBLE':
      return new Float64Array(need(8).buffer);
    case 'BYTE_ARRAY': {
      // Each string has a 4-byte length: the count is checked against the page before the array is made.
      if (count * 4 > room)
        throw new BadParquet(`${at}: ${count} strings need at least ${count * 4} bytes, the page has ${room}`);
      const out = new Array<string>(count);
      const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      let p = pos;
      for (let i = 0; i < count; i++) {
        if (p + 4 > buf.length) throw new BadParquet(`${at}: string ${i}'s length lies past the page's end`);
        const n = view.getUint32(p, true);
        if (n > buf.length - p - 4) throw new BadParquet(`${at}: string ${i} of ${n} bytes runs past the page's end`);
        out[i] = strings.text(buf.subarray(p + 4, p + 4 + n), at);
        p += 4 + n;
      }
      return out;
    }
    default:
      throw new BadParquet(`${at}: ${type} values are not read (episode columns are numbers, booleans or text)`);
  }
}

/**
 * Text values of one column, decoded once per distinct id: a recording repeats each episode id on
 * every row of the episode, so a row whose bytes equal the previous row's reuses its string.
 */
export class TextCache {
  private readonly known = new Map<string, string>();
  private prevBytes: Uint8Array | null = null;
  private prevText = '';

  text(bytes: Uint8Array, at: string): string {
    const prev = this.prevBytes;
    if (prev && prev.length === bytes.length && prev.every((b, i) => b === bytes[i])) return this.prevText;
    let s: string;
    try {
      s = utf8.decode(bytes);
    } catch {
      throw new BadParquet(`${at}: a string that is not UTF-8`);
    }
    const interned = this.known.get(s);
    if (interned !== undefined) s = interned;
    else if (this.known.size < 1 << 16) this.known.set(s, s);
    this.prevBytes = bytes;
    this.prevText = s;
    return s;
  }
}

/** Dictionary indices resolved to values. */
function fromDictionary(dict: ColumnValues, indices: Int32Array, at: string): ColumnValues {
  for (const i of indices)
    if (i < 0 || i >= dict.length) throw new BadParquet(`${at}: dictionary index ${i} of ${dict.length} entries`);
  if (Array.isArray(dict)) return Array.from(indices, (i) => dict[i]!);
  const Ctor = dict.constructor as new (n: number) => Exclude<ColumnValues, string[]>;
  const out = new Ctor(indices.length);
  for (let j = 0; j < indices.length; j++) out[j] = dict[indices[j]!]!;
  return out;
}

/** The values part of a data page: `count` non-null values. */
export function pageValues(
  encoding: number,
  buf: Uint8Array,
  pos: number,
  leaf: LeafColumn,
  count: number,
  dict: ColumnValues | null,
  strings: TextCache,
  at: string,
): ColumnValues {
  switch (encoding) {
    case ENCODING.PLAIN:
      return plainValues(buf, pos, leaf.type, count, strings, at);
    case ENCODING.PLAIN_DICTIONARY:
    case ENCODING.RLE_DICTIONARY: {
      if (!dict) throw new BadParquet(`${at}: dictionary-encoded values without a dictionary page`);
      if (pos >= buf.length && count > 0) throw new BadParquet(`${at}: no dictionary index width`);
      const indices = new Int32Array(count);
      if (count > 0) readHybrid(buf, pos + 1, buf.length, buf[pos]!, indices, at);
      return fromDictionary(dict, indices, at);
    }
    case ENCODING.RLE: {
      if (leaf.type !== 'BOOLEAN') throw new BadParquet(`${at}: RLE values of type ${leaf.type}`);
      const out = new Uint8Array(count);
      if (count > 0) {
        if (pos + 4 > buf.length) throw new BadParquet(`${at}: RLE values without their length`);
        const length = new DataView(buf.buffer, buf.byteOffset + pos, 4).getUint32(0, true);
        readHybrid(buf, pos + 4, Math.min(buf.length, pos + 4 + length), 1, out, at);
      }
      return out;
    }
    default:
      throw new BadParquet(
        `${at}: ${ENCODING_NAMES[encoding] ?? `encoding ${encoding}`} is not read ` +
          "(PLAIN, dictionary and RLE are: pyarrow's defaults)",
      );
  }
}

export function concatValues(parts: ColumnValues[], type: PhysicalType): ColumnValues {
  if (parts.length === 1) return parts[0]!;
  if (type === 'BYTE_ARRAY') {
    const out: string[] = [];
    for (const p of parts as string[][]) for (const x of p) out.push(x);
    return out;
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const Ctor = (parts[0]?.constructor ?? Uint8Array) as new (n: number) => Exclude<ColumnValues, string[]>;
  const out = new Ctor(total);
  let offset = 0;
  for (const p of parts) {
    (out as Float64Array).set(p as Float64Array, offset);
    offset += p.length;
  }
  return out;
}

export const EMPTY: Record<PhysicalType, () => ColumnValues> = {
  BOOLEAN: () => new Uint8Array(0),
  INT32: () => new Int32Array(0),
  INT64: () => new BigInt64Array(0),
  INT96: () => [],
  FLOAT: () => new Float32Array(0),
  DOUBLE: () => new Float64Array(0),
  BYTE_ARRAY: () => [],
  FIXED_LEN_BYTE_ARRAY: () => [],
};
