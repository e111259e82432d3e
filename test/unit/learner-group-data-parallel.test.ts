import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeLearner } from '../../src/algorithms/learner-classes';
import { PPO } from '../../src/algorithms/ppo/ppo';
import { PPO_DEFAULTS, ppo, type PPOConfig } from '../../src/algorithms/ppo/ppo-config';
import { PPOLearner } from '../../src/algorithms/ppo/ppo-learner';
import { Rng } from '../../src/core/rng';
import { ChunkEnd } from '../../src/core/sample-batch';
import { box, discrete, type Space } from '../../src/core/spaces';
import type { GradClipBy } from '../../src/learner/grad-clip';
import { shardRange } from '../../src/learner/data-parallel-step';
import { ALGORITHM_CONFIG_DEFAULTS } from '../../src/core/config';
import { startLearnerGroup } from '../../src/runtime/learner-supervisor';
import { failureSignal } from '../../src/runtime/rpc';
import { LearnerHost, type LearnerApi } from '../../src/learner/learner-host';
import type { UpdateContext } from '../../src/learner/learner-types';
import { weightsChecksum, type ConnectLearner } from '../../src/learner/learner-worker-protocol';
import { makeModule, type MLPModule } from '../../src/rl-module';
import { syntheticBatch } from './helpers/ppo-batch';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const MODEL = { fcnetHiddens: [16, 16], fcnetActivation: 'tanh' as const, vfShareLayers: false };
const CHUNKS: [number, ChunkEnd][] = [
  [10, ChunkEnd.TERMINATED],
  [22, ChunkEnd.CUT],
  [13, ChunkEnd.TRUNCATED],
  [19, ChunkEnd.CUT],
];

function module(actionSpace: Space): MLPModule {
  return makeModule({ observationSpace: box(-5, 5, [4]), actionSpace, model: MODEL, seed: 1 });
}

/**
 * PPO's training config. `minibatchSize` is per learner (RLlib), so a group of n learners steps
 * on n x this; the single learner it is compared with gets the group's.
 */
function training(clip: GradClipBy, minibatchSize: number): PPOConfig['training'] {
  return {
    ...PPO_DEFAULTS.training,
    lr: 3e-3,
    gradClip: 0.5,
    gradClipBy: clip,
    lambda: 0.95,
    numEpochs: 2,
    minibatchSize,
    clipParam: 0.2,
    vfLossCoeff: 0.5,
    entropyCoeff: 0.01,
  };
}

const ctx = (rng: Rng): UpdateContext => ({ rng, lifetimeEnvSteps: 0, envStepsTrainedLifetime: 0 });

/** In-process learners: the real host (with the worker's learner classes), called directly instead of through a worker. */
const inProcess: ConnectLearner<LearnerApi> = () => {
  const host = new LearnerHost(makeLearner);
  const api: LearnerApi = host;
  const failure = failureSignal();
  return Promise.resolve({
    api,
    failure: failure.promise,
    fail: (e) => failure.fail(e),
    transfer: (v) => v,
    terminate: () => host.dispose(),
  });
};

function maxAbsDiff(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  let d = 0;
  a.forEach((x, i) => x.forEach((v, j) => (d = Math.max(d, Math.abs(v - b[i]![j]!)))));
  return d;
}

describe('shardRange', () => {
  it('splits rows into contiguous shards that differ by at most one row and cover every row', () => {
    expect([0, 1, 2].map((r) => shardRange(32, r, 3))).toEqual([
      [0, 11],
      [11, 22],
      [22, 32],
    ]);
    expect(shardRange(8, 1, 2)).toEqual([4, 8]);
  });
});

describe('data-parallel PPO learners (numLearners >= 1)', () => {
  // `perLearner`: each learner's minibatch; the single learner steps on the group's, n x that,
  // at most the batch's 64 rows (n = 3: 66 rows clamped to 64, shards of 22, 21 and 21).
  const cases: {
    n: number;
    transport: 'port' | 'shared-array';
    actions: Space;
    clip: GradClipBy;
    perLearner: number;
  }[] = [
    { n: 2, transport: 'port', actions: discrete(3), clip: 'global_norm', perLearner: 16 },
    { n: 2, transport: 'shared-array', actions: discrete(3), clip: 'global_norm', perLearner: 16 },
    { n: 3, transport: 'shared-array', actions: box(-1, 1, [2]), clip: 'norm', perLearner: 22 },
    { n: 1, transport: 'port', actions: discrete(2), clip: 'value', perLearner: 32 },
  ];
  for (const { n, transport, actions, clip, perLearner } of cases) {
    it(`${n} learners over ${transport}: one update equals the single learner's on the same batch (${actions.kind}, clip by ${clip})`, async () => {
      const single = new PPOLearner(module(actions), training(clip, Math.min(64, n * perLearner)));
      const initial = await single.module.getWeights();
      const batch = await syntheticBatch(single.module, CHUNKS, new Rng(4), (_, row) => (row % 5) - 2);
      const before = tf.memory().numTensors;
      const group = await startLearnerGroup(
        {
          numLearners: n,
          init: {
            learner: 'PPO',
            config: training(clip, perLearner),
            module: { kind: 'actor-critic', model: MODEL },
            observationSpace: box(-5, 5, [4]),
            actionSpace: actions,
            seed: 99, // different init: start() must hand every learner `initial`
            backend: null,
          },
          validateInSync: true,
          useSharedMemory: transport === 'shared-array',
          connect: inProcess,
          faultTolerance: ALGORITHM_CONFIG_DEFAULTS.faultTolerance,
        },
        initial,
      );
      try {
        const rngSingle = new Rng(5);
        const rngGroup = new Rng(5);
        for (let update = 0; update < 2; update++) {
          const expected = await single.update(batch, ctx(rngSingle));
          const got = await group.update(batch, ctx(rngGroup));
          const a = (await single.module.getWeights()).arrays;
          const b = (await group.getWeights()).arrays;
          expect(maxAbsDiff(a, initial.arrays)).toBeGreaterThan(1e-3); // the update moved the weights
          expect(maxAbsDiff(a, b)).toBeLessThan(2e-5);
          expect(got.gradient_global_norm).toBeCloseTo(expected.gradient_global_norm!, 4);
          expect(got.num_module_steps_trained).toBe(expected.num_module_steps_trained);
          expect(got.curr_kl_coeff).toBeCloseTo(expected.curr_kl_coeff!, 6);
          // Linear loss stats average to the full minibatch's.
          expect(got.total_loss).toBeCloseTo(expected.total_loss!, 4);
          expect(rngGroup.getState()).toEqual(rngSingle.getState());
          const sums = await group.checksums();
          expect(new Set(sums).size).toBe(1);
          expect(sums[0]).toBe(weightsChecksum(b));
        }
        const optimizer = (await group.getState()).optimizerState;
        const singleOptimizer = await single.getOptimizerState();
        expect(optimizer.step).toBe(singleOptimizer.step);
        expect(maxAbsDiff(optimizer.arrays, singleOptimizer.arrays)).toBeLessThan(1e-4);
      } finally {
        group.stop();
      }
      single.dispose();
      // The group's learners (in-process here) free everything they held.
      expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
    });
  }

  it('the checksum tells learners with different weights apart', () => {
    const a = Float32Array.of(1, 2, 3);
    expect(weightsChecksum([a])).toBe(weightsChecksum([a.slice()]));
    expect(weightsChecksum([a])).not.toBe(weightsChecksum([Float32Array.of(1, 2, 3.0000002)]));
    expect(weightsChecksum([Float32Array.of(0)])).not.toBe(weightsChecksum([Float32Array.of(-0)]));
  });

  it('validateInSync stops the run with learner/out-of-sync when one learner drifts', async () => {
    const m = module(discrete(2));
    const initial = await m.getWeights();
    const batch = await syntheticBatch(m, CHUNKS, new Rng(4));
    m.dispose();
    const hosts: LearnerHost[] = [];
    const group = await startLearnerGroup(
      {
        numLearners: 2,
        init: {
          learner: 'PPO',
          config: training('global_norm', 16),
          module: { kind: 'actor-critic', model: MODEL },
          observationSpace: box(-5, 5, [4]),
          actionSpace: discrete(2),
          seed: 1,
          backend: null,
        },
        validateInSync: true,
        useSharedMemory: false,
        connect: (rank) => {
          const host = new LearnerHost(makeLearner);
          hosts[rank] = host;
          return inProcess(rank).then((c) => ({ ...c, api: host }));
        },
        faultTolerance: ALGORITHM_CONFIG_DEFAULTS.faultTolerance,
      },
      initial,
    );
    // Learner 1 gets nudged weights behind the group's back.
    await hosts[1]!.setWeights({ ...initial, arrays: initial.arrays.map((a) => a.map((v) => v + 1e-3)) });
    await expect(group.update(batch, ctx(new Rng(1)))).rejects.toMatchObject({ code: 'learner/out-of-sync' });
    group.stop();
  });
});

describe('PPO with numLearners 2 (in-process learner workers)', () => {
  const build = (seed: number): Promise<PPO> =>
    PPO.build(
      ppo()
        .environment('CartPole-v1')
        .envRunners({ numEnvRunners: 0, numEnvsPerEnvRunner: 2, rolloutFragmentLength: 16 })
        .rlModule({ fcnetHiddens: [8] })
        .learners({ numLearners: 2 })
        .training({ trainBatchSizePerLearner: 32, minibatchSize: 8, numEpochs: 2 })
        .debugging({ seed, validateLearnerWeightsInSync: true })
        .toConfig(),
      { backend: 'cpu', connectLearner: inProcess, learnerTransport: 'port' },
    );

  it("trains on the group, acts with learner 0's weights on the page, and restores into a fresh group", async () => {
    const before = tf.memory().numTensors;
    const a = await build(5);
    const b = await build(6);
    try {
      expect(a.device.reason).toMatch(/numLearners=2: one shared learner per worker, gradients averaged over messages/);
      const r = await a.train();
      // 2 learners x 32 rows sampled and trained; 2 epochs x 4 group minibatches of 2 x 8 rows.
      expect(r['num_env_steps_trained']).toBe(64);
      expect(r['learners/default_policy/num_module_steps_trained']).toBe(2 * 4 * 16);
      // The sync after the update put learner 0's weights on the page's module (computeActions).
      expect((await a.module.getWeights()).arrays).toEqual((await a.learnerGroup.getWeights()).arrays);
      const ckpt = await a.save();
      expect(ckpt.optimizerState.step).toBe(2 * 4);
      await b.restore(ckpt);
      const sums = await b.learnerGroup.checksums();
      expect(sums).toEqual([weightsChecksum(ckpt.weights.arrays), weightsChecksum(ckpt.weights.arrays)]);
      expect((await b.save()).learnerState).toEqual(ckpt.learnerState);
      expect((await b.train())['training_iteration']).toBe(2);
    } finally {
      a.stop();
      b.stop();
    }
    // The page's module, every learner's module and optimizer, the runners' modules: all freed.
    expect(tf.memory().numTensors).toBe(before);
  });
});
