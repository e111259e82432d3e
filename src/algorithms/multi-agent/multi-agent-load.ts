/**
 * How a spec's `load()` serves single- and multi-agent runs (RLlib: one XConfig, and
 * `.multi_agent()` turns its module into a MultiRLModule): a config whose env is a multi-agent env
 * (registerMultiAgentEnv) builds the algorithm's multi-agent class (multi-agent-builds.ts), any
 * other config the algorithm's own. Both imports are dynamic: no TF.js loads before a build.
 */
import type { AlgorithmConfigBase } from '../../core/config';
import { RLError } from '../../core/errors';
import type { AlgorithmImplementation, BuildOptions } from '../spec';
import { isMultiAgentConfig } from './multi-agent-config';

export function withMultiAgent<C extends AlgorithmConfigBase>(
  single: () => Promise<AlgorithmImplementation<C>>,
): () => Promise<AlgorithmImplementation<C>> {
  return async () => {
    const [own, { MULTI_AGENT_BUILDS }] = await Promise.all([single(), import('./multi-agent-builds')]);
    return {
      build: (config: C, opts?: BuildOptions) => {
        if (!isMultiAgentConfig(config)) return own.build(config, opts);
        const build = MULTI_AGENT_BUILDS[config.algo];
        if (!build) throw new RLError('multi-agent/unsupported', `${config.algo} has no multi-agent training.`);
        // The multi-agent class is an Algorithm of this config (its multiAgent section included).
        return build(config, opts as Parameters<typeof build>[1]) as ReturnType<AlgorithmImplementation<C>['build']>;
      },
    };
  };
}
