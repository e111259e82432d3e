/**
 * Multi-agent envs and sampling (issue 30, item 1): the multi-agent checkEnv passes every
 * registered multi-agent env and catches broken ones; a user's multi-agent env is checked before
 * it trains with the same file:line faults as a single-agent one; MultiAgentPendulum's Box actions
 * go through the runner; batchMode 'complete_episodes' returns whole env episodes only.
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChunkEnd } from '../../src/core/sample-batch';
import { box, discrete } from '../../src/core/spaces';
import { MultiAgentEnvRunner } from '../../src/env-runner/multi-agent-env-runner';
import { FaultLocator, formatEnvFault } from '../../src/envs/env-fault';
import { preflightEnv } from '../../src/envs/env-preflight';
import {
  BaseMultiAgentVectorEnv,
  listMultiAgentEnvs,
  makeMultiAgentVectorEnv,
  registerMultiAgentEnv,
  type MultiAgentEnvFactoryOptions,
  type MultiAgentVectorEnv,
} from '../../src/envs/multi-agent';
import { checkMultiAgentEnv } from '../../src/envs/multi-agent/check-multi-agent-env';
import type { RenderContext } from '../../src/envs/types';

const THIS_FILE = 'multi-agent-envs.test.ts';
const lineOf = (marker: string): number =>
  readFileSync(new URL(import.meta.url), 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(marker) && !l.includes('lineOf(')) + 1;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('checkEnv over every registered multi-agent env', () => {
  it.each(listMultiAgentEnvs())('%s passes (3 copies)', (id) => {
    const env = makeMultiAgentVectorEnv(id, { numEnvs: 3, seed: 0 });
    expect(checkMultiAgentEnv(env, { numSteps: 600, requireEpisodeEnd: true })).toEqual([]);
  });
});

/** Two walkers on a line in [0, 1]; a walker that passes 1 leaves; the episode ends when both have. */
class Walkers extends BaseMultiAgentVectorEnv {
  private readonly pos: Float64Array;

  constructor(
    options: MultiAgentEnvFactoryOptions,
    private readonly bug: 'none' | 'escapes' | 'dead-reward' | 'throws' = 'none',
  ) {
    super(options, {
      ids: ['a', 'b'],
      observationSpaces: [box(0, 1, [1]), box(0, 1, [1])],
      actionSpaces: [discrete(2), discrete(2)],
    });
    this.pos = new Float64Array(options.numEnvs * 2);
  }

  protected resetCopy(env: number): void {
    for (let s = 0; s < 2; s++) {
      this.pos[env * 2 + s] = 0;
      this.obs[env * 2 + s] = 0;
      this.alive[env * 2 + s] = 1;
    }
  }

  step(actions: Int32Array | Float32Array): void {
    this.beginStep(actions);
    for (let env = 0; env < this.numEnvs; env++) {
      let left = 0;
      for (let s = 0; s < 2; s++) {
        const lane = env * 2 + s;
        if (!this.alive[lane]) {
          if (this.bug === 'dead-reward') this.rewards[lane] = 1;
          left++;
          continue;
        }
        if (this.bug === 'throws' && this.pos[lane]! > 0.5) throw new Error('walker tripped'); // THROW-HERE
        this.pos[lane] = this.pos[lane]! + (actions[lane] === 1 ? 0.3 : 0.1);
        this.obs[lane] = this.bug === 'escapes' ? this.pos[lane] : Math.min(1, this.pos[lane]);
        this.rewards[lane] = 1;
        if (this.pos[lane] >= 1) {
          this.terminated[lane] = 1;
          this.keepFinalObs(lane);
          this.alive[lane] = 0;
          left++;
        }
      }
      if (left === 2) this.endCopy(env, 'terminated');
    }
  }

  render(_env: number, _ctx: RenderContext): void {}
}

const walkers = (bug: ConstructorParameters<typeof Walkers>[1]): MultiAgentVectorEnv =>
  new Walkers({ id: `Walkers-${bug}`, numEnvs: 2, seed: 0, maxEpisodeSteps: 50, envConfig: {} }, bug);

describe('the multi-agent checkEnv catches broken envs', () => {
  it('a sound env passes', () => {
    expect(checkMultiAgentEnv(walkers('none'), { numSteps: 200, requireEpisodeEnd: true })).toEqual([]);
  });
  it.each([
    ['escapes', /finalObs\[0\] is NaN or outside the agent's space/],
    ['dead-reward', /an agent that was not alive got a reward or a flag/],
  ] as const)('%s', (bug, expected) => {
    const problems = checkMultiAgentEnv(walkers(bug), { numSteps: 200 });
    expect(problems.join('\n')).toMatch(expected);
  });
  it('slots and buffers: agent ids, strides and array sizes', () => {
    const env = walkers('none');
    const broken = { ...env, agentIds: ['a', 'a'], obsStride: 3, reset: env.reset.bind(env) } as MultiAgentVectorEnv;
    const text = checkMultiAgentEnv(broken).join('\n');
    expect(text).toMatch(/agent ids must be unique/);
    expect(text).toMatch(/obsStride must be 1/);
  });
});

function registerWalkers(id: string, bug: ConstructorParameters<typeof Walkers>[1]): void {
  registerMultiAgentEnv(id, (o) => new Walkers(o, bug), { maxEpisodeSteps: 50 }); // REGISTER-HERE
}

describe('preflightEnv on a user multi-agent env', () => {
  const locator = new FaultLocator(() => Promise.resolve(null));

  it('passes a sound env and skips the built-in ones', async () => {
    registerWalkers('WalkersOk-v0', 'none');
    expect(await preflightEnv('WalkersOk-v0', locator)).toBeNull();
    expect(await preflightEnv('MultiAgentCartPole', locator)).toBeNull();
  });

  it('a throw from step() is a runtime error at the throwing line', async () => {
    registerWalkers('WalkersThrow-v0', 'throws');
    const fault = (await preflightEnv('WalkersThrow-v0', locator))!;
    expect(fault.code).toBe('env/runtime-error');
    expect(fault.message).toBe('step() threw Error: walker tripped');
    expect(fault.location).toContain(`${THIS_FILE}:${lineOf('THROW-HERE')}:`);
    expect(formatEnvFault(fault)).toMatch(/^env WalkersThrow-v0: step\(\) threw/);
  });

  it('an observation outside its space is a contract problem pointing at registerMultiAgentEnv', async () => {
    registerWalkers('WalkersEscape-v0', 'escapes');
    const fault = (await preflightEnv('WalkersEscape-v0', locator))!;
    expect(fault.code).toBe('env/check-failed');
    expect(fault.message).toContain("outside the agent's space");
    expect(fault.location).toContain(`${THIS_FILE}:${lineOf('REGISTER-HERE')}:`);
  });
});

const runner = (env: string, extra: Partial<ConstructorParameters<typeof MultiAgentEnvRunner>[0]>) =>
  new MultiAgentEnvRunner({
    env,
    envConfig: { numAgents: 2 },
    maxEpisodeSteps: null,
    numEnvs: 3,
    rolloutFragmentLength: 20,
    explore: true,
    seed: 4,
    moduleIds: ['p0', 'p1'],
    moduleOfSlot: [0, 1],
    module: { kind: 'actor-critic', model: { fcnetHiddens: [8], fcnetActivation: 'tanh', vfShareLayers: false } },
    ...extra,
  });

describe('MultiAgentEnvRunner', () => {
  it("Box actions: MultiAgentPendulum's torques, one float row per agent step, within the Box", async () => {
    const r = runner('MultiAgentPendulum', {});
    const { batches, metrics } = await r.sample();
    for (const id of ['p0', 'p1']) {
      const b = batches[id]!;
      expect(b.actions).toBeInstanceOf(Float32Array);
      expect(b.actionDim).toBe(1);
      expect(b.numSteps).toBe(20 * 3); // no pendulum ends within 20 steps
      expect(new Set(b.actions).size).toBeGreaterThan(10); // sampled from a Gaussian
    }
    expect(metrics.numAgentSteps).toBe(120);
    r.stop();
  });

  it("batchMode 'complete_episodes': whole env episodes only, every agent's last row terminated or truncated", async () => {
    const r = runner('MultiAgentCartPole', { batchMode: 'complete_episodes', rolloutFragmentLength: 10 });
    for (let call = 0; call < 2; call++) {
      const { batches, metrics } = await r.sample();
      const episodeSteps = metrics.episodeLengths.reduce((a, b) => a + b, 0);
      expect(metrics.numEnvSteps).toBe(episodeSteps);
      expect(episodeSteps).toBeGreaterThanOrEqual(10 * 3);
      for (const id of ['p0', 'p1']) {
        const b = batches[id]!;
        expect([...b.chunkEnds]).not.toContain(ChunkEnd.CUT);
        expect(metrics.agentStepsByModule[id]).toBe(b.numSteps);
        // One chunk per (agent, ended episode): each module has one agent per copy.
        expect(b.chunkEnds.length).toBe(metrics.episodeLengths.length);
      }
    }
    r.stop();
  });
});
