import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RLError } from '../../src/core/errors';
import { Rng } from '../../src/core/rng';
import { box, discrete } from '../../src/core/spaces';
import type { QModelConfig, QModuleSpec } from '../../src/rl-module/q-module';
import { QModule } from '../../src/rl-module/q-module';
import type { ExplorationOutputs } from '../../src/rl-module/rl-module';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const OBS_DIM = 4;
const NUM_ACTIONS = 3;

function spec(model: Partial<QModelConfig> = {}, seed = 1): QModuleSpec {
  return {
    observationSpace: box(-5, 5, [OBS_DIM]),
    actionSpace: discrete(NUM_ACTIONS),
    model: {
      fcnetHiddens: [16, 8],
      fcnetActivation: 'tanh',
      headFcnetHiddens: [8],
      headFcnetActivation: 'relu',
      dueling: true,
      ...model,
    },
    seed,
  };
}

function randomObs(rows: number, seed = 3): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: rows * OBS_DIM }, () => rng.uniform(-2, 2));
}

async function trainQ(m: QModule, obs: Float32Array, rows: number): Promise<Float32Array> {
  const q = tf.tidy(() => m.forwardTrain(tf.tensor2d(obs, [rows, OBS_DIM])).qValues);
  const data = (await q.data()) as Float32Array;
  q.dispose();
  return data;
}

/** Every weight random and non-trivial (non-zero biases), so forwards and round trips are meaningful. */
async function scrambleWeights(m: QModule, seed: number, version = 5): Promise<void> {
  const rng = new Rng(seed);
  const w = await m.getWeights();
  m.setWeights({ ...w, version, arrays: w.arrays.map((a) => a.map(() => rng.uniform(-0.7, 0.7))) });
}

function exploreOut(rows: number): ExplorationOutputs {
  return { actions: new Int32Array(rows), actionLogp: new Float32Array(rows), vfPreds: new Float32Array(rows) };
}

describe('QModule', () => {
  it('rejects Box actions with a coded error that names the fix', () => {
    const make = () => new QModule({ ...spec(), actionSpace: box(-1, 1, [2]) });
    expect(make).toThrow(RLError);
    expect(make).toThrow(/SAC or PPO/);
    try {
      make();
    } catch (e) {
      expect((e as RLError).code).toBe('module/unsupported-space');
    }
  });

  it('names its variables as RLlib (encoder, af, vf) and initialises as torch.nn.Linear, seeded', async () => {
    const m = new QModule(spec());
    expect(m.variableNames).toEqual([
      'encoder/fc_0/kernel',
      'encoder/fc_0/bias',
      'encoder/fc_1/kernel',
      'encoder/fc_1/bias',
      'af/fc_0/kernel',
      'af/fc_0/bias',
      'af/out/kernel',
      'af/out/bias',
      'vf/fc_0/kernel',
      'vf/fc_0/bias',
      'vf/out/kernel',
      'vf/out/bias',
    ]);
    const w = await m.getWeights();
    w.arrays.forEach((a, i) => {
      const shape = w.shapes[i]!;
      if (shape.length === 1) {
        expect(a.every((x) => x === 0)).toBe(true);
      } else {
        const bound = 1 / Math.sqrt(shape[0]!);
        expect(a.every((x) => Math.abs(x) <= bound)).toBe(true);
        expect(Math.max(...a.map(Math.abs))).toBeGreaterThan(bound / 2);
      }
    });
    const same = new QModule(spec());
    const other = new QModule(spec({}, 2));
    expect((await same.getWeights()).arrays).toEqual(w.arrays);
    expect((await other.getWeights()).arrays[0]).not.toEqual(w.arrays[0]);
    for (const x of [m, same, other]) x.dispose();
  });

  it('without dueling has no vf head; with no hidden layers it is linear in the observations', () => {
    const m = new QModule(spec({ dueling: false, fcnetHiddens: [], headFcnetHiddens: [] }));
    expect(m.variableNames).toEqual(['af/out/kernel', 'af/out/bias']);
    m.dispose();
  });

  it('aggregates the dueling streams as Q = V + A - mean(A)', async () => {
    const m = new QModule(spec({ fcnetHiddens: [], headFcnetHiddens: [] }));
    const w = await m.getWeights();
    // Zero kernels, so Q depends on the biases only: A = [1, 2, 6] (mean 3), V = 10.
    const biases: Record<string, number[]> = { 'af/out/bias': [1, 2, 6], 'vf/out/bias': [10] };
    m.setWeights({
      ...w,
      version: 1,
      arrays: w.arrays.map((a, i) => Float32Array.from(biases[w.names[i]!] ?? a.map(() => 0))),
    });
    const obs = randomObs(2);
    expect(Array.from(await trainQ(m, obs, 2))).toEqual([8, 9, 13, 8, 9, 13]);
    expect(Array.from(await m.qValues(obs, 2))).toEqual([8, 9, 13, 8, 9, 13]);
    m.dispose();
  });

  const architectures: [string, Partial<QModelConfig>][] = [
    ['dueling, tanh encoder, relu head', {}],
    ['no dueling, relu encoder, no head layers', { dueling: false, fcnetActivation: 'relu', headFcnetHiddens: [] }],
    ['dueling, no encoder layers, tanh head', { fcnetHiddens: [], headFcnetActivation: 'tanh' }],
  ];
  for (const [name, model] of architectures) {
    it(`${name}: the plain-JS forward equals the TF.js forward`, async () => {
      const m = new QModule(spec(model));
      await scrambleWeights(m, 11);
      const rows = 7;
      const obs = randomObs(rows);
      const tfQ = await trainQ(m, obs, rows);
      const jsQ = await m.qValues(obs, rows); // 7 rows of this small net take the JS path on cpu
      expect(jsQ).toHaveLength(rows * NUM_ACTIONS);
      jsQ.forEach((q, i) => expect(q).toBeCloseTo(tfQ[i]!, 5));
      // A batch over the JS budget goes through TF.js and agrees too.
      const big = 2000;
      const bigObs = randomObs(big, 4);
      const [bigTf, bigPacked] = [await trainQ(m, bigObs, big), await m.qValues(bigObs, big)];
      bigPacked.forEach((q, i) => expect(q).toBeCloseTo(bigTf[i]!, 5));
      m.dispose();
    });
  }

  it('acts greedily in inference and with epsilon 0; uniformly with epsilon 1 (seeded)', async () => {
    const m = new QModule(spec());
    await scrambleWeights(m, 12);
    const rows = 40;
    const obs = randomObs(rows, 8);
    const q = await trainQ(m, obs, rows);
    const argmax = Array.from({ length: rows }, (_, i) => {
      const row = Array.from(q.subarray(i * NUM_ACTIONS, (i + 1) * NUM_ACTIONS));
      return row.indexOf(Math.max(...row));
    });
    const greedy = { actions: new Int32Array(rows) };
    await m.forwardInference(obs, rows, greedy);
    expect(Array.from(greedy.actions)).toEqual(argmax);
    expect(new Set(argmax).size).toBeGreaterThan(1); // the test can tell argmax from a constant

    m.setEpsilon(0);
    const explored = exploreOut(rows);
    explored.actionLogp.fill(7);
    await m.forwardExploration(obs, rows, new Rng(0), explored);
    expect(Array.from(explored.actions)).toEqual(argmax);
    expect(explored.actionLogp.every((x) => x === 7)).toBe(true); // untouched

    m.setEpsilon(1);
    const n = 3000;
    const manyObs = randomObs(n, 9);
    const random = exploreOut(n);
    await m.forwardExploration(manyObs, n, new Rng(5), random);
    const counts = [0, 0, 0];
    for (const a of random.actions) counts[a]! += 1;
    for (const c of counts) expect(Math.abs(c - n / NUM_ACTIONS)).toBeLessThan(100);
    const again = exploreOut(n);
    await m.forwardExploration(manyObs, n, new Rng(5), again);
    expect(again.actions).toEqual(random.actions);

    // epsilon 0.5: about half the rows greedy, the rest uniform: ~2/3 agree with argmax.
    m.setEpsilon(0.5);
    const half = exploreOut(rows * 50);
    const halfObs = new Float32Array(rows * 50 * OBS_DIM);
    for (let k = 0; k < 50; k++) halfObs.set(obs, k * rows * OBS_DIM);
    await m.forwardExploration(halfObs, rows * 50, new Rng(6), half);
    const agree = half.actions.filter((a, i) => a === argmax[i % rows]).length / (rows * 50);
    expect(agree).toBeGreaterThan(0.6);
    expect(agree).toBeLessThan(0.73);

    expect(() => m.setEpsilon(1.5)).toThrow(/epsilon/);
    expect(m.explorationOutputs).toEqual(['actions']);
    m.dispose();
  });

  it('round-trips weights and rejects weights of another architecture', async () => {
    const m = new QModule(spec());
    await scrambleWeights(m, 13, 9);
    const w = await m.getWeights();
    expect(w.version).toBe(9);
    const copy = new QModule(spec({}, 77));
    copy.setWeights(w);
    expect((await copy.getWeights()).arrays).toEqual(w.arrays);
    expect(copy.weightsVersion).toBe(9);
    const obs = randomObs(3);
    expect(await copy.qValues(obs, 3)).toEqual(await m.qValues(obs, 3));
    const noDueling = new QModule(spec({ dueling: false }));
    expect(() => noDueling.setWeights(w)).toThrow(/weights/i);
    for (const x of [m, copy, noDueling]) x.dispose();
  });

  it('leaks no tensors across forwards (JS and TF.js paths)', async () => {
    const m = new QModule(spec());
    await scrambleWeights(m, 14);
    const run = async () => {
      for (const rows of [3, 400]) {
        const obs = randomObs(rows);
        await m.qValues(obs, rows);
        await m.forwardInference(obs, rows, { actions: new Int32Array(rows) });
        m.setEpsilon(0.3);
        await m.forwardExploration(obs, rows, new Rng(1), exploreOut(rows));
        await trainQ(m, obs, rows);
      }
      await m.getWeights();
    };
    await run();
    const before = tf.memory().numTensors;
    await run();
    await run();
    expect(tf.memory().numTensors).toBe(before);
    const variables = m.trainableVariables.length;
    m.dispose();
    expect(tf.memory().numTensors).toBe(before - variables);
  });
});
