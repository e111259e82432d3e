/**
 * Checkpoints as JSON text (file download, the CLI's checkpoint/ folder): typed arrays become
 * `{ "$f32": "<base64>" }` so weights survive bit-exact; everything else is plain JSON.
 */
import type { Checkpoint } from '../algorithms/checkpoint';
import { validateCheckpoint } from '../algorithms/checkpoint-schema';
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

export function checkpointToJson(ckpt: Checkpoint): string {
  return JSON.stringify(ckpt, (_key, value: unknown) => {
    if (value instanceof Float32Array)
      return { $f32: toBase64(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)) };
    return value;
  });
}

/** Longest checkpoint text read (V8 strings end near 512 MB; the schema's float limit is 256 MB). */
export const MAX_CHECKPOINT_TEXT_CHARS = 400 * 1024 * 1024;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * `{ "$f32": "<base64>" }` as a Float32Array; anything else under that key is left as it is, so the
 * schema check reports it with its path.
 */
function decodeF32(value: Record<string, unknown>): unknown {
  const text = value['$f32'];
  if (Object.keys(value).length !== 1 || typeof text !== 'string' || !BASE64.test(text) || text.length % 4 !== 0) {
    return value;
  }
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(text);
  } catch {
    return value;
  }
  if (bytes.byteLength % 4 !== 0) return value;
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
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
      value !== null && typeof value === 'object' && !Array.isArray(value) && '$f32' in value
        ? decodeF32(value)
        : value,
    );
  } catch (e) {
    throw new RLError('checkpoint/parse', `Checkpoint file is not valid JSON: ${(e as Error).message}`);
  }
  return validateCheckpoint(parsed);
}
