/**
 * Step-for-step dynamics of the built-in envs against reference equations written here, line by
 * line from Gymnasium's classic_control/*.py (naive scalar code, independent of src/envs), plus
 * termination with same-step autoreset and truncation at maxEpisodeSteps.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng';
import { makeVectorEnv, type VectorEnv } from '../../src/envs';

type Step = { state: number[]; reward: number; terminated: boolean };
type Reference = { step: (s: number[], a: number) => Step; obs: (s: number[]) => number[] };

const cartPole: Reference = {
  step([x, xDot, theta, thetaDot]: number[], action: number): Step {
    const [g, mc, mp, len, fmag, tau] = [9.8, 1.0, 0.1, 0.5, 10.0, 0.02];
    const total = mp + mc;
    const pml = mp * len;
    const force = action === 1 ? fmag : -fmag;
    const cos = Math.cos(theta!);
    const sin = Math.sin(theta!);
    const temp = (force + pml * thetaDot! ** 2 * sin) / total;
    const thetaacc = (g * sin - cos * temp) / (len * (4.0 / 3.0 - (mp * cos ** 2) / total));
    const xacc = temp - (pml * thetaacc * cos) / total;
    const next = [x! + tau * xDot!, xDot! + tau * xacc, theta! + tau * thetaDot!, thetaDot! + tau * thetaacc];
    const thr = (12 * 2 * Math.PI) / 360;
    const terminated = Math.abs(next[0]!) > 2.4 || Math.abs(next[2]!) > thr;
    return { state: next, reward: 1, terminated };
  },
  obs: (s) => s,
};

function acrobotDerivs(y: number[], a: number): number[] {
  const [t1, t2, dt1, dt2] = y as [number, number, number, number];
  const [m1, m2, l1, lc1, lc2, i1, i2, g] = [1, 1, 1, 0.5, 0.5, 1, 1, 9.8];
  const d1 = m1 * lc1 ** 2 + m2 * (l1 ** 2 + lc2 ** 2 + 2 * l1 * lc2 * Math.cos(t2)) + i1 + i2;
  const d2 = m2 * (lc2 ** 2 + l1 * lc2 * Math.cos(t2)) + i2;
  const phi2 = m2 * lc2 * g * Math.cos(t1 + t2 - Math.PI / 2);
  const phi1 =
    -m2 * l1 * lc2 * dt2 ** 2 * Math.sin(t2) -
    2 * m2 * l1 * lc2 * dt2 * dt1 * Math.sin(t2) +
    (m1 * lc1 + m2 * l1) * g * Math.cos(t1 - Math.PI / 2) +
    phi2;
  const ddt2 =
    (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * dt1 ** 2 * Math.sin(t2) - phi2) / (m2 * lc2 ** 2 + i2 - d2 ** 2 / d1);
  const ddt1 = -(d2 * ddt2 + phi1) / d1;
  return [dt1, dt2, ddt1, ddt2];
}

const acrobot: Reference = {
  step(s, action) {
    const torque = [-1, 0, 1][action]!;
    const h = 0.2;
    const add = (y: number[], k: number[], c: number): number[] => y.map((v, j) => v + c * k[j]!);
    const k1 = acrobotDerivs(s, torque);
    const k2 = acrobotDerivs(add(s, k1, h / 2), torque);
    const k3 = acrobotDerivs(add(s, k2, h / 2), torque);
    const k4 = acrobotDerivs(add(s, k3, h), torque);
    const y = s.map((v, j) => v + (h / 6) * (k1[j]! + 2 * k2[j]! + 2 * k3[j]! + k4[j]!));
    const wrap = (x: number): number => {
      while (x > Math.PI) x -= 2 * Math.PI;
      while (x < -Math.PI) x += 2 * Math.PI;
      return x;
    };
    const clip = (x: number, m: number): number => Math.min(Math.max(x, -m), m);
    const next = [wrap(y[0]!), wrap(y[1]!), clip(y[2]!, 4 * Math.PI), clip(y[3]!, 9 * Math.PI)];
    const terminated = -Math.cos(next[0]!) - Math.cos(next[1]! + next[0]!) > 1.0;
    return { state: next, reward: terminated ? 0 : -1, terminated };
  },
  obs: ([t1, t2, d1, d2]) => [Math.cos(t1!), Math.sin(t1!), Math.cos(t2!), Math.sin(t2!), d1!, d2!],
};

const mountainCar: Reference = {
  step([position, velocity], action) {
    let v = velocity! + (action - 1) * 0.001 + Math.cos(3 * position!) * -0.0025;
    v = Math.min(Math.max(v, -0.07), 0.07);
    const p = Math.min(Math.max(position! + v, -1.2), 0.6);
    if (p === -1.2 && v < 0) v = 0;
    return { state: [p, v], reward: -1, terminated: p >= 0.5 && v >= 0 };
  },
  obs: (s) => s,
};

const mountainCarContinuous: Reference = {
  step([position, velocity], action32) {
    const action = Math.fround(action32); // actions arrive as float32, as in Gymnasium's Box
    const force = Math.min(Math.max(action, -1), 1);
    let v = velocity! + force * 0.0015 - 0.0025 * Math.cos(3 * position!);
    v = Math.min(Math.max(v, -0.07), 0.07);
    const p = Math.min(Math.max(position! + v, -1.2), 0.6);
    if (p === -1.2 && v < 0) v = 0;
    const terminated = p >= 0.45 && v >= 0;
    const reward = (terminated ? 100 : 0) - action ** 2 * 0.1;
    // Gymnasium keeps this env's state as float32.
    return { state: [Math.fround(p), Math.fround(v)], reward, terminated };
  },
  obs: (s) => s,
};

const pendulum: Reference = {
  step([th, thdot], action) {
    const u = Math.min(Math.max(Math.fround(action), -2), 2); // float32 action, as in Gymnasium's Box
    const twoPi = 2 * Math.PI;
    const norm = th! + Math.PI - twoPi * Math.floor((th! + Math.PI) / twoPi) - Math.PI;
    const costs = norm ** 2 + 0.1 * thdot! ** 2 + 0.001 * u ** 2;
    let newthdot = thdot! + (((3 * 10) / 2) * Math.sin(th!) + 3 * u) * 0.05;
    newthdot = Math.min(Math.max(newthdot, -8), 8);
    return { state: [th! + newthdot * 0.05, newthdot], reward: -costs, terminated: false };
  },
  obs: ([th, thdot]) => [Math.cos(th!), Math.sin(th!), thdot!],
};

/** Float32 obs against a float64 reference: ~1e-6 relative (plus a float32-rounding floor near 0). */
function expectObsClose(actual: ArrayLike<number>, expected: readonly number[]): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, k) => {
    const a = actual[k]!;
    expect(Math.abs(a - e), `element ${k}: ${a} vs ${e}`).toBeLessThanOrEqual(1e-6 * Math.abs(e) + 1e-9);
  });
}

function row(buf: Float32Array, i: number, dim: number): Float32Array {
  return buf.slice(i * dim, (i + 1) * dim);
}

interface Scenario {
  id: string;
  ref: Reference;
  start: number[];
  actions: number[];
}

const rollouts: Scenario[] = [
  { id: 'CartPole-v1', ref: cartPole, start: [0.01, -0.02, 0.03, 0.04], actions: [1, 0, 1, 1, 0] },
  { id: 'Acrobot-v1', ref: acrobot, start: [0.1, -0.2, 0.3, -0.4], actions: [0, 1, 2, 2, 0] },
  { id: 'MountainCar-v0', ref: mountainCar, start: [-0.5, 0.0], actions: [2, 2, 0, 1, 2] },
  {
    id: 'MountainCarContinuous-v0',
    ref: mountainCarContinuous,
    start: [-0.5, 0.0],
    actions: [0.5, -1.5, 1.0, 0.25, -0.3],
  },
  { id: 'Pendulum-v1', ref: pendulum, start: [1.0, -0.5], actions: [0.5, -3.0, 2.0, -0.1, 1.7] },
];

function makeSet(id: string, state: number[], numEnvs = 2): { env: VectorEnv; dim: number } {
  const env = makeVectorEnv(id, { numEnvs, seed: 0 });
  env.reset(0);
  env.setState(1, state);
  return { env, dim: env.obs.length / numEnvs };
}

function actionArray(env: VectorEnv, a: number): Int32Array | Float32Array {
  return env.singleActionSpace.kind === 'discrete'
    ? new Int32Array(env.numEnvs).fill(a)
    : new Float32Array(env.numEnvs).fill(a);
}

describe.each(rollouts)('$id dynamics match the reference equations', ({ id, ref, start, actions }) => {
  it('steps from a set state like Gymnasium, for several steps', () => {
    const { env, dim } = makeSet(id, start);
    expectObsClose(row(env.obs, 1, dim), ref.obs(start));
    let s = start;
    for (const a of actions) {
      const expected = ref.step(s, a);
      env.step(actionArray(env, a));
      expect(env.terminated[1]).toBe(0);
      expect(env.truncated[1]).toBe(0);
      const state = env.getState(1);
      expected.state.forEach((v, k) => expect(state[k]).toBeCloseTo(v, 12));
      expectObsClose(row(env.obs, 1, dim), ref.obs(expected.state));
      expect(env.rewards[1]).toBeCloseTo(Math.fround(expected.reward), 6);
      s = expected.state;
    }
  });
});

interface Ending {
  id: string;
  ref: Reference;
  start: number[];
  action: number;
  reward: number;
  /** The next episode's first state, as drawn from sub-env 1's Rng (seed 0 + 1) after reset's draws. */
  initial: (rng: Rng) => number[];
}

const endings: Ending[] = [
  {
    id: 'CartPole-v1',
    ref: cartPole,
    start: [0.0, 0.0, 0.2, 1.0],
    action: 1,
    reward: 1,
    initial: (r) => [0, 0, 0, 0].map(() => r.uniform(-0.05, 0.05)),
  },
  {
    id: 'CartPole-v1',
    ref: cartPole,
    start: [2.39, 1.0, 0.0, 0.0],
    action: 0,
    reward: 1,
    initial: (r) => [0, 0, 0, 0].map(() => r.uniform(-0.05, 0.05)),
  },
  {
    id: 'Acrobot-v1',
    ref: acrobot,
    start: [3.0, 0.0, 0.0, 0.0],
    action: 1,
    reward: 0,
    initial: (r) => [0, 0, 0, 0].map(() => Math.fround(r.uniform(-0.1, 0.1))),
  },
  {
    id: 'MountainCar-v0',
    ref: mountainCar,
    start: [0.49, 0.02],
    action: 2,
    reward: -1,
    initial: (r) => [r.uniform(-0.6, -0.4), 0],
  },
  {
    id: 'MountainCarContinuous-v0',
    ref: mountainCarContinuous,
    start: [0.44, 0.02],
    action: 1,
    reward: 99.9,
    initial: (r) => [r.uniform(-0.6, -0.4), 0],
  },
];

describe.each(endings)('$id terminates from $start', ({ id, ref, start, action, reward, initial }) => {
  it('reports terminated, keeps the final obs and autoresets from the sub-env Rng in the same step', () => {
    const { env, dim } = makeSet(id, start);
    const expected = ref.step(start, action);
    expect(expected.terminated).toBe(true);
    env.step(actionArray(env, action));
    expect(env.terminated[1]).toBe(1);
    expect(env.truncated[1]).toBe(0);
    expect(env.rewards[1]).toBeCloseTo(reward, 5);
    expectObsClose(row(env.finalObs, 1, dim), ref.obs(expected.state));
    // Sub-env 1 was seeded with 0 + 1; reset(0) used the first draws, autoreset the next ones.
    const rng = new Rng(1);
    initial(rng);
    const next = initial(rng);
    expect(Array.from(env.getState(1))).toEqual(next);
    expectObsClose(row(env.obs, 1, dim), ref.obs(next));
  });
});

describe('MountainCar walls and Pendulum angle wrapping', () => {
  it('MountainCar stops at the left wall (inelastic collision)', () => {
    const { env } = makeSet('MountainCar-v0', [-1.19, -0.02]);
    env.step(new Int32Array([1, 0]));
    expect(Array.from(env.getState(1))).toEqual([-1.2, 0]);
    expect(Array.from(env.getState(1))).toEqual(mountainCar.step([-1.19, -0.02], 0).state);
  });

  it('Pendulum normalises the angle in its cost with a floored modulo', () => {
    for (const start of [
      [4.0, 7.9],
      [-3.5, 0.3],
      [-10.0, -8.0],
    ]) {
      const { env } = makeSet('Pendulum-v1', start);
      env.step(new Float32Array([0, 2.0]));
      const expected = pendulum.step(start, 2.0);
      expect(env.rewards[1]).toBeCloseTo(Math.fround(expected.reward), 5);
      expect(Array.from(env.getState(1))[1]).toBeCloseTo(expected.state[1]!, 12);
    }
  });
});

const truncations: { id: string; ref: Reference; action: number }[] = [
  { id: 'CartPole-v1', ref: cartPole, action: 1 },
  { id: 'Acrobot-v1', ref: acrobot, action: 1 },
  { id: 'MountainCar-v0', ref: mountainCar, action: 1 },
  { id: 'MountainCarContinuous-v0', ref: mountainCarContinuous, action: 0 },
  { id: 'Pendulum-v1', ref: pendulum, action: 0 },
];

describe.each(truncations)('$id truncates at maxEpisodeSteps', ({ id, ref, action }) => {
  it('sets truncated (not terminated), keeps finalObs, resets obs and the step counter', () => {
    const maxEpisodeSteps = 3;
    const env = makeVectorEnv(id, { numEnvs: 1, seed: 5, maxEpisodeSteps });
    env.reset(5);
    const dim = env.obs.length;
    const acts = actionArray(env, action);
    for (let episode = 0; episode < 2; episode++) {
      let s = Array.from(env.getState(0));
      for (let t = 1; t <= maxEpisodeSteps; t++) {
        const expected = ref.step(s, action);
        env.step(acts);
        expect(env.terminated[0]).toBe(0);
        expect(env.truncated[0]).toBe(t === maxEpisodeSteps ? 1 : 0);
        if (t < maxEpisodeSteps) expectObsClose(env.obs, ref.obs(expected.state));
        s = expected.state;
      }
      // The last step's observation went to finalObs; obs already holds the next episode's start.
      expectObsClose(row(env.finalObs, 0, dim), ref.obs(s));
      expectObsClose(env.obs, ref.obs(Array.from(env.getState(0))));
      expect(Array.from(env.obs)).not.toEqual(Array.from(env.finalObs));
    }
  });
});
