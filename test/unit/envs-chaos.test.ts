/** The chaos wrapper: CartPoleCrashing-v1 and withChaos (RLlib's CartPoleCrashing semantics). */
import { describe, expect, it } from 'vitest';
import { ConfigError, RLError } from '../../src/core/errors';
import { Rng } from '../../src/core/rng';
import { SubEnvCrashError, makeVectorEnv, parseChaosConfig, withChaos, type VectorEnv } from '../../src/envs';

function caught(fn: () => void): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

function crashing(numEnvs: number, workerIndex: number, envConfig: Record<string, unknown>): VectorEnv {
  return makeVectorEnv('CartPoleCrashing-v1', { numEnvs, seed: 0, workerIndex, envConfig });
}

function randomActions(numEnvs: number, numSteps: number): Int32Array[] {
  const rng = new Rng(11);
  return Array.from({ length: numSteps }, () => Int32Array.from({ length: numEnvs }, () => rng.integer(2)));
}

describe('CartPoleCrashing-v1', () => {
  it('with pCrash 1 on worker index 1 throws SubEnvCrashError naming every sub-env', () => {
    const env = crashing(4, 1, { pCrash: 1, crashOnWorkerIndices: [1] });
    env.reset(0);
    const error = caught(() => env.step(new Int32Array(4)));
    expect(error).toBeInstanceOf(SubEnvCrashError);
    expect(error).toBeInstanceOf(RLError);
    expect((error as SubEnvCrashError).code).toBe('env/sub-env-crash');
    expect((error as SubEnvCrashError).subEnvIndices).toEqual([0, 1, 2, 3]);
    expect((error as SubEnvCrashError).phase).toBe('step');
    expect(env.id).toBe('CartPoleCrashing-v1');
  });

  it('keeps the healthy sub-envs stepped and poisons only the crashed rows', () => {
    const env = crashing(8, 1, { pCrash: 0.4, seed: 3 });
    const reference = makeVectorEnv('CartPole-v1', { numEnvs: 8, seed: 0 });
    env.reset(0);
    reference.reset(0);
    const actions = new Int32Array([1, 0, 1, 0, 1, 1, 0, 0]);
    const error = caught(() => env.step(actions)) as SubEnvCrashError;
    reference.step(actions);
    expect(error).toBeInstanceOf(SubEnvCrashError);
    const crashed = error.subEnvIndices;
    expect(crashed.length).toBeGreaterThan(0);
    expect(crashed.length).toBeLessThan(8);
    for (let i = 0; i < 8; i++) {
      const row = Array.from(env.obs.subarray(i * 4, i * 4 + 4));
      if (crashed.includes(i)) {
        expect(row.every(Number.isNaN)).toBe(true);
        expect(env.rewards[i]).toBeNaN();
      } else {
        expect(row).toEqual(Array.from(reference.obs.subarray(i * 4, i * 4 + 4)));
        expect(env.rewards[i]).toBe(1);
      }
    }
  });

  it('never crashes on a worker outside crashOnWorkerIndices', () => {
    const env = crashing(4, 0, { pCrash: 1, pCrashReset: 1, crashOnWorkerIndices: [1] });
    const reference = makeVectorEnv('CartPole-v1', { numEnvs: 4, seed: 0 });
    env.reset(0);
    reference.reset(0);
    for (const a of randomActions(4, 1000)) {
      env.step(a);
      reference.step(a);
    }
    expect(Array.from(env.obs)).toEqual(Array.from(reference.obs));
  });

  it('a crashed sub-env keeps crashing until resetSubEnv rebuilds it', () => {
    const env = crashing(6, 0, { pCrash: 0, pCrashReset: 0.5, seed: 1 });
    const first = caught(() => env.reset(0)) as SubEnvCrashError;
    expect(first).toBeInstanceOf(SubEnvCrashError);
    expect(first.phase).toBe('reset');
    const down = first.subEnvIndices;
    expect(down.length).toBeGreaterThan(0);
    const again = caught(() => env.step(new Int32Array(6))) as SubEnvCrashError;
    expect(again.subEnvIndices).toEqual(down);
    // Rebuild each crashed sub-env (a rebuild may itself crash with pCrashReset; retry).
    for (const i of down) {
      for (let attempt = 0; attempt < 50; attempt++) {
        if (caught(() => env.resetSubEnv!(i)) === undefined) break;
      }
      const row = Array.from(env.obs.subarray(i * 4, i * 4 + 4));
      expect(row.every((v) => Math.abs(v) <= 0.05)).toBe(true);
      expect([env.rewards[i], env.terminated[i], env.truncated[i]]).toEqual([0, 0, 0]);
    }
    env.step(new Int32Array(6));
    expect(Array.from(env.obs).every(Number.isFinite)).toBe(true);
  });

  it('draws its crashes from its own seeded Rng: same seed, same crash pattern', () => {
    const pattern = (): number[][] => {
      const env = crashing(4, 2, { pCrash: 0.05, seed: 9 });
      env.reset(0);
      const crashes: number[][] = [];
      for (const a of randomActions(4, 300)) {
        const e = caught(() => env.step(a));
        if (e instanceof SubEnvCrashError) {
          crashes.push(e.subEnvIndices);
          for (const i of e.subEnvIndices) env.resetSubEnv!(i);
        }
      }
      return crashes;
    };
    const a = pattern();
    expect(a.length).toBeGreaterThan(0);
    expect(pattern()).toEqual(a);
  });

  it('stalls by busy-waiting for the sampled time, only on stallOnWorkerIndices', () => {
    const stalled = crashing(2, 1, { pCrash: 0, pStall: 1, stallTimeRangeS: [0.03, 0.03], stallOnWorkerIndices: [1] });
    stalled.reset(0);
    let start = performance.now();
    stalled.step(new Int32Array(2));
    expect(performance.now() - start).toBeGreaterThanOrEqual(60); // two sub-envs x 30 ms
    const spared = crashing(2, 0, { pCrash: 0, pStall: 1, stallTimeRangeS: [5, 5], stallOnWorkerIndices: [1] });
    spared.reset(0);
    start = performance.now();
    spared.step(new Int32Array(2));
    expect(performance.now() - start).toBeLessThan(2500);
  });
});

describe('withChaos and its config', () => {
  it('wraps any env', () => {
    const env = withChaos(makeVectorEnv('Pendulum-v1', { numEnvs: 3, seed: 0 }), { pCrash: 1, seed: 0 });
    env.reset(0);
    expect(env.id).toBe('Pendulum-v1');
    const error = caught(() => env.step(new Float32Array(3))) as SubEnvCrashError;
    expect(error.subEnvIndices).toEqual([0, 1, 2]);
  });

  it('rejects bad chaos settings, all at once, with their envConfig paths', () => {
    const error = caught(() =>
      parseChaosConfig({ pCrash: 2, stallTimeRangeS: [2, 1], crashOnWorkerIndices: 'x', seed: 0.5 }),
    ) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.issues.map((i) => i.path).sort()).toEqual([
      'environment.envConfig.crashOnWorkerIndices',
      'environment.envConfig.pCrash',
      'environment.envConfig.seed',
      'environment.envConfig.stallTimeRangeS',
    ]);
    expect(() => makeVectorEnv('CartPoleCrashing-v1', { numEnvs: 1, envConfig: { pStall: -1 } })).toThrow(ConfigError);
  });

  it("defaults to RLlib's pCrash 0.005 for CartPoleCrashing-v1", () => {
    const env = crashing(10, 0, { seed: 4 });
    env.reset(0);
    let crashes = 0;
    for (const a of randomActions(10, 400)) {
      const e = caught(() => env.step(a));
      if (e instanceof SubEnvCrashError) {
        crashes += e.subEnvIndices.length;
        for (const i of e.subEnvIndices) env.resetSubEnv!(i);
      }
    }
    // 4000 sub-env steps at p = 0.005: about 20 crashes.
    expect(crashes).toBeGreaterThan(5);
    expect(crashes).toBeLessThan(45);
  });
});
