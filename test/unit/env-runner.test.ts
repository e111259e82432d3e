import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChunkEnd, type SampleBatch } from '../../src/core/sample-batch';
import { EnvRunner } from '../../src/env-runner/env-runner';
import { runnerSettings } from './helpers/settings';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Checks the chunk layout invariants every batch must satisfy. */
function checkLayout(b: SampleBatch): void {
  const nChunks = b.chunkEnds.length;
  expect(b.chunkStarts.length).toBe(nChunks + 1);
  expect(b.chunkStarts[0]).toBe(0);
  expect(b.chunkStarts[nChunks]).toBe(b.numSteps);
  expect(b.finalObs.length).toBe(nChunks * b.obsDim);
  for (let c = 0; c < nChunks; c++) {
    const start = b.chunkStarts[c]!;
    const end = b.chunkStarts[c + 1]!;
    expect(end).toBeGreaterThan(start);
    for (let r = start; r < end - 1; r++) {
      expect(b.terminateds[r]).toBe(0);
      expect(b.truncateds[r]).toBe(0);
    }
    const last = end - 1;
    const kind = b.chunkEnds[c];
    expect(b.terminateds[last]).toBe(kind === ChunkEnd.TERMINATED ? 1 : 0);
    expect(b.truncateds[last]).toBe(kind === ChunkEnd.TRUNCATED ? 1 : 0);
  }
}

describe('EnvRunner', () => {
  it('truncate_episodes returns exactly rolloutFragmentLength x numEnvs steps, chunked per sub-env', async () => {
    const runner = new EnvRunner(runnerSettings({ numEnvs: 4, rolloutFragmentLength: 50 }));
    const { batch, metrics } = await runner.sample();
    expect(batch.numSteps).toBe(200);
    expect(metrics.numEnvSteps).toBe(200);
    checkLayout(batch);
    // Every sub-env contributes exactly 50 rows.
    const perEnv = new Map<number, number>();
    for (let c = 0; c < batch.chunkEnds.length; c++) {
      const len = batch.chunkStarts[c + 1]! - batch.chunkStarts[c]!;
      perEnv.set(batch.chunkEnvIndices[c]!, (perEnv.get(batch.chunkEnvIndices[c]!) ?? 0) + len);
    }
    expect([...perEnv.values()]).toEqual([50, 50, 50, 50]);
    // A random CartPole policy terminates within 50 steps sometimes; the last chunk of each env is a cut.
    const cuts = [...batch.chunkEnds].filter((e) => e === ChunkEnd.CUT).length;
    expect(cuts).toBe(4);
    runner.stop();
  });

  it('episodes crossing sample() calls keep their ids and full returns', async () => {
    const runner = new EnvRunner(runnerSettings({ numEnvs: 2, rolloutFragmentLength: 5 }));
    const first = await runner.sample();
    const second = await runner.sample();
    // The cut chunk of env 0 in call 1 continues under the same id in call 2 (unless it ended at the cut).
    const cutIds = new Set<number>();
    for (let c = 0; c < first.batch.chunkEnds.length; c++) {
      if (first.batch.chunkEnds[c] === ChunkEnd.CUT) cutIds.add(first.batch.chunkEpisodeIds[c]!);
    }
    const firstChunkIdsOfSecond = new Set<number>();
    for (let env = 0; env < 2; env++) {
      for (let c = 0; c < second.batch.chunkEnds.length; c++) {
        if (second.batch.chunkEnvIndices[c] === env) {
          firstChunkIdsOfSecond.add(second.batch.chunkEpisodeIds[c]!);
          break;
        }
      }
    }
    expect(firstChunkIdsOfSecond).toEqual(cutIds);
    // Run until episodes end: reported returns equal the summed rewards of all chunks of that id.
    const rewardsById = new Map<number, number>();
    const ended = new Set<number>();
    const returns: number[] = [];
    const calls = [first, second];
    for (let k = 0; k < 40; k++) calls.push(await runner.sample());
    for (const { batch, metrics } of calls) {
      returns.push(...metrics.episodeReturns);
      for (let c = 0; c < batch.chunkEnds.length; c++) {
        const id = batch.chunkEpisodeIds[c]!;
        let sum = 0;
        for (let r = batch.chunkStarts[c]!; r < batch.chunkStarts[c + 1]!; r++) sum += batch.rewards[r]!;
        rewardsById.set(id, (rewardsById.get(id) ?? 0) + sum);
        if (batch.chunkEnds[c] !== ChunkEnd.CUT) ended.add(id);
      }
    }
    expect(ended.size).toBeGreaterThan(3);
    // The runner's reported returns are exactly the per-episode sums of chunk rewards across calls.
    const fromChunks = [...ended].map((id) => rewardsById.get(id)!).sort((x, y) => x - y);
    expect([...returns].sort((x, y) => x - y)).toEqual(fromChunks);
    runner.stop();
  });

  it('truncation keeps finalObs and is not a termination', async () => {
    const runner = new EnvRunner(
      runnerSettings({ numEnvs: 3, rolloutFragmentLength: 12, maxEpisodeSteps: 5, explore: false }),
    );
    const { batch } = await runner.sample();
    checkLayout(batch);
    const truncated = [...batch.chunkEnds].filter((e) => e === ChunkEnd.TRUNCATED).length;
    expect(truncated).toBeGreaterThanOrEqual(3);
    for (let c = 0; c < batch.chunkEnds.length; c++) {
      if (batch.chunkEnds[c] !== ChunkEnd.TRUNCATED) continue;
      const fo = batch.finalObs.subarray(c * 4, c * 4 + 4);
      expect(fo.some((v) => v !== 0)).toBe(true);
      // The final observation is the state after the last step, not the next episode's reset obs.
      const lastObs = batch.obs.subarray((batch.chunkStarts[c + 1]! - 1) * 4, batch.chunkStarts[c + 1]! * 4);
      expect([...fo]).not.toEqual([...lastObs]);
    }
    runner.stop();
  });

  it('complete_episodes returns only whole episodes', async () => {
    const runner = new EnvRunner(
      runnerSettings({ numEnvs: 3, rolloutFragmentLength: 10, batchMode: 'complete_episodes' }),
    );
    const { batch, metrics } = await runner.sample();
    checkLayout(batch);
    expect(batch.numSteps).toBeGreaterThanOrEqual(30);
    expect([...batch.chunkEnds].every((e) => e !== ChunkEnd.CUT)).toBe(true);
    expect(metrics.numEpisodes).toBeGreaterThanOrEqual(batch.chunkEnds.length);
    runner.stop();
  });

  it('ignores stale weights and applies newer ones', async () => {
    const a = new EnvRunner(runnerSettings({ seed: 1 }));
    const b = new EnvRunner(runnerSettings({ seed: 2 }));
    const w = await a.module.getWeights();
    expect(b.setWeights(w, 3)).toBe(true);
    const older = await b.module.getWeights();
    expect(b.setWeights(await new EnvRunner(runnerSettings({ seed: 3 })).module.getWeights(), 2)).toBe(false);
    const after = await b.module.getWeights();
    expect(after.arrays.map((x) => [...x])).toEqual(older.arrays.map((x) => [...x]));
    expect(b.getWeightsSeq()).toBe(3);
    a.stop();
    b.stop();
  });

  it('does not leak tensors across sample calls', async () => {
    const runner = new EnvRunner(runnerSettings());
    await runner.sample();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await runner.sample();
    expect(tf.memory().numTensors).toBe(before);
    runner.stop();
  });
});
