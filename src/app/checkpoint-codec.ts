/**
 * Checkpoints as JSON text (file download, the CLI's checkpoint/ folder): typed arrays become
 * `{ "$f32": "<base64>" }` (also `$i32`, `$f64`, `$u8` for a stored replay buffer's columns) so
 * they survive bit-exact; everything else is plain JSON.
 */
import type { Checkpoint } from '../algorithms/checkpoint';
import { validateCheckpoint } from '../algorithms/registry';
import { RLError } from '../core/errors';

function toBase64(bytes: Uint8Array): string {
  let s = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) s += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

type TypedColumn = Float32Array | Int32Array | Float64Array | Uint8Array;

/** Tag -> typed array kind; the byte width decides which base64 lengths are whole arrays. */
const TYPED_TAGS = {
  $f32: { make: (b: ArrayBuffer, o: number, n: number): TypedColumn => new Float32Array(b, o, n), bytes: 4 },
  $i32: { make: (b: ArrayBuffer, o: number, n: number): TypedColumn => new Int32Array(b, o, n), bytes: 4 },
  $f64: { make: (b: ArrayBuffer, o: number, n: number): TypedColumn => new Float64Array(b, o, n), bytes: 8 },
  $u8: { make: (b: ArrayBuffer, o: number, n: number): TypedColumn => new Uint8Array(b, o, n), bytes: 1 },
} as const;
type TypedTag = keyof typeof TYPED_TAGS;

function tagOf(value: unknown): TypedTag | null {
  if (value instanceof Float32Array) return '$f32';
  if (value instanceof Int32Array) return '$i32';
  if (value instanceof Float64Array) return '$f64';
  if (value instanceof Uint8Array) return '$u8';
  return null;
}

export function checkpointToJson(ckpt: Checkpoint): string {
  return JSON.stringify(ckpt, (_key, value: unknown) => {
    const tag = tagOf(value);
    if (!tag) return value;
    const typed = value as TypedColumn;
    return { [tag]: toBase64(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength)) };
  });
}

/** Longest checkpoint text read (V8 strings end near 512 MB; the schema's float limit is 256 MB). */
export const MAX_CHECKPOINT_TEXT_CHARS = 400 * 1024 * 1024;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * `{ "$f32": "<base64>" }` (or `$i32`, `$f64`, `$u8`) as its typed array; anything else is left as
 * it is, so the schema check reports it with its path.
 */
function decodeTyped(value: Record<string, unknown>): unknown {
  const keys = Object.keys(value);
  const tag = keys[0];
  if (keys.length !== 1 || tag === undefined || !(tag in TYPED_TAGS)) return value;
  const text = value[tag];
  if (typeof text !== 'string' || !BASE64.test(text) || text.length % 4 !== 0) return value;
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(text);
  } catch {
    return value;
  }
  const kind = TYPED_TAGS[tag as TypedTag];
  if (bytes.byteLength % kind.bytes !== 0) return value;
  // A fresh buffer: Float64Array needs 8-byte alignment, which a view into another buffer may lack.
  const copy = bytes.slice();
  return kind.make(copy.buffer, 0, copy.byteLength / kind.bytes);
}

/**
 * Parses and validates checkpoint text: throws `checkpoint/parse` for text that is not JSON (or
 * too large), and `checkpoint/invalid` listing every problem of the checkpoint it holds.
 */
export function checkpointFromJson(text: string): Checkpoint {
  if (typeof text !== 'string') throw new RLError('checkpoint/parse', 'A checkpoint is JSON text.');
  if (text.length > MAX_CHECKPOINT_TEXT_CHARS) {
    throw new RLError(
      'checkpoint/parse',
      `Checkpoint text is ${text.length} characters; at most ${MAX_CHECKPOINT_TEXT_CHARS} are read.`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, (_key, value: unknown) =>
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? decodeTyped(value as Record<string, unknown>)
        : value,
    );
  } catch (e) {
    throw new RLError('checkpoint/parse', `Checkpoint file is not valid JSON: ${(e as Error).message}`);
  }
  return validateCheckpoint(parsed);
}
