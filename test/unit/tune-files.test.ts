/**
 * trials.csv (and each trial's progress.csv) quote every field RFC 4180 says must be quoted: a
 * comma, a double quote, a line feed or a carriage return (issue 27, item 12). Read back with a
 * strict RFC 4180 reader, every row has the header's columns and every value comes back as written.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TrialView } from '../../src/app/tune-session';
import { progressCsv } from '../../src/cli/run-files';
import { TRIALS_CSV, TuneFiles } from '../../src/cli/tune-files';
import { parseSweep } from '../../src/tune/sweep';

/** RFC 4180: records end in LF (or CRLF); a field in double quotes may hold , " (doubled) CR LF. */
function readCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"' && field === '') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted field');
        if (text[i] === '"' && text[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else field += text[i++];
      }
      if (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r')
        throw new Error(`text after a closing quote at ${i}`);
      continue;
    }
    const c = text[i]!;
    if (c === ',') {
      record.push(field);
      field = '';
      i++;
    } else if (c === '\n' || c === '\r') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else if (c === '"') throw new Error(`a bare double quote at ${i}`);
    else {
      field += c;
      i++;
    }
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

const HOSTILE = ['cr\ronly', 'crlf\r\nend', 'lf\nonly', 'a,b', 'say "hi"', ' padded ', '=1+1', ''];

describe('trials.csv', () => {
  it('quotes CR, LF, commas and quotes, so every row reads back with its values', () => {
    const { sweep } = parseSweep({
      // GridWalk-v0 takes any env_config key (it declares none), so the hostile values reach the CSV.
      param_space: { env: 'GridWalk-v0', env_config: { tag: { grid_search: HOSTILE } } },
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'trials-csv-'));
    const files = new TuneFiles(dir, sweep!);
    const rows: TrialView[] = sweep!.trials.map((t, i) => ({
      id: t.id,
      params: t.params,
      status: 'ERROR',
      iterations: 0,
      lastReturn: null,
      bestReturn: null,
      failures: 1,
      runnerRestarts: 0,
      presetId: null,
      learnerBackend: null,
      stopReason: null,
      error: HOSTILE[i]!,
      demand: { cpu: 1, gpu: 0 },
    }));
    files.finish(rows);
    const records = readCsv(readFileSync(path.join(dir, TRIALS_CSV), 'utf8'));
    const [header, ...body] = records;
    expect(body).toHaveLength(HOSTILE.length);
    const tag = header!.indexOf('config/env_config.tag');
    const error = header!.indexOf('error');
    for (const [i, record] of body.entries()) {
      expect(record).toHaveLength(header!.length);
      expect(record[tag]).toBe(HOSTILE[i]);
      expect(record[error]).toBe(HOSTILE[i]);
    }
  });

  it("progress.csv quotes them the same way (one writer's rule for both files)", () => {
    const text = progressCsv([
      { training_iteration: 1, note: 'a\rb' },
      { training_iteration: 2, note: 'c,d' },
    ]);
    expect(readCsv(text).slice(1)).toEqual([
      ['1', 'a\rb'],
      ['2', 'c,d'],
    ]);
  });
});
