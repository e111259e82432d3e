/**
 * What the page shows (and the CLI reads from `window.rlBootError`) when the app's own scripts
 * throw while loading: most often a user env registered in src/envs/user-envs.ts whose module
 * throws (a missing import is a ReferenceError at load time). Located like any env fault, so the
 * message names the file:line of the user's code instead of leaving a blank page.
 */
import { errorMessage } from '../core/errors';
import { FaultLocator } from '../envs/env-fault';

export interface BootError {
  /** `env/module-load` when the stack runs through user code, else `app/boot-failed`. */
  readonly code: string;
  readonly message: string;
  readonly location: string | null;
  readonly stack: string | null;
}

export async function describeBootError(e: unknown): Promise<BootError> {
  const stack = e instanceof Error && typeof e.stack === 'string' ? e.stack : null;
  const location = await new FaultLocator().userLocation(stack);
  const what = e instanceof Error ? `${e.name}: ${e.message}` : errorMessage(e);
  return location === null
    ? { code: 'app/boot-failed', message: `the app failed to start: ${what}`, location, stack }
    : {
        code: 'env/module-load',
        message: `loading the registered envs failed: ${what}\n  at ${location}`,
        location,
        stack,
      };
}
