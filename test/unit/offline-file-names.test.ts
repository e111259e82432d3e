/**
 * Issue 27 item 12 (the page's offline files): a file name with a comma stayed one name only if it
 * was not split on the comma, and two files with one name (two folders' episodes.parquet) replaced
 * each other. Now the second gets its own name, and a list with such names travels as JSON.
 */
import { describe, expect, it } from 'vitest';
import { coerceValue } from '../../src/core/config-keys';
import { registerOfflineFile, registeredOfflineFiles } from '../../src/offline/offline-files';

describe('offline file names', () => {
  it('a different file under a taken name gets "name (2)"; the same bytes keep the name', () => {
    expect(registerOfflineFile('episodes.parquet', Uint8Array.of(1, 2))).toBe('episodes.parquet');
    expect(registerOfflineFile('episodes.parquet', Uint8Array.of(1, 2))).toBe('episodes.parquet');
    expect(registerOfflineFile('episodes.parquet', Uint8Array.of(3))).toBe('episodes (2).parquet');
    expect(registerOfflineFile('episodes.parquet', Uint8Array.of(4))).toBe('episodes (3).parquet');
    expect(registeredOfflineFiles()).toEqual(['episodes.parquet', 'episodes (2).parquet', 'episodes (3).parquet']);
  });

  it('a JSON list keeps a name with a comma whole; a plain list is split on commas', () => {
    expect(coerceValue('offlineData.input', JSON.stringify(['a,b.parquet', 'c.parquet']))).toEqual([
      'a,b.parquet',
      'c.parquet',
    ]);
    expect(coerceValue('offlineData.input', 'a.parquet, c.parquet')).toEqual(['a.parquet', 'c.parquet']);
  });
});
