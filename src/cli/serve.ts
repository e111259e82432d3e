/**
 * Serves the built app on 127.0.0.1 for the headless runner: builds dist/ when it is missing or
 * older than the sources, then starts Vite's preview server on a free port. Preview applies
 * vite.config.ts's COOP/COEP headers, so the page is cross-origin isolated (SharedArrayBuffer,
 * wasm threads) exactly as in `npm run preview`. Nothing is fetched from outside localhost.
 */
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { build, preview, type Plugin } from 'vite';

export interface AppServer {
  readonly url: string;
  close(): Promise<void>;
}

/** What decides staleness: the sources Vite bundles. */
const SOURCE_ENTRIES = ['src', 'public', 'index.html', 'vite.config.ts'];

function newestMtimeMs(entry: string): number {
  if (!existsSync(entry)) return 0;
  const st = statSync(entry);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(entry)) newest = Math.max(newest, newestMtimeMs(path.join(entry, name)));
  return newest;
}

/** Why dist/ must be rebuilt, or null when it is current. */
export function distStaleReason(root: string): string | null {
  const index = path.join(root, 'dist', 'index.html');
  if (!existsSync(index)) return 'dist/index.html is missing';
  const built = statSync(index).mtimeMs;
  const newest = Math.max(...SOURCE_ENTRIES.map((e) => newestMtimeMs(path.join(root, e))));
  return newest > built ? 'sources changed since the last build' : null;
}

/**
 * Builds into a private folder, then swaps it in, so a preview server that another process (the
 * e2e web server, a second run) has on dist/ sees the old or the new build, never half of one.
 */
async function buildDist(root: string, verbose: boolean): Promise<void> {
  const dist = path.join(root, 'dist');
  const tmp = path.join(root, '.vite', `cli-build-${process.pid}`);
  const old = `${tmp}-old`;
  await build({
    root,
    configFile: path.join(root, 'vite.config.ts'),
    // Compiler warnings are for whoever edits the UI (`npm run build` shows them), not for a training run.
    logLevel: verbose ? 'warn' : 'error',
    build: { outDir: tmp, emptyOutDir: true },
  });
  try {
    if (existsSync(dist)) renameSync(dist, old);
    renameSync(tmp, dist);
  } catch {
    // Another run swapped its fresh build in at the same moment: keep theirs.
    if (!existsSync(dist) && existsSync(old)) renameSync(old, dist);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(old, { recursive: true, force: true });
  }
}

export async function ensureBuilt(root: string, log: (msg: string) => void, verbose = false): Promise<void> {
  const why = distStaleReason(root);
  if (why === null) return;
  log(`Building the app (${why}) ...`);
  await buildDist(root, verbose);
}

/** A file served besides dist/ (the --env-module bundle and its source map), by URL path. */
export interface ExtraFile {
  readonly body: string;
  readonly contentType: string;
}

/** Serves the extra files, same-origin with the app, before Vite's static files. */
function extraFilesPlugin(files: ReadonlyMap<string, ExtraFile>): Plugin {
  return {
    name: 'browser-rl-extra-files',
    configurePreviewServer(server) {
      server.middlewares.use((req, res, next) => {
        const file = files.get((req.url ?? '').split('?')[0] ?? '');
        if (!file) return next();
        res.setHeader('Content-Type', file.contentType);
        res.setHeader('Cache-Control', 'no-store');
        res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
        res.end(file.body);
      });
    },
  };
}

/** Builds if needed and serves dist/ (plus `extra` files) on 127.0.0.1 at a free port. */
export async function serveApp(
  root: string,
  log: (msg: string) => void,
  verbose = false,
  extra: ReadonlyMap<string, ExtraFile> = new Map(),
): Promise<AppServer> {
  await ensureBuilt(root, log, verbose);
  const signalsBefore = new Set(process.listeners('SIGTERM'));
  const stdinBefore = new Set(process.stdin.listeners('end'));
  const server = await preview({
    root,
    configFile: path.join(root, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: 'dist' },
    preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false },
    plugins: [extraFilesPlugin(extra)],
  });
  // Vite's preview exits the process on SIGTERM or when stdin ends; the runner handles its own
  // signals (checkpoint first), and a closed stdin (CI, a test's spawn) must not end the run.
  for (const l of process.listeners('SIGTERM')) if (!signalsBefore.has(l)) process.off('SIGTERM', l);
  for (const l of process.stdin.listeners('end')) if (!stdinBefore.has(l)) process.stdin.off('end', l);
  const url = server.resolvedUrls?.local[0];
  if (!url) {
    await server.close();
    throw new Error('Vite preview started but reported no local URL.');
  }
  return { url, close: () => server.close() };
}
