/**
 * A Parquet file's footer (parquet-format's FileMetaData), checked against the file before
 * anything is read or allocated: the row counts add up and stay under the per-file limit, every
 * column chunk lies inside the file's data, its value count fits its rows, its codec is one we
 * decode. What comes out is what the page reader (parquet-pages.ts) can trust.
 */
import {
  BadParquet,
  bytesField,
  intField,
  listField,
  readThriftStruct,
  structField,
  text,
  type ThriftStruct,
} from './thrift-compact';

/**
 * Rows one file may hold. The trainer keeps a whole recording in memory as typed arrays plus two
 * id references per row, ~70 bytes a row for CartPole: 2^24 rows are ~1.2 GB, about what a
 * browser tab can hold, and 1.7x the 10M steps a recording may have. Bigger data sets go in
 * several files (input_ is a list), as RLlib's recordings are split into many Parquet files.
 */
export const MAX_ROWS_PER_FILE = 2 ** 24;
/** Values one column may hold over all its row groups (a row of obs holds obs_dim): 2^27 float32 are 512 MB. */
export const MAX_VALUES_PER_COLUMN = 2 ** 27;
/**
 * Bytes of one page once decompressed. Writers cut pages at ~1 MB (pyarrow's and hyparquet's
 * default); a page that claims more than this is damaged.
 */
export const MAX_PAGE_BYTES = 2 ** 28;
/** Schema nesting: episode columns are primitives or one LIST (3 levels); deeper is not ours. */
const MAX_SCHEMA_DEPTH = 16;

export const PHYSICAL_TYPES = [
  'BOOLEAN',
  'INT32',
  'INT64',
  'INT96',
  'FLOAT',
  'DOUBLE',
  'BYTE_ARRAY',
  'FIXED_LEN_BYTE_ARRAY',
] as const;
export type PhysicalType = (typeof PHYSICAL_TYPES)[number];
const CODECS = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'LZO', 'BROTLI', 'LZ4', 'ZSTD', 'LZ4_RAW'] as const;
export type Codec = 'UNCOMPRESSED' | 'SNAPPY';
const REQUIRED = 0;
const REPEATED = 2;

/** A primitive column of the schema, with its Dremel levels. */
export interface LeafColumn {
  /** The top-level field it belongs to (`obs` for obs.list.element). */
  readonly name: string;
  readonly path: readonly string[];
  readonly type: PhysicalType;
  readonly typeLength: number;
  readonly maxDef: number;
  readonly maxRep: number;
  /** The definition level at which the repeated ancestor holds an element (0: none). */
  readonly repDef: number;
}

export interface ColumnChunk {
  readonly leaf: LeafColumn;
  readonly codec: Codec;
  readonly numValues: number;
  /** The chunk's bytes: its first page header to its last page's end. */
  readonly start: number;
  readonly end: number;
}

export interface RowGroup {
  readonly numRows: number;
  /** Index of its first row in the file. */
  readonly firstRow: number;
  /** One per leaf, in schema order. */
  readonly columns: readonly ColumnChunk[];
}

export interface ParquetFooter {
  readonly numRows: number;
  readonly leaves: readonly LeafColumn[];
  readonly rowGroups: readonly RowGroup[];
  readonly kv: ReadonlyMap<string, string>;
}

const MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"
const fmt = (n: number): string => n.toLocaleString('en-US');

/** Leaves of the flattened schema (SchemaElement: 1 type, 2 type_length, 3 repetition, 4 name, 5 num_children). */
function leafColumns(schema: readonly ThriftStruct[]): LeafColumn[] {
  if (schema.length === 0) throw new BadParquet('the schema is empty');
  const leaves: LeafColumn[] = [];
  let next = 1;
  const walk = (path: readonly string[], maxDef: number, maxRep: number, repDef: number): void => {
    const i = next++;
    const el = schema[i];
    if (!el) throw new BadParquet('the schema names more children than it has elements');
    if (path.length >= MAX_SCHEMA_DEPTH)
      throw new BadParquet(`the schema is nested more than ${MAX_SCHEMA_DEPTH} deep`);
    const what = `schema element ${i}`;
    const rep = intField(el, 3, what, 0, 2, REQUIRED);
    const def = maxDef + (rep === REQUIRED ? 0 : 1);
    const repeated = rep === REPEATED;
    const here = [...path, text(bytesField(el, 4, what), `${what}'s name`)];
    const children = intField(el, 5, what, 0, schema.length - next, 0);
    if (children === 0) {
      leaves.push({
        name: here[0]!,
        path: here,
        type: PHYSICAL_TYPES[intField(el, 1, `${what} (${here.join('.')})`, 0, 7)]!,
        typeLength: intField(el, 2, what, 0, 2 ** 31 - 1, 0),
        maxDef: def,
        maxRep: maxRep + (repeated ? 1 : 0),
        repDef: repeated ? def : repDef,
      });
    }
    for (let c = 0; c < children; c++) walk(here, def, maxRep + (repeated ? 1 : 0), repeated ? def : repDef);
  };
  const rootChildren = intField(schema[0]!, 5, "the schema's root", 0, schema.length - 1, 0);
  for (let c = 0; c < rootChildren; c++) walk([], 0, 0, 0);
  if (next !== schema.length) throw new BadParquet(`the schema has ${schema.length - next} elements outside its tree`);
  return leaves;
}

/**
 * A column chunk (ColumnChunk: 1 file_path, 3 meta_data; ColumnMetaData: 1 type, 3 path, 4 codec,
 * 5 num_values, 7 total_compressed_size, 9 data_page_offset, 11 dictionary_page_offset).
 */
function columnChunk(
  chunk: ThriftStruct,
  leaf: LeafColumn,
  groupRows: number,
  dataEnd: number,
  what: string,
): ColumnChunk {
  if (chunk.has(1))
    throw new BadParquet(`${what}: its data is in another file (file_path); only single-file Parquet is read`);
  const meta = structField(chunk, 3, what);
  if (!meta) throw new BadParquet(`${what} has no metadata`);
  const type = PHYSICAL_TYPES[intField(meta, 1, what, 0, 7)]!;
  if (type !== leaf.type) throw new BadParquet(`${what} holds ${type} values, its schema says ${leaf.type}`);
  const codec = CODECS[intField(meta, 4, what, 0, 2 ** 31 - 1)] ?? 'an unknown codec';
  if (codec !== 'UNCOMPRESSED' && codec !== 'SNAPPY')
    throw new BadParquet(`${what} is compressed with ${codec}; write the file with SNAPPY or no compression`);
  const numValues = intField(meta, 5, what, 0, Number.MAX_SAFE_INTEGER);
  // One level (a value, a null or an empty list) per row at least; exactly one for a flat column.
  if (leaf.maxRep === 0 ? numValues !== groupRows : numValues < groupRows)
    throw new BadParquet(`${what} holds ${numValues} values for ${groupRows} rows`);
  const size = intField(meta, 7, what, 0, Number.MAX_SAFE_INTEGER);
  const dataOffset = intField(meta, 9, what, 0, Number.MAX_SAFE_INTEGER);
  const dictOffset = intField(meta, 11, what, 0, Number.MAX_SAFE_INTEGER, 0);
  // Some writers put 0 for "no dictionary page"; a dictionary page comes before the data pages.
  const start = dictOffset > 0 ? Math.min(dictOffset, dataOffset) : dataOffset;
  if (start < MAGIC.length || start + size > dataEnd)
    throw new BadParquet(`${what}: its bytes ${start}..${start + size} lie outside the file's data (4..${dataEnd})`);
  return { leaf, codec, numValues, start, end: start + size };
}

/** The footer of `bytes`, checked against the file (throws BadParquet). */
export function readParquetFooter(bytes: Uint8Array): ParquetFooter {
  const n = bytes.length;
  if (n < 12 || MAGIC.some((b, i) => bytes[i] !== b || bytes[n - 4 + i] !== b))
    throw new BadParquet(`not a readable Parquet file (${n} bytes, without PAR1 at both ends)`);
  const footerLength = new DataView(bytes.buffer, bytes.byteOffset + n - 8, 4).getUint32(0, true);
  const dataEnd = n - 8 - footerLength;
  if (dataEnd < MAGIC.length) throw new BadParquet(`the footer claims ${footerLength} bytes, the file has ${n - 12}`);
  // FileMetaData: 2 schema, 3 num_rows, 4 row_groups, 5 key_value_metadata.
  const meta = readThriftStruct(bytes, dataEnd, n - 8).value;
  const schema = listField(meta, 2, 'the footer').map((el, i) => {
    if (!(el instanceof Map)) throw new BadParquet(`schema element ${i} is not a struct`);
    return el;
  });
  const leaves = leafColumns(schema);
  const numRows = intField(meta, 3, 'the footer', -Infinity, Infinity);
  if (!Number.isSafeInteger(numRows) || numRows < 0)
    throw new BadParquet(`the footer claims ${numRows} rows, not a row count`);
  if (numRows > MAX_ROWS_PER_FILE)
    throw new BadParquet(
      `the footer claims ${numRows} rows, more than the limit of ${fmt(MAX_ROWS_PER_FILE)} rows per file ` +
        `(a recording is held in memory whole); split the data into several files`,
    );
  const rowGroups: RowGroup[] = [];
  const valuesPerLeaf = new Array<number>(leaves.length).fill(0);
  let firstRow = 0;
  listField(meta, 4, 'the footer', []).forEach((g, gi) => {
    const what = `row group ${gi}`;
    if (!(g instanceof Map)) throw new BadParquet(`${what} is not a struct`);
    const groupRows = intField(g, 3, what, 0, numRows - firstRow);
    const chunks = listField(g, 1, what);
    if (chunks.length !== leaves.length)
      throw new BadParquet(`${what} has ${chunks.length} column chunks, the schema ${leaves.length} columns`);
    const columns = leaves.map((leaf, li) => {
      const c = chunks[li];
      const cwhat = `${what}, column '${leaf.name}'`;
      if (!(c instanceof Map)) throw new BadParquet(`${cwhat} is not a struct`);
      const chunk = columnChunk(c, leaf, groupRows, dataEnd, cwhat);
      valuesPerLeaf[li]! += chunk.numValues;
      if (valuesPerLeaf[li]! > MAX_VALUES_PER_COLUMN)
        throw new BadParquet(
          `column '${leaf.name}' holds more than the limit of ${fmt(MAX_VALUES_PER_COLUMN)} values per file`,
        );
      return chunk;
    });
    rowGroups.push({ numRows: groupRows, firstRow, columns });
    firstRow += groupRows;
  });
  if (firstRow !== numRows) throw new BadParquet(`the footer claims ${numRows} rows, its row groups hold ${firstRow}`);
  const kv = new Map<string, string>();
  listField(meta, 5, 'the footer', []).forEach((e, i) => {
    const what = `key-value metadata entry ${i}`;
    if (!(e instanceof Map)) throw new BadParquet(`${what} is not a struct`);
    kv.set(text(bytesField(e, 1, what), what), text(bytesField(e, 2, what, new Uint8Array()), what));
  });
  return { numRows, leaves, rowGroups, kv };
}
