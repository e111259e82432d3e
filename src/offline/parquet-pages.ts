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
import {
  concatValues,
  EMPTY,
  ENCODING,
  levels,
  pageValues,
  plainValues,
  TextCache,
  type ColumnValues,
} from './parquet-values';
import { BadParquet, intField, readThriftStruct, structField, type ThriftStruct } from './thrift-compact';

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
  while (seen < chunk.numValues) {
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
      const uncompressed = uncompressedSize(h, chunk, size, 0, at);
      pages.push({
        type,
        numValues: n,
        encoding: ENCODING.PLAIN,
        body,
        uncompressedSize: uncompressed,
        repLength: 0,
        defLength: 0,
        compressed: true,
      });
      continue;
    }
    const v2 = type === PAGE.DATA_V2;
    const d = requiredStruct(h, v2 ? 8 : 5, at);
    const n = intField(d, 1, at, 0, chunk.numValues - seen);
    const encoding = intField(d, v2 ? 4 : 2, at, 0, 2 ** 31 - 1);
    const defLength = v2 ? intField(d, 5, at, 0, size) : 0;
    const repLength = v2 ? intField(d, 6, at, 0, size - defLength) : 0;
    const compressed = !v2 || d.get(7) !== false;
    const info: PageInfo = {
      type,
      numValues: n,
      encoding,
      body,
      uncompressedSize: uncompressedSize(h, chunk, size, repLength + defLength, at),
      repLength,
      defLength,
      compressed,
    };
    // A flat required PLAIN column has nothing but its values: they must fit the page.
    const valueBytes = chunk.codec === 'SNAPPY' && compressed ? info.uncompressedSize : size - repLength - defLength;
    if (encoding === ENCODING.PLAIN && chunk.leaf.maxDef === 0 && n * MIN_PLAIN_BYTES[chunk.leaf.type] > valueBytes)
      throw new BadParquet(`${at}: ${n} ${chunk.leaf.type} values do not fit in ${valueBytes} bytes`);
    pages.push(info);
    seen += n;
  }
  return pages;
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
      parts.push(pageValues(p.encoding, buf, pos, leaf, present, dict, strings, at));
      rows.add(defs, reps, p.numValues, at);
    }
  });
  rows.finish(what);
  const values = parts.length ? concatValues(parts, leaf.type) : EMPTY[leaf.type]();
  return { leaf, numRows: footer.numRows, values, rowStart: rows.rowStart, rowState: rows.rowState };
}
