/**
 * The multi-agent vector env contract: N copies of one multi-agent env, each with a fixed number
 * of agent slots, stepped together in place over typed arrays (RLlib's MultiAgentEnv, vectorised;
 * RLlib lists vector multi-agent envs as future work).
 *
 * Slot `s` of every copy always holds the same agent id (`agentIds[s]`), so a module's agents
 * are a fixed list of (copy, slot) lanes and one batched forward per module covers all of them.
 * Arrays are laid out copy-major: lane `copy * maxAgents + slot`.
 *
 * Per step, for every lane that was `alive` before the step (it received an action):
 * - `rewards`, `terminated`, `truncated` describe that agent's step. An agent that leaves the
 *   episode always reports one of the flags; then `finalObs` holds its last observation.
 * - `terminatedAll` / `truncatedAll` per copy are RLlib's `__all__`: the copy's episode ended. Every
 *   agent still alive then gets the same flag (so each agent's episode is closed), and the copy is
 *   reset in the same step (same-step autoreset): `obs` and `alive` already describe the next
 *   episode.
 * An agent that joins (alive goes 0 -> 1 without having acted) has `obs` written and acts next step.
 * Lanes that are not alive hold stale `obs`; their actions are ignored.
 */
import type { Box, Discrete } from '../../core/spaces';
import type { RenderContext } from '../types';

/** RLlib's key for "the whole episode" in terminateds/truncateds dicts. */
export const ALL_AGENTS = '__all__';

export interface MultiAgentVectorEnv {
  readonly id: string;
  /** Copies of the env. */
  readonly numEnvs: number;
  /** Agent slots per copy (the most agents one copy can hold). */
  readonly maxAgents: number;
  /** Agent id of each slot (RLlib's possible_agents). */
  readonly agentIds: readonly string[];
  /** Per slot; RLlib's get_observation_space(agent_id). */
  readonly observationSpaces: readonly Box[];
  /** Per slot; RLlib's get_action_space(agent_id). */
  readonly actionSpaces: readonly (Discrete | Box)[];
  /** Floats per lane in `obs` / `finalObs`: the largest observation size of any slot. */
  readonly obsStride: number;
  /** Scalars per lane in the action array: the largest action size of any slot. */
  readonly actionStride: number;
  /** numEnvs * maxAgents * obsStride. */
  readonly obs: Float32Array;
  readonly finalObs: Float32Array;
  /** numEnvs * maxAgents: 1 where the agent is in the episode and must act next step. */
  readonly alive: Uint8Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** numEnvs: RLlib's terminateds['__all__'] / truncateds['__all__'] of the last step. */
  readonly terminatedAll: Uint8Array;
  readonly truncatedAll: Uint8Array;
  reset(seed?: number): void;
  /** Actions per lane (`actionStride` scalars each, Int32Array when every slot is Discrete). */
  step(actions: Int32Array | Float32Array): void;
  /** Draws copy `env` as seen by agent slot `slot` (or the whole scene when slot is undefined). */
  render(env: number, ctx: RenderContext, slot?: number): void;
}

export interface MultiAgentEnvFactoryOptions {
  readonly id: string;
  readonly numEnvs: number;
  readonly seed: number | undefined;
  readonly maxEpisodeSteps: number;
  readonly envConfig: Readonly<Record<string, unknown>>;
}

export type MultiAgentEnvFactory = (options: MultiAgentEnvFactoryOptions) => MultiAgentVectorEnv;
