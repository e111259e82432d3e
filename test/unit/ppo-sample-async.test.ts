/**
 * PPO's sampleAsync: the runners sample the next train batch while the learner updates, and the
 * weight sync waits for that sample, so every batch after the first was sampled by the weights of
 * exactly one update before the ones it is trained from. Checked through the weights sequence
 * number each batch carries, the lifetime counters (one batch sampled ahead of training), the
 * episode metrics of the batch sampled ahead, and a restore, which drops the held batch.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PPO } from '../../src/algorithms/ppo/ppo';
import { ppo } from '../../src/algorithms/ppo/ppo-config';
import type { SampleBatch } from '../../src/core/sample-batch';
import { fakeFleet } from './helpers/fake-runners';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** 2 runners x 2 envs x 16 steps = 64 env steps per iteration. */
const BATCH = 64;

async function build(sampleAsync: boolean): Promise<PPO> {
  const config = ppo()
    .environment('CartPole-v1')
    .envRunners({ numEnvRunners: 2, numEnvsPerEnvRunner: 2, rolloutFragmentLength: 16 })
    .rlModule({ fcnetHiddens: [8] })
    .training({ trainBatchSizePerLearner: BATCH, minibatchSize: 32, numEpochs: 1, sampleAsync })
    .debugging({ seed: 3 })
    .toConfig();
  return PPO.build(config, { backend: 'cpu', connect: fakeFleet().connect });
}

interface Watch {
  /** Per update: the oldest weights sequence number among the runner batches it trains on. */
  readonly trained: number[];
  /** Per group sample call: the oldest and newest sequence numbers of its runner batches. */
  readonly sampled: [number, number][];
}

function watch(algo: PPO): Watch {
  const w: Watch = { trained: [], sampled: [] };
  const update = algo.learnerGroup.update.bind(algo.learnerGroup);
  vi.spyOn(algo.learnerGroup, 'update').mockImplementation((batch, ctx) => {
    w.trained.push((batch as SampleBatch).weightsSeq);
    return update(batch, ctx);
  });
  const group = algo.envRunnerGroup;
  const sample = group.sample.bind(group);
  vi.spyOn(group, 'sample').mockImplementation(async (n: number) => {
    const r = await sample(n);
    const seqs = r.batches.map((b) => b.weightsSeq);
    w.sampled.push([Math.min(...seqs), Math.max(...seqs)]);
    return r;
  });
  return w;
}

let algo: PPO | null = null;
afterEach(() => {
  algo?.stop();
  algo = null;
  vi.restoreAllMocks();
});

describe('PPO sampleAsync', () => {
  it('trains each batch after the first on data sampled one update behind', async () => {
    algo = await build(true);
    const w = watch(algo);
    for (let i = 0; i < 4; i++) await algo.train();
    // Build syncs weights seq 1, each iteration one more. Batch 1 is sampled by seq 1 before any
    // update, batch 2 during update 1 (still seq 1), batch k by seq k - 1: one update behind.
    expect(w.trained).toEqual([1, 1, 2, 3]);
    // One sample call ahead of the updates, each by one set of weights (the sync waits for it).
    expect(w.sampled).toEqual([
      [1, 1],
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
    ]);
  });

  it('stays synchronous when off: each batch is sampled by the latest weights', async () => {
    algo = await build(false);
    const w = watch(algo);
    for (let i = 0; i < 4; i++) await algo.train();
    expect(w.trained).toEqual([1, 2, 3, 4]);
    expect(w.sampled).toHaveLength(4);
  });

  it('counts the batch sampled ahead as sampled, not trained, and reports its episodes', async () => {
    algo = await build(true);
    let r = await algo.train();
    expect(r['num_env_steps_sampled_lifetime']).toBe(2 * BATCH);
    expect(r['num_env_steps_trained_lifetime']).toBe(BATCH);
    expect(r['num_env_steps_sampled']).toBe(2 * BATCH);
    let episodes = Number(r['env_runners/num_episodes']);
    for (let i = 0; i < 5; i++) {
      r = await algo.train();
      expect(r['num_env_steps_sampled']).toBe(BATCH);
      episodes += Number(r['env_runners/num_episodes']);
    }
    expect(r['num_env_steps_sampled_lifetime']).toBe(7 * BATCH);
    expect(r['num_env_steps_trained_lifetime']).toBe(6 * BATCH);
    // Every finished episode, the batch sampled ahead's included, is in the counts and the window.
    expect(r['env_runners/num_episodes_lifetime']).toBe(episodes);
    expect(episodes).toBeGreaterThan(0);
  });

  it('drops the batch sampled ahead on restore and samples afresh with the restored weights', async () => {
    algo = await build(true);
    await algo.train();
    const ckpt = await algo.save();
    await algo.train();
    const w = watch(algo);
    await algo.restore(ckpt);
    const r = await algo.train();
    // The restore synced new weights (seq 4 after the build's 1 and two iterations' syncs): the
    // first batch after it is sampled by them, not the one held from before the restore (seq 2).
    expect(w.trained).toEqual([4]);
    expect(r['num_env_steps_sampled_lifetime']).toBe(2 * BATCH + 2 * BATCH);
  });
});
