import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PPOLossConfig, PPOLossModule } from '../../src/algorithms/ppo/ppo-loss';
import { fusedPPOLoss, readablePPOLoss } from '../../src/algorithms/ppo/ppo-loss';
import type { ActionDistribution } from '../../src/rl-module';
import { Categorical, DiagGaussian } from '../../src/rl-module';
import { Rng } from '../../src/core/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A module stub whose outputs are fixed tensors (variables, so gradients can be checked). */
function stubModule(
  logits: tf.Variable,
  values: tf.Variable,
  dist: ActionDistribution = new Categorical(logits.shape[1]!),
): PPOLossModule {
  return {
    distribution: dist,
    forwardTrain: () => ({ actionDistInputs: logits as tf.Tensor2D, vfPreds: values as tf.Tensor1D }),
  };
}

async function readStats(stats: Record<string, tf.Scalar>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(stats)) out[k] = (await v.data())[0]!;
  return out;
}

// Three rows, Discrete(2), new logits all 0 (pi = 1/2 each), so logp = ln(1/2) for any action.
// oldLogp is chosen so the ratios are r = [1.5, 0.5, 1.0]; advantages [1, 1, -2]; clip 0.2:
//   surrogate = min(A r, A clip(r)) = [min(1.5, 1.2), min(0.5, 0.8), -2] = [1.2, 0.5, -2] -> mean -0.1
// values [0, 1, 2], targets [1, 1, 5]: squared errors [1, 0, 9], clipped at 4 -> [1, 0, 4].
// old logits [0, ln 3] (probs 1/4, 3/4): KL(old||new) = 1/4 ln(1/2) + 3/4 ln(3/2) per row.
const ratios = [1.5, 0.5, 1.0];
const base: PPOLossConfig = {
  clipParam: 0.2,
  vfClipParam: 4,
  vfLossCoeff: 0.5,
  entropyCoeff: 0.01,
  useKlLoss: false,
  klCoeff: 0.2,
};
const KL = 0.25 * Math.log(0.5) + 0.75 * Math.log(1.5);

function makeBatch(): Record<string, tf.Tensor> {
  return {
    obs: tf.zeros([3, 1]),
    actions: tf.tensor1d([0, 1, 0], 'int32'),
    oldLogp: tf.tensor1d(ratios.map((r) => Math.log(0.5) - Math.log(r))),
    oldDistInputs: tf.tensor2d([0, Math.log(3), 0, Math.log(3), 0, Math.log(3)], [3, 2]),
    advantages: tf.tensor1d([1, 1, -2]),
    valueTargets: tf.tensor1d([1, 1, 5]),
  };
}

// The fast path and its readable version (learner/fast-paths.ts: fusedLosses) pass the same checks.
const VERSIONS = [
  ['fused', fusedPPOLoss],
  ['readable', readablePPOLoss],
] as const;

describe.each(VERSIONS)('%s ppoLoss (categorical, hand-computed)', (_, ppoLoss) => {
  it('computes every stat without the KL term', async () => {
    const logits = tf.variable(tf.zeros([3, 2]));
    const values = tf.variable(tf.tensor1d([0, 1, 2]));
    const batch = makeBatch();
    const before = tf.memory().numTensors;
    const { loss, stats } = tf.tidy(() => ppoLoss(stubModule(logits, values), batch, base));
    const s = await readStats(stats);
    expect(s.policy_loss).toBeCloseTo(0.1, 6);
    expect(s.vf_loss).toBeCloseTo(5 / 3, 6);
    expect(s.vf_loss_unclipped).toBeCloseTo(10 / 3, 6);
    // y = [1, 1, 5], y - pred = [1, 0, 3]: 1 - (42/27) / (96/27).
    expect(s.vf_explained_var).toBeCloseTo(0.5625, 6);
    expect(s.entropy).toBeCloseTo(Math.LN2, 6);
    expect(s.mean_kl_loss).toBe(0);
    expect(s.curr_kl_coeff).toBeCloseTo(0.2, 7);
    // mean((r - 1) - ln r)
    const approxKl = (0.5 - Math.log(1.5) + (-0.5 - Math.log(0.5)) + 0) / 3;
    expect(s.approx_kl).toBeCloseTo(approxKl, 6);
    expect(s.clip_frac).toBeCloseTo(2 / 3, 6);
    const total = 0.1 + 0.5 * (5 / 3) - 0.01 * Math.LN2;
    expect(s.total_loss).toBeCloseTo(total, 6);
    expect((await loss.data())[0]).toBeCloseTo(total, 6);
    tf.dispose([loss, ...Object.values(stats)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([logits, values, ...Object.values(batch)]);
  });

  it('adds klCoeff * mean KL(old||new) with useKlLoss', async () => {
    const logits = tf.variable(tf.zeros([3, 2]));
    const values = tf.variable(tf.tensor1d([0, 1, 2]));
    const batch = makeBatch();
    const { loss, stats } = tf.tidy(() => ppoLoss(stubModule(logits, values), batch, { ...base, useKlLoss: true }));
    const s = await readStats(stats);
    expect(s.mean_kl_loss).toBeCloseTo(KL, 6);
    expect(s.total_loss).toBeCloseTo(0.1 + 0.5 * (5 / 3) - 0.01 * Math.LN2 + 0.2 * KL, 6);
    expect(s.policy_loss).toBeCloseTo(0.1, 6); // unchanged by the KL term
    tf.dispose([loss, ...Object.values(stats), logits, values, ...Object.values(batch)]);
  });

  it('clipped rows get no policy gradient, clipped value errors no value gradient', async () => {
    const logits = tf.variable(tf.zeros([3, 2]));
    const values = tf.variable(tf.tensor1d([0, 1, 2]));
    const batch = makeBatch();
    const { grads } = tf.variableGrads(() => {
      const { loss, stats } = ppoLoss(stubModule(logits, values), batch, { ...base, entropyCoeff: 0 });
      tf.dispose(Object.values(stats));
      return loss;
    }, [logits, values]);
    const gLogits = await grads[logits.name]!.data();
    const gValues = await grads[values.name]!.data();
    // Row 0: A > 0 and r = 1.5 > 1.2, the clipped term is the min -> zero gradient.
    expect([Math.abs(gLogits[0]!), Math.abs(gLogits[1]!)]).toEqual([0, 0]);
    // Row 1: A > 0 and r = 0.5 (below 1 - eps): the unclipped term is the min.
    // d(-A r / 3)/d logit_a = -(1/3) A r (1 - pi_a) = -(1/3)(0.5)(0.5) for the taken action 1.
    expect(gLogits[3]).toBeCloseTo(-1 / 12, 6);
    expect(gLogits[2]).toBeCloseTo(1 / 12, 6);
    // d(0.5 * mean(sq err))/dv = (v - y) / 3 where unclipped; row 2 (error 9 > 4) is clipped.
    expect(gValues[0]).toBeCloseTo(-1 / 3, 6);
    expect(gValues[1]).toBeCloseTo(0, 6);
    expect(Math.abs(gValues[2]!)).toBe(0);
    tf.dispose([...Object.values(grads), logits, values, ...Object.values(batch)]);
  });

  it('vf_explained_var is -1 for constant targets', async () => {
    const logits = tf.variable(tf.zeros([3, 2]));
    const values = tf.variable(tf.tensor1d([0, 1, 2]));
    const batch = { ...makeBatch(), valueTargets: tf.tensor1d([2, 2, 2]) };
    const { loss, stats } = tf.tidy(() => ppoLoss(stubModule(logits, values), batch, base));
    expect((await stats.vf_explained_var!.data())[0]).toBe(-1);
    tf.dispose([loss, ...Object.values(stats), logits, values, ...Object.values(batch)]);
  });
});

describe.each(VERSIONS)('%s ppoLoss (diagonal Gaussian, closed form)', (_, ppoLoss) => {
  it('matches a reference computed in float64', async () => {
    // Box(1): means [0, 1], log-std 0 (std 1); old: same means, log-std ln 2.
    const inputs = tf.variable(tf.tensor2d([0, 0, 1, 0], [2, 2]));
    const values = tf.variable(tf.tensor1d([0.5, -0.5]));
    const actions = [1, 1];
    const oldLogp = [-0.2 - 0.5 * Math.log(2 * Math.PI), -1.2];
    const logp = [-0.5 - 0.5 * Math.log(2 * Math.PI), -0.5 * Math.log(2 * Math.PI)];
    const adv = [2, -1];
    const batch = {
      obs: tf.zeros([2, 1]),
      actions: tf.tensor2d(actions, [2, 1]),
      oldLogp: tf.tensor1d(oldLogp),
      oldDistInputs: tf.tensor2d([0, Math.LN2, 1, Math.LN2], [2, 2]),
      advantages: tf.tensor1d(adv),
      valueTargets: tf.tensor1d([0, 3]),
    };
    const cfg = { ...base, useKlLoss: true };
    const { loss, stats } = tf.tidy(() => ppoLoss(stubModule(inputs, values, new DiagGaussian(1)), batch, cfg));
    const s = await readStats(stats);
    const r = logp.map((l, i) => Math.exp(l - oldLogp[i]!));
    const surr = r.map((ri, i) => Math.min(adv[i]! * ri, adv[i]! * Math.min(Math.max(ri, 0.8), 1.2)));
    const policyLoss = -(surr[0]! + surr[1]!) / 2;
    const sq = [0.25, 12.25];
    const vfClipped = sq.map((x) => Math.min(x, 4));
    const entropy = 0.5 * Math.log(2 * Math.PI * Math.E);
    // KL(N(m, 4) || N(m, 1)) = ln(1/2) + 4/2 - 1/2.
    const kl = Math.log(0.5) + 2 - 0.5;
    expect(s.policy_loss).toBeCloseTo(policyLoss, 5);
    expect(s.vf_loss).toBeCloseTo((vfClipped[0]! + vfClipped[1]!) / 2, 5);
    expect(s.vf_loss_unclipped).toBeCloseTo((sq[0]! + sq[1]!) / 2, 5);
    expect(s.entropy).toBeCloseTo(entropy, 5);
    expect(s.mean_kl_loss).toBeCloseTo(kl, 5);
    expect(s.approx_kl).toBeCloseTo(r.reduce((a, ri) => a + (ri - 1 - Math.log(ri)), 0) / 2, 5);
    expect(s.clip_frac).toBeCloseTo(r.filter((ri) => Math.abs(ri - 1) > 0.2).length / 2, 6);
    const total = policyLoss + 0.5 * ((vfClipped[0]! + vfClipped[1]!) / 2) - 0.01 * entropy + 0.2 * kl;
    expect(s.total_loss).toBeCloseTo(total, 5);
    tf.dispose([loss, ...Object.values(stats), inputs, values, ...Object.values(batch)]);
  });
});

describe.each(['cpu', 'wasm'])('ppoLoss gradient on %s', (backend) => {
  const rows = 64;
  const cases: [string, ActionDistribution, boolean][] = [
    ['categorical', new Categorical(3), false],
    ['categorical with KL', new Categorical(3), true],
    ['diagonal Gaussian', new DiagGaussian(2), false],
    ['diagonal Gaussian with KL', new DiagGaussian(2), true],
  ];

  it.each(cases)(
    '%s: the fused closed form matches TF.js autodiff of the readable loss',
    async (_, dist, useKlLoss) => {
      await tf.setBackend(backend);
      const rng = new Rng(17);
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
      // Old log-probs within +-0.5 of the new ones: ratios from ~0.6 to ~1.6, inside and outside the clip.
      const logp = tf.tidy(() => dist.logp(inputs, actions));
      const oldLogp = tf.tidy(() => tf.sub(logp, tf.tensor1d(normals(rows, 0.25))));
      const batch = {
        obs: tf.zeros([rows, 1]),
        actions,
        oldLogp,
        oldDistInputs: tf.tensor2d(normals(rows * dist.inputDim, 0.7), [rows, dist.inputDim]),
        advantages: tf.tensor1d(normals(rows, 1)),
        // Value errors of ~N(0, 4): some squared errors above vfClipParam (4), some below.
        valueTargets: tf.tensor1d(normals(rows, 2)),
      };
      const config = { ...base, useKlLoss };
      const run = (loss: typeof fusedPPOLoss) => {
        let stats: Record<string, tf.Scalar> = {};
        const grads = tf.variableGrads(() => {
          const out = loss(stubModule(inputs, values, dist), batch, config);
          stats = out.stats;
          for (const s of Object.values(stats)) tf.keep(s);
          return out.loss;
        }, [inputs, values]);
        return { ...grads, stats };
      };
      const before = tf.memory().numTensors;
      const fused = run(fusedPPOLoss);
      const reference = run(readablePPOLoss);
      expectAllClose(await fused.value.data(), await reference.value.data());
      const [fs, rs] = [await readStats(fused.stats), await readStats(reference.stats)];
      expect(Object.keys(fs).sort()).toEqual(Object.keys(rs).sort());
      expectAllClose(
        Object.values(fs),
        Object.keys(fs).map((k) => rs[k]!),
      );
      for (const v of [inputs, values]) {
        expectAllClose(await fused.grads[v.name]!.data(), await reference.grads[v.name]!.data());
      }
      for (const r of [fused, reference]) tf.dispose([r.value, ...Object.values(r.grads), ...Object.values(r.stats)]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([inputs, values, logp, ...Object.values(batch)]);
      await tf.setBackend('cpu');
    },
  );
});

function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(expected[i]!));
  }
}
