/**
 * MARWIL's and BC's loss against numbers worked by hand (RLlib's formulas,
 * marwil_torch_learner.py), on a stub module with fixed outputs: two rows, Categorical(2).
 *   row 0: logits [0, 0],     action 0 -> log pi = ln 0.5
 *   row 1: logits [ln 3, 0],  action 1 -> log pi = ln 0.25
 *   V = [1, 1], value targets [3, -1] -> A = [2, -2], mean A^2 = 4
 *   c^2: 100 + 0.5 * (4 - 100) = 52;  w = exp(+-2 / sqrt 52) = 1.3196283, 0.7577892
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MARWILColumns, marwilLoss, type MARWILLossModule } from '../../src/algorithms/marwil/marwil-loss';
import { Categorical } from '../../src/rl-module/distributions';

const LN = Math.log;

function stub(logits: tf.Tensor2D, values: tf.Tensor1D): MARWILLossModule {
  return {
    forwardTrain: () => ({ actionDistInputs: logits, vfPreds: values }),
    distribution: new Categorical(2),
  };
}

const batch = (): Record<string, tf.Tensor> => ({
  [MARWILColumns.OBS]: tf.zeros([2, 4]),
  [MARWILColumns.ACTIONS]: tf.tensor1d([0, 1], 'int32'),
  [MARWILColumns.VALUE_TARGETS]: tf.tensor1d([3, -1]),
});

let before = 0;
beforeEach(async () => {
  await tf.setBackend('cpu');
  before = tf.memory().numTensors;
});
afterEach(() => {
  expect(tf.memory().numTensors).toBe(before);
});

describe('MARWIL loss', () => {
  it('BC (beta 0) is the negative mean log-likelihood of the recorded actions', async () => {
    const c2 = tf.tidy(() => tf.variable(tf.scalar(100)));
    const out = tf.tidy(() => {
      const { loss, stats } = marwilLoss(
        stub(
          tf.tensor2d([
            [0, 0],
            [LN(3), 0],
          ]),
          tf.tensor1d([1, 1]),
        ),
        batch(),
        { beta: 0, vfCoeff: 1, movingAverageSqdAdvNormUpdateRate: 0.5 },
        c2,
      );
      return [loss, stats.policy_loss!, stats.total_loss!];
    });
    const [loss, policy, total] = await Promise.all(out.map((t) => t.data()));
    expect(loss![0]).toBeCloseTo((LN(2) + LN(4)) / 2, 5); // 1.0397208
    expect(policy![0]).toBeCloseTo(1.0397208, 5);
    expect(total![0]).toBeCloseTo(1.0397208, 5);
    expect((await c2.data())[0]).toBe(100); // BC leaves the advantage norm alone
    tf.dispose([...out, c2]);
  });

  it('MARWIL (beta 1) weights log-likelihoods by exp(A / c) and adds half the mean squared advantage', async () => {
    const c2 = tf.tidy(() => tf.variable(tf.scalar(100)));
    const out = tf.tidy(() => {
      const { loss, stats } = marwilLoss(
        stub(
          tf.tensor2d([
            [0, 0],
            [LN(3), 0],
          ]),
          tf.tensor1d([1, 1]),
        ),
        batch(),
        { beta: 1, vfCoeff: 1, movingAverageSqdAdvNormUpdateRate: 0.5 },
        c2,
      );
      return [loss, stats.policy_loss!, stats.vf_loss!, stats.moving_avg_sqd_adv_norm!, stats.mean_advantage_weight!];
    });
    const [loss, policy, vf, norm, weight] = await Promise.all(out.map((t) => t.data()));
    expect(policy![0]).toBeCloseTo(0.9826077, 5);
    expect(vf![0]).toBeCloseTo(2, 5);
    expect(loss![0]).toBeCloseTo(2.9826077, 5);
    expect(norm![0]).toBeCloseTo(52, 4);
    expect(weight![0]).toBeCloseTo((1.3196283 + 0.7577892) / 2, 5);
    expect((await c2.data())[0]).toBeCloseTo(52, 4); // updated in place, once per call
    tf.dispose([...out, c2]);
  });

  it('gradients: the advantage weights are constants; V gets only the value loss gradient', async () => {
    const c2 = tf.tidy(() => tf.variable(tf.scalar(100)));
    const logits = tf.tensor2d([
      [0, 0],
      [LN(3), 0],
    ]);
    const values = tf.tensor1d([1, 1]);
    const cols = batch();
    const grads = tf.grads(
      (l: tf.Tensor, v: tf.Tensor) =>
        marwilLoss(
          stub(l as tf.Tensor2D, v as tf.Tensor1D),
          cols,
          { beta: 1, vfCoeff: 1, movingAverageSqdAdvNormUpdateRate: 0.5 },
          c2,
        ).loss,
    )([logits, values]);
    const [dLogits, dValues] = await Promise.all(grads.map((g) => g.data()));
    // d/dlogits of -w_i/N log softmax(a_i) = -w_i/N (onehot - p)
    const expected = [-0.3299071, 0.3299071, 0.2841709, -0.2841709];
    expected.forEach((e, i) => expect(dLogits![i]).toBeCloseTo(e, 5));
    // d/dV of 0.5 mean((t - V)^2) = -(t - V)/N = [-1, 1]; nothing through the weights.
    expect(Array.from(dValues!)).toEqual([expect.closeTo(-1, 5), expect.closeTo(1, 5)]);
    tf.dispose([...grads, logits, values, ...Object.values(cols), c2]);
  });
});
