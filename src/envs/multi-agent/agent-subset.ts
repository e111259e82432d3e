/**
 * Some of an env's agents, stepped alone (issue 30: module-to-runner placement). An env whose
 * agents never interact (RLlib's `make_multi_agent`: MultiAgentCartPole's poles) declares it at
 * registration (`independentAgents`), and then a copy built with k agents is the same env for any
 * k of them: an EnvRunner can step only its share of the agents and hold only their modules.
 * The copy's agents are renamed to the ids they have in the whole env, so returns, mappings and
 * metrics read the same as in one runner holding every agent.
 */
import { RLError } from '../../core/errors';
import type { RenderContext } from '../types';
import type { MultiAgentVectorEnv } from './types';

/** What an env with independent agents declares: the env_config key that sets its number of agents. */
export interface IndependentAgents {
  readonly countKey: string;
}

/** `inner`, an env of `agentIds.length` agents, with its slots named `agentIds`. */
export class AgentSubsetEnv implements MultiAgentVectorEnv {
  readonly id: string;
  readonly numEnvs: number;
  readonly maxAgents: number;
  readonly observationSpaces: MultiAgentVectorEnv['observationSpaces'];
  readonly actionSpaces: MultiAgentVectorEnv['actionSpaces'];
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

  constructor(
    private readonly inner: MultiAgentVectorEnv,
    readonly agentIds: readonly string[],
  ) {
    if (agentIds.length !== inner.maxAgents) {
      throw new RLError(
        'env/agent-subset',
        `${inner.id}: a copy with ${inner.maxAgents} agents cannot stand for ${agentIds.length} (${agentIds.slice(0, 3).join(', ')}, ...)`,
      );
    }
    this.id = inner.id;
    this.numEnvs = inner.numEnvs;
    this.maxAgents = inner.maxAgents;
    this.observationSpaces = inner.observationSpaces;
    this.actionSpaces = inner.actionSpaces;
    this.obsStride = inner.obsStride;
    this.actionStride = inner.actionStride;
    // The inner env writes these in place; they are the same arrays.
    this.obs = inner.obs;
    this.finalObs = inner.finalObs;
    this.alive = inner.alive;
    this.rewards = inner.rewards;
    this.terminated = inner.terminated;
    this.truncated = inner.truncated;
    this.terminatedAll = inner.terminatedAll;
    this.truncatedAll = inner.truncatedAll;
  }

  reset(seed?: number): void {
    this.inner.reset(seed);
  }

  step(actions: Int32Array | Float32Array): void {
    this.inner.step(actions);
  }

  render(env: number, ctx: RenderContext, slot?: number): void {
    this.inner.render(env, ctx, slot);
  }
}

/**
 * Contiguous, near-equal shares of `agentIds` for `parts` runners (the first ones get one more
 * when they do not divide evenly): runner r steps share r. Contiguous, so a runner's agents are
 * neighbours in the env's order, and the split is the same whatever the mapping.
 */
export function splitAgents(agentIds: readonly string[], parts: number): string[][] {
  if (!Number.isInteger(parts) || parts < 1 || parts > agentIds.length) {
    throw new RLError(
      'env/agent-subset',
      `cannot split ${agentIds.length} agents over ${parts} EnvRunners: each runner needs at least one agent.`,
    );
  }
  const base = Math.floor(agentIds.length / parts);
  const extra = agentIds.length % parts;
  const out: string[][] = [];
  let at = 0;
  for (let r = 0; r < parts; r++) {
    const size = base + (r < extra ? 1 : 0);
    out.push(agentIds.slice(at, at + size));
    at += size;
  }
  return out;
}
