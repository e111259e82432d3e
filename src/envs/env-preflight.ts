/**
 * The check a user's env gets before training starts: build a small copy and run `checkEnv` on it
 * (Gymnasium's env checker), on the page, in well under a second. A throw from the env's
 * constructor, reset or step becomes an `env/runtime-error`; contract problems (an observation
 * outside its space, non-determinism under a seed, ...) become `env/check-failed`. Either names the
 * env id and the file:line of the fault: the throwing frame, or for contract problems the
 * `registerEnv` (or `registerMultiAgentEnv`) call that declared the spaces. A multi-agent env gets
 * the multi-agent contract's checker (multi-agent/check-multi-agent-env.ts) with the same faults.
 * Built-in envs are tested by the unit tests instead.
 */
import { errorMessage } from '../core/errors';
import { checkEnv } from './check-env';
import { describeEnvError, type EnvFault, type FaultLocator } from './env-fault';
import { checkMultiAgentEnv } from './multi-agent/check-multi-agent-env';
import {
  isBuiltinMultiAgentEnv,
  isMultiAgentEnv,
  makeMultiAgentVectorEnv,
  multiAgentRegistrationStack,
} from './multi-agent/registry';
import type { MultiAgentVectorEnv } from './multi-agent/types';
import { isBuiltinEnv, makeVectorEnv, registrationStack } from './registry';
import type { VectorEnv } from './types';

export interface PreflightOptions {
  readonly envConfig?: Readonly<Record<string, unknown>>;
  readonly maxEpisodeSteps?: number | null;
  /** Steps of each checker rollout; enough to see a few episodes of a small env end. */
  readonly numSteps?: number;
}

/** Name and message of an error, as a person reads it: `TypeError: x is undefined`. */
function described(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : errorMessage(e);
}

/** Null when the env passes (or is built in); otherwise the first fault, located. */
export async function preflightEnv(
  envId: string,
  locator: FaultLocator,
  opts: PreflightOptions = {},
): Promise<EnvFault | null> {
  const multiAgent = isMultiAgentEnv(envId);
  if (multiAgent ? isBuiltinMultiAgentEnv(envId) : isBuiltinEnv(envId)) return null;
  const registeredAt = multiAgent ? multiAgentRegistrationStack(envId) : registrationStack(envId);
  const make = { numEnvs: 2, seed: 0, envConfig: opts.envConfig ?? {}, maxEpisodeSteps: opts.maxEpisodeSteps };
  let env: VectorEnv | MultiAgentVectorEnv;
  try {
    env = multiAgent
      ? makeMultiAgentVectorEnv(envId, make)
      : makeVectorEnv(envId, { ...make, maxEpisodeSteps: opts.maxEpisodeSteps ?? undefined });
  } catch (e) {
    const fault = await describeEnvError(e, 'env/runtime-error', envId, locator, registeredAt);
    return { ...fault, message: `building the env threw ${described(e)}` };
  }
  let thrown: { phase: string; error: unknown } | null = null;
  const checkOptions = {
    numSteps: opts.numSteps ?? 1000,
    onThrow: (phase: string, error: unknown) => (thrown ??= { phase, error }),
  };
  // The same checker for both contracts: Gymnasium's for a VectorEnv, the multi-agent one's otherwise.
  const problems = (
    multiAgent ? checkMultiAgentEnv(env as MultiAgentVectorEnv, checkOptions) : checkEnv(env as VectorEnv, checkOptions)
  ).map((p) => p.replace(/^\[[^\]]*\] /, ''));
  if (thrown !== null) {
    const { phase, error } = thrown as { phase: string; error: unknown };
    const fault = await describeEnvError(error, 'env/runtime-error', envId, locator, registeredAt);
    return { ...fault, message: `${phase} threw ${described(error)}` };
  }
  if (problems.length === 0) return null;
  return {
    code: 'env/check-failed',
    envId,
    message: `checkEnv found ${problems.length} problem(s); the first: ${problems[0]}`,
    // Contract problems have no throwing frame: point at the registration that declared the spaces.
    location: await locator.userLocation(registeredAt),
    details: problems,
    stack: null,
  };
}
