/**
 * What an env module may import: `import { registerEnv, vectorize, box, discrete } from
 * 'browser-rl/envs'`. The names below are the whole API. A module loaded at run time (the CLI's
 * --env-module, the page's `env_module=`) is bundled on its own, so it cannot share the app's
 * module instances by import; it reaches these through `/env-api.js` (public/), which reads them
 * from the global that `installEnvModuleApi` sets in the page and in every worker. In the app's
 * own build the specifier is an alias of this file (vite.config.ts, tsconfig paths).
 */
export { registerEnv, getEnvSpec, listEnvs, makeVectorEnv } from './registry';
export { needsGpuError } from './needs-gpu';
export { vectorize } from './vectorize';
export { BaseVectorEnv, configBoolean, configNumber } from './base-vector-env';
export { checkEnv } from './check-env';
export { registerMultiAgentEnv } from './multi-agent/registry';
export { BaseMultiAgentVectorEnv } from './multi-agent/base-multi-agent-env';
export { checkMultiAgentEnv } from './multi-agent/check-multi-agent-env';
export { box, discrete, flatDim } from '../core/spaces';
export { Rng } from '../core/rng';
export { RLError } from '../core/errors';
export type { SingleEnv, SingleEnvSpec, SingleEnvStep } from './vectorize';
export type { EnvFactory, EnvFactoryOptions, EnvMeta, RenderContext, VectorEnv } from './types';
export type { MultiAgentEnvFactory, MultiAgentEnvFactoryOptions, MultiAgentVectorEnv } from './multi-agent/types';
export type { Box, Discrete, Space } from '../core/spaces';
