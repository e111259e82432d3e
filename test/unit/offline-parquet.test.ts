/**
 * Recorded episodes: sample batches -> rows with RLlib's columns (new_obs, t and eps_id across
 * fragment cuts, episodes regrouped), the Parquet round trip through hyparquet, validation of
 * bad files, and Python reading the same file with python/parquet_reader.py (standard library
 * only; CI has python3) and, where installed, pandas.read_parquet.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChunkEnd, type SampleBatch } from '../../src/core/sample-batch';
import { concatTables, groupByEpisode, tableFromBatches } from '../../src/offline/episode-table';
import { readEpisodesParquet, writeEpisodesParquet } from '../../src/offline/parquet-episodes';
import { cartPoleDemos } from './helpers/cartpole-demos';

/** One runner's batch: obs are row numbers + offset so every row is recognisable. */
function batch(workerIndex: number, rows: number, chunks: [number, number, ChunkEnd][], offset: number): SampleBatch {
  const obs = Float32Array.from({ length: rows * 2 }, (_, i) => offset + Math.floor(i / 2) + (i % 2) / 10);
  return {
    numSteps: rows,
    obsDim: 2,
    actionDim: 1,
    obs,
    actions: Int32Array.from({ length: rows }, (_, i) => i % 2),
    rewards: new Float32Array(rows).fill(1),
    terminateds: Uint8Array.from({ length: rows }, (_, r) =>
      chunks.some(([, end, why]) => why === ChunkEnd.TERMINATED && end - 1 === r) ? 1 : 0,
    ),
    truncateds: new Uint8Array(rows),
    actionLogp: new Float32Array(rows).fill(-0.5),
    chunkStarts: Int32Array.from([0, ...chunks.map(([, end]) => end)]),
    chunkEnds: Uint8Array.from(chunks.map(([, , why]) => why)),
    chunkEpisodeIds: Float64Array.from(chunks.map(([id]) => id)),
    chunkEnvIndices: new Int32Array(chunks.length),
    finalObs: Float32Array.from(chunks.flatMap(([id]) => [100 + id, 100 + id])),
    workerIndex,
    weightsSeq: 1,
  };
}

describe('episode rows from sample batches', () => {
  it('carries t and eps_id across a fragment cut, takes new_obs from the next row or the final obs', () => {
    const nextT = new Map<string, number>();
    // Runner 1: episode 7 runs 3 steps and is cut; runner 2: episode 7 (a different one) terminates.
    const first = tableFromBatches(
      [batch(1, 3, [[7, 3, ChunkEnd.CUT]], 0), batch(2, 2, [[7, 2, ChunkEnd.TERMINATED]], 50)],
      { nextT },
    );
    // Next call: runner 1's episode 7 goes on for 2 steps and terminates.
    const second = tableFromBatches([batch(1, 2, [[7, 2, ChunkEnd.TERMINATED]], 10)], { nextT });
    const table = groupByEpisode(concatTables([first, second], { distinctIds: false }));
    expect(table.epsId).toEqual(['1-7', '1-7', '1-7', '1-7', '1-7', '2-7', '2-7']);
    expect(Array.from(table.t)).toEqual([0, 1, 2, 3, 4, 0, 1]);
    expect(Array.from(table.obs.filter((_, i) => i % 2 === 0))).toEqual([0, 1, 2, 10, 11, 50, 51]);
    // new_obs: next row inside a chunk; after a chunk's last row, its final observation.
    expect(Array.from(table.newObs.filter((_, i) => i % 2 === 0))).toEqual([1, 2, 107, 11, 107, 51, 107]);
    expect(Array.from(table.terminateds)).toEqual([0, 0, 0, 0, 1, 0, 1]);
    expect(table.actionLogp).toBeDefined();
    expect(tableFromBatches([batch(1, 1, [[0, 1, ChunkEnd.CUT]], 0)], { withActionLogp: false }).actionLogp).toBe(
      undefined,
    );
  });
});

describe('Parquet episode files', () => {
  const table = cartPoleDemos({ numSteps: 1500, randomRate: 0.3, seed: 4 });

  it('round-trips every column and the spaces through Parquet', async () => {
    const bytes = writeEpisodesParquet(table, { env: 'CartPole-v1' });
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe('PAR1');
    const back = await readEpisodesParquet(bytes, 'demo.parquet');
    expect(back.env).toBe('CartPole-v1');
    expect(back.numRows).toBe(1500);
    expect([back.obsDim, back.actionKind, back.actionDim]).toEqual([4, 'discrete', 1]);
    expect(back.epsId).toEqual(table.epsId);
    expect(back.moduleId[0]).toBe('default_policy');
    for (const k of ['t', 'obs', 'actions', 'rewards', 'newObs', 'terminateds', 'truncateds', 'actionLogp'] as const) {
      expect(Array.from(back[k]!), k).toEqual(Array.from(table[k]!));
    }
    expect(back.vfPreds).toBeUndefined();
  });

  it('reports every problem of a bad file at once, naming the file', async () => {
    await expect(readEpisodesParquet(new Uint8Array([1, 2, 3]), 'junk.parquet')).rejects.toThrow(
      /junk\.parquet is not an episode file.*not a readable Parquet file/s,
    );
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const partial = new Uint8Array(
      parquetWriteBuffer({ columnData: [{ name: 'rewards', data: [1, 2], type: 'FLOAT' }] }),
    );
    await expect(readEpisodesParquet(partial, 'partial.parquet')).rejects.toThrow(
      /column 'eps_id' is missing[\s\S]*column 'obs' is missing[\s\S]*column 'actions' is missing/,
    );
  });

  it('Python reads the recorded file (python/parquet_reader.py, standard library only)', () => {
    const python = spawnSync('python3', ['--version']);
    if (python.error) {
      console.warn(
        '\n*** SKIPPED: python3 is not installed, so the Python reader was not tested. CI installs it. ***\n',
      );
      return;
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'rl-parquet-'));
    const file = path.join(dir, 'demo.parquet');
    writeFileSync(file, writeEpisodesParquet(table, { env: 'CartPole-v1' }));
    const run = spawnSync('python3', ['python/parquet_reader.py', file, '--rows', '2'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const out = JSON.parse(run.stdout) as {
      num_rows: number;
      columns: string[];
      metadata: Record<string, string>;
      num_episodes: number;
      episode_return_mean: number;
      num_terminated: number;
      rows: Record<string, unknown>[];
    };
    expect(out.num_rows).toBe(1500);
    expect(out.columns).toEqual([
      'eps_id',
      'agent_id',
      'module_id',
      't',
      'obs',
      'actions',
      'rewards',
      'new_obs',
      'terminateds',
      'truncateds',
      'action_logp',
    ]);
    expect(out.metadata['rl.env']).toBe('CartPole-v1');
    const episodes = new Set(table.epsId);
    expect(out.num_episodes).toBe(episodes.size);
    expect(out.episode_return_mean).toBeCloseTo(table.rewards.reduce((a, b) => a + b, 0) / episodes.size, 6);
    expect(out.num_terminated).toBe(table.terminateds.reduce((a, b) => a + b, 0));
    const row1 = out.rows[1]!;
    expect(row1['eps_id']).toBe(table.epsId[1]);
    expect(row1['agent_id']).toBe(null);
    expect(row1['t']).toBe(1);
    expect(row1['actions']).toBe(table.actions[1]);
    expect(row1['obs']).toEqual(Array.from(table.obs.subarray(4, 8)));
    expect(row1['new_obs']).toEqual(Array.from(table.newObs.subarray(4, 8)));

    // pandas/pyarrow read the same file where installed (not on Debian bookworm: no python3-pyarrow).
    const pandas = spawnSync(
      'python3',
      [
        '-c',
        `import pandas, pyarrow; d = pandas.read_parquet(${JSON.stringify(file)}); print(len(d), list(d["obs"][1]))`,
      ],
      { encoding: 'utf8' },
    );
    if (pandas.status === 0) {
      expect(pandas.stdout.trim().startsWith('1500 ')).toBe(true);
    } else {
      console.warn('note: pandas+pyarrow not installed; only python/parquet_reader.py was checked.');
    }
  });
});
