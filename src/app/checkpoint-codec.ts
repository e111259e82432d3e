/**
 * Checkpoints as JSON text (file download, the CLI's checkpoint/ folder): typed arrays become
 * `{ "$f32": "<base64>" }` so weights survive bit-exact; everything else is plain JSON.
 */
import type { Checkpoint } from '../algorithms/checkpoint';
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

export function checkpointFromJson(text: string): Checkpoint {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, (_key, value: unknown) => {
      if (value && typeof value === 'object' && '$f32' in value) {
        const bytes = fromBase64(String(value.$f32));
        return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      }
      return value;
    });
  } catch (e) {
    throw new RLError('checkpoint/parse', `Checkpoint file is not valid JSON: ${(e as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || !('format' in parsed)) {
    throw new RLError('checkpoint/format', 'This file is not a checkpoint (no "format" field).');
  }
  return parsed as Checkpoint;
}
