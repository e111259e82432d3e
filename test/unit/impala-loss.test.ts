/**
 * IMPALA's and APPO's loss (impala-loss.ts): the fused op's closed-form gradient against TF.js
 * autodiff of the readable formulas (the fast path's parity test, as ppo-loss.test.ts for PPO),
 * on both backends the learner runs on in tests; and IMPALA's policy term by hand.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fusedImpalaLoss,
  ImpalaColumns,
  impalaLoss,
  readableImpalaLoss,
  type ImpalaLossConfig,
  type ImpalaLossModule,
  type ImpalaLossOutput,
} from '../../src/algorithms/impala/impala-loss';
import { Rng } from '../../src/core/rng';
import { FAST_PATHS } from '../../src/learner/fast-paths';
import type { ActionDistribution } from '../../src/rl-module';
import { Categorical, DiagGaussian } from '../../src/rl-module';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

/** A module stub whose outputs are fixed tensors (variables, so gradients can be checked). */
function stubModule(inputs: tf.Variable, values: tf.Variable, dist: ActionDistribution): ImpalaLossModule {
  return {
    distribution: dist,
    forwardTrain: () => ({ actionDistInputs: inputs as tf.Tensor2D, vfPreds: values as tf.Tensor1D }),
  };
}

const IMPALA: ImpalaLossConfig = { vfLossCoeff: 0.5, entropyCoeff: 0.01, appo: null };
const appo = (useKlLoss: boolean): ImpalaLossConfig => ({
  vfLossCoeff: 0.5,
  entropyCoeff: 0.01,
  appo: { clipParam: 0.4, useKlLoss, klCoeff: 0.3 },
});

async function read(stats: Record<string, tf.Scalar>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(stats)) out[k] = (await v.data())[0]!;
  return out;
}

function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(expected[i]!));
  }
}

describe.each(['cpu', 'wasm'])('impalaLoss, fused vs readable, on %s', (backend) => {
  const rows = 64;
  const cases: [string, ActionDistribution, ImpalaLossConfig][] = [
    ['IMPALA, categorical', new Categorical(3), IMPALA],
    ['IMPALA, diagonal Gaussian', new DiagGaussian(2), IMPALA],
    ['APPO, categorical', new Categorical(3), appo(false)],
    ['APPO with KL, categorical', new Categorical(3), appo(true)],
    ['APPO with KL, diagonal Gaussian', new DiagGaussian(2), appo(true)],
  ];

  it.each(cases)('%s: the same loss, stats and gradients', async (_, dist, config) => {
    await tf.setBackend(backend);
    const rng = new Rng(23);
    const normals = (n: number, scale: number): Float32Array =>
      Float32Array.from({ length: n }, () => rng.normal() * scale);
    const inputs = tf.variable(tf.tensor2d(normals(rows * dist.inputDim, 0.7), [rows, dist.inputDim]));
    const values = tf.variable(tf.tensor1d(normals(rows, 2)));
    const actions =
      dist.kind === 'categorical'
        ? tf.tensor1d(
            Int32Array.from({ length: rows }, () => rng.integer(dist.inputDim)),
            'int32',
          )
        : tf.tensor2d(normals(rows * dist.actionDim, 1), [rows, dist.actionDim]);
    // Behaviour log-probs within +-0.5 of the current ones, target-worker weights in [0.5, 2]:
    // ratios inside and outside APPO's clip range.
    const logp = tf.tidy(() => dist.logp(inputs, actions));
    const batch = {
      [ImpalaColumns.OBS]: tf.zeros([rows, 1]),
      [ImpalaColumns.ACTIONS]: actions,
      [ImpalaColumns.PG_ADVANTAGES]: tf.tensor1d(normals(rows, 1)),
      [ImpalaColumns.VS]: tf.tensor1d(normals(rows, 2)),
      [ImpalaColumns.BEHAVIOUR_LOGP]: tf.tidy(() => tf.sub(logp, tf.tensor1d(normals(rows, 0.25)))),
      [ImpalaColumns.TARGET_WORKER_WEIGHTS]: tf.tensor1d(
        Float32Array.from({ length: rows }, () => rng.uniform(0.5, 2)),
      ),
      [ImpalaColumns.TARGET_DIST_INPUTS]: tf.tensor2d(normals(rows * dist.inputDim, 0.7), [rows, dist.inputDim]),
    };
    const module = stubModule(inputs, values, dist);
    const run = (loss: typeof fusedImpalaLoss) => {
      let stats: Record<string, tf.Scalar> = {};
      const grads = tf.variableGrads(() => {
        const out = loss(module, batch, config);
        stats = out.stats;
        for (const s of Object.values(stats)) tf.keep(s);
        return out.loss;
      }, [inputs, values]);
      return { ...grads, stats };
    };
    const before = tf.memory().numTensors;
    const fused = run(fusedImpalaLoss);
    const readable = run(readableImpalaLoss);
    expectAllClose(await fused.value.data(), await readable.value.data());
    const [fs, rs] = [await read(fused.stats), await read(readable.stats)];
    expect(Object.keys(fs).sort()).toEqual(Object.keys(rs).sort());
    expectAllClose(
      Object.values(fs),
      Object.keys(fs).map((k) => rs[k]!),
    );
    for (const v of [inputs, values]) {
      expectAllClose(await fused.grads[v.name]!.data(), await readable.grads[v.name]!.data());
    }
    for (const r of [fused, readable]) tf.dispose([r.value, ...Object.values(r.grads), ...Object.values(r.stats)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([inputs, values, logp, ...Object.values(batch)]);
    await tf.setBackend('cpu');
  });
});

describe('impalaLoss (categorical, by hand)', () => {
  it.each([true, false])('fusedLosses %s: policy -mean(logp A), value 0.5 mean((V - vs)^2)', async (fused) => {
    // Logits 0 over 2 actions: logp = ln(1/2) for any action.
    const inputs = tf.variable(tf.zeros([2, 2]));
    const values = tf.variable(tf.tensor1d([1, 0]));
    const batch = {
      [ImpalaColumns.OBS]: tf.zeros([2, 1]),
      [ImpalaColumns.ACTIONS]: tf.tensor1d([0, 1], 'int32'),
      [ImpalaColumns.PG_ADVANTAGES]: tf.tensor1d([2, -1]),
      [ImpalaColumns.VS]: tf.tensor1d([0, 2]),
    };
    const saved = FAST_PATHS.fusedLosses;
    FAST_PATHS.fusedLosses = fused;
    try {
      const { loss, stats } = tf.tidy((): ImpalaLossOutput =>
        impalaLoss(stubModule(inputs, values, new Categorical(2)), batch, IMPALA),
      );
      const s = await read(stats);
      expect(s.policy_loss).toBeCloseTo(-Math.log(0.5) * 0.5, 6); // -mean(ln(1/2) * [2, -1])
      expect(s.vf_loss).toBeCloseTo(0.5 * ((1 + 4) / 2), 6);
      expect(s.entropy).toBeCloseTo(Math.LN2, 6);
      expect(s.mean_kl_loss).toBe(0);
      expect((await loss.data())[0]).toBeCloseTo(s.policy_loss! + 0.5 * s.vf_loss! - 0.01 * Math.LN2, 6);
      tf.dispose([loss, ...Object.values(stats)]);
    } finally {
      FAST_PATHS.fusedLosses = saved;
    }
    tf.dispose([inputs, values, ...Object.values(batch)]);
  });
});
