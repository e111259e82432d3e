/**
 * Env modules loaded at run time, Gymnasium's `entry_point` for the browser: a JS module at a
 * same-origin URL that calls `registerEnv` when imported. The page loads it (`env_module=` in the
 * URL hash, the CLI's --env-module) and every EnvRunner worker loads the same URLs before it
 * builds its env (EnvRunnerSettings.envModules), so an id it registers works everywhere.
 *
 * Same origin only, unless the build names more origins in VITE_ENV_MODULE_ORIGINS: a module runs
 * with the page's full authority (its storage, its checkpoints, its messages to a host page), so a
 * shared link must not be able to run a stranger's code in your tab; and the page is cross-origin
 * isolated (COEP require-corp), so another origin's script loads only if it opts in anyway.
 */
import { RLError, errorMessage } from '../core/errors';
import * as api from './env-module-api';
import { listEnvs } from './registry';

/** The global `/env-api.js` reads (see env-module-api.ts). */
export const ENV_MODULE_API_GLOBAL = '__browserRlEnvApi';

/** What a load registered, and the URL it was imported from (absolute). */
export interface LoadedEnvModule {
  readonly url: string;
  readonly envIds: readonly string[];
}

const loaded = new Map<string, Promise<LoadedEnvModule>>();

/** Puts the env API where `/env-api.js` finds it; idempotent. */
export function installEnvModuleApi(): void {
  const g = globalThis as unknown as Record<string, unknown>;
  g[ENV_MODULE_API_GLOBAL] ??= Object.freeze({ ...api });
}

/** Origins a build allows besides its own (VITE_ENV_MODULE_ORIGINS, comma-separated). */
function extraOrigins(): string[] {
  const raw = (import.meta.env as Record<string, unknown> | undefined)?.['VITE_ENV_MODULE_ORIGINS'];
  return typeof raw === 'string'
    ? raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
}

/**
 * Checks an env-module URL where it enters (a hash, a CLI flag, a worker's settings) and returns
 * it absolute. `base` is the page's (or worker's) own URL. Throws `env/module-url`.
 */
export function resolveEnvModuleUrl(raw: string, base: string): string {
  const bad = (why: string): RLError => new RLError('env/module-url', `env_module '${raw}': ${why}`);
  if (typeof raw !== 'string' || raw.trim() === '')
    throw bad('give the URL of a JS module, e.g. /my-envs/corridor.js.');
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    throw bad('is not a URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw bad(`only http(s) URLs can be loaded, not ${url.protocol} URLs.`);
  }
  const own = new URL(base).origin;
  if (url.origin !== own && !extraOrigins().includes(url.origin)) {
    throw bad(
      `${url.origin} is not this page's origin (${own}). Env modules run with the page's full access, so only ` +
        'same-origin modules load; serve the file next to the app, or build with VITE_ENV_MODULE_ORIGINS naming that origin.',
    );
  }
  if (!/\.m?js$/.test(url.pathname)) {
    throw bad('must be a .js or .mjs module; compile TypeScript first (the CLI does it for --env-module).');
  }
  return url.href;
}

/**
 * Imports an env module once per URL (a second call returns the first load's outcome). Rejects with
 * `env/module-load` when the import throws; its `cause` keeps the original error and stack.
 */
export function loadEnvModule(url: string): Promise<LoadedEnvModule> {
  const existing = loaded.get(url);
  if (existing) return existing;
  installEnvModuleApi();
  const before = new Set(listEnvs());
  const load = import(/* @vite-ignore */ url).then(
    () => ({ url, envIds: listEnvs().filter((id) => !before.has(id)) }),
    (e: unknown) => {
      loaded.delete(url); // fixed and reloaded (the page's Load button) must import again
      const what = e instanceof Error ? `${e.name}: ${e.message}` : errorMessage(e);
      throw new RLError('env/module-load', `importing ${url} threw ${what}`, { cause: e });
    },
  );
  loaded.set(url, load);
  return load;
}

/** The URLs loaded (or loading) so far, in order: what every EnvRunner worker must load too. */
export function loadedEnvModuleUrls(): string[] {
  return [...loaded.keys()];
}
