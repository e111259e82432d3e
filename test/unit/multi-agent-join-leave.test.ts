/**
 * The multi-agent contract with agents that join mid-episode and leave early, through the
 * runner: a scripted env (registered like a user's) and the per-module batches it produces.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';
import { box, discrete } from '../../src/core/spaces';
import { ChunkEnd } from '../../src/core/sample-batch';
import { MultiAgentEnvRunner } from '../../src/env-runner/multi-agent-env-runner';
import {
  BaseMultiAgentVectorEnv,
  registerMultiAgentEnv,
  type MultiAgentEnvFactoryOptions,
} from '../../src/envs/multi-agent';
import type { RenderContext } from '../../src/envs/types';

/**
 * Episode of 5 steps: "a" acts from the start and leaves (terminated) after step 3; "b" acts
 * throughout; "c" joins after step 1 (acts from step 2). Reward = 1 for a, 2 for b, 3 for c;
 * obs = [step, slot]. `__all__` is truncated after step 5.
 */
class JoinLeaveEnv extends BaseMultiAgentVectorEnv {
  private t = new Int32Array(0);
  constructor(o: MultiAgentEnvFactoryOptions) {
    const space = box([-100, -100], [100, 100]);
    super(o, {
      ids: ['a', 'b', 'c'],
      observationSpaces: [space, space, space],
      actionSpaces: [discrete(2), discrete(2), discrete(2)],
    });
    this.t = new Int32Array(o.numEnvs);
  }
  protected resetCopy(env: number): void {
    this.t[env] = 0;
    this.alive.set([1, 1, 0], env * 3);
    this.writeObs(env);
  }
  step(actions: Int32Array | Float32Array): void {
    this.beginStep(actions);
    for (let env = 0; env < this.numEnvs; env++) {
      const t = ++this.t[env]!;
      for (let s = 0; s < 3; s++) if (this.alive[env * 3 + s]) this.rewards[env * 3 + s] = s + 1;
      this.writeObs(env);
      if (t === 3) {
        this.terminated[env * 3] = 1;
        this.keepFinalObs(env * 3);
        this.alive[env * 3] = 0;
      }
      if (t === 1) this.alive[env * 3 + 2] = 1; // c joins: acts from the next step
      if (t === 5) this.endCopy(env, 'truncated');
    }
  }
  private writeObs(env: number): void {
    for (let s = 0; s < 3; s++) this.obs.set([this.t[env]!, s], (env * 3 + s) * 2);
  }
  render(_env: number, _ctx: RenderContext): void {}
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerMultiAgentEnv('JoinLeave-test', (o) => new JoinLeaveEnv(o), { maxEpisodeSteps: 5 });
});

it('rows only for acted steps; joins start a chunk, early leaves end one, `__all__` truncates the rest', async () => {
  const runner = new MultiAgentEnvRunner({
    env: 'JoinLeave-test',
    envConfig: {},
    maxEpisodeSteps: null,
    numEnvs: 1,
    rolloutFragmentLength: 7, // one whole episode (5 steps) and 2 steps of the next
    explore: true,
    seed: 0,
    moduleIds: ['ab', 'c'],
    moduleOfSlot: [0, 0, 1],
    module: { kind: 'actor-critic', model: { fcnetHiddens: [4], fcnetActivation: 'tanh', vfShareLayers: false } },
  });
  const { batches, metrics } = await runner.sample();
  const ab = batches['ab']!;
  const c = batches['c']!;
  // a: steps 1-3 (terminated), then steps 1-2 of episode 2 (cut). b: 5 (truncated) + 2 (cut).
  expect(ab.numSteps).toBe(3 + 2 + 5 + 2);
  expect([...ab.chunkEnds]).toEqual([ChunkEnd.TERMINATED, ChunkEnd.CUT, ChunkEnd.TRUNCATED, ChunkEnd.CUT]);
  expect([...ab.chunkStarts]).toEqual([0, 3, 5, 10, 12]);
  expect([...ab.obs.subarray(0, 6)]).toEqual([0, 0, 1, 0, 2, 0]); // a's observations, steps 0..2
  expect([...ab.finalObs.subarray(0, 2)]).toEqual([3, 0]); // a's last observation when it left
  // c joined after step 1: acts at steps 2..5 of episode 1 (4 rows, truncated), then step 2 of episode 2.
  expect([...c.chunkEnds]).toEqual([ChunkEnd.TRUNCATED, ChunkEnd.CUT]);
  expect(c.numSteps).toBe(4 + 1);
  expect([...c.obs.subarray(0, 2)]).toEqual([1, 2]);
  expect(new Set(c.chunkEpisodeIds).size).toBe(2);
  // Metrics: env steps = 7 copy-steps; agent steps = rows; one finished episode.
  expect(metrics.numEnvSteps).toBe(7);
  expect(metrics.numAgentSteps).toBe(ab.numSteps + c.numSteps);
  expect(metrics.episodeReturns).toEqual([3 * 1 + 5 * 2 + 4 * 3]);
  expect(metrics.agentEpisodeReturns).toEqual({ a: [3], b: [10], c: [12] });
  expect(metrics.moduleEpisodeReturns).toEqual({ ab: [13], c: [12] });
  runner.stop();
});

it('a module mapped to agents with different spaces is a config error naming the mapping', () => {
  class TwoSpaces extends BaseMultiAgentVectorEnv {
    constructor(o: MultiAgentEnvFactoryOptions) {
      super(o, {
        ids: ['small', 'big'],
        observationSpaces: [box([0], [1]), box([0, 0], [1, 1])],
        actionSpaces: [discrete(2), discrete(2)],
      });
    }
    protected resetCopy(env: number): void {
      this.alive.set([1, 1], env * 2);
    }
    step(actions: Int32Array | Float32Array): void {
      this.beginStep(actions);
    }
    render(): void {}
  }
  registerMultiAgentEnv('TwoSpaces-test', (o) => new TwoSpaces(o));
  const make = (moduleOfSlot: number[]): MultiAgentEnvRunner =>
    new MultiAgentEnvRunner({
      env: 'TwoSpaces-test',
      envConfig: {},
      maxEpisodeSteps: null,
      numEnvs: 1,
      rolloutFragmentLength: 1,
      explore: true,
      seed: 0,
      moduleIds: ['m0', 'm1'],
      moduleOfSlot,
      module: { kind: 'actor-critic', model: { fcnetHiddens: [4], fcnetActivation: 'tanh', vfShareLayers: false } },
    });
  expect(() => make([0, 0])).toThrow(/multiAgent.policyMappingFn: module 'm0' gets agents 'small' and 'big'/);
  make([0, 1]).stop();
});
