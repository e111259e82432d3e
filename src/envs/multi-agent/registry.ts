import { RLError } from '../../core/errors';
import { AgentSubsetEnv, type IndependentAgents } from './agent-subset';
import { CoinChase } from './coin-chase';
import { makeMultiAgentCartPole, makeMultiAgentPendulum } from './independent-agents';
import { envConfigOrThrow } from '../env-config';
import type { MultiAgentEnvFactory, MultiAgentVectorEnv } from './types';

/**
 * Multi-agent envs have their own registry: their contract (agent slots, alive mask, `__all__`)
 * is not the single-agent VectorEnv's, so an id is one or the other and the config picks the
 * multi-agent path when `environment.env` is registered here.
 */
interface Entry {
  readonly factory: MultiAgentEnvFactory;
  readonly maxEpisodeSteps: number;
  readonly description: string;
  /** The env_config keys it reads (see env-config.ts); undefined: passed as given. */
  readonly configKeys: readonly string[] | undefined;
  /** Registered by this module (a built-in env), not by a user's code. */
  readonly builtin: boolean;
  /** The registering call's stack, so a contract problem can point at the user's registration. */
  readonly registeredAt: string;
  /** Its agents never interact, so a copy can hold any share of them (agent-subset.ts); else undefined. */
  readonly independentAgents: IndependentAgents | undefined;
}
const registry = new Map<string, Entry>();

/** True while this module registers its own envs below; everything registered later is the user's. */
let registeringBuiltins = true;

export function registerMultiAgentEnv(
  id: string,
  factory: MultiAgentEnvFactory,
  meta: {
    maxEpisodeSteps?: number;
    description?: string;
    configKeys?: readonly string[];
    independentAgents?: IndependentAgents;
  } = {},
): void {
  if (typeof id !== 'string' || id.length === 0)
    throw new RLError('env/invalid-id', 'registerMultiAgentEnv needs an id');
  registry.set(id, {
    factory,
    maxEpisodeSteps: meta.maxEpisodeSteps ?? Infinity,
    description: meta.description ?? '',
    configKeys: meta.configKeys,
    builtin: registeringBuiltins,
    registeredAt: new Error(`registerMultiAgentEnv(${id})`).stack ?? '',
    independentAgents: meta.independentAgents,
  });
}

/** Whether `id` is one of the multi-agent envs this module registers (not a user's). */
export function isBuiltinMultiAgentEnv(id: string): boolean {
  return registry.get(id)?.builtin === true;
}

/** The stack of the `registerMultiAgentEnv` call that registered `id` ('' when unknown). */
export function multiAgentRegistrationStack(id: string): string {
  return registry.get(id)?.registeredAt ?? '';
}

/** Whether `id` declared independent agents (so EnvRunners may each step a share of them). */
export function hasIndependentAgents(id: string): boolean {
  return registry.get(id)?.independentAgents !== undefined;
}

/** The env_config keys a registered multi-agent env reads (undefined: not declared). */
export function multiAgentEnvConfigKeys(id: string): readonly string[] | undefined {
  return registry.get(id)?.configKeys;
}

export function isMultiAgentEnv(id: string): boolean {
  return registry.has(id);
}

export function listMultiAgentEnvs(): string[] {
  return [...registry.keys()];
}

export interface MakeMultiAgentEnvOptions {
  readonly numEnvs: number;
  readonly seed?: number | undefined;
  readonly maxEpisodeSteps?: number | null | undefined;
  readonly envConfig?: Readonly<Record<string, unknown>> | undefined;
  /**
   * Build a copy holding only these agents (ids of the whole env), for an env that declared
   * independent agents: its count key is set to their number and its slots take these ids.
   */
  readonly agentIds?: readonly string[] | undefined;
}

export function makeMultiAgentVectorEnv(id: string, opts: MakeMultiAgentEnvOptions): MultiAgentVectorEnv {
  const entry = registry.get(id);
  if (!entry) {
    throw new RLError(
      'env/unknown',
      `Unknown multi-agent env id "${id}". Registered: ${listMultiAgentEnvs().join(', ')}. Register one with registerMultiAgentEnv.`,
    );
  }
  const maxEpisodeSteps = opts.maxEpisodeSteps ?? entry.maxEpisodeSteps;
  const subset = opts.agentIds;
  if (subset && !entry.independentAgents) {
    throw new RLError(
      'env/agent-subset',
      `"${id}" did not declare independent agents; every runner must step all of them.`,
    );
  }
  const envConfig = envConfigOrThrow(id, opts.envConfig ?? {}, entry.configKeys);
  const env = entry.factory({
    id,
    numEnvs: opts.numEnvs,
    seed: opts.seed,
    maxEpisodeSteps,
    envConfig: subset ? { ...envConfig, [entry.independentAgents!.countKey]: subset.length } : envConfig,
  });
  return subset ? new AgentSubsetEnv(env, subset) : env;
}

registerMultiAgentEnv('MultiAgentCartPole', makeMultiAgentCartPole, {
  maxEpisodeSteps: 500,
  configKeys: ['numAgents'],
  independentAgents: { countKey: 'numAgents' },
  description: "RLlib's MultiAgentCartPole: envConfig.numAgents independent CartPole-v1 poles, one agent each.",
});
registerMultiAgentEnv('CoinChase-v0', (o) => new CoinChase(o), {
  maxEpisodeSteps: 50,
  configKeys: ['size'],
  description: 'Two players race for coins on a grid (competitive); +1 per coin, 50 steps.',
});
registerMultiAgentEnv('MultiAgentPendulum', makeMultiAgentPendulum, {
  maxEpisodeSteps: 200,
  configKeys: ['numAgents'],
  description:
    "RLlib's MultiAgentPendulum: envConfig.numAgents independent Pendulum-v1s, one agent each (Box torques, for SAC).",
});
registeringBuiltins = false;
