/**
 * The safetensors file format (huggingface/safetensors, the format PyTorch and RLlib users pass
 * weights around in), written and read here without a dependency: 8 bytes of little-endian u64
 * header length N, N bytes of JSON header, then the raw little-endian tensor bytes. The header maps
 * each tensor name to `{ dtype, shape, data_offsets: [begin, end] }` (offsets into the data part)
 * and may hold `__metadata__`, a string -> string map.
 *
 * Only float32 tensors are written and accepted: every module here is float32, and a file from
 * torch in another dtype is refused with the one-line fix (`.float()` before saving).
 * No TF.js and no DOM: the CLI reads files with it in Node, the page reads uploads.
 */
import { RLError } from '../core/errors';
import { jsonTextDepth, MAX_JSON_DEPTH } from '../core/json-depth';

/** One float32 tensor: row-major values and the shape they fill. */
export interface NamedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface SafetensorsFile {
  /** In file order (the order of their data offsets). */
  readonly tensors: readonly NamedTensor[];
  readonly metadata: Readonly<Record<string, string>>;
}

/** One problem of a file: the tensor (or header part) and what is wrong. */
export interface SafetensorsIssue {
  readonly path: string;
  readonly message: string;
}

/** Sizes a file may have before it is refused rather than allocated. */
export const SAFETENSORS_LIMITS = {
  /** The JSON header (the reference implementation's own cap is 100 MB). */
  maxHeaderBytes: 16 * 1024 * 1024,
  maxTensors: 4096,
  maxRank: 8,
} as const;

/** Text from the file (a tensor name, a value) cut to `max` characters for a message. */
const clip = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max - 3)}...` : s);

/** `weights/invalid-file` listing every problem found: the first 20, each line cut, so a message stays short. */
export class SafetensorsError extends RLError {
  constructor(
    readonly issues: readonly SafetensorsIssue[],
    lead = 'Invalid safetensors file',
  ) {
    const shown = issues.slice(0, 20).map((i) => `  - ${clip(i.path, 120)}: ${clip(i.message, 300)}`);
    if (issues.length > shown.length) shown.push(`  ... and ${issues.length - shown.length} more`);
    super(
      'weights/invalid-file',
      `${lead} (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${shown.join('\n')}`,
    );
    this.name = 'SafetensorsError';
  }
}

/** Bytes per element of the dtypes the format defines (for size checks of tensors we refuse). */
const DTYPE_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Writes tensors (float32, little-endian) and string metadata as a safetensors file. */
export function encodeSafetensors(
  tensors: readonly NamedTensor[],
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  // Null prototype: a tensor named `__proto__` is a key like any other.
  const header = Object.create(null) as Record<string, unknown>;
  if (Object.keys(metadata).length > 0) header['__metadata__'] = metadata;
  let offset = 0;
  for (const t of tensors) {
    if (t.name === '__metadata__' || Object.hasOwn(header, t.name))
      throw new RangeError(`tensor name '${t.name}' is reserved or given twice`);
    if (t.data.length !== product(t.shape))
      throw new RangeError(`tensor '${t.name}' has ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    header[t.name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + t.data.length * 4] };
    offset += t.data.length * 4;
  }
  // Pad the header with spaces so the data starts 8-byte aligned (what the reference writer does).
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length)
    json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(padded - json.length));
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const t of tensors) {
    for (let i = 0; i < t.data.length; i++, at += 4) view.setFloat32(at, t.data[i]!, true);
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A value from the header, for a message (its nesting is bounded by readHeader, so this cannot overflow). */
const describe = (v: unknown): string => clip(JSON.stringify(v) ?? String(v), 60);

/** The header's JSON, or the issues that stop anything else from being read. */
function readHeader(
  bytes: Uint8Array,
  issues: SafetensorsIssue[],
): { header: Record<string, unknown>; dataStart: number } | null {
  if (bytes.byteLength < 8) {
    issues.push({
      path: '(file)',
      message: `has ${bytes.byteLength} bytes; a safetensors file starts with an 8-byte header length.`,
    });
    return null;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getBigUint64(0, true);
  if (length > BigInt(Math.min(SAFETENSORS_LIMITS.maxHeaderBytes, bytes.byteLength - 8))) {
    issues.push({
      path: '(header)',
      message: `declares ${length} header bytes, but the file has ${bytes.byteLength - 8} after the length (limit ${SAFETENSORS_LIMITS.maxHeaderBytes}); this is not a safetensors file.`,
    });
    return null;
  }
  const n = Number(length);
  const text = bytes.subarray(8, 8 + n);
  // Before JSON.parse and before any message describes it: 16 MB of `[[[[` would overflow the stack.
  if (jsonTextDepth(text) > MAX_JSON_DEPTH) {
    issues.push({
      path: '(header)',
      message: `nests more than ${MAX_JSON_DEPTH} levels of objects and lists; a safetensors header has 3 ({name: {shape: [...]}}).`,
    });
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(text));
  } catch (e) {
    issues.push({ path: '(header)', message: `is not valid UTF-8 JSON: ${(e as Error).message}` });
    return null;
  }
  if (!isRecord(parsed)) {
    issues.push({ path: '(header)', message: `must be a JSON object, got ${describe(parsed)}.` });
    return null;
  }
  return { header: parsed, dataStart: 8 + n };
}

function readMetadata(v: unknown, issues: SafetensorsIssue[]): Record<string, string> {
  if (v === undefined) return {};
  if (!isRecord(v)) {
    issues.push({ path: '__metadata__', message: `must be an object of strings, got ${describe(v)}.` });
    return {};
  }
  const out = Object.create(null) as Record<string, string>;
  for (const [k, value] of Object.entries(v)) {
    if (typeof value === 'string') out[k] = value;
    else issues.push({ path: `__metadata__.${k}`, message: `must be a string, got ${describe(value)}.` });
  }
  return out;
}

interface Entry {
  readonly name: string;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

/** One header entry's dtype, shape and offsets, every problem reported. */
function readEntry(name: string, v: unknown, dataLength: number, issues: SafetensorsIssue[]): Entry | null {
  const fail = (message: string): null => {
    issues.push({ path: name, message });
    return null;
  };
  if (!isRecord(v)) return fail(`must be { dtype, shape, data_offsets }, got ${describe(v)}.`);
  const { dtype, shape, data_offsets: offsets } = v;
  let ok = true;
  const bytes = typeof dtype === 'string' ? DTYPE_BYTES[dtype] : undefined;
  if (bytes === undefined)
    ok = !!fail(`dtype must be one of ${Object.keys(DTYPE_BYTES).join(', ')}, got ${describe(dtype)}.`);
  else if (dtype !== 'F32')
    ok = !!fail(
      `dtype is ${String(dtype)}; only F32 (float32) is read. In torch: {k: v.float() for k, v in state_dict.items()} before saving.`,
    );
  const shapeOk =
    Array.isArray(shape) &&
    shape.length <= SAFETENSORS_LIMITS.maxRank &&
    shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0);
  if (!shapeOk)
    ok = !!fail(
      `shape must be a list of at most ${SAFETENSORS_LIMITS.maxRank} whole numbers >= 0, got ${describe(shape)}.`,
    );
  const offsetsOk =
    Array.isArray(offsets) &&
    offsets.length === 2 &&
    offsets.every((o) => typeof o === 'number' && Number.isInteger(o) && o >= 0) &&
    (offsets[0] as number) <= (offsets[1] as number) &&
    (offsets[1] as number) <= dataLength;
  if (!offsetsOk)
    ok = !!fail(
      `data_offsets must be [begin, end] with 0 <= begin <= end <= ${dataLength} (the data bytes), got ${describe(offsets)}.`,
    );
  if (!ok || !shapeOk || !offsetsOk || bytes === undefined) return null;
  const dims = shape as number[];
  const [begin, end] = offsets as [number, number];
  if (end - begin !== product(dims) * bytes)
    return fail(
      `shape [${dims.join(', ')}] needs ${product(dims) * bytes} bytes of ${String(dtype)}, data_offsets give ${end - begin}.`,
    );
  return { name, shape: dims, begin, end };
}

/**
 * Parses and checks a safetensors file: header, dtypes (F32 only), shapes against offsets, no
 * overlapping or missing data, finite values. Throws SafetensorsError listing every problem.
 */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsFile {
  const issues: SafetensorsIssue[] = [];
  const head = readHeader(bytes, issues);
  if (!head) throw new SafetensorsError(issues);
  const { header, dataStart } = head;
  const dataLength = bytes.byteLength - dataStart;
  const metadata = readMetadata(header['__metadata__'], issues);
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  if (names.length > SAFETENSORS_LIMITS.maxTensors) {
    issues.push({
      path: '(header)',
      message: `lists ${names.length} tensors; at most ${SAFETENSORS_LIMITS.maxTensors}.`,
    });
    throw new SafetensorsError(issues);
  }
  const entries = names.map((n) => readEntry(n, header[n], dataLength, issues)).filter((e): e is Entry => e !== null);
  // By (begin, end), as the reference reader sorts data_offsets: an empty tensor at a tensor's start
  // byte comes before it, so it is neither an overlap nor a hole.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  // The format requires the tensors to fill the data part exactly: no overlap, no hole.
  let expected = 0;
  for (const e of entries) {
    if (e.begin !== expected)
      issues.push({
        path: e.name,
        message: `starts at byte ${e.begin}; the previous tensor ends at ${expected} (overlap or hole).`,
      });
    expected = Math.max(expected, e.end);
  }
  if (issues.length === 0 && expected !== dataLength)
    issues.push({
      path: '(file)',
      message: `has ${dataLength - expected} bytes after the last tensor; the file is damaged.`,
    });
  const view = new DataView(bytes.buffer, bytes.byteOffset + dataStart, dataLength);
  const tensors = entries.map((e) => {
    const data = new Float32Array((e.end - e.begin) / 4);
    let bad = 0;
    for (let i = 0; i < data.length; i++) {
      data[i] = view.getFloat32(e.begin + i * 4, true);
      if (!Number.isFinite(data[i])) bad++;
    }
    if (bad > 0)
      issues.push({ path: e.name, message: `has ${bad} non-finite value${bad === 1 ? '' : 's'} (NaN or Inf).` });
    return { name: e.name, shape: e.shape, data };
  });
  if (issues.length > 0) throw new SafetensorsError(issues);
  return { tensors, metadata };
}
