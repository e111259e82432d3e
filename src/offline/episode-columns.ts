/**
 * One validator for every column of an episode file: each value is checked against what its
 * column holds (a float32, a whole number in a range, a flag, a text id) before it is converted,
 * so 1e300 never becomes Infinity, 2^31 never wraps to -2^31, 2^32 never becomes 0 and the string
 * "false" never counts as true. A problem names the row and the column; the caller names the file.
 */
import type { PhysicalType } from './parquet-footer';
import { ROW_NULL, ROW_NULL_ELEMENT, type DecodedColumn } from './parquet-pages';
import type { ColumnValues } from './parquet-values';

/** The largest finite float32. */
export const FLOAT32_MAX = 3.4028234663852886e38;
export const INT32_MAX = 2 ** 31 - 1;

/** What a column must hold, and what it becomes. */
export type ColumnRule =
  /** float32 numbers: one per row (width null) or `width` per row (a LIST column). */
  | { readonly to: 'f32'; readonly width: number | null }
  /** Whole numbers in [min, max], as int32; `what` says what they are, for the message. */
  | { readonly to: 'i32'; readonly min: number; readonly max: number; readonly what: string }
  /** Booleans (or 0/1), as 0/1. */
  | { readonly to: 'flag' }
  /** Text (or whole numbers, written as text); null rows become `nullAs`, or are a problem without it. */
  | { readonly to: 'text'; readonly nullAs?: string };

const ACCEPTS: Record<ColumnRule['to'], readonly PhysicalType[]> = {
  f32: ['FLOAT', 'DOUBLE', 'INT32', 'INT64'],
  i32: ['INT32', 'INT64', 'FLOAT', 'DOUBLE'],
  flag: ['BOOLEAN', 'INT32', 'INT64'],
  text: ['BYTE_ARRAY', 'INT32', 'INT64'],
};
const EXPECTED: Record<ColumnRule['to'], string> = {
  f32: 'numbers (FLOAT or DOUBLE)',
  i32: 'whole numbers (INT32 or INT64)',
  flag: 'BOOLEAN (true/false)',
  text: 'text (a UTF-8 BYTE_ARRAY)',
};

/** Problems of one file, every one counted, the first `maxListed` kept for the message. */
export class Problems {
  private readonly listed: string[] = [];
  private unlisted = 0;

  constructor(private readonly maxListed = 10) {}

  add(message: string): void {
    if (this.listed.length < this.maxListed) this.listed.push(message);
    else this.unlisted++;
  }

  at(row: number, column: string, message: string): void {
    this.add(`row ${row}, column '${column}': ${message}`);
  }

  get count(): number {
    return this.listed.length + this.unlisted;
  }

  lines(): string[] {
    return this.unlisted ? [...this.listed, `... and ${this.unlisted} more`] : [...this.listed];
  }
}

/** Why a column of this type and shape cannot hold what `rule` asks, or null. */
export function shapeProblem(name: string, type: PhysicalType, isList: boolean, rule: ColumnRule): string | null {
  const wantsList = rule.to === 'f32' && rule.width !== null;
  if (!ACCEPTS[rule.to].includes(type))
    return `column '${name}' holds ${type} values; it must hold ${EXPECTED[rule.to]}${wantsList ? ' in a LIST per row' : ''}`;
  if (isList !== wantsList)
    return wantsList
      ? `column '${name}' holds one value per row; it must hold a LIST of ${rule.width} numbers per row`
      : `column '${name}' holds a LIST per row; it must hold one value per row`;
  return null;
}

const show = (v: number | bigint | string): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/** Whether every row is whole (not null, `width` values); each row that is not goes to `problems`. */
function wholeRows(col: DecodedColumn, width: number, nullOk: boolean, problems: Problems): boolean {
  const name = col.leaf.name;
  const before = problems.count;
  for (let i = 0; i < col.numRows; i++) {
    const state = col.rowState[i]!;
    if (state === ROW_NULL) {
      if (!nullOk) problems.at(i, name, 'is null');
      continue;
    }
    if (state === ROW_NULL_ELEMENT) problems.at(i, name, 'holds a null');
    else if (col.rowStart[i + 1]! - col.rowStart[i]! !== width)
      problems.at(i, name, `holds ${col.rowStart[i + 1]! - col.rowStart[i]!} numbers, not ${width}`);
  }
  return problems.count === before;
}

function floats(col: DecodedColumn, width: number, problems: Problems): Float32Array {
  const out = new Float32Array(col.numRows * width);
  if (!wholeRows(col, width, false, problems)) return out;
  const v = col.values as Exclude<ColumnValues, string[] | Uint8Array>;
  for (let j = 0; j < v.length; j++) {
    const x = Number(v[j]!);
    // Checked before the cast: a float64 beyond float32's range would become Infinity.
    if (Number.isFinite(x) && Math.abs(x) <= FLOAT32_MAX) out[j] = x;
    else problems.at(Math.floor(j / width), col.leaf.name, `${show(v[j]!)} is not a finite float32 (|x| <= 3.4e38)`);
  }
  return out;
}

function ints(col: DecodedColumn, rule: Extract<ColumnRule, { to: 'i32' }>, problems: Problems): Int32Array {
  const out = new Int32Array(col.numRows);
  if (!wholeRows(col, 1, false, problems)) return out;
  const v = col.values as Exclude<ColumnValues, string[] | Uint8Array>;
  const lo = BigInt(rule.min);
  const hi = BigInt(rule.max);
  for (let j = 0; j < v.length; j++) {
    const x = v[j]!;
    // Compared exactly (bigint for INT64) before the cast: Int32Array would wrap 2^31 and 2^32.
    const fits = typeof x === 'bigint' ? x >= lo && x <= hi : Number.isInteger(x) && x >= rule.min && x <= rule.max;
    if (fits) out[j] = Number(x);
    else
      problems.at(j, col.leaf.name, `${show(x)} is not ${rule.what} (a whole number from ${rule.min} to ${rule.max})`);
  }
  return out;
}

function flags(col: DecodedColumn, problems: Problems): Uint8Array {
  const out = new Uint8Array(col.numRows);
  if (!wholeRows(col, 1, false, problems)) return out;
  const v = col.values as Exclude<ColumnValues, string[]>;
  for (let j = 0; j < v.length; j++) {
    const x = v[j]!;
    if (x === 0 || x === 1 || x === 0n || x === 1n) out[j] = Number(x);
    else problems.at(j, col.leaf.name, `${show(x)} is not a flag (true/false, or 0/1)`);
  }
  return out;
}

function texts(col: DecodedColumn, nullAs: string | undefined, problems: Problems): string[] {
  const out = new Array<string>(col.numRows);
  const v = col.values;
  for (let i = 0; i < col.numRows; i++) {
    if (col.rowState[i] === ROW_NULL) {
      if (nullAs === undefined) problems.at(i, col.leaf.name, 'is null');
      out[i] = nullAs ?? '';
    } else out[i] = String(v[col.rowStart[i]!]!);
  }
  return out;
}

/** A converted column: float32, int32, 0/1 flags or text. */
export type ConvertedColumn = Float32Array | Int32Array | Uint8Array | string[];

/** The column converted by `rule`; each value that does not fit goes to `problems` with its row. */
export function convertColumn(col: DecodedColumn, rule: ColumnRule, problems: Problems): ConvertedColumn {
  switch (rule.to) {
    case 'f32':
      return floats(col, rule.width ?? 1, problems);
    case 'i32':
      return ints(col, rule, problems);
    case 'flag':
      return flags(col, problems);
    case 'text':
      return texts(col, rule.nullAs, problems);
  }
}
