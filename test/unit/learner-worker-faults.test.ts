/**
 * Learner workers get the EnvRunners' fault tolerance (issue 27 item 11): every call has a deadline
 * or the health probe, a failed or hung learner worker is restarted from the page's copy of
 * learner 0's state (weights, optimizer, PPO's KL coefficient), the interrupted update runs again,
 * and the group ends exactly where an undisturbed group does. Failures and restarts are counted
 * in fault_tolerance/*; with restarts off or used up, the run stops and says what to change.
 * In-process learner "workers" (helpers/fake-learners.ts) run the real LearnerHost.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PPO } from '../../src/algorithms/ppo/ppo';
import { PPO_DEFAULTS, ppo } from '../../src/algorithms/ppo/ppo-config';
import { ALGORITHM_CONFIG_DEFAULTS, type FaultToleranceConfig } from '../../src/core/config';
import { RLError } from '../../src/core/errors';
import { FaultToleranceKeys } from '../../src/core/metric-keys';
import { Rng } from '../../src/core/rng';
import { ChunkEnd, type SampleBatch } from '../../src/core/sample-batch';
import { box, discrete } from '../../src/core/spaces';
import type { LearnerGroup } from '../../src/learner/learner-group';
import { weightsChecksum } from '../../src/learner/learner-worker-protocol';
import { makeModule } from '../../src/rl-module';
import type { ModuleWeights } from '../../src/rl-module/weights';
import { startLearnerGroup } from '../../src/runtime/learner-supervisor';
import { fakeLearners, type FakeLearnerFleet } from './helpers/fake-learners';
import { syntheticBatch } from './helpers/ppo-batch';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const MODEL = { fcnetHiddens: [8], fcnetActivation: 'tanh' as const, vfShareLayers: false };
// A KL target the first update overshoots: the KL coefficient (learner state) changes every update.
const TRAINING = {
  ...PPO_DEFAULTS.training,
  lr: 3e-3,
  minibatchSize: 16,
  numEpochs: 2,
  useKlLoss: true,
  klTarget: 1e-6,
};
const FAST_FT: FaultToleranceConfig = {
  ...ALGORITHM_CONFIG_DEFAULTS.faultTolerance,
  restartFailedEnvRunners: true,
  delayBetweenEnvRunnerRestartsS: 0.01,
  envRunnerHealthProbeTimeoutS: 0.2,
};

let initial: ModuleWeights;
let batch: SampleBatch;
beforeAll(async () => {
  const m = makeModule({ observationSpace: box(-5, 5, [4]), actionSpace: discrete(2), model: MODEL, seed: 1 });
  initial = await m.getWeights();
  batch = await syntheticBatch(
    m,
    [
      [12, ChunkEnd.TERMINATED],
      [20, ChunkEnd.CUT],
    ],
    new Rng(4),
    (_, r) => (r % 3) - 1,
  );
  m.dispose();
});

function start(
  n: number,
  fleet: FakeLearnerFleet,
  ft: Partial<FaultToleranceConfig> = {},
  extra: { allReduceTimeoutMs?: number } = {},
): Promise<LearnerGroup> {
  return startLearnerGroup(
    {
      numLearners: n,
      init: {
        learner: 'PPO',
        config: TRAINING,
        module: { kind: 'actor-critic', model: MODEL },
        observationSpace: box(-5, 5, [4]),
        actionSpace: discrete(2),
        seed: 1,
        backend: null,
      },
      validateInSync: true,
      useSharedMemory: false,
      connect: fleet.connect,
      faultTolerance: { ...FAST_FT, ...ft },
      ...extra,
    },
    initial,
  );
}

/** `updates` updates of a group on the same batch; its final state, checksums and the Rng state after. */
async function run(group: LearnerGroup, updates: number) {
  const rng = new Rng(9);
  const stats: Record<string, number>[] = [];
  for (let i = 0; i < updates; i++) {
    stats.push(
      await group.update(batch, { rng, lifetimeEnvSteps: 0, envStepsTrainedLifetime: 0, trainingIteration: i + 1 }),
    );
  }
  const state = await group.getState();
  return { stats, state, sums: await group.checksums(), rng: rng.getState() };
}

/** What an undisturbed group of `n` learners ends with after `updates` updates. */
async function reference(n: number, updates: number) {
  const group = await start(n, fakeLearners());
  try {
    return await run(group, updates);
  } finally {
    group.stop();
  }
}

describe('learner worker faults', () => {
  it('numLearners 1: a hung learner is found by the health probe and restarted; the update completes as if undisturbed', async () => {
    const expected = await reference(1, 3);
    const fleet = fakeLearners();
    fleet.failUpdate(0, 2, 'hang');
    const group = await start(1, fleet);
    const t0 = performance.now();
    const got = await run(group, 3);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(group.faults).toEqual({ numFailures: 1, numRestarts: 1 });
    expect(fleet.started.map((w) => `${w.rank}:${w.incarnation}`)).toEqual(['0:0', '0:1']);
    expect(fleet.started[0]!.terminated).toBe(true);
    expect(got.sums).toEqual(expected.sums);
    expect(got.rng).toEqual(expected.rng);
    group.stop();
  }, 15_000);

  for (const fault of ['crash-before', 'crash-after'] as const) {
    it(`numLearners 2: learner 1 ${fault === 'crash-before' ? 'crashes during' : 'crashes right after'} an update; restarted from the page's state, the group ends bit-identical to an undisturbed one`, async () => {
      const expected = await reference(2, 3);
      const tensors = tf.memory().numTensors;
      const fleet = fakeLearners();
      fleet.failUpdate(1, 2, fault);
      const group = await start(2, fleet);
      const got = await run(group, 3);
      expect(group.faults).toEqual({ numFailures: 1, numRestarts: 1 });
      // Weights, optimizer moments and step, the KL coefficient: all as if nothing had failed.
      expect(got.sums).toEqual(expected.sums);
      expect(weightsChecksum(got.state.weights.arrays)).toBe(weightsChecksum(expected.state.weights.arrays));
      expect(got.state.optimizerState.step).toBe(expected.state.optimizerState.step);
      expect(weightsChecksum(got.state.optimizerState.arrays)).toBe(
        weightsChecksum(expected.state.optimizerState.arrays),
      );
      expect(got.state.learnerState).toEqual(expected.state.learnerState);
      expect(got.stats.map((s) => s['curr_kl_coeff'])).toEqual(expected.stats.map((s) => s['curr_kl_coeff']));
      expect(got.rng).toEqual(expected.rng);
      group.stop();
      // The failed worker's learner and the re-joined learners' old modules and optimizers: all freed.
      expect(tf.memory().numTensors).toBe(tensors);
    }, 15_000);
  }

  it('a learner worker that crashes while idle is replaced on the next call, with nothing lost', async () => {
    const expected = await reference(2, 2);
    const fleet = fakeLearners();
    const group = await start(2, fleet);
    const rng = new Rng(9);
    await group.update(batch, { rng, lifetimeEnvSteps: 0, envStepsTrainedLifetime: 0, trainingIteration: 1 });
    fleet.current(0).crash('idle');
    await group.update(batch, { rng, lifetimeEnvSteps: 0, envStepsTrainedLifetime: 0, trainingIteration: 2 });
    expect(group.faults).toEqual({ numFailures: 1, numRestarts: 1 });
    expect(await group.checksums()).toEqual(expected.sums);
    group.stop();
  }, 15_000);

  it('probe off: a peer that never reaches the all-reduce is named hung when the others give up, and only it is restarted', async () => {
    const fleet = fakeLearners();
    fleet.failUpdate(2, 1, 'hang');
    const group = await start(3, fleet, { envRunnerHealthProbeTimeoutS: null }, { allReduceTimeoutMs: 300 });
    const got = await run(group, 1);
    // Learners 0 and 1 waited at the all-reduce and answered a ping: not failed.
    expect(group.faults).toEqual({ numFailures: 1, numRestarts: 1 });
    expect(fleet.started.map((w) => `${w.rank}:${w.incarnation}`)).toEqual(['0:0', '1:0', '2:0', '2:1']);
    expect(new Set(got.sums).size).toBe(1);
    group.stop();
  }, 15_000);

  it('restarts off: a learner failure stops the run with learner/failed, naming the setting', async () => {
    const fleet = fakeLearners();
    fleet.failUpdate(1, 1, 'crash-before');
    const group = await start(2, fleet, { restartFailedEnvRunners: false, ignoreEnvRunnerFailures: true });
    const error = await group
      .update(batch, { rng: new Rng(1), lifetimeEnvSteps: 0, envStepsTrainedLifetime: 0 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RLError);
    expect((error as RLError).code).toBe('learner/failed');
    expect((error as RLError).message).toMatch(/Learner 1 failed: Learner 1 crashed.*restartFailedEnvRunners = true/);
    expect(group.faults).toEqual({ numFailures: 1, numRestarts: 0 });
    // Every worker is gone: nothing keeps running behind a stopped run.
    expect(fleet.started.every((w) => w.terminated)).toBe(true);
  }, 15_000);

  it('a crash loop stops at maxNumEnvRunnerRestarts and says so', async () => {
    const fleet = fakeLearners();
    fleet.crashEveryUpdate(0);
    const group = await start(2, fleet, { maxNumEnvRunnerRestarts: 2 });
    const error = await group
      .update(batch, { rng: new Rng(1), lifetimeEnvSteps: 0, envStepsTrainedLifetime: 0 })
      .catch((e: unknown) => e);
    expect((error as RLError).code).toBe('learner/failed');
    expect((error as RLError).message).toMatch(/maxNumEnvRunnerRestarts \(2\)/);
    expect(group.faults).toEqual({ numFailures: 3, numRestarts: 2 });
    expect(fleet.started.filter((w) => w.rank === 0)).toHaveLength(3);
  }, 15_000);

  it("a learner's own error (learners out of sync) is not a worker failure: no restart", async () => {
    const fleet = fakeLearners();
    const group = await start(2, fleet);
    await fleet.current(1).host.setWeights({ ...initial, arrays: initial.arrays.map((a) => a.map((v) => v + 1e-3)) });
    await expect(
      group.update(batch, { rng: new Rng(1), lifetimeEnvSteps: 0, envStepsTrainedLifetime: 0 }),
    ).rejects.toMatchObject({ code: 'learner/out-of-sync' });
    expect(group.faults).toEqual({ numFailures: 0, numRestarts: 0 });
  });
});

describe('PPO with numLearners 2: a learner worker fails mid-run', () => {
  const build = (fleet: FakeLearnerFleet): Promise<PPO> =>
    PPO.build(
      ppo()
        .environment('CartPole-v1')
        .envRunners({ numEnvRunners: 0, numEnvsPerEnvRunner: 2, rolloutFragmentLength: 16 })
        .rlModule({ fcnetHiddens: [8] })
        .learners({ numLearners: 2 })
        .training({ trainBatchSizePerLearner: 32, minibatchSize: 8, numEpochs: 2 })
        .faultTolerance({ delayBetweenEnvRunnerRestartsS: 0.01 })
        .debugging({ seed: 5, validateLearnerWeightsInSync: true })
        .toConfig(),
      { backend: 'cpu', connectLearner: fleet.connect, learnerTransport: 'port' },
    );

  it('trains on as if undisturbed, counts the failure and restart in fault_tolerance/*, and a checkpoint keeps the counts', async () => {
    const undisturbed = await build(fakeLearners());
    const fleet = fakeLearners();
    fleet.failUpdate(1, 2, 'crash-after');
    const algo = await build(fleet);
    const restored = await build(fakeLearners());
    try {
      const results = [];
      for (let i = 0; i < 3; i++) {
        await undisturbed.train();
        results.push(await algo.train());
      }
      expect(results.map((r) => r[FaultToleranceKeys.NUM_LEARNER_FAILURES_LIFETIME])).toEqual([0, 1, 1]);
      expect(results.map((r) => r[FaultToleranceKeys.NUM_LEARNER_RESTARTS_LIFETIME])).toEqual([0, 1, 1]);
      const [a, b] = [await algo.save(), await undisturbed.save()];
      expect(weightsChecksum(a.weights.arrays)).toBe(weightsChecksum(b.weights.arrays));
      expect(a.optimizerState.step).toBe(b.optimizerState.step);
      expect(a.learnerState).toEqual(b.learnerState);
      // The page's module (computeActions) has learner 0's weights.
      expect(weightsChecksum((await algo.module.getWeights()).arrays)).toBe(weightsChecksum(a.weights.arrays));
      expect(a.counters).toMatchObject({ numLearnerFailuresLifetime: 1, numLearnerRestartsLifetime: 1 });
      await restored.restore(a);
      const next = await restored.train();
      expect(next[FaultToleranceKeys.NUM_LEARNER_FAILURES_LIFETIME]).toBe(1);
      expect(next[FaultToleranceKeys.NUM_LEARNER_RESTARTS_LIFETIME]).toBe(1);
    } finally {
      undisturbed.stop();
      algo.stop();
      restored.stop();
    }
  }, 30_000);
});
