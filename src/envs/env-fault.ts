/**
 * Errors from a user's env, told the way a person fixes them: what went wrong, in which env id,
 * and at which file:line of their source. The line comes from the error's stack, mapped through
 * the script's source map (the app's build and the CLI's --env-module bundles carry one), skipping
 * the trainer's own frames so that it names the user's code, not the wrapper that called it.
 */
import { RLError, errorMessage } from '../core/errors';
import {
  decodeSourceMap,
  formatPosition,
  originalPosition,
  parseStackFrames,
  sourceMappingUrl,
  type DecodedSourceMap,
  type SourcePosition,
  type StackFrame,
} from '../core/source-location';

/**
 * What failed: `env/module-load` (importing a module threw: syntax, reference, a bad import),
 * `env/check-failed` (checkEnv found contract problems, e.g. an observation outside its space),
 * `env/runtime-error` (the env's constructor, reset or step threw).
 */
export type EnvFaultCode = 'env/module-load' | 'env/check-failed' | 'env/runtime-error';

/** A structured env error: shown in the page's error panel and printed by the CLI. */
export interface EnvFault {
  readonly code: EnvFaultCode;
  /** The env id, or null for a module that failed before registering anything. */
  readonly envId: string | null;
  /** One line: what went wrong. */
  readonly message: string;
  /** `file:line:column` in the user's source, or null when no frame could be mapped. */
  readonly location: string | null;
  /** Further findings (checkEnv's list), one per line. */
  readonly details: readonly string[];
  /** The original stack (generated positions), for --verbose and the panel's "stack" fold. */
  readonly stack: string | null;
}

/** Sources that belong to the trainer, never the user's fault. */
const OWN_SOURCE =
  /(^|\/)(node_modules|src\/(core|env-runner|runtime|algorithms|app|learner|rl-module|replay|connectors|ui|cli)|src\/envs\/(registry|vectorize|check-env|base-vector-env|crashing|env-modules|env-fault|env-module-api|multi-agent\/(registry|check-multi-agent-env|base-multi-agent-env))\.ts)(\/|$)/;
/** Unmapped frames of the trainer's own scripts (the built app, Vite's dev deps, the API shim). */
const OWN_SCRIPT = /\/(assets|@vite|@fs|node_modules)\/|\/env-api\.js$/;

/** An unmapped frame in the trainer's code: a built asset, or its source served as is (dev, Node). */
function isOwnScript(url: string): boolean {
  let pathname = url;
  try {
    pathname = new URL(url, 'http://x/').pathname;
  } catch {
    // not a URL: a plain path
  }
  return OWN_SCRIPT.test(pathname) || OWN_SOURCE.test(pathname) || url.startsWith('node:');
}

type FetchText = (url: string) => Promise<string | null>;

const sameOriginFetch: FetchText = async (url) => {
  try {
    const here = (globalThis as { location?: { origin?: string } }).location?.origin;
    if (here === undefined || new URL(url).origin !== here) return null;
    const res = await fetch(url);
    return res.ok ? await res.text() : null;
  } catch {
    return null;
  }
};

/** Maps stack frames through source maps, caching each script's map. */
export class FaultLocator {
  private readonly maps = new Map<string, Promise<DecodedSourceMap | null>>();

  constructor(private readonly fetchText: FetchText = sameOriginFetch) {}

  private mapOf(scriptUrl: string): Promise<DecodedSourceMap | null> {
    let map = this.maps.get(scriptUrl);
    if (!map) {
      map = (async () => {
        const script = await this.fetchText(scriptUrl);
        const mapUrl = script === null ? null : sourceMappingUrl(script, scriptUrl);
        const text = mapUrl === null ? null : await this.fetchText(mapUrl);
        if (text === null) return null;
        try {
          return decodeSourceMap(JSON.parse(text));
        } catch {
          return null;
        }
      })();
      this.maps.set(scriptUrl, map);
    }
    return map;
  }

  async original(frame: StackFrame): Promise<SourcePosition | null> {
    const map = await this.mapOf(frame.url);
    return map && originalPosition(map, frame.line, frame.column);
  }

  /**
   * The first frame of `stack` in the user's code, as `file:line:column`: mapped when the script
   * has a source map, else the script URL itself. Null when every frame is the trainer's own.
   */
  async userLocation(stack: string | null | undefined): Promise<string | null> {
    if (!stack) return null;
    for (const frame of parseStackFrames(stack).slice(0, 30)) {
      const pos = await this.original(frame);
      if (pos) {
        if (!OWN_SOURCE.test(pos.source)) return formatPosition(pos);
      } else if (!isOwnScript(frame.url)) {
        return `${frame.url}:${frame.line}:${frame.column}`;
      }
    }
    return null;
  }
}

/** The stack of an error or of its cause (env/module-load wraps the import's error). */
function stackOf(e: unknown): string | null {
  const cause = e instanceof Error ? (e.cause as { stack?: unknown } | undefined) : undefined;
  if (cause && typeof cause.stack === 'string') return cause.stack;
  const own = (e as { stack?: unknown } | null)?.stack;
  return typeof own === 'string' ? own : null;
}

/** An EnvFault for an error thrown while loading a module or running an env. */
export async function describeEnvError(
  e: unknown,
  code: EnvFaultCode,
  envId: string | null,
  locator: FaultLocator,
  fallbackStack?: string,
): Promise<EnvFault> {
  const stack = stackOf(e);
  const location = (await locator.userLocation(stack)) ?? (await locator.userLocation(fallbackStack));
  return { code, envId, message: errorMessage(e), location, details: [], stack };
}

/** The error the CLI and `rl.build` throw for a fault: its code decides the exit code. */
export class EnvFaultError extends RLError {
  constructor(readonly fault: EnvFault) {
    super(fault.code, formatEnvFault(fault));
    this.name = 'EnvFaultError';
  }
}

/** `env Corridor-v0: step() threw ... (at corridor.ts:12:5)` plus the details, one per line. */
export function formatEnvFault(f: EnvFault): string {
  const head = `${f.envId === null ? 'env module' : `env ${f.envId}`}: ${f.message}`;
  // A contract problem has no throwing frame; its location is the registration declaring the spaces.
  const what =
    f.code === 'env/check-failed' ? ' (the registerEnv / registerMultiAgentEnv call that declares its spaces)' : '';
  const at = f.location === null ? '' : `\n  at ${f.location}${what}`;
  return `${head}${at}${f.details.map((d) => `\n  - ${d}`).join('')}`;
}
