/**
 * Preset lookup shared by every algorithm: presets are keyed by env id, each with optional named
 * variants (`CartPole-v1:cleanrl`), like RLlib's tuned_examples/<algo>/ and rl-baselines3-zoo.
 */
import type { AlgorithmConfigBase } from '../core/config';
import { RLError } from '../core/errors';
import { MIN_MODULE_EPISODE_RETURNS_MEAN } from './multi-agent/multi-agent-windows';
import type { Preset } from './spec';

/** CleanRL's separate 64x64 tanh actor and critic (cleanrl/ppo.py `Agent`), also SB3's MlpPolicy. */
export const SMALL_MLP = { fcnetHiddens: [64, 64], fcnetActivation: 'tanh', vfShareLayers: false } as const;

/** Runners x envs per runner x steps per sample call: a preset's sampling layout in one line. */
export function sampling(
  numEnvRunners: number,
  numEnvsPerEnvRunner: number,
  rolloutFragmentLength: number,
): { numEnvRunners: number; numEnvsPerEnvRunner: number; rolloutFragmentLength: number } {
  return { numEnvRunners, numEnvsPerEnvRunner, rolloutFragmentLength };
}

/** RLlib's stop criteria of a tuned example: this return within this many env steps. */
export function returnWithin(
  episodeReturnMean: number,
  envSteps: number,
): { 'env_runners/episode_return_mean': number; num_env_steps_sampled_lifetime: number } {
  return { 'env_runners/episode_return_mean': episodeReturnMean, num_env_steps_sampled_lifetime: envSteps };
}

/**
 * A single-agent preset on RLlib's multi-agent version of its env (`make_multi_agent`: numAgents
 * independent copies, one agent each, e.g. MultiAgentCartPole for CartPole-v1): the same settings
 * per module, since every module gets as many agent steps per env step as the single agent did.
 * It stops once every module's return mean reached `target` (min_module_episode_returns_mean) or
 * at `maxEnvSteps`. The policies and the mapping stay the user's (`--policies p0,p1
 * --policy-mapping 0=p0,1=p1`): a preset's mapping table would be merged key by key with theirs.
 */
export function onIndependentAgents<C extends AlgorithmConfigBase>(
  preset: Preset<C>,
  env: 'MultiAgentCartPole' | 'MultiAgentPendulum',
  numAgents: number,
  stop: { readonly target: number; readonly maxEnvSteps: number },
): Preset<C> {
  return {
    description: `${env} with ${numAgents} agents, one module each.`,
    details: `${preset.details ?? preset.description} Modules and mapping: --policies, --policy-mapping.`,
    config: { ...preset.config, environment: { env, envConfig: { numAgents } } },
    stop: { [MIN_MODULE_EPISODE_RETURNS_MEAN]: stop.target, num_env_steps_sampled_lifetime: stop.maxEnvSteps },
  };
}

/** Preset ids: each env id (its default preset) and `envId:variant` for every variant. */
export function presetIdsOf(presets: Readonly<Record<string, Preset<AlgorithmConfigBase>>>): string[] {
  return Object.entries(presets).flatMap(([envId, p]) => [
    envId,
    ...Object.keys(p.variants ?? {}).map((name) => `${envId}:${name}`),
  ]);
}

/**
 * The preset `id` (`envId` or `envId:variant`; `envId:default` is the env's own), or
 * `config/unknown-preset` naming the algorithm and listing its preset ids.
 */
export function lookupPreset<C extends AlgorithmConfigBase>(
  presets: Readonly<Record<string, Preset<C>>>,
  id: string,
  algoName: string,
): Omit<Preset<C>, 'variants'> {
  const colon = id.lastIndexOf(':');
  const [env, variant] = colon < 0 ? [id, undefined] : [id.slice(0, colon), id.slice(colon + 1)];
  const base = Object.hasOwn(presets, env) ? presets[env] : undefined;
  const variants = base?.variants ?? {};
  const preset =
    variant === undefined || variant === 'default'
      ? base
      : Object.hasOwn(variants, variant)
        ? variants[variant]
        : undefined;
  if (!preset) {
    const ids = presetIdsOf(presets);
    throw new RLError(
      'config/unknown-preset',
      `No ${algoName} preset '${id}'. Available: ${ids.length > 0 ? ids.join(', ') : 'none'}.`,
    );
  }
  return preset;
}
