import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ALGORITHM_CONFIG_DEFAULTS, type FaultToleranceConfig } from '../../src/core/config';
import type { SampleBatch } from '../../src/core/sample-batch';
import { EnvRunner } from '../../src/env-runner/env-runner';
import { AsyncSampler } from '../../src/runtime/async-sampler';
import { EnvRunnerGroup } from '../../src/runtime/env-runner-group';
import { LearnerQueue } from '../../src/runtime/learner-queue';
import { fakeFleet, type FakeFleet } from './helpers/fake-runners';
import { runnerSettings } from './helpers/settings';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const until = async (cond: () => boolean, timeoutMs = 5000): Promise<void> => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe('LearnerQueue', () => {
  it('drop_oldest: stays bounded, drops the oldest items and counts them', async () => {
    const dropped: number[] = [];
    const q = new LearnerQueue<number>(3, 'drop_oldest', (x) => dropped.push(x));
    for (let i = 1; i <= 5; i++) await q.put(i);
    expect(q.size).toBe(3);
    expect(q.numDropped).toBe(2);
    expect(dropped).toEqual([1, 2]);
    expect([q.take(), q.take(), q.take(), q.take()]).toEqual([3, 4, 5, undefined]);
    expect(q.numAdded).toBe(5);
  });

  it('block: put waits for room and keeps every item in order', async () => {
    const q = new LearnerQueue<number>(2, 'block');
    await q.put(1);
    await q.put(2);
    let thirdIn = false;
    const third = q.put(3).then(() => {
      thirdIn = true;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(thirdIn).toBe(false);
    expect(q.size).toBe(2);
    expect(q.take()).toBe(1);
    await third;
    expect(thirdIn).toBe(true);
    expect([q.take(), q.take()]).toEqual([2, 3]);
    expect(q.numDropped).toBe(0);
  });

  it('waitForItem resolves on the next put; close releases blocked producers', async () => {
    const q = new LearnerQueue<string>(1, 'block');
    const waiting = q.waitForItem();
    await q.put('a');
    await waiting;
    const blocked = q.put('b');
    q.close();
    await blocked;
    expect(q.size).toBe(1);
  });
});

let group: EnvRunnerGroup | null = null;
afterEach(() => {
  group?.stop();
  group = null;
});

function makeGroup(fleet: FakeFleet, ft: Partial<FaultToleranceConfig> = {}): EnvRunnerGroup {
  group = new EnvRunnerGroup({
    numEnvRunners: 2,
    faultTolerance: { ...ALGORITHM_CONFIG_DEFAULTS.faultTolerance, delayBetweenEnvRunnerRestartsS: 0.01, ...ft },
    sampleTimeoutS: 5,
    connect: fleet.connect,
    settingsFor: (workerIndex, incarnation) =>
      runnerSettings({ workerIndex, seed: 3 + incarnation, numEnvs: 2, rolloutFragmentLength: 5 }),
  });
  return group;
}

describe('AsyncSampler', () => {
  it('keeps up to maxRequestsInFlightPerEnvRunner calls per runner and tags batches with their weights version', async () => {
    const fleet = fakeFleet();
    const g = makeGroup(fleet);
    await g.start();
    const weights = await new EnvRunner(runnerSettings()).module.getWeights();
    await g.syncWeights(weights);
    const queue = new LearnerQueue<SampleBatch>(100_000, 'drop_oldest');
    const sampler = new AsyncSampler(g, queue, { maxRequestsInFlightPerEnvRunner: 3 });
    sampler.start();
    expect(sampler.numInFlight).toBe(6);
    await until(() => queue.size >= 6);
    const first = [queue.take()!, queue.take()!];
    expect(first.every((b) => b.weightsSeq === 1)).toBe(true);
    // New weights: batches sampled after the runners got them carry version 2.
    await g.syncWeights(weights);
    const afterSync = sampler.numBatchesReceived;
    await until(() => sampler.numBatchesReceived >= afterSync + 8);
    sampler.stop();
    const seqs: number[] = [];
    const byRunner = new Map<number, number[]>();
    for (let b = queue.take(); b; b = queue.take()) {
      seqs.push(b.weightsSeq);
      byRunner.set(b.workerIndex, [...(byRunner.get(b.workerIndex) ?? []), b.weightsSeq]);
    }
    expect(seqs.at(-1)).toBe(2);
    // Versions never go backwards per runner: a runner ignores older weights.
    for (const list of byRunner.values()) expect(list).toEqual([...list].sort((a, b) => a - b));
    expect(g.lifetime.numEnvStepsSampled).toBe(sampler.numBatchesReceived * 10);
    expect(sampler.drainMetrics().length).toBe(sampler.numBatchesReceived);
  });

  it('a full drop_oldest queue stays bounded while runners keep sampling', async () => {
    const fleet = fakeFleet();
    const g = makeGroup(fleet);
    await g.start();
    let droppedSteps = 0;
    const queue = new LearnerQueue<SampleBatch>(4, 'drop_oldest', (b) => (droppedSteps += b.numSteps));
    const sampler = new AsyncSampler(g, queue, { maxRequestsInFlightPerEnvRunner: 1 });
    sampler.start();
    await until(() => sampler.numBatchesReceived >= 12);
    sampler.stop();
    expect(queue.size).toBe(4);
    expect(queue.numDropped).toBeGreaterThanOrEqual(8);
    expect(droppedSteps).toBe(queue.numDropped * 10);
  });

  it('a full blocking queue stops the runners until the learner takes a batch', async () => {
    const fleet = fakeFleet();
    const g = makeGroup(fleet);
    await g.start();
    const queue = new LearnerQueue<SampleBatch>(2, 'block');
    const sampler = new AsyncSampler(g, queue, { maxRequestsInFlightPerEnvRunner: 1 });
    sampler.start();
    await until(() => sampler.numBatchesReceived >= 4);
    await new Promise((r) => setTimeout(r, 50));
    // Two batches queued, two more arrived and wait for room: nothing else is requested.
    expect(sampler.numBatchesReceived).toBe(4);
    expect(queue.size).toBe(2);
    queue.take();
    await until(() => sampler.numBatchesReceived >= 5);
    sampler.stop();
    expect(queue.numDropped).toBe(0);
  });

  it('a runner that dies with requests in flight loses only those (counted), is restarted and rejoins', async () => {
    const fleet = fakeFleet();
    const g = makeGroup(fleet, { restartFailedEnvRunners: true });
    await g.start();
    const queue = new LearnerQueue<SampleBatch>(1000, 'drop_oldest');
    const sampler = new AsyncSampler(g, queue, { maxRequestsInFlightPerEnvRunner: 2 });
    sampler.start();
    await until(() => sampler.numBatchesReceived >= 4);
    // Runner 1 now has 2 requests in flight; crash it the way a worker's uncaught error does.
    fleet.crashOnSample(1, true);
    await until(() => sampler.numRequestsLost >= 2);
    fleet.crashOnSample(1, false);
    await until(() => fleet.current(1).incarnation >= 1 && g.supervisor.slots[0]!.healthy);
    const lostAfterCrash = sampler.numRequestsLost;
    const fromRestarted = (): boolean => {
      for (let b = queue.take(); b; b = queue.take()) if (b.workerIndex === 1 && b.weightsSeq === -1) return true;
      return false;
    };
    // The restarted runner (no weights were ever synced: seq -1) is sampled from again.
    const before = sampler.numBatchesReceived;
    await until(() => sampler.numBatchesReceived >= before + 6);
    sampler.stop();
    expect(fromRestarted()).toBe(true);
    expect(sampler.numRequestsLost).toBe(lostAfterCrash);
    expect(g.lifetime.numFragmentsDropped).toBe(sampler.numRequestsLost);
    expect(g.supervisor.numRestarts).toBeGreaterThanOrEqual(1);
    // Runner 2 lost nothing: every request of a healthy runner arrived.
    expect(sampler.numRequestsLost).toBeLessThanOrEqual(2 + 2);
  });

  it('waitForBatch fails with none-healthy once every runner is gone for good', async () => {
    const fleet = fakeFleet();
    const g = makeGroup(fleet, { restartFailedEnvRunners: false, ignoreEnvRunnerFailures: true });
    await g.start();
    const queue = new LearnerQueue<SampleBatch>(10, 'drop_oldest');
    const sampler = new AsyncSampler(g, queue, { maxRequestsInFlightPerEnvRunner: 1 });
    fleet.crashOnSample(1, true);
    fleet.crashOnSample(2, true);
    sampler.start();
    await expect(sampler.waitForBatch()).rejects.toThrow(/No healthy EnvRunner left/);
    expect(sampler.numRequestsLost).toBe(2);
  });
});
