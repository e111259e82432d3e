/**
 * The CLI's exit codes, decided in one place (RLlib example scripts' convention for --as-test):
 *   0   done (and --as-test reached its reward)
 *   1   training failed: divergence, runners failing beyond tolerance, a crash we could not recover
 *       from, or --as-test missed its reward
 *   2   bad input the user fixes outside the code: a flag, a config, a checkpoint, a weights file, an
 *       env id, an --out folder, no browser, WebGPU asked for but missing; an env module that does
 *       not load or an env that breaks its contract (checkEnv before training); an offline data file
 *       that is missing, damaged or does not fit the env. An env that throws while it runs
 *       (constructor, reset, step) is a failed run: 1.
 *   130 interrupted (Ctrl-C / SIGTERM)
 * Errors carry a stable code (`area/what`); the code decides, never the message text.
 */
import { RLError } from '../core/errors';

export const EXIT_OK = 0;
export const EXIT_TRAINING_FAILED = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_INTERRUPTED = 130;

/**
 * Codes (or code prefixes, ending in '/') that mean "the input is wrong". Anything else, including
 * `learner/diverged`, `env-runner/*` and `device/lost`, is a failed run.
 */
const INPUT_CODES: readonly string[] = [
  'cli/',
  'config/',
  'checkpoint/',
  'weights/',
  'env/unknown',
  'env/invalid-id',
  'env/module-load',
  'env/module-url',
  'env/check-failed',
  'device/unavailable',
  'device/no-webgpu',
  'device/webgpu-init',
  'device/backend-init',
  'app/no-stop',
  // Offline data (--input, --merge, the page's file): each names the file and what is wrong with it.
  'offline/bad-file',
  'offline/missing-file',
  'offline/no-input',
  'offline/mismatch',
  'offline/num-steps',
  // Recording a multi-agent run: refused up front (the config asks for what is not built).
  'offline/multi-agent',
];

export function isInputErrorCode(code: string): boolean {
  return INPUT_CODES.some((c) => (c.endsWith('/') ? code.startsWith(c) : code === c));
}

/** The error's code: RLError's, or the page's code carried over to Node (PageError). */
export function errorCode(e: unknown): string | null {
  if (e instanceof RLError) return e.code;
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.includes('/') ? code : null;
}

/** 2 for input problems, 1 for everything else (a training that failed). */
export function exitCodeForError(e: unknown): number {
  const code = errorCode(e);
  return code !== null && isInputErrorCode(code) ? EXIT_BAD_INPUT : EXIT_TRAINING_FAILED;
}
