/**
 * The stacked learner (issue 30 item 2) against the per-module path it replaces: the same
 * modules (same seeds), the same batches and the same Rng give each module the same stats,
 * updated weights, Adam state and KL coefficient as its own PPOLearner updated one after another
 * (MultiAgentPPO's loop), within float tolerance; the Rng ends where the loop leaves it. Modules
 * have different row counts (so different minibatch counts), one has none. StackedAdam alone
 * equals one FlatAdam per module, inactive steps included. Both loss versions (fused, readable). Tensors are freed (numTensors flat).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { PPO_DEFAULTS, type PPOConfig } from '../../src/algorithms/ppo/ppo-config';
import { PPOLearner } from '../../src/algorithms/ppo/ppo-learner';
import { StackedPPOLearner } from '../../src/algorithms/ppo/stacked-ppo-learner';
import { Rng } from '../../src/core/rng';
import { ChunkEnd, type SampleBatch } from '../../src/core/sample-batch';
import { box, discrete, type Space } from '../../src/core/spaces';
import { FAST_PATHS } from '../../src/learner/fast-paths';
import { FlatAdam } from '../../src/learner/flat-adam';
import type { UpdateContext } from '../../src/learner/learner-types';
import { StackedAdam } from '../../src/learner/stacked-adam';
import { MLPModule } from '../../src/rl-module/mlp-module';
import { unpackModuleWeights } from '../../src/rl-module/multi-module-weights';
import { StackedMLP } from '../../src/rl-module/stacked-mlp';
import { syntheticBatch } from './helpers/ppo-batch';

afterAll(async () => {
  await tf.setBackend('cpu');
});

const OBS = box(-5, 5, [4]);
const MODEL = { fcnetHiddens: [16, 16], fcnetActivation: 'tanh' as const, vfShareLayers: false };
const IDS = ['p0', 'p1', 'p2', 'p3'];
const SEEDS = [3, 4, 5, 6];
/** Rows per module: 64 (4 minibatches of 16), 23 (2), none, 9 (one minibatch of 9). */
const CHUNKS: [number, ChunkEnd][][] = [
  [
    [10, ChunkEnd.TERMINATED],
    [22, ChunkEnd.CUT],
    [13, ChunkEnd.TRUNCATED],
    [19, ChunkEnd.CUT],
  ],
  [
    [15, ChunkEnd.TERMINATED],
    [8, ChunkEnd.CUT],
  ],
  [],
  [[9, ChunkEnd.TRUNCATED]],
];

function training(over: Partial<PPOConfig['training']> = {}): PPOConfig['training'] {
  return {
    ...PPO_DEFAULTS.training,
    lr: 3e-3,
    gradClip: 0.5,
    lambda: 0.95,
    numEpochs: 3,
    minibatchSize: 16,
    clipParam: 0.2,
    vfLossCoeff: 0.5,
    entropyCoeff: 0.01,
    useKlLoss: true,
    klTarget: 1e-4,
    ...over,
  };
}

const ctx = (rng: Rng): UpdateContext => ({ rng, lifetimeEnvSteps: 0, envStepsTrainedLifetime: 0 });

async function batches(actionSpace: Space): Promise<Record<string, SampleBatch>> {
  const out: Record<string, SampleBatch> = {};
  for (const [m, chunks] of CHUNKS.entries()) {
    if (chunks.length === 0) continue;
    const source = new MLPModule({ observationSpace: OBS, actionSpace, model: MODEL, seed: 90 + m });
    out[IDS[m]!] = await syntheticBatch(source, chunks, new Rng(40 + m), (_, r) => ((r * (m + 1)) % 3) - 1);
    source.dispose();
  }
  return out;
}

function expectClose(actual: number, expected: number, tol: number, what: string): void {
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(
    tol * (1 + Math.abs(expected)),
  );
}

const CASES: { name: string; actionSpace: Space; over: Partial<PPOConfig['training']> }[] = [
  { name: 'Discrete, global_norm clip, KL penalty', actionSpace: discrete(3), over: {} },
  {
    name: 'Discrete, clip by value, no KL',
    actionSpace: discrete(2),
    over: { gradClipBy: 'value', gradClip: 0.05, useKlLoss: false },
  },
  { name: 'Discrete, clip per tensor', actionSpace: discrete(2), over: { gradClipBy: 'norm', gradClip: 0.1 } },
  { name: 'Box actions, no clip', actionSpace: box(-1, 1, [2]), over: { gradClip: null } },
];

// Both loss versions (FAST_PATHS.fusedLosses) on both CPU backends: the fused stacked loss's
// closed-form gradient and the readable one's autodiff must each match the per-module learners.
const PATHS = [
  ['cpu', true],
  ['wasm', true],
  ['cpu', false],
] as const;

describe.each(PATHS)('stacked PPO learner on %s (fused loss: %s)', (backend, fused) => {
  it.each(CASES)(
    '$name: each module as its own PPOLearner (stats, weights, Adam, KL, Rng)',
    async ({ actionSpace, over }) => {
      await tf.setBackend(backend);
      const savedFused = FAST_PATHS.fusedLosses;
      FAST_PATHS.fusedLosses = fused;
      const t = training(over);
      const data = await batches(actionSpace);
      const before = tf.memory().numTensors;

      // The per-module path: one PPOLearner per module, updated in turn on one Rng (MultiAgentPPO's loop).
      const singles = SEEDS.map(
        (seed) => new PPOLearner(new MLPModule({ observationSpace: OBS, actionSpace, model: MODEL, seed }), t),
      );
      const rngA = new Rng(7);
      const expected = new Map<string, Record<string, number>>();
      for (let update = 0; update < 2; update++) {
        for (const [m, learner] of singles.entries()) {
          const b = data[IDS[m]!];
          if (b) expected.set(IDS[m]!, await learner.update(b, ctx(rngA)));
        }
      }

      const stack = new StackedPPOLearner(
        new StackedMLP({ observationSpace: OBS, actionSpace, model: MODEL, moduleIds: IDS, seeds: SEEDS }),
        t,
      );
      const rngB = new Rng(7);
      let got = new Map<string, Record<string, number>>();
      for (let update = 0; update < 2; update++) got = await stack.updateModules(data, ctx(rngB));

      expect(rngB.getState()).toEqual(rngA.getState());
      expect([...got.keys()]).toEqual(['p0', 'p1', 'p3']);
      const state = await stack.getState();
      const weights = unpackModuleWeights(state.weights);
      for (const [m, learner] of singles.entries()) {
        const id = IDS[m]!;
        const w = await learner.module.getWeights();
        w.arrays.forEach((a, i) => {
          const s = weights.get(id)!.arrays[i]!;
          for (let j = 0; j < a.length; j++) expectClose(s[j]!, a[j]!, 2e-4, `${id} ${w.names[i]}[${j}]`);
        });
        const opt = await learner.getOptimizerState();
        const sOpt = m === 0 ? state.optimizerState : state.optimizers![id]!;
        expect(sOpt.step).toBe(opt.step);
        expect(sOpt.names).toEqual(opt.names);
        opt.arrays.forEach((a, i) => {
          for (let j = 0; j < a.length; j++)
            expectClose(sOpt.arrays[i]![j]!, a[j]!, 2e-3, `${id} ${opt.names[i]}[${j}]`);
        });
        expect(state.learnerState[`currKlCoeff/${id}`]).toBe(learner.currKlCoeff);
        const e = expected.get(id);
        if (!e) {
          expect(got.has(id)).toBe(false);
          continue;
        }
        const g = got.get(id)!;
        expect(Object.keys(g).sort()).toEqual(Object.keys(e).sort());
        for (const key of Object.keys(e)) expectClose(g[key]!, e[key]!, 2e-3, `${id} ${key}`);
      }
      for (const l of singles) l.dispose();
      stack.dispose();
      FAST_PATHS.fusedLosses = savedFused;
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});

describe('StackedAdam', () => {
  it('equals one FlatAdam per module, a module that sits a step out takes none', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const M = 3;
    const init = [
      Float32Array.from({ length: M * 6 }, (_, i) => Math.sin(i)),
      Float32Array.from({ length: M * 2 }, (_, i) => i / 7),
    ];
    const variableOf = (t: tf.Tensor): tf.Variable => {
      const v = tf.variable(t);
      t.dispose();
      return v;
    };
    const stacked = [variableOf(tf.tensor3d(init[0]!, [M, 2, 3])), variableOf(tf.tensor2d(init[1]!, [M, 2]))];
    const singles = Array.from({ length: M }, (_, m) => [
      variableOf(tf.tensor2d(init[0]!.slice(m * 6, m * 6 + 6), [2, 3])),
      variableOf(tf.tensor1d(init[1]!.slice(m * 2, m * 2 + 2))),
    ]);
    const adam = new StackedAdam(stacked, 0.01);
    const flats = singles.map((vars) => new FlatAdam(vars, 0.01));
    // Module 1 sits out step 2; every module gets a different gradient each step.
    const activeAt = (step: number, m: number): boolean => !(step === 2 && m === 1);
    for (let step = 0; step < 5; step++) {
      const g0 = Float32Array.from({ length: M * 6 }, (_, i) => Math.cos(i * (step + 1)));
      const g1 = Float32Array.from({ length: M * 2 }, (_, i) => (i - step) / 3);
      tf.tidy(() => {
        const active = tf.tensor1d(Array.from({ length: M }, (_, m) => (activeAt(step, m) ? 1 : 0)));
        adam.apply(adam.flatten([tf.tensor3d(g0, [M, 2, 3]), tf.tensor2d(g1, [M, 2])]), active, tf.zeros([M]));
        flats.forEach((f, m) => {
          if (!activeAt(step, m)) return;
          const grads = [tf.tensor2d(g0.slice(m * 6, m * 6 + 6), [2, 3]), tf.tensor1d(g1.slice(m * 2, m * 2 + 2))];
          f.applyFlatGradient(f.flatten(grads), [true, true], tf.scalar(0));
        });
      });
    }
    await adam.syncSteps();
    for (const [m, f] of flats.entries()) {
      expect(adam.stepOf(m)).toBe(await f.syncStep());
      for (const [i, v] of singles[m]!.entries()) {
        const all = await stacked[i]!.data();
        const size = v.size;
        const mine = await v.data();
        for (let j = 0; j < size; j++) expectClose(all[m * size + j]!, mine[j]!, 1e-6, `module ${m} var ${i}[${j}]`);
      }
    }
    expect(adam.stepOf(1)).toBe(4);
    adam.dispose();
    for (const f of flats) f.dispose();
    tf.dispose([...stacked, ...singles.flat()]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
