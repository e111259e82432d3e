import { RLError } from '../../core/errors';
import { flatDim } from '../../core/spaces';
import { CartPoleVectorEnv } from '../cartpole';
import { PendulumVectorEnv } from '../pendulum';
import type { EnvFactoryOptions, RenderContext, VectorEnv } from '../types';
import { BaseMultiAgentVectorEnv } from './base-multi-agent-env';
import type { MultiAgentEnvFactoryOptions } from './types';

/** A single-agent vector env whose sub-envs can be reset one at a time (BaseVectorEnv's envs can). */
type ResettableVectorEnv = VectorEnv & { resetSubEnv(i: number, seed?: number): void };

/**
 * RLlib's `make_multi_agent(env)` (rllib/env/multi_agent_env.py): `numAgents` independent copies
 * of one single-agent env in one episode, agent ids "0".."n-1", each agent its own copy. An agent
 * whose copy terminates or truncates leaves; `__all__` ends the episode when every agent has left
 * (terminated when all of them terminated, truncated otherwise).
 *
 * The physics is the single-agent vector env over numEnvs * numAgents sub-envs, so it matches
 * Gymnasium step for step. envConfig: `numAgents` (RLlib: num_agents, default 2).
 */
export class IndependentAgentsEnv extends BaseMultiAgentVectorEnv {
  /** Per lane: 1 when this agent's episode was terminated (not truncated), for `__all__`'s kind. */
  private readonly ended: Uint8Array;
  private readonly innerActions: Int32Array | Float32Array;
  private readonly innerObsDim: number;
  private readonly innerActionDim: number;

  constructor(
    options: MultiAgentEnvFactoryOptions,
    private readonly inner: ResettableVectorEnv,
  ) {
    const numAgents = readNumAgents(options.id, options.envConfig);
    const ids = Array.from({ length: numAgents }, (_, i) => String(i));
    super(options, {
      ids,
      observationSpaces: ids.map(() => inner.singleObservationSpace),
      actionSpaces: ids.map(() => inner.singleActionSpace),
    });
    if (inner.numEnvs !== options.numEnvs * numAgents) {
      throw new RLError('env/invalid-num-envs', `${options.id}: the inner env needs numEnvs x numAgents sub-envs`);
    }
    this.innerObsDim = flatDim(inner.singleObservationSpace);
    this.innerActionDim = flatDim(inner.singleActionSpace);
    this.ended = new Uint8Array(options.numEnvs * numAgents);
    const n = inner.numEnvs * this.innerActionDim;
    this.innerActions = inner.singleActionSpace.kind === 'discrete' ? new Int32Array(n) : new Float32Array(n);
    inner.reset(options.seed); // every copy is reset again by resetCopy; this arms the inner env
  }

  protected resetCopy(env: number, seed: number | undefined): void {
    const n = this.maxAgents;
    const d = this.innerObsDim;
    for (let slot = 0; slot < n; slot++) {
      const lane = env * n + slot;
      this.inner.resetSubEnv(lane, seed === undefined ? undefined : seed * n + slot);
      for (let k = 0; k < d; k++) this.obs[lane * this.obsStride + k] = this.inner.obs[lane * d + k]!;
      this.alive[lane] = 1;
      this.ended[lane] = 0;
    }
  }

  step(actions: Int32Array | Float32Array): void {
    this.beginStep(actions);
    // Agents that left are stepped too (with action 0) and ignored: one vector step keeps the loop branch-free.
    const a = this.innerActionDim;
    const inner = this.innerActions;
    for (let lane = 0; lane < this.alive.length; lane++) {
      const alive = this.alive[lane] === 1;
      for (let k = 0; k < a; k++) inner[lane * a + k] = alive ? actions[lane * this.actionStride + k]! : 0;
    }
    this.inner.step(inner);
    const n = this.maxAgents;
    const d = this.innerObsDim;
    for (let env = 0; env < this.numEnvs; env++) {
      let left = 0;
      for (let slot = 0; slot < n; slot++) {
        const lane = env * n + slot;
        if (!this.alive[lane]) {
          left++;
          continue;
        }
        this.rewards[lane] = this.inner.rewards[lane]!;
        const term = this.inner.terminated[lane] === 1;
        const trunc = this.inner.truncated[lane] === 1;
        // The inner env reset itself; its finalObs row is this agent's last observation.
        const src = term || trunc ? this.inner.finalObs : this.inner.obs;
        for (let k = 0; k < d; k++) this.obs[lane * this.obsStride + k] = src[lane * d + k]!;
        if (term || trunc) {
          this.terminated[lane] = term ? 1 : 0;
          this.truncated[lane] = trunc ? 1 : 0;
          this.ended[lane] = term ? 1 : 0;
          this.keepFinalObs(lane);
          this.alive[lane] = 0;
          left++;
        }
      }
      if (left === n) {
        let allTerminated = true;
        for (let slot = 0; slot < n; slot++) allTerminated &&= this.ended[env * n + slot] === 1;
        this.endCopy(env, allTerminated ? 'terminated' : 'truncated');
      }
    }
  }

  render(env: number, ctx: RenderContext, slot = 0): void {
    this.inner.render(env * this.maxAgents + slot, ctx);
  }
}

function readNumAgents(id: string, envConfig: Readonly<Record<string, unknown>>): number {
  const value = envConfig['numAgents'] ?? envConfig['num_agents'] ?? 2;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 10_000) {
    throw new RLError(
      'env/invalid-config',
      `${id}: environment.envConfig.numAgents must be an integer in [1, 10000], got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** The inner env's options: numEnvs * numAgents sub-envs of the single-agent env, its own time limit. */
function innerOptions(o: MultiAgentEnvFactoryOptions, id: string): EnvFactoryOptions {
  return {
    id,
    numEnvs: o.numEnvs * readNumAgents(o.id, o.envConfig),
    seed: o.seed,
    maxEpisodeSteps: o.maxEpisodeSteps,
    envConfig: {},
    workerIndex: 0,
    gpuDevice: null, // the inner poles are CPU envs
  };
}

/** RLlib's MultiAgentCartPole (rllib/examples/envs/classes/multi_agent.py): CartPole-v1 per agent. */
export function makeMultiAgentCartPole(o: MultiAgentEnvFactoryOptions): IndependentAgentsEnv {
  return new IndependentAgentsEnv(o, new CartPoleVectorEnv(innerOptions(o, 'CartPole-v1')));
}

/** RLlib's MultiAgentPendulum (same file): Pendulum-v1 per agent, Box(-2, 2) torques, 200 steps. */
export function makeMultiAgentPendulum(o: MultiAgentEnvFactoryOptions): IndependentAgentsEnv {
  return new IndependentAgentsEnv(o, new PendulumVectorEnv(innerOptions(o, 'Pendulum-v1')));
}
