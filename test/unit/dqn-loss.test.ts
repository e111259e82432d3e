import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DQNLossConfig, DQNLossModule } from '../../src/algorithms/dqn/dqn-loss';
import { DQNColumns, dqnLoss, huber, stopGradient } from '../../src/algorithms/dqn/dqn-loss';
import { TargetNetwork } from '../../src/learner/target-network';
import type { Minibatch } from '../../src/learner/learner';
import { box, discrete } from '../../src/core/spaces';
import { QModule } from '../../src/rl-module/q-module';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * A Q "network" that is a table: the observation is a state index, Q(s, .) is row s. The online
 * and target tables are separate variables, so tests can check where gradients go.
 */
class TableQ implements DQNLossModule {
  readonly online: tf.Variable;
  readonly target: tf.Variable;

  constructor(online: number[][], target: number[][]) {
    this.online = tf.variable(tf.tensor2d(online));
    this.target = tf.variable(tf.tensor2d(target));
  }

  private lookup(table: tf.Tensor, obs: tf.Tensor): { qValues: tf.Tensor2D } {
    return { qValues: tf.gather(table, tf.reshape(obs, [-1]).toInt()) as tf.Tensor2D };
  }

  forwardTrain(obs: tf.Tensor): { qValues: tf.Tensor2D } {
    return this.lookup(this.online, obs);
  }

  forwardTarget(obs: tf.Tensor): { qValues: tf.Tensor2D } {
    return this.lookup(this.target, obs);
  }

  dispose(): void {
    tf.dispose([this.online, this.target]);
  }
}

// Q tables over 4 states x 2 actions.
const ONLINE = [
  [1, 2],
  [3, 0.5],
  [0, 4],
  [2, 2.5],
];
const TARGET = [
  [10, 20],
  [30, 5],
  [7, 1],
  [6, 9],
];

interface Row {
  s: number;
  a: number;
  r: number;
  next: number;
  terminated: 0 | 1;
  discount: number;
  weight: number;
}

/**
 * Hand-computed: y = r + discount * (1 - terminated) * Q_target(s', a*), a* from the online table
 * (double Q) or the target table (plain DQN).
 */
const ROWS: Row[] = [
  // s' = 2: online argmax is action 1 (4 > 0), target there 1; target max is 7 (action 0).
  { s: 0, a: 1, r: 1, next: 2, terminated: 0, discount: 0.99, weight: 1 },
  // 3-step return with gamma 0.9: discount 0.9^3. s' = 3: both pick action 1 (2.5 > 2; 9 > 6).
  { s: 1, a: 0, r: 0.5, next: 3, terminated: 0, discount: 0.729, weight: 0.5 },
  // Terminal: y = r, whatever the tables say about s'.
  { s: 2, a: 1, r: -1, next: 0, terminated: 1, discount: 0.99, weight: 2 },
  // 2-step return with gamma 0.99. s' = 1: both pick action 0 (3 > 0.5; 30 > 5).
  { s: 3, a: 0, r: 0, next: 1, terminated: 0, discount: 0.9801, weight: 1 },
];
const Q_SELECTED = [2, 3, 4, 2];
const Y_DOUBLE = [1 + 0.99 * 1, 0.5 + 0.729 * 9, -1, 0.9801 * 30];
const Y_PLAIN = [1 + 0.99 * 7, 0.5 + 0.729 * 9, -1, 0.9801 * 30];

function batchOf(rows: readonly Row[]): Minibatch {
  return {
    [DQNColumns.OBS]: tf.tensor1d(rows.map((r) => r.s)),
    [DQNColumns.NEXT_OBS]: tf.tensor1d(rows.map((r) => r.next)),
    [DQNColumns.ACTIONS]: tf.tensor1d(
      rows.map((r) => r.a),
      'int32',
    ),
    [DQNColumns.REWARDS]: tf.tensor1d(rows.map((r) => r.r)),
    [DQNColumns.TERMINATEDS]: tf.tensor1d(rows.map((r) => r.terminated)),
    [DQNColumns.DISCOUNTS]: tf.tensor1d(rows.map((r) => r.discount)),
    [DQNColumns.WEIGHTS]: tf.tensor1d(rows.map((r) => r.weight)),
  };
}

const huberOf = (x: number): number => (Math.abs(x) <= 1 ? 0.5 * x * x : Math.abs(x) - 0.5);

async function run(
  module: DQNLossModule,
  rows: readonly Row[],
  config: DQNLossConfig,
): Promise<{ loss: number; tdErrors: number[]; stats: Record<string, number> }> {
  const out = tf.tidy(() => {
    const { loss, stats, tdErrors } = dqnLoss(module, [], batchOf(rows), config);
    return { loss, tdErrors, ...stats };
  });
  const read = async (t: tf.Tensor) => Array.from(await t.data());
  const result = {
    loss: (await read(out.loss))[0]!,
    tdErrors: await read(out.tdErrors),
    stats: Object.fromEntries(
      await Promise.all(
        (['qf_loss', 'qf_mean', 'qf_max', 'qf_min', 'td_error_mean'] as const).map(
          async (k) => [k, (await read(out[k]))[0]!] as const,
        ),
      ),
    ),
  };
  tf.dispose(Object.values(out));
  return result;
}

describe('dqnLoss targets', () => {
  const cases: [string, boolean, number[]][] = [
    ['double Q: online argmax, target value (van Hasselt et al. 2016)', true, Y_DOUBLE],
    ['plain DQN: max of the target net (Mnih et al. 2015)', false, Y_PLAIN],
  ];
  for (const [name, doubleQ, y] of cases) {
    it(`${name}; terminal rows do not bootstrap; n-step discounts apply`, async () => {
      const m = new TableQ(ONLINE, TARGET);
      const got = await run(m, ROWS, { doubleQ, tdErrorLossFn: 'huber' });
      const td = Q_SELECTED.map((q, i) => q - y[i]!);
      got.tdErrors.forEach((e, i) => expect(e).toBeCloseTo(Math.abs(td[i]!), 5));
      const loss = td.reduce((sum, x, i) => sum + ROWS[i]!.weight * huberOf(x), 0) / ROWS.length;
      expect(got.loss).toBeCloseTo(loss, 5);
      expect(got.stats).toEqual({
        qf_loss: got.loss,
        qf_mean: 2.75,
        qf_max: 4,
        qf_min: 2,
        td_error_mean: expect.closeTo(td.reduce((s, x) => s + Math.abs(x), 0) / 4, 5) as number,
      });
      m.dispose();
    });
  }

  it('the double-Q and plain targets differ on this case (so the tests above can tell them apart)', () => {
    expect(Y_DOUBLE[0]).not.toBeCloseTo(Y_PLAIN[0]!, 2);
  });

  it('mse squares the TD error (no 1/2, as torch.nn.MSELoss)', async () => {
    const m = new TableQ(ONLINE, TARGET);
    const got = await run(m, ROWS, { doubleQ: true, tdErrorLossFn: 'mse' });
    const loss = Q_SELECTED.reduce((sum, q, i) => sum + ROWS[i]!.weight * (q - Y_DOUBLE[i]!) ** 2, 0) / 4;
    expect(got.loss).toBeCloseTo(loss, 4);
    m.dispose();
  });
});

describe('dqnLoss gradients', () => {
  // One row: Q(s=0, a=0) = q, y = 10 (r = 10, terminal), so the TD error is q - 10.
  const row: Row = { s: 0, a: 0, r: 10, next: 1, terminated: 1, discount: 0.99, weight: 1 };
  const points: [number, 'huber' | 'mse', number, number][] = [
    // [TD error, loss fn, loss, dLoss/dQ]
    [0.5, 'huber', 0.125, 0.5],
    [-0.5, 'huber', 0.125, -0.5],
    [3, 'huber', 2.5, 1],
    [-3, 'huber', 2.5, -1],
    [0.5, 'mse', 0.25, 1],
    [3, 'mse', 9, 6],
    [-3, 'mse', 9, -6],
  ];
  for (const [td, lossFn, expectedLoss, expectedGrad] of points) {
    it(`${lossFn} at TD error ${td}: loss ${expectedLoss}, gradient ${expectedGrad}, none to the target`, async () => {
      const online = ONLINE.map((r) => [...r]);
      online[0]![0] = 10 + td;
      const m = new TableQ(online, TARGET);
      const { value, grads } = tf.variableGrads(
        () =>
          dqnLoss(m, [], batchOf([{ ...row, terminated: 0, discount: 0 }]), { doubleQ: true, tdErrorLossFn: lossFn })
            .loss,
        [m.online, m.target],
      );
      expect((await value.data())[0]).toBeCloseTo(expectedLoss, 5);
      const g = Array.from(await grads[m.online.name]!.data());
      expect(g[0]).toBeCloseTo(expectedGrad, 5);
      expect(g.slice(1).every((x) => x === 0)).toBe(true); // only Q(s, a) is trained
      // The target is held fixed: the target table is not even on the tape's path.
      expect(grads[m.target.name]).toBeUndefined();
      tf.dispose([value, ...Object.values(grads)]);
      m.dispose();
    });
  }

  it('huber matches its closed form and stopGradient blocks the gradient', async () => {
    const x = tf.tensor1d([-3, -1, -0.25, 0, 0.25, 1, 3]);
    expect(Array.from(await huber(x).data())).toEqual([-3, -1, -0.25, 0, 0.25, 1, 3].map(huberOf));
    const w = tf.variable(tf.tensor1d([2, 3]));
    const { grads } = tf.variableGrads(() => tf.sum(tf.add(tf.square(w), stopGradient(tf.mul(w, 10)))), [w]);
    expect(Array.from(await grads[w.name]!.data())).toEqual([4, 6]);
    tf.dispose([x, w, ...Object.values(grads)]);
  });
});

describe('dqnLoss on a QModule with a TargetNetwork', () => {
  it('trains only the online variables and leaks no tensors', async () => {
    const module = new QModule({
      observationSpace: box(-1, 1, [3]),
      actionSpace: discrete(2),
      model: {
        fcnetHiddens: [8],
        fcnetActivation: 'tanh',
        headFcnetHiddens: [4],
        headFcnetActivation: 'relu',
        dueling: true,
      },
      seed: 3,
    });
    const target = TargetNetwork.fromModule(module);
    const rows = 6;
    const batch = (): Minibatch => ({
      [DQNColumns.OBS]: tf.randomUniform([rows, 3], -1, 1, 'float32', 1),
      [DQNColumns.NEXT_OBS]: tf.randomUniform([rows, 3], -1, 1, 'float32', 2),
      [DQNColumns.ACTIONS]: tf.tensor1d([0, 1, 1, 0, 1, 0], 'int32'),
      [DQNColumns.REWARDS]: tf.ones([rows]),
      [DQNColumns.TERMINATEDS]: tf.tensor1d([0, 0, 1, 0, 0, 1]),
      [DQNColumns.DISCOUNTS]: tf.fill([rows], 0.99),
      [DQNColumns.WEIGHTS]: tf.ones([rows]),
    });
    const step = async () => {
      const { value, grads } = tf.tidy(() =>
        tf.variableGrads(
          () => dqnLoss(module, target.variables, batch(), { doubleQ: true, tdErrorLossFn: 'huber' }).loss,
          [...module.trainableVariables, ...target.variables],
        ),
      );
      const loss = (await value.data())[0]!;
      const named = module.trainableVariables.map((v) => grads[v.name]);
      const targetGrads = target.variables.map((v) => grads[v.name]);
      tf.dispose([value, ...Object.values(grads).filter((g) => g !== null)]);
      return { loss, named, targetGrads };
    };
    const first = await step();
    expect(Number.isFinite(first.loss)).toBe(true);
    expect(first.loss).toBeGreaterThan(0);
    expect(first.named.every((g) => g !== undefined)).toBe(true);
    // Non-trainable: variableGrads lists them with null and never differentiates them.
    expect(first.targetGrads.every((g) => g === null)).toBe(true);
    const before = tf.memory().numTensors;
    await step();
    await step();
    expect(tf.memory().numTensors).toBe(before);
    target.dispose();
    module.dispose();
  });
});
