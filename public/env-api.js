// The env-module API for modules loaded at run time (the CLI's --env-module, the page's
// env_module=): `import { registerEnv, vectorize, box, discrete } from '/env-api.js'`. The page and
// every worker put the app's own functions on this global before importing such a module, so
// envs registered here land in the app's registry. The names must match src/envs/env-module-api.ts
// (a unit test checks).
const api = globalThis.__browserRlEnvApi;
if (!api) {
  throw new Error('/env-api.js is imported outside the trainer: load env modules with env_module= or --env-module.');
}
export const {
  registerEnv,
  getEnvSpec,
  listEnvs,
  makeVectorEnv,
  needsGpuError,
  vectorize,
  BaseVectorEnv,
  configBoolean,
  configNumber,
  checkEnv,
  registerMultiAgentEnv,
  BaseMultiAgentVectorEnv,
  checkMultiAgentEnv,
  box,
  discrete,
  flatDim,
  Rng,
  RLError,
} = api;
