/**
 * A2C's loss against numbers worked out by hand, its gradient against the closed form of the
 * policy-gradient term, and the use_critic switch.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { A2CLossConfig, A2CLossModule } from '../../src/algorithms/a2c/a2c-loss';
import { a2cLoss } from '../../src/algorithms/a2c/a2c-loss';
import { Categorical } from '../../src/rl-module';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function stubModule(logits: tf.Variable, values: tf.Variable): A2CLossModule {
  return {
    distribution: new Categorical(logits.shape[1]!),
    forwardTrain: () => ({ actionDistInputs: logits as tf.Tensor2D, vfPreds: values as tf.Tensor1D }),
  };
}

// Two rows, Discrete(2). Row 0: logits [0, 0] (pi = [1/2, 1/2]), action 0, advantage 2.
// Row 1: logits [0, ln 3] (pi = [1/4, 3/4]), action 1, advantage -1.
//   policy_loss = -mean(logp * A) = -(2 ln(1/2) - ln(3/4)) / 2
//   values [1, 2], targets [3, 1]: vf_loss = 0.5 * mean([4, 1]) = 1.25
//   entropy = mean(ln 2, -(1/4 ln 1/4 + 3/4 ln 3/4))
const LOGITS = [0, 0, 0, Math.log(3)];
const POLICY_LOSS = -(2 * Math.log(0.5) - Math.log(0.75)) / 2;
const VF_LOSS = 1.25;
const ENTROPY = (Math.log(2) - (0.25 * Math.log(0.25) + 0.75 * Math.log(0.75))) / 2;

function makeBatch(): Record<string, tf.Tensor> {
  return {
    obs: tf.zeros([2, 1]),
    actions: tf.tensor1d([0, 1], 'int32'),
    advantages: tf.tensor1d([2, -1]),
    valueTargets: tf.tensor1d([3, 1]),
  };
}

async function lossOf(config: A2CLossConfig): Promise<Record<string, number>> {
  const logits = tf.variable(tf.tensor2d(LOGITS, [2, 2]));
  const values = tf.variable(tf.tensor1d([1, 2]));
  const batch = makeBatch();
  const out = a2cLoss(stubModule(logits, values), batch, config);
  const read: Record<string, number> = { loss: (await out.loss.data())[0]! };
  for (const [k, v] of Object.entries(out.stats)) read[k] = (await v.data())[0]!;
  tf.dispose([logits, values, out.loss, ...Object.values(out.stats), ...Object.values(batch)]);
  return read;
}

describe('a2cLoss', () => {
  it('matches the hand-computed policy, value and entropy terms', async () => {
    const r = await lossOf({ vfLossCoeff: 0.5, entropyCoeff: 0.01, useCritic: true });
    expect(r['policy_loss']).toBeCloseTo(POLICY_LOSS, 5);
    expect(r['vf_loss']).toBeCloseTo(VF_LOSS, 5);
    expect(r['entropy']).toBeCloseTo(ENTROPY, 5);
    const total = POLICY_LOSS + 0.5 * VF_LOSS - 0.01 * ENTROPY;
    expect(r['loss']).toBeCloseTo(total, 5);
    expect(r['total_loss']).toBeCloseTo(total, 5);
    // Explained variance of targets [3, 1] by [1, 2]: 1 - Var([2, -1]) / Var([3, 1]) = 1 - 2.25 / 1.
    expect(r['vf_explained_var']).toBeCloseTo(-1, 5);
  });

  it('without a critic the value term is gone from the loss', async () => {
    const r = await lossOf({ vfLossCoeff: 0.5, entropyCoeff: 0, useCritic: false });
    expect(r['vf_loss']).toBe(0);
    expect(r['loss']).toBeCloseTo(POLICY_LOSS, 5);
  });

  it('has the policy-gradient and value gradients in closed form', () => {
    const logits = tf.variable(tf.tensor2d(LOGITS, [2, 2]));
    const values = tf.variable(tf.tensor1d([1, 2]));
    const batch = makeBatch();
    const before = tf.memory().numTensors;
    const { grads, value } = tf.variableGrads(
      () => a2cLoss(stubModule(logits, values), batch, { vfLossCoeff: 0.5, entropyCoeff: 0, useCritic: true }).loss,
      [logits, values],
    );
    // d/dlogits of -A logp / N = -(A / N) (onehot(a) - pi); d/dV of c * 0.5 * mean((V - y)^2) = c (V - y) / N.
    const expectedLogits = [-(2 / 2) * (1 - 0.5), -(2 / 2) * (0 - 0.5), (1 / 2) * (0 - 0.25), (1 / 2) * (1 - 0.75)];
    const expectedValues = [(0.5 * (1 - 3)) / 2, (0.5 * (2 - 1)) / 2];
    const gl = Array.from(grads[logits.name]!.dataSync());
    const gv = Array.from(grads[values.name]!.dataSync());
    gl.forEach((g, i) => expect(g).toBeCloseTo(expectedLogits[i]!, 5));
    gv.forEach((g, i) => expect(g).toBeCloseTo(expectedValues[i]!, 5));
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([logits, values, ...Object.values(batch)]);
  });
});
