/**
 * The check a user's env gets before training starts: build a small copy and run `checkEnv` on it
 * (Gymnasium's env checker), on the page, in well under a second. A throw from the env's
 * constructor, reset or step becomes an `env/runtime-error`; contract problems (an observation
 * outside its space, non-determinism under a seed, ...) become `env/check-failed`. Either names the
 * env id and the file:line of the fault: the throwing frame, or for contract problems the
 * `registerEnv` call that declared the spaces. Built-in envs are tested by the unit tests instead.
 */
import { errorMessage } from '../core/errors';
import { checkEnv } from './check-env';
import { describeEnvError, type EnvFault, type FaultLocator } from './env-fault';
import { isMultiAgentEnv } from './multi-agent/registry';
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
  // Multi-agent envs have their own contract (and registry); checkEnv is single-agent.
  if (isBuiltinEnv(envId) || isMultiAgentEnv(envId)) return null;
  const registeredAt = registrationStack(envId);
  let env: VectorEnv;
  try {
    env = makeVectorEnv(envId, {
      numEnvs: 2,
      seed: 0,
      envConfig: opts.envConfig ?? {},
      maxEpisodeSteps: opts.maxEpisodeSteps ?? undefined,
    });
  } catch (e) {
    const fault = await describeEnvError(e, 'env/runtime-error', envId, locator, registeredAt);
    return { ...fault, message: `building the env threw ${described(e)}` };
  }
  let thrown: { phase: string; error: unknown } | null = null;
  const problems = checkEnv(env, {
    numSteps: opts.numSteps ?? 1000,
    onThrow: (phase, error) => (thrown ??= { phase, error }),
  }).map((p) => p.replace(/^\[[^\]]*\] /, ''));
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
