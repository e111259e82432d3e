/** checkEnv passes every registered env and catches deliberately broken ones. */
import { describe, expect, it } from 'vitest';
import { RLError } from '../../src/core/errors';
import { box } from '../../src/core/spaces';
import {
  checkEnv,
  getEnvSpec,
  listEnvs,
  makeVectorEnv,
  registerEnv,
  unregisterEnv,
  vectorize,
  type VectorEnv,
} from '../../src/envs';
import { gridWalkSpec } from '../../src/envs/examples/grid-walk';

/** Chaos envs get pCrash 0 here: a crash is what they are for, not a contract violation. */
const quietConfig = (id: string): Record<string, unknown> => (id === 'CartPoleCrashing-v1' ? { pCrash: 0 } : {});

/**
 * checkEnv steps synchronously, in Node: an env that steps on the GPU (CartPoleGpu-v1) has neither
 * here. Its contract is checked in the browser against CartPole-v1 step for step
 * (test/e2e/gpu-env.spec.ts); here, that it refuses to step without a device.
 */
const CPU_ENVS = listEnvs().filter((id) => getEnvSpec(id)?.requiresGpu !== true);

describe('checkEnv over every registered env', () => {
  it('leaves out only the envs that step on the GPU', () => {
    expect(listEnvs().filter((id) => !CPU_ENVS.includes(id))).toEqual(['CartPoleGpu-v1']);
  });

  it.each(CPU_ENVS)('%s passes (3 sub-envs, default time limit)', (id) => {
    const env = makeVectorEnv(id, { numEnvs: 3, seed: 0, envConfig: quietConfig(id) });
    expect(checkEnv(env, { requireEpisodeEnd: true })).toEqual([]);
  });

  it.each(CPU_ENVS)('%s passes (1 sub-env, maxEpisodeSteps 20)', (id) => {
    const env = makeVectorEnv(id, { numEnvs: 1, seed: 7, maxEpisodeSteps: 20, envConfig: quietConfig(id) });
    expect(checkEnv(env, { seed: 7, numSteps: 100, requireEpisodeEnd: true })).toEqual([]);
  });

  it('passes the vectorized GridWalk example', () => {
    registerEnv('GridWalkCheck-v0', vectorize(gridWalkSpec), { maxEpisodeSteps: 30 });
    try {
      const env = makeVectorEnv('GridWalkCheck-v0', { numEnvs: 4, seed: 1 });
      expect(checkEnv(env, { numSteps: 300, requireEpisodeEnd: true })).toEqual([]);
    } finally {
      unregisterEnv('GridWalkCheck-v0');
    }
  });
});

/** A CartPole whose methods a test rewires to break one rule of the contract. */
function cartPole(): VectorEnv {
  return makeVectorEnv('CartPole-v1', { numEnvs: 3, seed: 0 });
}

function delegate(inner: VectorEnv): VectorEnv {
  const { id, numEnvs, singleObservationSpace, singleActionSpace, obs, rewards, terminated, truncated, finalObs } =
    inner;
  return {
    ...{ id, numEnvs, singleObservationSpace, singleActionSpace, obs, rewards, terminated, truncated, finalObs },
    reset: (seed) => inner.reset(seed),
    step: (actions) => inner.step(actions),
    getState: (i) => inner.getState(i),
    setState: (i, state) => inner.setState(i, state),
    render: (i, ctx) => inner.render(i, ctx),
  };
}

type Breakage = { name: string; expected: RegExp; make: () => VectorEnv };

const breakages: Breakage[] = [
  {
    name: 'no visible autoreset (obs left at the final observation)',
    expected: /obs equals finalObs on the step the episode terminated/,
    make: () => {
      const env = cartPole();
      const step = env.step.bind(env);
      env.step = (a) => {
        step(a);
        for (let i = 0; i < env.numEnvs; i++) {
          if (env.terminated[i]) env.obs.set(env.finalObs.subarray(i * 4, i * 4 + 4), i * 4);
        }
      };
      return env;
    },
  },
  {
    name: 'terminated and truncated both set',
    expected: /terminated and truncated are both 1/,
    make: () => {
      const env = cartPole();
      const step = env.step.bind(env);
      env.step = (a) => {
        step(a);
        env.truncated.set(env.terminated);
      };
      return env;
    },
  },
  {
    name: 'NaN reward',
    expected: /reward NaN is not finite/,
    make: () => {
      const env = cartPole();
      const step = env.step.bind(env);
      env.step = (a) => {
        step(a);
        env.rewards[1] = Number.NaN;
      };
      return env;
    },
  },
  {
    name: 'observation outside the space',
    expected: /obs\[2\]\[0\] = 100 is NaN or outside the observation space/,
    make: () => {
      const env = cartPole();
      const step = env.step.bind(env);
      env.step = (a) => {
        step(a);
        env.obs[8] = 100;
      };
      return env;
    },
  },
  {
    name: 'reset ignores the seed',
    expected: /not deterministic/,
    make: () => {
      const env = cartPole();
      const reset = env.reset.bind(env);
      env.reset = () => reset();
      return env;
    },
  },
  {
    name: 'sub-env i not seeded with seed + i',
    expected: /must be seeded with seed \+ i/,
    make: () => {
      const env = cartPole();
      const reset = env.reset.bind(env);
      env.reset = (seed) => reset(seed === undefined ? undefined : seed * 10);
      return env;
    },
  },
  {
    name: 'setState does not recompute obs',
    expected: /setState must recompute obs/,
    make: () => {
      const env = cartPole();
      const setState = env.setState.bind(env);
      env.setState = (i, s) => {
        const kept = env.obs.slice();
        setState(i, s);
        env.obs.set(kept);
      };
      return env;
    },
  },
  {
    name: 'episodes run past the time limit',
    expected: /past maxEpisodeSteps 5/,
    make: () => {
      // Claims a 5-step limit while its episodes run 50 steps.
      const inner = makeVectorEnv('Pendulum-v1', { numEnvs: 2, seed: 0, maxEpisodeSteps: 50 });
      return { ...delegate(inner), maxEpisodeSteps: 5 };
    },
  },
  {
    name: 'wrong buffer dtype',
    expected: /obs must be a Float32Array/,
    make: () => {
      const env = cartPole();
      Object.defineProperty(env, 'obs', { value: new Float64Array(12) });
      return env;
    },
  },
];

describe('checkEnv catches broken envs', () => {
  it.each(breakages)('$name', ({ make, expected }) => {
    const problems = checkEnv(make());
    expect(
      problems.some((p) => expected.test(p)),
      problems.join('\n'),
    ).toBe(true);
  });

  it('reports a step() that throws instead of crashing itself', () => {
    const env = cartPole();
    env.step = () => {
      throw new Error('boom');
    };
    expect(checkEnv(env)).toContain('[CartPole-v1] step() threw: boom');
  });

  it('throws every problem at once with throwOnProblems', () => {
    const env = breakages[2]!.make();
    const step = env.step.bind(env);
    env.step = (a) => {
      step(a);
      env.truncated.set(env.terminated);
    };
    let error: unknown;
    try {
      checkEnv(env, { throwOnProblems: true });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RLError);
    expect((error as RLError).code).toBe('env/check-failed');
    expect((error as RLError).message).toMatch(/reward NaN is not finite/);
    expect((error as RLError).message).toMatch(/terminated and truncated are both 1/);
  });

  it('flags an env that never ends an episode when an end is required', () => {
    const spec = {
      ...gridWalkSpec,
      observationSpace: box(0, 1, [1]),
      create: () => ({
        reset: () => [0],
        step: () => ({ obs: [0], reward: 0, terminated: false }),
        getState: () => [0],
        setState: () => [0],
      }),
    };
    const env = vectorize(spec)({
      id: 'Still-v0',
      numEnvs: 1,
      seed: 0,
      maxEpisodeSteps: Infinity,
      envConfig: {},
      workerIndex: 0,
      gpuDevice: null,
    });
    expect(checkEnv(env, { numSteps: 20, requireEpisodeEnd: true })).toEqual([
      '[Still-v0] no episode ended in 20 steps, so autoreset was not checked',
    ]);
  });
});
