/**
 * Files between Node and the page in chunks. A whole file as one base64 string stops at V8's
 * string limit (~512 M characters: a recording of ~4.4 M env steps, 384 MB), so both directions
 * move CHUNK_BYTES at a time: the page reads an offlineData.input file from disk chunk by chunk
 * through two bindings, and a recording stays in the page until Node has copied it to disk.
 * The page-side functions run through page.evaluate: they reach only `window` and their arguments.
 */
import { closeSync, existsSync, openSync, readSync, renameSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Bytes per transfer: 8 MiB of file is ~11 M base64 characters, far below the string limit. */
export const CHUNK_BYTES = 8 * 1024 * 1024;

/** Page-side names of the two bindings that read offlineData.input files from disk. */
export const FILE_BINDINGS = { stat: '__rlCliOfflineFileSize', chunk: '__rlCliOfflineFileChunk' } as const;

/** Where the page keeps a recording until Node has taken it. */
const RECORDING_KEY = '__rlCliRecording';

/** The size of an offlineData.input file, or why there is none (a value with its code: binding exceptions lose codes). */
export type FileSizeReply = { readonly size: number } | { readonly code: string; readonly message: string };

/** Node side of FILE_BINDINGS.stat: a path relative to the working directory. */
export function offlineFileSize(name: string): FileSizeReply {
  const file = path.resolve(name);
  if (!existsSync(file) || !statSync(file).isFile()) {
    return {
      code: 'offline/missing-file',
      message: `offlineData.input (--input) names ${name}, but ${file} is not a file.`,
    };
  }
  return { size: statSync(file).size };
}

/** Node side of FILE_BINDINGS.chunk: `length` bytes from `offset`, as base64. */
export function offlineFileChunk(name: string, offset: number, length: number): string {
  const fd = openSync(path.resolve(name), 'r');
  try {
    const buffer = Buffer.alloc(length);
    const read = readSync(fd, buffer, 0, length, offset);
    return buffer.subarray(0, read).toString('base64');
  } finally {
    closeSync(fd);
  }
}

/** Runs in the page: offline files it has not loaded come from disk, a chunk at a time. */
export function installChunkedFileReader(args: { stat: string; chunk: string; chunkBytes: number }): void {
  const w = window as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const stat = w[args.stat] as ((name: string) => Promise<FileSizeReply>) | undefined;
  const chunk = w[args.chunk] as ((name: string, offset: number, length: number) => Promise<string>) | undefined;
  if (!stat || !chunk) return;
  window.rl.offline.readMissingFilesWith(async (name) => {
    const reply = await stat(name);
    if ('code' in reply) throw Object.assign(new Error(reply.message), { code: reply.code });
    const bytes = new Uint8Array(reply.size);
    for (let offset = 0; offset < reply.size; offset += args.chunkBytes) {
      const text = atob(await chunk(name, offset, Math.min(args.chunkBytes, reply.size - offset)));
      for (let i = 0; i < text.length; i++) bytes[offset + i] = text.charCodeAt(i);
    }
    return bytes;
  });
}

/** A recording's summary as it crosses from the page (its bytes stay there until copied). */
export interface RecordingSummary {
  readonly numEnvSteps: number;
  readonly numEpisodes: number;
  readonly numCompletedEpisodes: number;
  readonly episodeReturnMean: number;
  /** Bytes of the Parquet file. */
  readonly size: number;
}

/** Runs in the page: records and keeps the file for recordingChunk(); returns the summary. */
export async function recordAndKeep(args: { numEnvSteps: number; key: string }): Promise<RecordingSummary> {
  const { bytes, ...summary } = await window.rl.offline.recordEpisodes(args.numEnvSteps);
  (window as unknown as Record<string, Uint8Array | undefined>)[args.key] = bytes;
  return { ...summary, size: bytes.length };
}

/** Runs in the page: `length` bytes of the kept recording from `offset`, as base64; null drops it. */
export function recordingChunk(
  args: { key: string; offset: number; length: number } | { key: string; drop: true },
): string {
  const w = window as unknown as Record<string, Uint8Array | undefined>;
  if ('drop' in args) {
    delete w[args.key];
    return '';
  }
  const bytes = w[args.key];
  if (!bytes) throw new Error('no recording is kept in the page');
  let binary = '';
  const end = Math.min(bytes.length, args.offset + args.length);
  for (let i = args.offset; i < end; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, Math.min(end, i + 0x8000)));
  }
  return btoa(binary);
}

/**
 * Copies a kept recording of `size` bytes from the page to `file`, chunk by chunk (`readChunk`
 * runs recordingChunk in the page), then `drop`s it there. It is written under a temporary name
 * and renamed at the end, so a copy cut short never looks like a whole file.
 */
export async function copyRecordingToFile(
  page: { readChunk(offset: number, length: number): Promise<string>; drop(): Promise<unknown> },
  size: number,
  file: string,
  chunkBytes = CHUNK_BYTES,
): Promise<void> {
  const partial = `${file}.partial`;
  const fd = openSync(partial, 'w');
  try {
    for (let offset = 0; offset < size; offset += chunkBytes) {
      writeSync(fd, Buffer.from(await page.readChunk(offset, chunkBytes), 'base64'));
    }
  } finally {
    closeSync(fd);
    await page.drop();
  }
  renameSync(partial, file);
}

export { RECORDING_KEY };
