/**
 * `npm run train -- [options]` (entry: train.ts): trains headlessly. Serves the built app on 127.0.0.1, drives
 * `window.rl` in headless Chromium through Playwright one iteration at a time, streams progress and
 * writes results, checkpoints, a summary and a learning curve to --out. See `--help`.
 *
 * Exit codes: see exit-codes.ts (0 done; 1 training failed or --as-test missed; 2 bad input; 130
 * interrupted).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FailureEvent } from '../app';
import type { AlgorithmConfigBase } from '../core/config';
import { ledgerInputs, RESOURCES_WARNING_PATH, tabCapacity } from '../core/config-limits';
import { errorMessage } from '../core/errors';
import { formatResourceTable, oversubscriptionWarning, resourceLedger } from '../core/resources';
import { AppSession, PageError } from './app-session';
import { parseArgs, UsageError, type CliOptions } from './args';
import { helpText } from './help';
import { getSpec } from '../algorithms/registry';
import { ensureChromium } from './browser';
import {
  errorCode,
  EXIT_BAD_INPUT,
  EXIT_INTERRUPTED,
  EXIT_OK,
  EXIT_TRAINING_FAILED,
  exitCodeForError,
} from './exit-codes';
import { planRun, type RunPlan } from './plan';
import { Progress } from './progress';
import { checkOutDir, FILES, readResultsFile, RunFiles } from './run-files';
import { bundleEnvModule } from './env-module-bundle';
import { serveApp, type AppServer, type ExtraFile } from './serve';
import { TrainingRun, type RunSummaryJson } from './training-run';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

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
  const code = errorCode(e);
  const hint = code !== null ? HINTS[code] : undefined;
  if (hint) process.stderr.write(`${hint}\n`);
  if (!verbose) return;
  if (e instanceof PageError && e.pageStack) process.stderr.write(`in the page:\n${e.pageStack}\n`);
  if (e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
}

function exitCodeFor(s: RunSummaryJson, opts: CliOptions, error: unknown): number {
  if (s.reason === 'interrupted') return EXIT_INTERRUPTED;
  if (s.reason === 'error') return exitCodeForError(error);
  return opts.asTest && !s.reached ? EXIT_TRAINING_FAILED : EXIT_OK;
}

/**
 * Ctrl-C or SIGTERM once: stop at the iteration's next yield point (well under 2 s), save the last
 * completed iteration, exit 130. Twice: quit at once without saving, and say what is on disk.
 */
function installSignalHandlers(progress: Progress, onInterrupt: () => void, quitNow: (signal: string) => void): void {
  let count = 0;
  const handler = (signal: NodeJS.Signals): void => {
    count++;
    if (count === 1) {
      progress.warn(
        `${signal}: stopping now and saving the last completed iteration (send it again to quit at once, without saving).`,
      );
      onInterrupt();
    } else {
      quitNow(signal);
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/**
 * The resource ledger (CPUs, GPU shares, custom resources asked vs what the tab has) and, when
 * oversubscribed, the warning. GPU shares over the device never get here: validation refused them.
 */
function printResources(
  config: AlgorithmConfigBase,
  device: { readonly adapter: string | null; readonly backend: string; readonly hardwareConcurrency: number },
  maxCpus: number | undefined,
  progress: Progress,
): void {
  const inputs = ledgerInputs(config);
  if (inputs === null) return;
  const capacity = tabCapacity(
    maxCpus ?? device.hardwareConcurrency,
    device.adapter !== null,
    maxCpus === undefined ? 'navigator.hardwareConcurrency' : '--max-cpus',
  );
  // 'auto' names no share: when it chose WebGPU for the learner it has what the runners leave of the device.
  const runnerShare = inputs.envRunners.numEnvRunners * (inputs.envRunners.numGpusPerEnvRunner ?? 0);
  const autoGpus = device.backend === 'webgpu' ? Math.max(0, capacity.gpus - runnerShare) : 0;
  const ledger = resourceLedger(inputs, capacity, { autoGpus });
  for (const line of formatResourceTable(ledger)) progress.info(`  ${line}`);
  const warning = oversubscriptionWarning(ledger);
  if (warning) progress.warn(`warning: ${warning}`);
}

/** One line per runner failure, restart or give-up, as the page's supervisor logs it. */
function runnerEventLine(e: FailureEvent): string {
  const what: Record<FailureEvent['action'], string> = {
    'restart-scheduled': 'failed; restart scheduled',
    restarted: 'restarted',
    dropped: 'failed; dropped (ignoreEnvRunnerFailures)',
    'gave-up': 'failed; no restarts left',
    fatal: 'failed; training stops',
  };
  return `env runner ${e.workerIndex} ${what[e.action]}${e.action === 'restarted' ? '' : `: ${e.cause}`}`;
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
    throw new UsageError(errorMessage(e), 'cli/no-browser');
  }
  // --env-module: bundled now (a syntax error stops here, with its file:line), served next to the app.
  const extra = new Map<string, ExtraFile>();
  const envModules: string[] = [];
  if (plan.envModule !== null) {
    const bundle = await bundleEnvModule(plan.envModule, ROOT);
    extra.set(bundle.urlPath, { body: bundle.code, contentType: 'text/javascript' });
    extra.set(`${bundle.urlPath}.map`, { body: bundle.map, contentType: 'application/json' });
    envModules.push(bundle.urlPath);
    progress.debug(`--env-module ${plan.envModule} bundled as ${bundle.urlPath}`);
  }
  const server = await serveApp(ROOT, (m) => progress.info(m), opts.verbose, extra);
  progress.debug(
    `Serving ${path.join(ROOT, 'dist')} at ${server.url}; Chromium ${executablePath}${plan.launchWebGpu ? ' with WebGPU flags' : ''}`,
  );
  const session = new AppSession({
    executablePath,
    webgpu: plan.launchWebGpu,
    url: server.url,
    envModules,
    onConsole: (line) => {
      files.console(line);
      if (opts.verbose) progress.warn(`[browser] ${line}`);
    },
    onRunnerEvent: (event) => {
      const line = runnerEventLine(event);
      files.console(`[runner] ${line}`);
      progress.warn(line);
    },
  });
  return { server, session };
}

/** Checks --out before the browser starts; returns the results kept when continuing a run in place. */
function prepareOutDir(opts: CliOptions, plan: RunPlan, progress: Progress): RunFiles {
  const continuing = plan.restore !== null && isInside(plan.restore.file, plan.outDir);
  checkOutDir(plan.outDir, { continuing, overwrite: opts.overwrite });
  if (opts.overwrite && !continuing)
    progress.debug(`--overwrite: the run files in ${plan.outDir} go once the build succeeds.`);
  const kept = continuing
    ? readResultsFile(path.join(plan.outDir, FILES.results), plan.restore?.iteration ?? 0)
    : { results: [], warnings: [] };
  for (const w of kept.warnings) progress.warn(`warning: ${w}`);
  return new RunFiles(plan.outDir, { overwrite: opts.overwrite && !continuing, kept: kept.results });
}

async function run(opts: CliOptions, progress: Progress): Promise<number> {
  const planned = planRun(opts);
  for (const w of planned.warnings) progress.warn(`warning: ${w}`);
  const files = prepareOutDir(opts, planned, progress);
  const { server, session } = await startBrowserSide(opts, planned, progress, files);
  const training = new TrainingRun({ plan: planned, opts, session, files, progress });
  const cleanup = async (): Promise<void> => {
    await session.close();
    await server.close();
  };
  installSignalHandlers(
    progress,
    () => training.requestInterrupt(),
    (signal) => {
      const latest = path.join(planned.outDir, FILES.latest);
      progress.warn(`${signal} (second signal): quitting at once without saving; ${training.checkpointNote(latest)}`);
      void cleanup();
      process.exit(EXIT_INTERRUPTED);
    },
  );
  try {
    const built = await training.setUp().catch((e: unknown) => {
      // A user env's fault: the browser console is the next thing to read. (A bad config leaves
      // no run folder at all, as before.)
      if (errorCode(e)?.startsWith('env/')) files.saveConsoleOnly();
      throw e;
    });
    const plan = training.plan;
    for (const row of files.open()) training.results.push(row);
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
    printResources(built.config, built.device, opts.maxCpus, progress);
    // The page's oversubscription warning counted navigator.hardwareConcurrency; the table's counts --max-cpus.
    for (const w of built.warnings)
      if (w.path !== RESOURCES_WARNING_PATH) progress.warn(`warning: ${w.path}: ${w.message}`);
    progress.start(plan.restore?.iteration ?? 0, plan.restore?.steps ?? 0);
    const outcome = await training.train();
    const summary = await training.finish(outcome, (s) => exitCodeFor(s, opts, outcome.error));
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

export async function main(argv: readonly string[]): Promise<number> {
  // `npm run train -- --json | head`: a reader that goes away must not kill the run; the files
  // in --out are the record.
  process.stdout.on('error', () => {});
  let opts: CliOptions;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    printError(e, argv.includes('--verbose'));
    return EXIT_BAD_INPUT;
  }
  if (opts.help) {
    process.stdout.write(helpText(opts.algo === undefined ? undefined : getSpec(opts.algo)) + '\n');
    return 0;
  }
  const progress = new Progress(opts);
  try {
    return await run(opts, progress);
  } catch (e) {
    printError(e, opts.verbose);
    return exitCodeForError(e);
  }
}
