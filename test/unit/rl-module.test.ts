import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RLError } from '../../src/core/errors';
import { Rng } from '../../src/core/rng';
import { box, discrete } from '../../src/core/spaces';
import type { Space } from '../../src/core/spaces';
import type { RLModuleConfig as ModelConfig } from '../../src/core/config';
import type { RLModuleSpec } from '../../src/rl-module';
import { MLPModule, makeModule } from '../../src/rl-module';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const OBS_DIM = 4;
const obsSpace = box(-5, 5, [OBS_DIM]);

function spec(actionSpace: Space, model: Partial<ModelConfig> = {}, seed = 1): RLModuleSpec {
  return {
    observationSpace: obsSpace,
    actionSpace,
    model: { fcnetHiddens: [16, 8], fcnetActivation: 'tanh', vfShareLayers: false, ...model },
    seed,
  };
}

function randomObs(rows: number, seed = 3): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: rows * OBS_DIM }, () => rng.uniform(-2, 2));
}

async function forwardTrainData(m: MLPModule, obs: Float32Array, rows: number): Promise<[Float32Array, Float32Array]> {
  const { actionDistInputs, vfPreds } = tf.tidy(() => m.forwardTrain(tf.tensor2d(obs, [rows, OBS_DIM])));
  const out: [Float32Array, Float32Array] = [
    (await actionDistInputs.data()) as Float32Array,
    (await vfPreds.data()) as Float32Array,
  ];
  tf.dispose([actionDistInputs, vfPreds]);
  return out;
}

/** Weights with every value non-trivial (non-zero biases, large head), so round trips are meaningful. */
async function scrambleWeights(m: MLPModule, seed: number): Promise<void> {
  const rng = new Rng(seed);
  const w = await m.getWeights();
  m.setWeights({ ...w, version: 5, arrays: w.arrays.map((a) => a.map(() => rng.uniform(-0.7, 0.7))) });
}

describe('MLPModule shapes', () => {
  const cases: [string, Space, Partial<ModelConfig>, number][] = [
    ['Discrete, separate towers, tanh', discrete(3), {}, 3],
    ['Discrete, shared layers, relu', discrete(2), { vfShareLayers: true, fcnetActivation: 'relu' }, 2],
    ['Box(2), separate towers', box(-1, 1, [2]), {}, 4],
    ['Box(1), shared layers, no hidden layers', box(-2, 2, [1]), { vfShareLayers: true, fcnetHiddens: [] }, 2],
  ];
  for (const [name, actionSpace, model, inputDim] of cases) {
    it(`${name}: forwardTrain, valueFunction, forwardExploration`, async () => {
      const before = tf.memory().numTensors;
      const m = makeModule(spec(actionSpace, model));
      const rows = 5;
      const obs = randomObs(rows);
      const shapes = tf.tidy(() => {
        const out = m.forwardTrain(tf.tensor2d(obs, [rows, OBS_DIM]));
        return [
          out.actionDistInputs.shape,
          out.vfPreds.shape,
          m.valueFunction(tf.tensor2d(obs, [rows, OBS_DIM])).shape,
        ];
      });
      expect(shapes).toEqual([[rows, inputDim], [rows], [rows]]);
      expect(m.distribution.inputDim).toBe(inputDim);
      const [dist, values] = await forwardTrainData(m, obs, rows);
      if (actionSpace.kind === 'box') {
        // Log-std starts at 0 and is broadcast to every row.
        const d = inputDim / 2;
        for (let i = 0; i < rows; i++) for (let j = 0; j < d; j++) expect(dist[i * inputDim + d + j]).toBe(0);
      }
      const actions = actionSpace.kind === 'discrete' ? new Int32Array(rows) : new Float32Array(rows * (inputDim / 2));
      const out = { actions, actionLogp: new Float32Array(rows), vfPreds: new Float32Array(rows) };
      await m.forwardExploration(obs, rows, new Rng(0), out);
      // Five rows of this small net go through the JS forward: float32 agreement, not bit equality.
      for (let i = 0; i < rows; i++) {
        expect(out.vfPreds[i]).toBeCloseTo(values[i]!, 5);
        expect(Number.isFinite(out.actionLogp[i])).toBe(true);
        expect(out.actionLogp[i]).toBeCloseTo(m.distribution.logpRow(dist, i, actions), 5);
      }
      if (actionSpace.kind === 'discrete') for (const a of actions) expect(a >= 0 && a < actionSpace.n).toBe(true);
      m.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('forwardInference is greedy: argmax of logits / the Gaussian means', async () => {
    for (const actionSpace of [discrete(4), box(-1, 1, [3])] as Space[]) {
      const m = makeModule(spec(actionSpace));
      await scrambleWeights(m, 11);
      const rows = 6;
      const obs = randomObs(rows);
      const [dist] = await forwardTrainData(m, obs, rows);
      const d = m.distribution;
      const actions = actionSpace.kind === 'discrete' ? new Int32Array(rows) : new Float32Array(rows * 3);
      await m.forwardInference(obs, rows, { actions });
      const expected = actions.slice().fill(0);
      for (let i = 0; i < rows; i++) d.greedy(dist, i, expected);
      if (actionSpace.kind === 'discrete') expect(actions).toEqual(expected);
      else actions.forEach((a, k) => expect(a).toBeCloseTo(expected[k]!, 5));
      m.dispose();
    }
  });

  it('the hot path does not leak tensors (JS forward at 8 rows, TF.js at 400)', async () => {
    const m = makeModule(spec(discrete(2)));
    for (const rows of [8, 400]) {
      const obs = randomObs(rows);
      const out = {
        actions: new Int32Array(rows),
        actionLogp: new Float32Array(rows),
        vfPreds: new Float32Array(rows),
      };
      const rng = new Rng(1);
      await m.forwardExploration(obs, rows, rng, out);
      const before = tf.memory().numTensors;
      for (let k = 0; k < 10; k++) {
        await m.forwardExploration(obs, rows, rng, out);
        await m.forwardInference(obs, rows, out);
      }
      expect(tf.memory().numTensors).toBe(before);
    }
    m.dispose();
  });
});

describe('MLPModule weights', () => {
  it('same seed gives the same weights, another seed different ones', async () => {
    const a = makeModule(spec(box(-1, 1, [2]), {}, 42));
    const b = makeModule(spec(box(-1, 1, [2]), {}, 42));
    const c = makeModule(spec(box(-1, 1, [2]), {}, 43));
    const [wa, wb, wc] = await Promise.all([a.getWeights(), b.getWeights(), c.getWeights()]);
    expect(wa.names).toEqual(wb.names);
    expect(wa.arrays).toEqual(wb.arrays);
    expect(wa.arrays[0]).not.toEqual(wc.arrays[0]);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('uses CleanRL init: orthogonal kernels with gains sqrt(2) / 0.01 / 1, zero biases, log-std 0', async () => {
    const m = makeModule(spec(box(-1, 1, [2]), { fcnetHiddens: [16, 8] }));
    const w = await m.getWeights();
    expect(w.names).toEqual([
      'pi/fc_0/kernel',
      'pi/fc_0/bias',
      'pi/fc_1/kernel',
      'pi/fc_1/bias',
      'vf/fc_0/kernel',
      'vf/fc_0/bias',
      'vf/fc_1/kernel',
      'vf/fc_1/bias',
      'pi/out/kernel',
      'pi/out/bias',
      'vf/out/kernel',
      'vf/out/bias',
      'pi/log_std',
    ]);
    const byName = (n: string): { a: Float32Array; shape: number[] } => {
      const i = w.names.indexOf(n);
      return { a: w.arrays[i]!, shape: w.shapes[i]! };
    };
    // W^T W (or W W^T for wide kernels) = gain^2 I.
    const checkOrthogonal = (n: string, gain: number): void => {
      const { a, shape } = byName(n);
      const [rows, cols] = shape as [number, number];
      const tall = rows >= cols;
      const k = tall ? cols : rows;
      for (let p = 0; p < k; p++) {
        for (let q = 0; q < k; q++) {
          let dot = 0;
          const len = tall ? rows : cols;
          for (let i = 0; i < len; i++) {
            dot += tall ? a[i * cols + p]! * a[i * cols + q]! : a[p * cols + i]! * a[q * cols + i]!;
          }
          expect(dot).toBeCloseTo(p === q ? gain * gain : 0, 5);
        }
      }
    };
    checkOrthogonal('pi/fc_0/kernel', Math.SQRT2); // 4 x 16: wide
    checkOrthogonal('pi/fc_1/kernel', Math.SQRT2); // 16 x 8: tall
    checkOrthogonal('vf/fc_1/kernel', Math.SQRT2);
    checkOrthogonal('pi/out/kernel', 0.01);
    checkOrthogonal('vf/out/kernel', 1);
    for (const n of ['pi/fc_0/bias', 'vf/out/bias', 'pi/log_std']) expect(byName(n).a.every((x) => x === 0)).toBe(true);
    m.dispose();
  });

  it('getWeights -> setWeights into a fresh module gives bit-identical outputs and actions', async () => {
    for (const actionSpace of [discrete(3), box(-1, 1, [2])] as Space[]) {
      const source = makeModule(spec(actionSpace, {}, 1));
      await scrambleWeights(source, 99);
      const target = makeModule(spec(actionSpace, {}, 2));
      const weights = await source.getWeights();
      target.setWeights(weights);
      expect(target.weightsVersion).toBe(5);
      // The copy is independent of the caller's arrays.
      weights.arrays[0]!.fill(123);

      const rows = 16;
      const obs = randomObs(rows, 8);
      const [distA, vfA] = await forwardTrainData(source, obs, rows);
      const [distB, vfB] = await forwardTrainData(target, obs, rows);
      expect(distB).toEqual(distA);
      expect(vfB).toEqual(vfA);

      const make = (): { actions: Int32Array | Float32Array; actionLogp: Float32Array; vfPreds: Float32Array } => ({
        actions: actionSpace.kind === 'discrete' ? new Int32Array(rows) : new Float32Array(rows * 2),
        actionLogp: new Float32Array(rows),
        vfPreds: new Float32Array(rows),
      });
      const outA = make();
      const outB = make();
      await source.forwardExploration(obs, rows, new Rng(5), outA);
      await target.forwardExploration(obs, rows, new Rng(5), outB);
      expect(outB).toEqual(outA);
      source.dispose();
      target.dispose();
    }
  });

  it('setWeights rejects weights of another architecture, naming the first mismatch', async () => {
    const m = makeModule(spec(discrete(2), { fcnetHiddens: [16, 8] }));
    const other = makeModule(spec(discrete(2), { fcnetHiddens: [16, 4] }));
    const shared = makeModule(spec(discrete(2), { fcnetHiddens: [16, 8], vfShareLayers: true }));
    const catchError = async (from: MLPModule): Promise<RLError> => {
      const w = await from.getWeights();
      try {
        m.setWeights(w);
      } catch (e) {
        return e as RLError;
      }
      throw new Error('setWeights did not throw');
    };
    const e1 = await catchError(other);
    expect(e1).toBeInstanceOf(RLError);
    expect(e1.code).toBe('module/weights-mismatch');
    expect(e1.message).toContain("'pi/fc_1/kernel' should have shape [16, 8], got [16, 4]");
    const e2 = await catchError(shared);
    expect(e2.message).toContain("weight 0 should be 'pi/fc_0/kernel', got 'encoder/fc_0/kernel'");
    const w = await m.getWeights();
    expect(() => m.setWeights({ ...w, arrays: w.arrays.map((a, i) => (i === 3 ? a.subarray(1) : a)) })).toThrow(
      "'pi/fc_1/bias' needs 8 values, got 7",
    );
    [m, other, shared].forEach((x) => x.dispose());
  });
});

describe('MLPModule small-batch JS forward', () => {
  // 6 rows of [16, 8] (~400 MACs a row) are under the JS limit: one block of 4 rows and 2 single rows.
  const cases: [string, Space, Partial<ModelConfig>][] = [
    ['Discrete, tanh, separate value net', discrete(3), {}],
    ['Discrete, relu, shared torso', discrete(3), { fcnetActivation: 'relu', vfShareLayers: true }],
    ['Box, tanh', box(-1, 1, [2]), {}],
    ['Discrete, no hidden layers', discrete(2), { fcnetHiddens: [] }],
  ];

  it.each(cases)(
    '%s: same values and log-probs as the TF.js forward, and follows new weights',
    async (_, space, model) => {
      const m = new MLPModule(spec(space, model, 5));
      const donor = new MLPModule(spec(space, model, 9));
      for (const step of ['initial weights', 'after setWeights']) {
        const rows = 6;
        const obs = randomObs(rows, 8);
        const [distInputs, values] = await forwardTrainData(m, obs, rows);
        const actionDim = space.kind === 'discrete' ? 1 : 2;
        const out = {
          actions: space.kind === 'discrete' ? new Int32Array(rows) : new Float32Array(rows * actionDim),
          actionLogp: new Float32Array(rows),
          vfPreds: new Float32Array(rows),
        };
        await m.forwardExploration(obs, rows, new Rng(2), out);
        for (let i = 0; i < rows; i++) {
          expect(out.vfPreds[i], step).toBeCloseTo(values[i]!, 5);
          // The sampled action's log-prob under the TF.js distribution inputs.
          expect(out.actionLogp[i], step).toBeCloseTo(m.distribution.logpRow(distInputs, i, out.actions), 5);
        }
        m.setWeights(await donor.getWeights());
      }
      m.dispose();
      donor.dispose();
    },
  );

  it('a learner-side weight change (weightsVersion bump) reaches the JS forward', async () => {
    const m = new MLPModule(spec(discrete(3)));
    const obs = randomObs(1, 4);
    const out = { actions: new Int32Array(1), actionLogp: new Float32Array(1), vfPreds: new Float32Array(1) };
    await m.forwardExploration(obs, 1, new Rng(1), out);
    const before = out.vfPreds[0]!;
    // What an Adam step does: the variables change in place and the Learner bumps the version.
    const vfBias = m.trainableVariables[m.variableNames.indexOf('vf/out/bias')]!;
    vfBias.assign(tf.tidy(() => tf.add(vfBias, 1)));
    m.weightsVersion += 1;
    await m.forwardExploration(obs, 1, new Rng(1), out);
    expect(out.vfPreds[0]).toBeCloseTo(before + 1, 5);
    m.dispose();
  });
});
