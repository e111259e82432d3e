/**
 * StackedMLP (issue 30 item 2): M actor-critic MLPs of one shape as one module with a leading
 * module axis. Module m must be MLPModule with seed seeds[m], variable for variable: the same
 * initial weights, the same forward (train, exploration, inference; JS and TF.js paths), the same
 * gradients of a loss; weights round-trip as a MultiRLModule's (`<id>/<variable>`), on cpu and wasm.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import type { RLModuleConfig } from '../../src/core/config';
import { Rng } from '../../src/core/rng';
import { box, discrete, type Space } from '../../src/core/spaces';
import { MLPModule } from '../../src/rl-module/mlp-module';
import { packModuleWeights, unpackModuleWeights } from '../../src/rl-module/multi-module-weights';
import { StackedMLP } from '../../src/rl-module/stacked-mlp';

afterAll(async () => {
  await tf.setBackend('cpu');
});

const OBS = box(-2, 2, [3]);
const CASES: { name: string; actionSpace: Space; model: RLModuleConfig }[] = [
  {
    name: 'Discrete, tanh, separate towers',
    actionSpace: discrete(3),
    model: { fcnetHiddens: [8, 6], fcnetActivation: 'tanh', vfShareLayers: false },
  },
  {
    name: 'Box, relu, shared torso',
    actionSpace: box(-1, 1, [2]),
    model: { fcnetHiddens: [5], fcnetActivation: 'relu', vfShareLayers: true },
  },
  {
    name: 'Discrete, no hidden layers',
    actionSpace: discrete(2),
    model: { fcnetHiddens: [], fcnetActivation: 'tanh', vfShareLayers: false },
  },
];
const IDS = ['a', 'b', 'c'];
const SEEDS = [11, 12, 20];

function build(actionSpace: Space, model: RLModuleConfig): { stack: StackedMLP; singles: MLPModule[] } {
  const stack = new StackedMLP({ observationSpace: OBS, actionSpace, model, moduleIds: IDS, seeds: SEEDS });
  const singles = SEEDS.map((seed) => new MLPModule({ observationSpace: OBS, actionSpace, model, seed }));
  return { stack, singles };
}

function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(expected[i]!)));
  }
}

describe.each(['cpu', 'wasm'])('StackedMLP on %s', (backend) => {
  it.each(CASES)(
    '$name: weights, forwards and gradients are each module’s, no tensors leak',
    async ({ actionSpace, model }) => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const { stack, singles } = build(actionSpace, model);
      const packed = unpackModuleWeights(await stack.getWeights());
      for (const [m, single] of singles.entries()) {
        const w = await single.getWeights();
        const s = packed.get(IDS[m]!)!;
        expect(s.names).toEqual(w.names);
        expect(s.shapes).toEqual(w.shapes);
        s.arrays.forEach((a, i) => expect(Array.from(a)).toEqual(Array.from(w.arrays[i]!)));
      }

      // Train forward and gradients of a loss that weights every output, per module.
      const rows = 5;
      const obs = Float32Array.from({ length: IDS.length * rows * 3 }, (_, i) => Math.sin(i * 1.7));
      const lossOf = (dist: tf.Tensor, vf: tf.Tensor): tf.Scalar =>
        tf.add(tf.sum(tf.mul(dist, tf.range(1, dist.size + 1).reshape(dist.shape))), tf.sum(tf.square(vf)));
      const stacked = tf.variableGrads(() => {
        const out = stack.forwardTrain(tf.tensor3d(obs, [IDS.length, rows, 3]));
        return lossOf(out.actionDistInputs, out.vfPreds);
      }, stack.trainableVariables);
      for (const [m, single] of singles.entries()) {
        const x = tf.tensor2d(obs.subarray(m * rows * 3, (m + 1) * rows * 3), [rows, 3]);
        const { value, grads } = tf.variableGrads(() => {
          const out = single.forwardTrain(x);
          const k = out.actionDistInputs.shape[1];
          // The same weights per element as the stacked loss gives this module's rows.
          const offset = m * rows * k;
          const w = tf.range(offset + 1, offset + rows * k + 1).reshape([rows, k]);
          return tf.add(tf.sum(tf.mul(out.actionDistInputs, w)), tf.sum(tf.square(out.vfPreds)));
        }, single.trainableVariables);
        for (const [i, v] of single.trainableVariables.entries()) {
          const g = (await grads[v.name]!.data()) as Float32Array;
          const size = g.length;
          const all = (await stacked.grads[stack.trainableVariables[i]!.name]!.data()) as Float32Array;
          expectAllClose(all.subarray(m * size, (m + 1) * size), g, 2e-4);
        }
        tf.dispose([x, value, ...Object.values(grads)]);
      }
      tf.dispose([stacked.value, ...Object.values(stacked.grads)]);

      // Exploration (JS path for these few rows) and inference against each module's own.
      // 1 and 4 rows run in JS; 700 rows of the [8, 6] net (168 multiply-adds a row) in one TF.js forward.
      for (const rowsPerModule of [1, 4, 700]) {
        const n = IDS.length * rowsPerModule;
        const o = Float32Array.from({ length: n * 3 }, (_, i) => Math.cos(i * 0.3));
        const ad = actionSpace.kind === 'box' ? 2 : 1;
        const out = {
          actions: actionSpace.kind === 'box' ? new Float32Array(n * ad) : new Int32Array(n),
          actionLogp: new Float32Array(n),
          vfPreds: new Float32Array(n),
        };
        await stack.forwardExploration(o, n, new Rng(5), out);
        const rng = new Rng(5);
        for (const [m, single] of singles.entries()) {
          const part = {
            actions: actionSpace.kind === 'box' ? new Float32Array(rowsPerModule * ad) : new Int32Array(rowsPerModule),
            actionLogp: new Float32Array(rowsPerModule),
            vfPreds: new Float32Array(rowsPerModule),
          };
          await single.forwardExploration(o.subarray(m * rowsPerModule * 3), rowsPerModule, rng, part);
          expectAllClose(out.actions.subarray(m * rowsPerModule * ad, (m + 1) * rowsPerModule * ad), part.actions);
          expectAllClose(out.vfPreds.subarray(m * rowsPerModule, (m + 1) * rowsPerModule), part.vfPreds);
          expectAllClose(out.actionLogp.subarray(m * rowsPerModule, (m + 1) * rowsPerModule), part.actionLogp, 1e-4);
        }
      }
      stack.dispose();
      for (const s of singles) s.dispose();
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});

describe('StackedMLP weights', () => {
  it('setModuleWeights writes one module, setWeights takes packed weights and names a missing module', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const { actionSpace, model } = CASES[0]!;
    const { stack, singles } = build(actionSpace, model);
    const other = new MLPModule({ observationSpace: OBS, actionSpace, model, seed: 99 });
    stack.setModuleWeights(1, await other.getWeights());
    const byId = unpackModuleWeights(await stack.getWeights());
    expect(Array.from(byId.get('b')!.arrays[0]!)).toEqual(Array.from((await other.getWeights()).arrays[0]!));
    expect(Array.from(byId.get('a')!.arrays[0]!)).toEqual(Array.from((await singles[0]!.getWeights()).arrays[0]!));
    // The device copy follows (a TF.js forward of module b equals `other`'s).
    const vf = tf.tidy(() => stack.forwardNoGrad(tf.fill([IDS.length, 2, 3], 0.5)).vfPreds);
    const ref = tf.tidy(() => other.valueFunction(tf.fill([2, 3], 0.5)));
    expectAllClose((await vf.data()).subarray(2, 4), await ref.data());
    tf.dispose([vf, ref]);

    const packed = packModuleWeights(new Map([['a', await other.getWeights()]]), 3);
    expect(() => stack.setWeights(packed)).toThrow(/module\(s\) b, c missing/);
    stack.dispose();
    other.dispose();
    for (const s of singles) s.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the JS forward follows every weight sync, even one that carries the same version (a runner sync)', async () => {
    await tf.setBackend('cpu');
    const { actionSpace, model } = CASES[0]!;
    const { stack, singles } = build(actionSpace, model);
    const obs = new Float32Array(IDS.length * 2 * 3).fill(0.5);
    const first = await stack.forwardPacked(obs, IDS.length * 2, true); // builds the JS forward (small batch, cpu)
    const other = new MLPModule({ observationSpace: OBS, actionSpace, model, seed: 99 });
    const w = await other.getWeights();
    // The same version as before: runners get packed weights at version 0 on every sync.
    stack.setModuleWeights(1, { ...w, version: stack.weightsVersion });
    const second = await stack.forwardPacked(obs, IDS.length * 2, true);
    const k = 3; // Discrete(3) logits per row
    // Module b (rows 2-3) now acts as `other`; modules a and c are unchanged.
    const expected = new Float32Array(2 * k);
    const logits = tf.tidy(() => other.forwardTrain(tf.fill([2, 3], 0.5)).actionDistInputs);
    expected.set(await logits.data());
    logits.dispose();
    expectAllClose(second.subarray(2 * k, 4 * k), expected);
    expect(Array.from(second.subarray(0, 2 * k))).toEqual(Array.from(first.subarray(0, 2 * k)));
    expect(Array.from(second.subarray(2 * k, 4 * k))).not.toEqual(Array.from(first.subarray(2 * k, 4 * k)));
    stack.dispose();
    other.dispose();
    for (const s of singles) s.dispose();
  });
});
