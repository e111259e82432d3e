/**
 * --env-module: bundles the user's env module with esbuild (TypeScript stripped, its own imports
 * inlined) into one ES module plus a source map, served by the CLI's preview server at
 * `/env-modules/<name>-<hash>.js`. The page and every worker import it from there, so nothing is
 * rebuilt. `browser-rl/envs` becomes `/env-api.js`, which hands the module the app's own
 * registerEnv (env-module-api.ts); the map's sources are absolute paths, so a stack frame maps
 * back to the file and line as the user wrote them.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { build, type BuildFailure, type Plugin } from 'esbuild';
import { RLError } from '../core/errors';

export interface EnvModuleBundle {
  /** URL path the preview server serves the module at. */
  readonly urlPath: string;
  readonly code: string;
  readonly map: string;
}

/** The specifier env modules import the API from. */
export const ENV_API_SPECIFIER = 'browser-rl/envs';

/** Maps the API specifier to the page's `/env-api.js`; refuses the trainer's own sources. */
function envApiPlugin(root: string): Plugin {
  const src = path.join(root, 'src') + path.sep;
  return {
    name: 'browser-rl-env-api',
    setup(b) {
      b.onResolve({ filter: /^browser-rl\/envs$/ }, () => ({ path: '/env-api.js', external: true }));
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        const target = path.resolve(args.resolveDir, args.path);
        if (!target.startsWith(src)) return undefined;
        return {
          errors: [
            {
              text:
                `'${args.path}' is the trainer's own source: a bundled copy would register into a registry of its ` +
                `own. Import from '${ENV_API_SPECIFIER}' instead (registerEnv, vectorize, box, discrete, Rng, ...).`,
            },
          ],
        };
      });
    },
  };
}

function isBuildFailure(e: unknown): e is BuildFailure {
  return e instanceof Error && Array.isArray((e as Partial<BuildFailure>).errors);
}

/** Bundles `file` (absolute). Throws `env/module-load` with file:line:column for syntax and import errors. */
export async function bundleEnvModule(file: string, root: string): Promise<EnvModuleBundle> {
  const name = path
    .basename(file)
    .replace(/\.[^.]+$/, '')
    .replace(/[^\w-]/g, '_');
  const outfile = path.join(root, '.env-module-out', `${name}.js`);
  let result;
  try {
    result = await build({
      entryPoints: [file],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      outfile,
      sourcemap: 'external',
      sourcesContent: true,
      logLevel: 'silent',
      plugins: [envApiPlugin(root)],
    });
  } catch (e) {
    if (!isBuildFailure(e)) throw e;
    const lines = e.errors.map((m) => {
      const at = m.location ? ` (at ${path.resolve(m.location.file)}:${m.location.line}:${m.location.column + 1})` : '';
      return `${m.text}${at}`;
    });
    throw new RLError('env/module-load', `--env-module ${file} does not compile:\n  ${lines.join('\n  ')}`);
  }
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
  const mapFile = result.outputFiles.find((f) => f.path.endsWith('.js.map'));
  if (!js || !mapFile) throw new Error('esbuild returned no module or no source map');
  const map = JSON.parse(mapFile.text) as { sources: string[] };
  map.sources = map.sources.map((s) => path.resolve(path.dirname(outfile), s));
  const hash = createHash('sha256').update(js.text).digest('hex').slice(0, 10);
  const urlPath = `/env-modules/${name}-${hash}.js`;
  const code = `${js.text}\n//# sourceMappingURL=${name}-${hash}.js.map\n`;
  return { urlPath, code, map: JSON.stringify(map) };
}
