/**
 * Episode files that lie (issue 27, items 1-3): footers that claim more rows than the file holds,
 * footer metadata that is not a space, and values that do not fit their column. Each is refused
 * with one coded error (`offline/bad-file`) that names the file and, for values, the row and the
 * column, quickly and without allocating what the footer claims. Files written by other tools
 * (compressed, dictionary-encoded, several row groups, INT64 columns) still read.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RLError } from '../../src/core/errors';
import { exitCodeForError } from '../../src/cli/exit-codes';
import { readEpisodesParquet, writeEpisodesParquet } from '../../src/offline/parquet-episodes';
import { episodeColumns, episodeFile, parquetFile, type ColumnSpec } from './helpers/episode-files';
import {
  T,
  claimRows,
  editFooter,
  field,
  rowGroupsOf,
  setKv,
  toDataPageV1,
  type TList,
  type TStruct,
} from './helpers/parquet-edit';
import { cartPoleDemos } from './helpers/cartpole-demos';

/** A hostile file must be refused well within this (the 4M-row claim took 5.3 s). */
const REFUSE_WITHIN_MS = 1000;

/** Reads `bytes`; expects `offline/bad-file` naming `name` and matching every pattern, in time. */
async function expectRefused(bytes: Uint8Array, name: string, ...patterns: RegExp[]): Promise<string> {
  const t0 = performance.now();
  let error: unknown = null;
  try {
    await readEpisodesParquet(bytes, name);
  } catch (e) {
    error = e;
  }
  const ms = performance.now() - t0;
  expect(error, `${name} was accepted`).toBeInstanceOf(RLError);
  const e = error as RLError;
  expect(e.code).toBe('offline/bad-file');
  expect(e.message).toContain(name);
  for (const p of patterns) expect(e.message).toMatch(p);
  expect(ms).toBeLessThan(REFUSE_WITHIN_MS);
  return e.message;
}

const col = (name: string, type: ColumnSpec['type'], data: unknown[], list = false): ColumnSpec => ({
  name,
  type,
  data,
  list,
});

describe('item 1: counts in the footer are checked against the file', () => {
  const small = episodeFile(6);

  it('reads the honest file', async () => {
    const t = await readEpisodesParquet(small, 'small.parquet');
    expect(t.numRows).toBe(6);
    expect(Array.from(t.obs)).toEqual([0, -0, 1, -0.5, 2, -1, 3, -1.5, 4, -2, 5, -2.5]);
  });

  it('a footer claiming 2^22 rows of a 6-row file is refused at once, naming the row group and column', async () => {
    await expectRefused(
      editFooter(small, (m) => claimRows(m, 2n ** 22n)),
      'claims.parquet',
      /row group 0/,
      /rows/,
    );
  });

  it('a footer claiming 2^31 rows is refused with the per-file limit', async () => {
    await expectRefused(
      editFooter(small, (m) => claimRows(m, 2n ** 31n)),
      'huge.parquet',
      /2147483648 rows/,
      /16,777,216 rows per file/,
    );
  });

  it('the file total must be the sum of its row groups; negative counts are refused', async () => {
    await expectRefused(
      editFooter(small, (m) => m.set(3, { t: T.I64, v: 7n })),
      'sum.parquet',
      /7 rows.*row groups hold 6/,
    );
    await expectRefused(
      editFooter(small, (m) => claimRows(m, -1n)),
      'negative.parquet',
      /-1/,
    );
  });

  it('a column chunk that points outside the file, or claims more values than its pages hold, is refused', async () => {
    const meta = (g: TStruct, i: number): TStruct => field<TStruct>(field<TList>(g, 1).items[i] as TStruct, 3);
    await expectRefused(
      editFooter(small, (m) => meta(rowGroupsOf(m)[0]!, 2).set(9, { t: T.I64, v: 2n ** 40n })),
      'offset.parquet',
      /column 'obs'/,
      /outside/,
    );
    await expectRefused(
      editFooter(small, (m) => meta(rowGroupsOf(m)[0]!, 3).set(5, { t: T.I64, v: 1000n })),
      'values.parquet',
      /column 'actions'/,
      /1000/,
    );
  });
});

describe('item 2: footer metadata is checked as strictly as a checkpoint', () => {
  const withKv = (entries: Record<string, string | null>): Uint8Array =>
    editFooter(episodeFile(4), (m) => {
      for (const [k, v] of Object.entries(entries)) setKv(m, k, v);
    });

  it.each([
    ['rl.obs_dim', '1e9'],
    ['rl.obs_dim', '-1'],
    ['rl.obs_dim', '1e10'],
    ['rl.obs_dim', 'abc'],
    ['rl.obs_dim', '2.5'],
    ['rl.obs_dim', ''],
    ['rl.obs_dim', '99999999999999999999'],
    ['rl.action_dim', '-1'],
    ['rl.action_dim', '1e10'],
    ['rl.action_dim', 'abc'],
    ['rl.action_dim', '0'],
    ['rl.action_kind', 'continuous'],
    ['rl.format', 'browser-rl-episodes/99'],
  ])('%s = %j is refused, naming the key and the value', async (key, value) => {
    await expectRefused(withKv({ [key]: value }), 'meta.parquet', new RegExp(key.replace('.', '\\.')));
  });

  it('every metadata problem at once', async () => {
    await expectRefused(
      withKv({ 'rl.obs_dim': 'abc', 'rl.action_dim': '-1', 'rl.action_kind': 'x' }),
      'meta.parquet',
      /rl\.obs_dim/,
      /rl\.action_dim/,
      /rl\.action_kind/,
    );
  });

  it('metadata that disagrees with the rows is refused, naming the row and column', async () => {
    await expectRefused(withKv({ 'rl.obs_dim': '3' }), 'wide.parquet', /row 0/, /'obs'/, /3/);
  });

  it('a file without rl.* metadata takes its spaces from the data', async () => {
    const t = await readEpisodesParquet(parquetFile(episodeColumns(4)), 'plain.parquet');
    expect([t.obsDim, t.actionKind, t.actionDim, t.env]).toEqual([2, 'discrete', 1, null]);
  });
});

describe('item 3: each value is range-checked against its column before conversion', () => {
  it.each<[string, Record<string, ColumnSpec>, RegExp[]]>([
    ['rewards 1e300', { rewards: col('rewards', 'DOUBLE', [1, 1, 1e300, 1]) }, [/row 2/, /'rewards'/, /1e\+300/]],
    [
      'an observation of 1e39',
      {
        obs: col(
          'obs',
          'DOUBLE',
          [
            [0, 0],
            [1e39, 0],
            [0, 0],
            [0, 0],
          ],
          true,
        ),
      },
      [/row 1/, /'obs'/, /1e\+39/],
    ],
    [
      'an INT64 action of 2^31',
      { actions: col('actions', 'INT64', [0n, 2n ** 31n, 0n, 1n]) },
      [/row 1/, /'actions'/, /2147483648/],
    ],
    [
      'an INT64 action of 2^32',
      { actions: col('actions', 'INT64', [0n, 1n, 2n ** 32n, 1n]) },
      [/row 2/, /'actions'/, /4294967296/],
    ],
    ['a DOUBLE action of 1e300', { actions: col('actions', 'DOUBLE', [0, 1, 0, 1e300]) }, [/row 3/, /'actions'/]],
    ['a DOUBLE action of 0.5', { actions: col('actions', 'DOUBLE', [0, 0.5, 0, 1]) }, [/row 1/, /'actions'/]],
    ['an action of -1', { actions: col('actions', 'INT32', [0, 1, -1, 1]) }, [/row 2/, /'actions'/, /-1/]],
    ['t of 2^40', { t: col('t', 'INT64', [0n, 1n, 2n ** 40n, 1n]) }, [/row 2/, /'t'/, /1099511627776/]],
    [
      'the string "false" in terminateds',
      { terminateds: col('terminateds', 'STRING', ['false', 'false', 'false', 'true']) },
      [/'terminateds'/, /BOOLEAN/],
    ],
    ['a NaN reward', { rewards: col('rewards', 'FLOAT', [1, NaN, 1, 1]) }, [/row 1/, /'rewards'/, /NaN/]],
    [
      'an observation row of the wrong width',
      { obs: col('obs', 'FLOAT', [[0, 0], [1], [0, 0], [0, 0]], true) },
      [/row 1/, /'obs'/],
    ],
  ])('%s is refused, naming the file, row and column', async (_, overrides, patterns) => {
    await expectRefused(episodeFile(4, overrides), 'values.parquet', ...patterns);
  });

  it('INT64 columns of values that fit are read (pyarrow writes int64 actions and t)', async () => {
    const t = await readEpisodesParquet(
      episodeFile(4, {
        actions: col('actions', 'INT64', [0n, 1n, 1n, 0n]),
        t: col('t', 'INT64', [0n, 1n, 0n, 1n]),
        obs: col(
          'obs',
          'INT64',
          [
            [0n, 1n],
            [2n, 3n],
            [4n, 5n],
            [6n, 7n],
          ],
          true,
        ),
        rewards: col('rewards', 'DOUBLE', [0.5, 1, 1.5, 2]),
      }),
      'int64.parquet',
    );
    expect(Array.from(t.actions)).toEqual([0, 1, 1, 0]);
    expect(Array.from(t.t)).toEqual([0, 1, 0, 1]);
    expect(Array.from(t.obs)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(t.rewards)).toEqual([0.5, 1, 1.5, 2]);
  });

  it('lists every problem (up to a cap) in one error', async () => {
    const msg = await expectRefused(
      episodeFile(40, {
        rewards: col(
          'rewards',
          'DOUBLE',
          Array.from({ length: 40 }, () => 1e300),
        ),
      }),
      'many.parquet',
      /row 0/,
      /row 9/,
      /and 30 more/,
    );
    expect(msg).not.toMatch(/row 10\b/);
  });
});

describe('files written by other tools', () => {
  const table = cartPoleDemos({ numSteps: 600, randomRate: 0.3, seed: 2 });

  it('compressed (SNAPPY), dictionary-encoded, several row groups and pages', async () => {
    const cols = episodeColumns(300);
    const bytes = parquetFile(cols, { codec: 'SNAPPY', plain: false, rowGroupSize: 70, pageSize: 256 });
    const t = await readEpisodesParquet(bytes, 'snappy.parquet');
    const plain = await readEpisodesParquet(parquetFile(cols), 'plain.parquet');
    expect(t.numRows).toBe(300);
    for (const k of ['t', 'obs', 'actions', 'rewards', 'newObs', 'terminateds', 'truncateds'] as const) {
      expect(Array.from(t[k]), k).toEqual(Array.from(plain[k]));
    }
    expect(t.epsId).toEqual(plain.epsId);
  });

  it('data pages v1 (pyarrow writes them by default), read here and by python/parquet_reader.py', async () => {
    const v2 = writeEpisodesParquet(table, { env: 'CartPole-v1' });
    const v1 = toDataPageV1(v2);
    const back = await readEpisodesParquet(v1, 'v1.parquet');
    for (const k of ['t', 'obs', 'actions', 'rewards', 'newObs', 'terminateds', 'truncateds', 'actionLogp'] as const) {
      expect(Array.from(back[k]!), k).toEqual(Array.from(table[k]!));
    }
    expect(back.epsId).toEqual(table.epsId);
    if (spawnSync('python3', ['--version']).error) return;
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'rl-v1-')), 'v1.parquet');
    writeFileSync(file, v1);
    const py = spawnSync('python3', ['python/parquet_reader.py', file, '--rows', '2'], { encoding: 'utf8' });
    expect(py.stderr).toBe('');
    const out = JSON.parse(py.stdout) as { num_rows: number; rows: { obs: number[] }[] };
    expect(out.num_rows).toBe(600);
    expect(out.rows[1]!.obs).toEqual(Array.from(table.obs.subarray(4, 8)));
  });

  it("the trainer's own files round-trip, with and without the optional columns", async () => {
    const back = await readEpisodesParquet(writeEpisodesParquet(table, { env: 'CartPole-v1' }), 'own.parquet');
    for (const k of ['t', 'obs', 'actions', 'rewards', 'newObs', 'terminateds', 'truncateds', 'actionLogp'] as const) {
      expect(Array.from(back[k]!), k).toEqual(Array.from(table[k]!));
    }
    const noNext = await readEpisodesParquet(episodeFile(6, { new_obs: null, t: null }), 'no-next.parquet');
    expect(Array.from(noNext.t)).toEqual([0, 1, 2, 0, 1, 2]);
    // new_obs from the next row of the same episode; an episode's last row keeps its own obs.
    expect(Array.from(noNext.newObs.filter((_, i) => i % 2 === 0))).toEqual([1, 2, 2, 4, 5, 5]);
  });

  it('a Node Buffer (what readFileSync returns: a view into a shared pool) reads the same', async () => {
    const bytes = writeEpisodesParquet(table, { env: 'CartPole-v1' });
    const pooled = Buffer.concat([Buffer.from('xyz'), Buffer.from(bytes)]).subarray(3);
    const back = await readEpisodesParquet(pooled, 'buffer.parquet');
    expect(Array.from(back.obs)).toEqual(Array.from(table.obs));
    expect(Array.from(back.actions)).toEqual(Array.from(table.actions));
  });

  it('a null module_id or agent_id is fine; a null eps_id is not', async () => {
    const ok = await readEpisodesParquet(
      episodeFile(2, { module_id: { name: 'module_id', type: 'STRING', optional: true, data: [null, 'm'] } }),
      'ids.parquet',
    );
    expect(ok.moduleId).toEqual(['default_policy', 'm']);
    await expectRefused(
      episodeFile(2, { eps_id: { name: 'eps_id', type: 'STRING', optional: true, data: ['a', null] } }),
      'null-id.parquet',
      /row 1/,
      /'eps_id'/,
    );
  });
});

describe('item 12: bad files are input problems for the CLI', () => {
  it.each(['offline/bad-file', 'offline/missing-file', 'offline/no-input', 'offline/mismatch'])(
    '%s exits 2, as a missing file does',
    (code) => {
      expect(exitCodeForError(new RLError(code, 'm'))).toBe(2);
    },
  );
});
