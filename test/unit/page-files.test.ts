/**
 * Issue 27 item 10: files over ~384 MiB (about 4.4 M recorded steps) failed with
 * ERR_STRING_TOO_LONG because they crossed between Node and the page as one base64 string
 * (`--input`, and `npm run record` lost a whole recording at the very end). Both directions now
 * move 8 MiB chunks. A 410 MB file (sparse on disk) goes through both paths here.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHUNK_BYTES, copyRecordingToFile, offlineFileChunk, offlineFileSize } from '../../src/cli/page-files';

const dir = mkdtempSync(path.join(tmpdir(), 'page-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** More than V8's longest string (2^29 - 24 characters) once in base64. */
const BIG = 410_000_000;

describe('files between Node and the page, in chunks', () => {
  it('a 410 MB input file is read in chunks; as one base64 string it would not fit', () => {
    const file = path.join(dir, 'big.parquet');
    writeFileSync(file, 'PAR1');
    truncateSync(file, BIG); // sparse: no disk used
    expect(offlineFileSize(file)).toEqual({ size: BIG });
    let total = 0;
    for (let offset = 0; offset < BIG; offset += CHUNK_BYTES) {
      total += Buffer.from(offlineFileChunk(file, offset, Math.min(CHUNK_BYTES, BIG - offset)), 'base64').length;
    }
    expect(total).toBe(BIG);
    expect(Buffer.from(offlineFileChunk(file, 0, 4), 'base64').toString()).toBe('PAR1');
    // What the old path did: the whole file as one string.
    const fd = openSync(file, 'r');
    const whole = Buffer.alloc(BIG);
    readSync(fd, whole, 0, BIG, 0);
    closeSync(fd);
    expect(() => whole.toString('base64')).toThrow(/string longer than|ERR_STRING_TOO_LONG/);
  }, 120_000);

  it('a missing input file is a coded reply naming the setting', () => {
    expect(offlineFileSize(path.join(dir, 'nope.parquet'))).toMatchObject({ code: 'offline/missing-file' });
  });

  it('a 410 MB recording is copied from the page chunk by chunk, under a temporary name until whole', async () => {
    const file = path.join(dir, 'recording.parquet');
    const chunks: number[] = [];
    let dropped = false;
    await copyRecordingToFile(
      {
        // The page's side: each chunk of the kept recording as base64 (zeros, with a marker at the start).
        readChunk: (offset, length) => {
          chunks.push(offset);
          const bytes = Buffer.alloc(Math.min(length, BIG - offset));
          if (offset === 0) bytes.write('PAR1');
          return Promise.resolve(bytes.toString('base64'));
        },
        drop: () => Promise.resolve((dropped = true)),
      },
      BIG,
      file,
    );
    expect(statSync(file).size).toBe(BIG);
    expect(chunks).toHaveLength(Math.ceil(BIG / CHUNK_BYTES));
    expect(dropped).toBe(true);
    expect(() => statSync(`${file}.partial`)).toThrow();
  }, 120_000);
});
