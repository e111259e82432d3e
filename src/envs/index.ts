/**
 * Environments: Gymnasium-exact vector envs over typed arrays, the registry, the env checker,
 * chaos wrappers for fault-tolerance tests, and `vectorize` for envs written one at a time.
 */
export type {
  EnvFactory,
  EnvFactoryOptions,
  EnvMeta,
  EnvSpec,
  MakeVectorEnvOptions,
  RenderContext,
  VectorEnv,
} from './types';
export { getEnvSpec, listEnvs, makeVectorEnv, registerEnv, unregisterEnv } from './registry';
// Side effect: registers the user's envs (GridWalk-v0 and yours) on the page and in every worker.
import './user-envs';
export { checkEnv, type CheckEnvOptions } from './check-env';
export { SubEnvCrashError, parseChaosConfig, withChaos, type ChaosOptions } from './crashing';
export { vectorize, type SingleEnv, type SingleEnvSpec, type SingleEnvStep } from './vectorize';
export { BaseVectorEnv } from './base-vector-env';
export { CartPoleVectorEnv } from './cartpole';
export { CartPoleGpuVectorEnv } from './cartpole-gpu';
export { needsGpuError } from './needs-gpu';
export { AcrobotVectorEnv } from './acrobot';
export { MountainCarVectorEnv } from './mountain-car';
export { MountainCarContinuousVectorEnv } from './mountain-car-continuous';
export { PendulumVectorEnv } from './pendulum';
