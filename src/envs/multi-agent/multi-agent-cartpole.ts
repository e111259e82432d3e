import { RLError } from '../../core/errors';
import { CartPoleVectorEnv } from '../cartpole';
import type { RenderContext } from '../types';
import { BaseMultiAgentVectorEnv } from './base-multi-agent-env';
import type { MultiAgentEnvFactoryOptions } from './types';

/**
 * RLlib's MultiAgentCartPole (rllib/examples/envs/classes/multi_agent.py, `make_multi_agent`):
 * `numAgents` independent CartPole-v1 poles in one episode, agent ids "0".."n-1". An agent whose
 * pole falls (or reaches the 500-step limit) leaves; `__all__` ends the episode when every agent
 * has left (terminated when all poles fell, truncated otherwise).
 *
 * The physics is CartPoleVectorEnv over numEnvs * numAgents sub-envs, so it matches Gymnasium
 * step for step. envConfig: `numAgents` (RLlib: num_agents, default 2).
 */
export class MultiAgentCartPole extends BaseMultiAgentVectorEnv {
  private readonly poles: CartPoleVectorEnv;
  /** Per lane: 1 when this agent's episode was terminated (not truncated), for `__all__`'s kind. */
  private readonly fell: Uint8Array;
  private readonly poleActions: Int32Array;

  constructor(options: MultiAgentEnvFactoryOptions) {
    const numAgents = readNumAgents(options.envConfig);
    const poles = new CartPoleVectorEnv({
      id: 'CartPole-v1',
      numEnvs: options.numEnvs * numAgents,
      seed: options.seed,
      maxEpisodeSteps: options.maxEpisodeSteps,
      envConfig: {},
      workerIndex: 0,
      gpuDevice: null,
    });
    poles.reset(options.seed); // every copy is reset again by resetCopy; this arms the pole env
    const ids = Array.from({ length: numAgents }, (_, i) => String(i));
    super(options, {
      ids,
      observationSpaces: ids.map(() => poles.singleObservationSpace),
      actionSpaces: ids.map(() => poles.singleActionSpace),
    });
    this.poles = poles;
    this.fell = new Uint8Array(options.numEnvs * numAgents);
    this.poleActions = new Int32Array(options.numEnvs * numAgents);
  }

  protected resetCopy(env: number, seed: number | undefined): void {
    const n = this.maxAgents;
    for (let slot = 0; slot < n; slot++) {
      const lane = env * n + slot;
      this.poles.resetSubEnv(lane, seed === undefined ? undefined : seed * n + slot);
      this.obs.set(this.poles.obs.subarray(lane * 4, lane * 4 + 4), lane * 4);
      this.alive[lane] = 1;
      this.fell[lane] = 0;
    }
  }

  step(actions: Int32Array | Float32Array): void {
    this.beginStep(actions);
    // Dead poles are stepped too (action 0) and ignored: one vector step keeps the loop branch-free.
    const poleActions = this.poleActions;
    for (let lane = 0; lane < actions.length; lane++) poleActions[lane] = this.alive[lane] ? actions[lane]! : 0;
    this.poles.step(poleActions);
    const n = this.maxAgents;
    for (let env = 0; env < this.numEnvs; env++) {
      let left = 0;
      for (let slot = 0; slot < n; slot++) {
        const lane = env * n + slot;
        if (!this.alive[lane]) {
          left++;
          continue;
        }
        this.rewards[lane] = this.poles.rewards[lane]!;
        const term = this.poles.terminated[lane] === 1;
        const trunc = this.poles.truncated[lane] === 1;
        // The pole env autoreset itself; its finalObs row is this agent's last observation.
        const src = term || trunc ? this.poles.finalObs : this.poles.obs;
        for (let k = 0; k < 4; k++) this.obs[lane * 4 + k] = src[lane * 4 + k]!;
        if (term || trunc) {
          this.terminated[lane] = term ? 1 : 0;
          this.truncated[lane] = trunc ? 1 : 0;
          this.fell[lane] = term ? 1 : 0;
          this.keepFinalObs(lane);
          this.alive[lane] = 0;
          left++;
        }
      }
      if (left === n) {
        let allFell = true;
        for (let slot = 0; slot < n; slot++) allFell &&= this.fell[env * n + slot] === 1;
        this.endCopy(env, allFell ? 'terminated' : 'truncated');
      }
    }
  }

  render(env: number, ctx: RenderContext, slot = 0): void {
    this.poles.render(env * this.maxAgents + slot, ctx);
  }
}

function readNumAgents(envConfig: Readonly<Record<string, unknown>>): number {
  const value = envConfig['numAgents'] ?? envConfig['num_agents'] ?? 2;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 10_000) {
    throw new RLError(
      'env/invalid-config',
      `MultiAgentCartPole: environment.envConfig.numAgents must be an integer in [1, 10000], got ${JSON.stringify(value)}`,
    );
  }
  return value;
}
