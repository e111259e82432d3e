/**
 * User envs: the env-module API and its shim agree, module URLs are checked where they enter, a
 * user env's faults are located at the user's line, and the automatic preset fits the env.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { autoLayout } from '../../src/algorithms/auto-preset';
import { autoPresetFor, checkConfig, getSpec } from '../../src/algorithms/registry';
import { box, discrete } from '../../src/core/spaces';
import * as api from '../../src/envs/env-module-api';
import { FaultLocator, formatEnvFault } from '../../src/envs/env-fault';
import { resolveEnvModuleUrl } from '../../src/envs/env-modules';
import { preflightEnv } from '../../src/envs/env-preflight';
import { registerEnv, unregisterEnv, vectorize, type SingleEnv } from '../../src/envs';

const THIS_FILE = 'env-modules.test.ts';
const lineOf = (marker: string): number =>
  readFileSync(new URL(import.meta.url), 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(marker) && !l.includes('lineOf(')) + 1;

describe('the env-module API', () => {
  it('public/env-api.js re-exports exactly the runtime names of src/envs/env-module-api.ts', () => {
    const shim = readFileSync(new URL('../../public/env-api.js', import.meta.url), 'utf8');
    const block = /export const \{([^}]*)\}/.exec(shim)![1]!;
    const names = block
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    expect(names.sort()).toEqual(Object.keys(api).sort());
  });
});

describe('resolveEnvModuleUrl', () => {
  const base = 'http://127.0.0.1:4173/index.html';
  it('accepts same-origin .js/.mjs modules and returns them absolute', () => {
    expect(resolveEnvModuleUrl('/envs/corridor.js', base)).toBe('http://127.0.0.1:4173/envs/corridor.js');
    expect(resolveEnvModuleUrl('envs/c.mjs?v=2', base)).toBe('http://127.0.0.1:4173/envs/c.mjs?v=2');
  });
  it.each([
    ['https://example.com/envs.js', "not this page's origin"],
    ['data:text/javascript,alert(1)', 'only http(s)'],
    ['/envs/corridor.ts', 'compile TypeScript first'],
    ['   ', 'give the URL'],
  ])('refuses %s', (raw, why) => {
    expect(() => resolveEnvModuleUrl(raw, base)).toThrow(why);
  });
});

class Walker implements SingleEnv {
  pos = 0;
  steps = 0;
  constructor(private readonly mode: 'ok' | 'throws' | 'escapes') {}
  reset() {
    this.pos = 0;
    return [0];
  }
  step(action: number | Float32Array) {
    this.steps++;
    if (this.mode === 'throws' && this.steps === 10) throw new Error('walker fell'); // THROW-HERE
    this.pos += action === 1 ? 0.3 : 0.1;
    const obs = this.mode === 'escapes' ? this.pos : Math.min(1, this.pos);
    return { obs: [obs], reward: 0, terminated: this.pos >= 1 };
  }
  getState() {
    return [this.pos];
  }
  setState(s: ArrayLike<number>) {
    this.pos = s[0] ?? 0;
    return [Math.min(1, this.pos)];
  }
}

function register(id: string, mode: 'ok' | 'throws' | 'escapes'): void {
  const spaces = { observationSpace: box(0, 1, [1]), actionSpace: discrete(2) };
  registerEnv(id, vectorize({ ...spaces, create: () => new Walker(mode) }), { maxEpisodeSteps: 20 }); // REGISTER-HERE
}

describe('preflightEnv', () => {
  const locator = new FaultLocator(() => Promise.resolve(null));

  it('passes a sound user env and skips built-ins', async () => {
    register('WalkerOk-v0', 'ok');
    expect(await preflightEnv('WalkerOk-v0', locator)).toBeNull();
    expect(await preflightEnv('CartPole-v1', locator)).toBeNull();
    unregisterEnv('WalkerOk-v0');
  });

  it('a throw from step() is a runtime error at the throwing line', async () => {
    register('WalkerThrows-v0', 'throws');
    const fault = (await preflightEnv('WalkerThrows-v0', locator))!;
    expect(fault.code).toBe('env/runtime-error');
    expect(fault.message).toBe('step() threw Error: walker fell');
    expect(fault.location).toContain(`${THIS_FILE}:${lineOf('THROW-HERE')}:`);
    expect(formatEnvFault(fault)).toMatch(/^env WalkerThrows-v0: step\(\) threw/);
    unregisterEnv('WalkerThrows-v0');
  });

  it('an observation outside its space is a contract problem pointing at registerEnv', async () => {
    register('WalkerEscapes-v0', 'escapes');
    const fault = (await preflightEnv('WalkerEscapes-v0', locator))!;
    expect(fault.code).toBe('env/check-failed');
    expect(fault.message).toContain('outside the observation space');
    expect(fault.location).toContain(`${THIS_FILE}:${lineOf('REGISTER-HERE')}:`);
    unregisterEnv('WalkerEscapes-v0');
  });
});

describe('the automatic preset', () => {
  const shape = {
    envId: 'Corridor-v0',
    observationSpace: box(0, 1, [1]),
    actionSpace: discrete(2),
    maxEpisodeSteps: 50,
    rewardThreshold: 0.9,
  } as const;

  it('sizes the net from the spaces and the runners from the cores', () => {
    expect(autoLayout(shape, { hardwareConcurrency: 2 })).toMatchObject({
      numEnvRunners: 0,
      numEnvsPerEnvRunner: 8,
      hiddens: [16, 16],
      horizon: 50,
      stop: { 'env_runners/episode_return_mean': 0.9 },
    });
    expect(autoLayout({ ...shape, observationSpace: box(-1, 1, [40]) }, { hardwareConcurrency: 16 })).toMatchObject({
      numEnvRunners: 4,
      hiddens: [256, 256],
    });
    expect(
      autoLayout({ ...shape, maxEpisodeSteps: Infinity, rewardThreshold: undefined }, { hardwareConcurrency: 4 }),
    ).toMatchObject({ numEnvRunners: 2, horizon: 200, stop: {} });
  });

  it.each([
    ['PPO', 'GridWalk-v0'],
    ['DQN', 'GridWalk-v0'],
    ['SAC', 'Pendulum-v1'],
  ])('%s: preset auto on %s is a valid config sized for the env', (algo, env) => {
    const check = checkConfig({ algo, preset: 'auto', env }, { hardwareConcurrency: 2 });
    expect(check.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(check.config.envRunners.numEnvRunners).toBe(0);
    expect(check.config.environment.env).toBe(env);
    expect(autoPresetFor(getSpec(algo), env, {}, { hardwareConcurrency: 2 })?.description).toMatch(/automatic/i);
  });

  it("PPO's automatic layout is small next to RLlib's defaults (4,000 steps x 30 epochs)", () => {
    const { config } = checkConfig({ preset: 'auto', env: 'GridWalk-v0' }, { hardwareConcurrency: 2 });
    const t = config.training as unknown as { numEpochs: number; minibatchSize: number };
    expect(config.training.trainBatchSizePerLearner).toBe(256);
    expect(t.numEpochs).toBe(4);
    expect(t.minibatchSize).toBe(128);
    expect(config.rlModule.fcnetHiddens).toEqual([16, 16]);
  });

  it('an unknown env keeps the defaults, with a warning that says so', () => {
    const check = checkConfig({ preset: 'auto', env: 'Nope-v0' });
    expect(check.issues.map((i) => i.message).join('\n')).toContain("no automatic PPO layout for 'Nope-v0'");
  });
});

void api;
