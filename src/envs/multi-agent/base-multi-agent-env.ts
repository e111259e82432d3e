import { RLError } from '../../core/errors';
import { RESERVED_KEYS } from '../../core/json';
import { flatDim, type Box, type Discrete } from '../../core/spaces';
import type { RenderContext } from '../types';
import type { MultiAgentEnvFactoryOptions, MultiAgentVectorEnv } from './types';

/**
 * Buffers and bookkeeping shared by the built-in multi-agent envs: lane-major typed arrays, the
 * "call reset first" and action-length checks, and `endCopy`, which closes every live agent's
 * episode when `__all__` ends and hands the copy to the subclass for its same-step reset.
 */
export abstract class BaseMultiAgentVectorEnv implements MultiAgentVectorEnv {
  readonly id: string;
  readonly numEnvs: number;
  readonly maxAgents: number;
  readonly agentIds: readonly string[];
  readonly observationSpaces: readonly Box[];
  readonly actionSpaces: readonly (Discrete | Box)[];
  readonly obsStride: number;
  readonly actionStride: number;
  readonly obs: Float32Array;
  readonly finalObs: Float32Array;
  readonly alive: Uint8Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly terminatedAll: Uint8Array;
  readonly truncatedAll: Uint8Array;
  private hasBeenReset = false;

  protected constructor(
    options: MultiAgentEnvFactoryOptions,
    agents: { ids: readonly string[]; observationSpaces: readonly Box[]; actionSpaces: readonly (Discrete | Box)[] },
  ) {
    const { numEnvs } = options;
    if (!Number.isInteger(numEnvs) || numEnvs < 1) {
      throw new RLError('env/invalid-num-envs', `${options.id}: numEnvs must be a positive integer, got ${numEnvs}`);
    }
    if (
      new Set(agents.ids).size !== agents.ids.length ||
      agents.ids.includes('__all__') ||
      agents.ids.some((id) => RESERVED_KEYS.has(id))
    ) {
      throw new RLError(
        'env/invalid-agent-ids',
        `${options.id}: agent ids must be unique, not '__all__', and not ${[...RESERVED_KEYS].join(', ')}`,
      );
    }
    this.id = options.id;
    this.numEnvs = numEnvs;
    this.maxAgents = agents.ids.length;
    this.agentIds = agents.ids;
    this.observationSpaces = agents.observationSpaces;
    this.actionSpaces = agents.actionSpaces;
    this.obsStride = agents.observationSpaces.reduce((m, sp) => Math.max(m, flatDim(sp)), 0);
    this.actionStride = agents.actionSpaces.reduce((m, sp) => Math.max(m, flatDim(sp)), 0);
    const lanes = numEnvs * this.maxAgents;
    this.obs = new Float32Array(lanes * this.obsStride);
    this.finalObs = new Float32Array(lanes * this.obsStride);
    this.alive = new Uint8Array(lanes);
    this.rewards = new Float32Array(lanes);
    this.terminated = new Uint8Array(lanes);
    this.truncated = new Uint8Array(lanes);
    this.terminatedAll = new Uint8Array(numEnvs);
    this.truncatedAll = new Uint8Array(numEnvs);
  }

  /** Starts a new episode in copy `env`: writes its obs rows and alive mask. */
  protected abstract resetCopy(env: number, seed: number | undefined): void;
  abstract step(actions: Int32Array | Float32Array): void;
  abstract render(env: number, ctx: RenderContext, slot?: number): void;

  reset(seed?: number): void {
    if (seed !== undefined && !Number.isInteger(seed)) {
      throw new RLError('env/invalid-seed', `${this.id}: seed must be an integer, got ${seed}`);
    }
    this.rewards.fill(0);
    this.terminated.fill(0);
    this.truncated.fill(0);
    this.terminatedAll.fill(0);
    this.truncatedAll.fill(0);
    for (let e = 0; e < this.numEnvs; e++) this.resetCopy(e, seed === undefined ? undefined : seed + e);
    this.hasBeenReset = true;
  }

  /** Top of `step`: order and shape checks, and clears last step's per-lane results. */
  protected beginStep(actions: Int32Array | Float32Array): void {
    if (!this.hasBeenReset) throw new RLError('env/not-reset', `${this.id}: call reset() before step().`);
    const expected = this.numEnvs * this.maxAgents * this.actionStride;
    if (actions.length !== expected) {
      throw new RLError(
        'env/invalid-action',
        `${this.id}: step() needs numEnvs * maxAgents * actionStride = ${expected} actions, got ${actions.length}`,
      );
    }
    this.rewards.fill(0);
    this.terminated.fill(0);
    this.truncated.fill(0);
    this.terminatedAll.fill(0);
    this.truncatedAll.fill(0);
  }

  /** Copies lane's current obs row into finalObs (an agent leaving the episode). */
  protected keepFinalObs(lane: number): void {
    const s = this.obsStride;
    for (let k = lane * s, end = k + s; k < end; k++) this.finalObs[k] = this.obs[k]!;
  }

  /**
   * `__all__`: closes the copy's episode. Live agents without a flag of their own get `kind`
   * (and their final observation kept); then the copy starts its next episode in place.
   */
  protected endCopy(env: number, kind: 'terminated' | 'truncated'): void {
    (kind === 'terminated' ? this.terminatedAll : this.truncatedAll)[env] = 1;
    for (let slot = 0; slot < this.maxAgents; slot++) {
      const lane = env * this.maxAgents + slot;
      if (!this.alive[lane]) continue;
      if (!this.terminated[lane] && !this.truncated[lane]) {
        (kind === 'terminated' ? this.terminated : this.truncated)[lane] = 1;
        this.keepFinalObs(lane);
      }
      this.alive[lane] = 0;
    }
    this.resetCopy(env, undefined);
  }
}
