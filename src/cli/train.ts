/**
 * `npm run train -- [options]`: trains headlessly. Serves the built app on 127.0.0.1, drives
 * `window.rl` in headless Chromium through Playwright one iteration at a time, streams progress and
 * writes results, checkpoints, a summary and a learning curve to --out. See `--help`.
 *
 * Exit codes (RLlib example scripts' convention for --as-test): 0 done; 1 training failed or
 * --as-test missed the reward; 2 bad option, invalid config, no browser or no WebGPU; 130 Ctrl-C.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorMessage } from '../core/errors';
import { AppSession, PageError } from './app-session';
import { helpText, parseArgs, UsageError, type CliOptions } from './args';
import { ensureChromium } from './browser';
import { planRun, type RunPlan } from './plan';
import { Progress } from './progress';
import { RunFiles } from './run-files';
import { serveApp, type AppServer } from './serve';
import { TrainingRun, type RunSummaryJson } from './training-run';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A setup failure the user fixes outside the code (no browser, ...): exit 2 without a stack. */
class SetupError extends Error {}

/** Errors the user caused and can fix: exit 2. */
function isUserError(e: unknown): boolean {
  if (e instanceof UsageError || e instanceof SetupError) return true;
  return (
    e instanceof PageError &&
    e.code !== null &&
    /^(config|device|checkpoint|app\/no-)/.test(e.code) &&
    e.code !== 'device/lost'
  );
}

function isInside(file: string, dir: string): boolean {
  const rel = path.relative(path.resolve(dir), path.resolve(file));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** What to try next, for errors whose message speaks of config keys rather than CLI flags. */
const HINTS: Readonly<Record<string, string>> = {
  'device/no-webgpu': 'Train on the CPU with --backend wasm (or --num-gpus-per-learner 0).',
  'config/invalid': 'Every config key is also a flag (e.g. --minibatch-size 64); see --help.',
};

function printError(e: unknown, verbose: boolean): void {
  process.stderr.write(`error: ${errorMessage(e)}\n`);
  const hint = e instanceof PageError && e.code !== null ? HINTS[e.code] : undefined;
  if (hint) process.stderr.write(`${hint}\n`);
  if (!verbose) return;
  if (e instanceof PageError && e.pageStack) process.stderr.write(`in the page:\n${e.pageStack}\n`);
  if (e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
}

function exitCodeFor(s: RunSummaryJson, opts: CliOptions): number {
  if (s.reason === 'interrupted') return 130;
  if (s.reason === 'error') return 1;
  return opts.asTest && !s.reached ? 1 : 0;
}

/** Ctrl-C once: checkpoint and stop after this iteration. Twice: quit now. */
function installSignalHandlers(progress: Progress, onInterrupt: () => void, quitNow: () => void): void {
  let count = 0;
  const handler = (signal: NodeJS.Signals): void => {
    count++;
    if (count === 1) {
      progress.warn(
        `${signal}: finishing this iteration and saving a checkpoint (press Ctrl-C again to quit at once).`,
      );
      onInterrupt();
    } else {
      quitNow();
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

async function startBrowserSide(
  opts: CliOptions,
  plan: RunPlan,
  progress: Progress,
  files: RunFiles,
): Promise<{ server: AppServer; session: AppSession }> {
  let executablePath: string;
  try {
    executablePath = ensureChromium((m) => progress.info(m));
  } catch (e) {
    throw new SetupError(errorMessage(e));
  }
  const server = await serveApp(ROOT, (m) => progress.info(m), opts.verbose);
  progress.debug(
    `Serving ${path.join(ROOT, 'dist')} at ${server.url}; Chromium ${executablePath}${plan.launchWebGpu ? ' with WebGPU flags' : ''}`,
  );
  const session = new AppSession({
    executablePath,
    webgpu: plan.launchWebGpu,
    url: server.url,
    onConsole: (line) => {
      files.console(line);
      if (opts.verbose) progress.warn(`[browser] ${line}`);
    },
  });
  return { server, session };
}

async function run(opts: CliOptions, progress: Progress): Promise<number> {
  const plan = planRun(opts);
  for (const w of plan.warnings) progress.warn(`warning: ${w}`);
  const files = new RunFiles(plan.outDir);
  const { server, session } = await startBrowserSide(opts, plan, progress, files);
  const training = new TrainingRun({ plan, opts, session, files, progress });
  const cleanup = async (): Promise<void> => {
    await session.close();
    await server.close();
  };
  installSignalHandlers(
    progress,
    () => training.requestInterrupt(),
    () => {
      void cleanup();
      process.exit(130);
    },
  );
  try {
    const built = await training.setUp();
    const restoredHere = plan.restore !== null && isInside(plan.restore.file, plan.outDir);
    training.results.push(...files.open(restoredHere ? plan.restore.iteration : null));
    files.writeConfig({ ...built.config, debugging: { ...built.config.debugging, seed: built.seed } });
    progress.header({
      config: built.config,
      device: built.device,
      seed: built.seed,
      presetNote: plan.presetNote,
      restoredFrom: plan.restore ? { file: plan.restore.file, iteration: plan.restore.iteration } : null,
      stop: plan.stop,
      stopSource: plan.stopSource,
      outDir: plan.outDir,
    });
    progress.start(plan.restore?.iteration ?? 0, plan.restore?.steps ?? 0);
    const outcome = await training.train();
    const summary = await training.finish(outcome, (s) => exitCodeFor(s, opts));
    progress.summary({ ...summary, outDir: plan.outDir });
    if (outcome.reason === 'error') printError(outcome.error, opts.verbose);
    else if (opts.asTest && !summary.reached) {
      progress.warn(`--as-test: the return did not reach ${plan.stopReward}; exit code 1.`);
    }
    return summary.exitCode;
  } finally {
    await cleanup();
  }
}

async function main(argv: readonly string[]): Promise<number> {
  // `npm run train -- --json | head`: a reader that goes away must not kill the run; the files
  // in --out are the record.
  process.stdout.on('error', () => {});
  let opts: CliOptions;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    printError(e, argv.includes('--verbose'));
    return 2;
  }
  if (opts.help) {
    process.stdout.write(helpText() + '\n');
    return 0;
  }
  const progress = new Progress(opts);
  try {
    return await run(opts, progress);
  } catch (e) {
    printError(e, opts.verbose);
    return isUserError(e) ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
// Playwright and Vite can leave handles open (sockets being torn down); the run is over.
process.exit();
