/**
 * A column's pages, decoded into typed arrays: the subset of Parquet that the trainer and pyarrow
 * write (data pages v1 and v2; PLAIN, dictionary and RLE encodings; no compression or SNAPPY;
 * primitive columns and one level of LIST). Every page header is read and checked against its
 * column chunk before anything is allocated (the values it claims sum to what the footer says,
 * its bytes lie inside the chunk, its decompressed size is one SNAPPY can produce), and every
 * read inside a page is bounds-checked, so a damaged page fails with a message instead of a
 * RangeError, a hang or an allocation the size of a lie.
 */
import { snappyUncompress } from 'hyparquet';
import {
  MAX_PAGE_BYTES,
  type ColumnChunk,
  type LeafColumn,
  type ParquetFooter,
  type PhysicalType,
} from './parquet-footer';
import { BadParquet, intField, readThriftStruct, structField, type ThriftStruct } from './thrift-compact';

export type ColumnValues = Uint8Array | Int32Array | BigInt64Array | Float32Array | Float64Array | string[];

/** A row holds a null (flat column) or a null list. */
export const ROW_NULL = 1;
/** A list row holds a null element. */
export const ROW_NULL_ELEMENT = 2;

export interface DecodedColumn {
  readonly leaf: LeafColumn;
  readonly numRows: number;
  /** The non-null values in row order (BOOLEAN as 0/1, BYTE_ARRAY as UTF-8 text). */
  readonly values: ColumnValues;
  /** Row i holds values[rowStart[i] .. rowStart[i + 1]): one for a flat column, the list for a LIST. */
  readonly rowStart: Int32Array;
  /** 0, ROW_NULL or ROW_NULL_ELEMENT per row. */
  readonly rowState: Uint8Array;
}

const PAGE = { DATA: 0, INDEX: 1, DICTIONARY: 2, DATA_V2: 3 } as const;
const ENCODING = { PLAIN: 0, PLAIN_DICTIONARY: 2, RLE: 3, RLE_DICTIONARY: 8 } as const;
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
/** SNAPPY's largest expansion: a 3-byte copy element writes 64 bytes (google/snappy format_description.txt). */
const SNAPPY_MAX_RATIO = 22;
/** Bytes one PLAIN value takes at least, by physical type (BOOLEAN: one bit). */
const MIN_PLAIN_BYTES: Record<PhysicalType, number> = {
  BOOLEAN: 1 / 8,
  INT32: 4,
  INT64: 8,
  INT96: 12,
  FLOAT: 4,
  DOUBLE: 8,
  BYTE_ARRAY: 4,
  FIXED_LEN_BYTE_ARRAY: 1,
};

interface PageInfo {
  readonly type: number;
  readonly numValues: number;
  readonly encoding: number;
  /** The page's bytes after its header. */
  readonly body: Uint8Array;
  /** Size after decompression (of the values part, for v2). */
  readonly uncompressedSize: number;
  /** v2 only: level bytes (never compressed) and whether the values part is compressed. */
  readonly repLength: number;
  readonly defLength: number;
  readonly compressed: boolean;
}

/** Page headers of one column chunk, checked; nothing is decoded or allocated yet. */
function scanPages(bytes: Uint8Array, chunk: ColumnChunk, what: string): PageInfo[] {
  const pages: PageInfo[] = [];
  let pos = chunk.start;
  let seen = 0;
  while (seen < chunk.numValues || (pages.length === 0 && pos < chunk.end)) {
    if (pos >= chunk.end)
      throw new BadParquet(`${what}: its pages hold ${seen} values, the footer says ${chunk.numValues}`);
    const header = readThriftStruct(bytes, pos, chunk.end);
    const at = `${what}, page at byte ${pos}`;
    const h = header.value;
    const type = intField(h, 1, at, 0, 3);
    const size = intField(h, 3, at, 0, chunk.end - header.end);
    const body = bytes.subarray(header.end, header.end + size);
    pos = header.end + size;
    if (type === PAGE.INDEX) continue;
    if (type === PAGE.DICTIONARY) {
      if (pages.length > 0) throw new BadParquet(`${at}: a dictionary page after the first page`);
      const d = requiredStruct(h, 7, at);
      const n = intField(d, 1, at, 0, Number.MAX_SAFE_INTEGER);
      pages.push(page(type, n, ENCODING.PLAIN, body, uncompressedSize(h, chunk, size, 0, at), 0, 0, true));
      continue;
    }
    const v2 = type === PAGE.DATA_V2;
    const d = requiredStruct(h, v2 ? 8 : 5, at);
    const n = intField(d, 1, at, 0, chunk.numValues - seen);
    const encoding = intField(d, v2 ? 4 : 2, at, 0, 2 ** 31 - 1);
    const defLength = v2 ? intField(d, 5, at, 0, size) : 0;
    const repLength = v2 ? intField(d, 6, at, 0, size - defLength) : 0;
    const compressed = !v2 || d.get(7) !== false;
    const info = page(
      type,
      n,
      encoding,
      body,
      uncompressedSize(h, chunk, size, repLength + defLength, at),
      repLength,
      defLength,
      compressed,
    );
    // A flat required PLAIN column has nothing but its values: they must fit the page.
    const valueBytes = chunk.codec === 'SNAPPY' && compressed ? info.uncompressedSize : size - repLength - defLength;
    if (encoding === ENCODING.PLAIN && chunk.leaf.maxDef === 0 && n * MIN_PLAIN_BYTES[chunk.leaf.type] > valueBytes)
      throw new BadParquet(`${at}: ${n} ${chunk.leaf.type} values do not fit in ${valueBytes} bytes`);
    pages.push(info);
    seen += n;
  }
  return pages;
}

function page(
  type: number,
  numValues: number,
  encoding: number,
  body: Uint8Array,
  uncompressedSize: number,
  repLength: number,
  defLength: number,
  compressed: boolean,
): PageInfo {
  return { type, numValues, encoding, body, uncompressedSize, repLength, defLength, compressed };
}

function requiredStruct(s: ThriftStruct, id: number, what: string): ThriftStruct {
  const v = structField(s, id, what);
  if (!v) throw new BadParquet(`${what}: its header has no field ${id}`);
  return v;
}

/** The decompressed size a header claims, if SNAPPY can produce it from the page's bytes. */
function uncompressedSize(h: ThriftStruct, chunk: ColumnChunk, size: number, levelBytes: number, at: string): number {
  const claimed = intField(h, 2, at, levelBytes, MAX_PAGE_BYTES + levelBytes) - levelBytes;
  if (chunk.codec === 'SNAPPY' && claimed > SNAPPY_MAX_RATIO * (size - levelBytes) + 64)
    throw new BadParquet(`${at}: ${size} compressed bytes cannot hold ${claimed} bytes`);
  return claimed;
}

function decompress(page: PageInfo, codec: ColumnChunk['codec'], from: number, at: string): Uint8Array {
  const input = page.body.subarray(from);
  if (codec === 'UNCOMPRESSED' || !page.compressed) return input;
  const out = new Uint8Array(page.uncompressedSize);
  try {
    snappyUncompress(input, out);
  } catch (e) {
    throw new BadParquet(`${at}: damaged SNAPPY data (${e instanceof Error ? e.message : String(e)})`);
  }
  return out;
}

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
    return width + shift === 32 && shift === 0 ? word & mask : (word >>> shift) & mask;
  }
  let v = 0;
  for (let b = 0; b < width; b++) v += ((buf[base + ((bit + b) >> 3)]! >> ((bit + b) & 7)) & 1) * 2 ** b;
  return v;
}

/** Levels of a page, each checked against the column's maximum. */
function levels(buf: Uint8Array, pos: number, end: number, n: number, max: number, at: string): Uint8Array {
  const out = new Uint8Array(n);
  if (max === 0) return out;
  readHybrid(buf, pos, end, bitWidth(max), out, at);
  for (let i = 0; i < n; i++) if (out[i]! > max) throw new BadParquet(`${at}: a level of ${out[i]}, above ${max}`);
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `count` PLAIN values of `type` from buf[pos, buf.length). */
function plainValues(
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
    // A copy: aligned for the typed array, and independent of the file's buffer.
    return buf.slice(pos, pos + Math.ceil(count * bytesEach));
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
class TextCache {
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
function pageValues(
  page: PageInfo,
  buf: Uint8Array,
  pos: number,
  leaf: LeafColumn,
  count: number,
  dict: ColumnValues | null,
  strings: TextCache,
  at: string,
): ColumnValues {
  switch (page.encoding) {
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
        `${at}: ${ENCODING_NAMES[page.encoding] ?? `encoding ${page.encoding}`} is not read ` +
          "(PLAIN, dictionary and RLE are: pyarrow's defaults)",
      );
  }
}

/** Grows the row index of a column over its pages' levels. */
class RowAssembler {
  readonly rowStart: Int32Array;
  readonly rowState: Uint8Array;
  private row = -1;
  private value = 0;
  private open = false;

  constructor(
    readonly leaf: LeafColumn,
    readonly numRows: number,
  ) {
    this.rowStart = new Int32Array(numRows + 1);
    this.rowState = new Uint8Array(numRows);
  }

  add(defs: Uint8Array, reps: Uint8Array, n: number, at: string): void {
    const { maxDef, maxRep, repDef } = this.leaf;
    for (let i = 0; i < n; i++) {
      const d = maxDef ? defs[i]! : 0;
      if (maxRep === 0 || reps[i] === 0) {
        if (++this.row >= this.numRows) throw new BadParquet(`${at}: more rows than the footer's ${this.numRows}`);
        this.rowStart[this.row] = this.value;
        this.open = maxRep > 0 && d >= repDef;
        if (maxRep === 0 ? d < maxDef : d < repDef - 1) this.rowState[this.row] = ROW_NULL;
        if (maxRep > 0 && d < repDef) continue;
      } else if (!this.open) throw new BadParquet(`${at}: a list continues where no list is open`);
      if (d === maxDef) this.value++;
      else if (maxRep > 0) this.rowState[this.row] = ROW_NULL_ELEMENT;
    }
  }

  finish(at: string): void {
    if (this.row + 1 !== this.numRows)
      throw new BadParquet(`${at}: ${this.row + 1} rows, the footer says ${this.numRows}`);
    this.rowStart[this.numRows] = this.value;
  }
}

function concatValues(parts: ColumnValues[], type: PhysicalType): ColumnValues {
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

const EMPTY: Record<PhysicalType, () => ColumnValues> = {
  BOOLEAN: () => new Uint8Array(0),
  INT32: () => new Int32Array(0),
  INT64: () => new BigInt64Array(0),
  INT96: () => [],
  FLOAT: () => new Float32Array(0),
  DOUBLE: () => new Float64Array(0),
  BYTE_ARRAY: () => [],
  FIXED_LEN_BYTE_ARRAY: () => [],
};

/** The leaf's column over every row group. Throws BadParquet naming the column and the page. */
export function readColumn(bytes: Uint8Array, footer: ParquetFooter, leaf: LeafColumn): DecodedColumn {
  const li = footer.leaves.indexOf(leaf);
  const what = `column '${leaf.name}'`;
  if (leaf.maxRep > 1)
    throw new BadParquet(`${what} is a list of lists; episode columns are numbers or lists of numbers`);
  // Every page header first: nothing is allocated for a column whose pages disagree with the footer.
  const plans = footer.rowGroups.map((g, gi) => ({
    chunk: g.columns[li]!,
    pages: scanPages(bytes, g.columns[li]!, `row group ${gi}, ${what}`),
  }));
  const rows = new RowAssembler(leaf, footer.numRows);
  const parts: ColumnValues[] = [];
  const strings = new TextCache();
  plans.forEach(({ chunk, pages }, gi) => {
    let dict: ColumnValues | null = null;
    for (const p of pages) {
      const at = `row group ${gi}, ${what}`;
      if (p.type === PAGE.DICTIONARY) {
        dict = plainValues(decompress(p, chunk.codec, 0, at), 0, leaf.type, p.numValues, strings, at);
        continue;
      }
      let buf: Uint8Array;
      let pos: number;
      let reps: Uint8Array;
      let defs: Uint8Array;
      if (p.type === PAGE.DATA_V2) {
        reps = levels(p.body, 0, p.repLength, p.numValues, leaf.maxRep, at);
        defs = levels(p.body, p.repLength, p.repLength + p.defLength, p.numValues, leaf.maxDef, at);
        buf = decompress(p, chunk.codec, p.repLength + p.defLength, at);
        pos = 0;
      } else {
        buf = decompress(p, chunk.codec, 0, at);
        pos = 0;
        const prefixed = (max: number): Uint8Array => {
          if (max === 0) return new Uint8Array(p.numValues);
          if (pos + 4 > buf.length) throw new BadParquet(`${at}: levels without their length`);
          const length = new DataView(buf.buffer, buf.byteOffset + pos, 4).getUint32(0, true);
          if (length > buf.length - pos - 4) throw new BadParquet(`${at}: levels run past the page's end`);
          const out = levels(buf, pos + 4, pos + 4 + length, p.numValues, max, at);
          pos += 4 + length;
          return out;
        };
        reps = prefixed(leaf.maxRep);
        defs = prefixed(leaf.maxDef);
      }
      let present = p.numValues;
      if (leaf.maxDef > 0) {
        present = 0;
        for (let i = 0; i < p.numValues; i++) if (defs[i] === leaf.maxDef) present++;
      }
      parts.push(pageValues(p, buf, pos, leaf, present, dict, strings, at));
      rows.add(defs, reps, p.numValues, at);
    }
  });
  rows.finish(what);
  const values = parts.length ? concatValues(parts, leaf.type) : EMPTY[leaf.type]();
  return { leaf, numRows: footer.numRows, values, rowStart: rows.rowStart, rowState: rows.rowState };
}
