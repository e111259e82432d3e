import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RLError } from '../../src/core/errors';
import { TargetNetwork } from '../../src/learner/target-network';
import type { TargetNetworkSource } from '../../src/learner/target-network';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A two-variable "module" whose values the tests set directly. */
class FakeModule implements TargetNetworkSource {
  readonly trainableVariables = [tf.variable(tf.zeros([2, 2])), tf.variable(tf.zeros([3]))];
  readonly variableNames = ['fc/kernel', 'fc/bias'];

  fill(value: number): void {
    for (const v of this.trainableVariables) {
      const t = tf.fill(v.shape, value);
      v.assign(t);
      t.dispose();
    }
  }

  dispose(): void {
    for (const v of this.trainableVariables) v.dispose();
  }
}

async function values(vars: readonly tf.Variable[]): Promise<number[][]> {
  return Promise.all(vars.map(async (v) => Array.from(await v.data())));
}

describe('TargetNetwork', () => {
  it('starts as a non-trainable copy that stays put while the online variables change', async () => {
    const online = new FakeModule();
    online.fill(3);
    const target = TargetNetwork.fromModule(online);
    expect(target.variables.map((v) => v.trainable)).toEqual([false, false]);
    expect(target.variables.map((v) => v.shape)).toEqual([[2, 2], [3]]);
    expect(await values(target.variables)).toEqual(await values(online.trainableVariables));
    online.fill(5);
    expect((await values(target.variables)).flat().every((x) => x === 3)).toBe(true);
    target.dispose();
    online.dispose();
  });

  it('hard update copies exactly; soft update mixes with tau', async () => {
    const online = new FakeModule();
    const target = TargetNetwork.fromModule(online);
    // A hard copy is bit-exact, tiny and huge values included.
    const exact = [Float32Array.of(0.1, -1e-30, 3.3333333, 7e20), Float32Array.of(1 / 3, -2.5, Number.MIN_VALUE)];
    online.trainableVariables.forEach((v, i) => {
      const t = tf.tensor(exact[i]!, v.shape);
      v.assign(t);
      t.dispose();
    });
    target.hardUpdate();
    expect((await values(target.variables)).map((a) => Float32Array.from(a))).toEqual(exact);

    online.fill(4);
    const zero = tf.zeros([2, 2]);
    const zeroBias = tf.zeros([3]);
    target.variables[0]!.assign(zero);
    target.variables[1]!.assign(zeroBias);
    tf.dispose([zero, zeroBias]);
    target.softUpdate(0.25); // 0.25 * 4 + 0.75 * 0
    expect((await values(target.variables)).flat().every((x) => x === 1)).toBe(true);
    target.softUpdate(0.25); // 0.25 * 4 + 0.75 * 1
    expect((await values(target.variables)).flat().every((x) => x === 1.75)).toBe(true);
    target.softUpdate(0); // tau 0 keeps the target
    expect((await values(target.variables)).flat().every((x) => x === 1.75)).toBe(true);
    target.softUpdate(1); // tau 1 is the hard copy
    expect((await values(target.variables)).flat().every((x) => x === 4)).toBe(true);

    for (const tau of [-0.1, 1.5, Number.NaN]) {
      expect(() => target.softUpdate(tau)).toThrow(RLError);
    }
    try {
      target.softUpdate(2);
    } catch (e) {
      expect((e as RLError).code).toBe('learner/invalid-tau');
    }
    target.dispose();
    online.dispose();
  });

  it("updates every targetNetworkUpdateFreq env steps sampled, RLlib's rule", async () => {
    const online = new FakeModule();
    const target = TargetNetwork.fromModule(online);
    const cfg = { targetNetworkUpdateFreq: 500, tau: 1 };
    const updatedAt: number[] = [];
    // Env steps sampled when each gradient update finishes (32 per iteration, say).
    for (let steps = 32; steps <= 1600; steps += 32) {
      online.fill(steps);
      if (target.maybeUpdate(steps, cfg)) {
        updatedAt.push(steps);
        expect((await values(target.variables)).flat().every((x) => x === steps)).toBe(true);
      }
    }
    // First at >= 500 steps since 0, then >= 500 after each update.
    expect(updatedAt).toEqual([512, 1024, 1536]);
    expect(target.numTargetUpdates).toBe(3);
    expect(target.lastTargetUpdateTs).toBe(1536);

    // The boundary counts (>=), and a frequency of 0 (SAC) updates after every gradient step.
    const other = TargetNetwork.fromModule(online);
    expect(other.maybeUpdate(499, cfg)).toBe(false);
    expect(other.maybeUpdate(500, cfg)).toBe(true);
    expect(other.maybeUpdate(999, cfg)).toBe(false);
    expect(other.maybeUpdate(1000, cfg)).toBe(true);
    const sac = { targetNetworkUpdateFreq: 0, tau: 0.5 };
    expect([other.maybeUpdate(1000, sac), other.maybeUpdate(1000, sac)]).toEqual([true, true]);
    expect(other.numTargetUpdates).toBe(4);
    for (const x of [target, other, online]) x.dispose();
  });

  it('round-trips its state for checkpoints and rejects a state of another module', async () => {
    const online = new FakeModule();
    online.fill(2);
    const target = TargetNetwork.fromModule(online);
    target.maybeUpdate(700, { targetNetworkUpdateFreq: 500, tau: 1 });
    online.fill(9);
    const state = await target.getState();
    expect(state.numTargetUpdates).toBe(1);
    expect(state.lastTargetUpdateTs).toBe(700);
    expect(state.weights.names).toEqual(['fc/kernel', 'fc/bias']);

    const restored = TargetNetwork.fromModule(online); // starts at the online 9s
    restored.setState(state);
    expect(await values(restored.variables)).toEqual(await values(target.variables));
    expect([restored.numTargetUpdates, restored.lastTargetUpdateTs]).toEqual([1, 700]);
    expect(restored.maybeUpdate(1100, { targetNetworkUpdateFreq: 500, tau: 1 })).toBe(false);

    const wrong = { ...state, weights: { ...state.weights, names: ['a', 'b'] } };
    expect(() => restored.setState(wrong)).toThrow(/weights-mismatch|should be/);
    for (const x of [target, restored, online]) x.dispose();
  });

  it('leaks no tensors across updates and frees its copies on dispose', async () => {
    const online = new FakeModule();
    const before = tf.memory().numTensors;
    const target = TargetNetwork.fromModule(online);
    const afterCreate = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      online.fill(i);
      target.softUpdate(0.3);
      target.hardUpdate();
      target.maybeUpdate(i * 1000, { targetNetworkUpdateFreq: 500, tau: 0.5 });
    }
    target.setState(await target.getState());
    expect(tf.memory().numTensors).toBe(afterCreate);
    target.dispose();
    expect(tf.memory().numTensors).toBe(before);
    online.dispose();
  });
});
