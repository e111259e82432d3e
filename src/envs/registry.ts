import { RLError } from '../core/errors';
import { AcrobotVectorEnv } from './acrobot';
import { CartPoleVectorEnv } from './cartpole';
import { CartPoleGpuVectorEnv } from './cartpole-gpu';
import { CHAOS_CONFIG_KEYS, makeCartPoleCrashing } from './crashing';
import { MountainCarVectorEnv } from './mountain-car';
import { MountainCarContinuousVectorEnv } from './mountain-car-continuous';
import { PendulumVectorEnv } from './pendulum';
import { SlowCartPoleVectorEnv } from './slow-cartpole';
import { envConfigOrThrow } from './env-config';
import type { EnvFactory, EnvMeta, EnvSpec, MakeVectorEnvOptions, VectorEnv } from './types';

/**
 * The env registry (Gymnasium's `register` / `make_vec`). Built-ins are registered when this
 * module loads; users add their own with `registerEnv`, e.g. from a module the app imports:
 *
 * ```ts
 * registerEnv('GridWalk-v0', vectorize(gridWalkSpec), { maxEpisodeSteps: 50, rewardThreshold: 0.5 });
 * const env = makeVectorEnv('GridWalk-v0', { numEnvs: 8, seed: 0 });
 * ```
 */
const registry = new Map<string, { factory: EnvFactory; meta: EnvMeta; builtin: boolean; registeredAt: string }>();

/** True while this module registers Gymnasium's envs below; everything registered later is the user's. */
let registeringBuiltins = true;

/** Registers (or replaces, like Gymnasium's re-register) an env id. */
export function registerEnv(id: string, factory: EnvFactory, meta: EnvMeta = {}): void {
  if (typeof id !== 'string' || id.length === 0) {
    throw new RLError('env/invalid-id', 'registerEnv needs a non-empty id');
  }
  if (meta.maxEpisodeSteps !== undefined && !(meta.maxEpisodeSteps >= 1)) {
    throw new RLError('env/invalid-max-steps', `registerEnv(${id}): maxEpisodeSteps must be >= 1`);
  }
  // The caller's stack, so a contract problem found later (an observation outside the space)
  // can point at the registration that declared the spaces (env-fault.ts maps it to file:line).
  const registeredAt = new Error(`registerEnv(${id})`).stack ?? '';
  registry.set(id, { factory, meta, builtin: registeringBuiltins, registeredAt });
}

/** Whether `id` is one of the built-in envs registered by this module (not a user's). */
export function isBuiltinEnv(id: string): boolean {
  return registry.get(id)?.builtin === true;
}

/** The stack trace of the `registerEnv` call that registered `id` ('' when unknown). */
export function registrationStack(id: string): string {
  return registry.get(id)?.registeredAt ?? '';
}

/** Removes an id; returns whether it was registered (for tests and hot reload). */
export function unregisterEnv(id: string): boolean {
  return registry.delete(id);
}

/** Registered ids, in registration order. */
export function listEnvs(): string[] {
  return [...registry.keys()];
}

export function getEnvSpec(id: string): EnvSpec | undefined {
  const entry = registry.get(id);
  return entry ? { id, ...entry.meta } : undefined;
}

/** Builds `numEnvs` copies of a registered env as one VectorEnv. Call `reset()` before `step()`. */
export function makeVectorEnv(id: string, opts: MakeVectorEnvOptions): VectorEnv {
  const entry = registry.get(id);
  if (!entry) {
    throw new RLError(
      'env/unknown',
      `Unknown env id "${id}". Registered ids: ${listEnvs().join(', ')}. Register your own with registerEnv(id, factory).`,
    );
  }
  const { numEnvs, seed, workerIndex = 0, envConfig = {}, gpuDevice = null } = opts;
  if (!Number.isInteger(numEnvs) || numEnvs < 1) {
    throw new RLError(
      'env/invalid-num-envs',
      `makeVectorEnv(${id}): numEnvs must be a positive integer, got ${numEnvs}`,
    );
  }
  if (seed !== undefined && !Number.isInteger(seed)) {
    throw new RLError('env/invalid-seed', `makeVectorEnv(${id}): seed must be an integer, got ${seed}`);
  }
  const maxEpisodeSteps = opts.maxEpisodeSteps ?? entry.meta.maxEpisodeSteps ?? Infinity;
  if (!(maxEpisodeSteps >= 1)) {
    throw new RLError(
      'env/invalid-max-steps',
      `makeVectorEnv(${id}): maxEpisodeSteps must be >= 1, got ${maxEpisodeSteps}`,
    );
  }
  const config = envConfigOrThrow(id, envConfig, entry.meta.configKeys);
  return entry.factory({ id, numEnvs, seed, maxEpisodeSteps, envConfig: config, workerIndex, gpuDevice });
}

// Gymnasium's registrations (gymnasium/envs/__init__.py): time limits and reward thresholds.
registerEnv('CartPole-v1', (o) => new CartPoleVectorEnv(o), {
  maxEpisodeSteps: 500,
  rewardThreshold: 475,
  configKeys: ['suttonBartoReward'],
  description: 'Balance a pole on a cart by pushing it left or right.',
});
registerEnv('Acrobot-v1', (o) => new AcrobotVectorEnv(o), {
  maxEpisodeSteps: 500,
  rewardThreshold: -100,
  configKeys: [],
  description: 'Swing the tip of a two-link chain above the bar by torquing the middle joint.',
});
registerEnv('MountainCar-v0', (o) => new MountainCarVectorEnv(o), {
  maxEpisodeSteps: 200,
  rewardThreshold: -110,
  configKeys: ['goalVelocity'],
  description: 'Rock an under-powered car up the right hill (discrete pushes).',
});
registerEnv('MountainCarContinuous-v0', (o) => new MountainCarContinuousVectorEnv(o), {
  maxEpisodeSteps: 999,
  rewardThreshold: 90,
  configKeys: ['goalVelocity'],
  description: 'Rock an under-powered car up the right hill (continuous force, energy penalty).',
});
registerEnv('Pendulum-v1', (o) => new PendulumVectorEnv(o), {
  maxEpisodeSteps: 200,
  configKeys: ['g'],
  description: 'Swing a pendulum upright and keep it there with a bounded torque.',
});
registerEnv('CartPoleCrashing-v1', makeCartPoleCrashing, {
  maxEpisodeSteps: 500,
  rewardThreshold: 475,
  configKeys: [...CHAOS_CONFIG_KEYS, 'suttonBartoReward'],
  description:
    "CartPole-v1 whose sub-envs crash or stall at random (RLlib's CartPoleCrashing), for fault-tolerance tests.",
});
registerEnv('SlowCartPole-v1', (o) => new SlowCartPoleVectorEnv(o), {
  maxEpisodeSteps: 500,
  rewardThreshold: 475,
  configKeys: ['stepCostMs', 'suttonBartoReward'],
  description:
    'CartPole-v1 whose every step burns envConfig.stepCostMs of CPU (a stand-in for an expensive simulator).',
});
registerEnv('CartPoleGpu-v1', (o) => new CartPoleGpuVectorEnv(o), {
  maxEpisodeSteps: 500,
  rewardThreshold: 475,
  configKeys: ['suttonBartoReward'],
  requiresGpu: true,
  description:
    "CartPole-v1 stepped by a WebGPU compute shader, all sub-envs per dispatch; needs the runner's GPU (numGpusPerEnvRunner > 0).",
});
registeringBuiltins = false;
