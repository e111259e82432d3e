/**
 * `npm run tune -- --config sweep.json [--max-concurrent N] [--num-cpus N] [--backend B] [--out DIR]`:
 * a hyperparameter sweep (tune/sweep.ts's layout: Tune's param_space, tune_config, run_config) whose
 * trials run side by side in one headless tab. One line per trial result, a folder per trial,
 * trials.csv, and the best trial named at the end. Exit 0 when every trial ended, 1 when one
 * errored, 2 on bad input, 130 on Ctrl-C.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrialView, TuneEvent, TuneRunOptions } from '../app/tune-session';
import { isPlainObject } from '../core/config';
import { resolveKeyPath } from '../core/config-keys';
import { errorMessage } from '../core/errors';
import { parseSweep, type Sweep } from '../tune/sweep';
import { compareTrials, comparisonSentences, trialLabel, verdictSentence } from '../tune/compare';
import { AppSession } from './app-session';
import { ensureChromium } from './browser';
import { EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK, EXIT_TRAINING_FAILED } from './exit-codes';
import { serveApp } from './serve';
import { metricOf, TRIALS_CSV, TuneFiles } from './tune-files';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const LESSONS_DIR = path.join(ROOT, 'lessons');
const LESSON_NAMES = existsSync(LESSONS_DIR)
  ? readdirSync(LESSONS_DIR)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length))
      .join(', ')
  : 'none';

/** --config as given, else a lesson of lessons/ by name (`fast-env`, or `lessons/fast-env`). */
function sweepFile(arg: string): string {
  if (existsSync(arg)) return arg;
  const lesson = path.join(LESSONS_DIR, `${path.basename(arg, '.json')}.json`);
  return existsSync(lesson) ? lesson : arg;
}

const HELP = `npm run tune -- --config sweep.json [options]

  --config FILE         The sweep: {"param_space": {...}, "tune_config": {...}, "run_config": {...}},
                        or a lesson's name (${LESSON_NAMES}: lessons/NAME.json).
                        Search domains in param_space: {"grid_search": [...]}, {"choice": [...]},
                        {"uniform": [lo, hi]}, {"loguniform": [lo, hi]}, {"randint": [lo, hi]}.
  --max-concurrent N    At most N trials at once (tune_config.max_concurrent_trials; 0: as many as fit).
  --num-cpus N          Logical CPUs of the tab (resources.num_cpus; default: navigator.hardwareConcurrency).
  --backend B           Force the learners' backend: webgpu | wasm | cpu.
  --out DIR             Experiment folder (default runs/tune-<timestamp>): a folder per trial, trials.csv.
  --verbose             Browser console on stderr.`;

interface TuneArgs {
  readonly config: string;
  readonly maxConcurrent: number | undefined;
  readonly numCpus: number | undefined;
  readonly backend: 'webgpu' | 'wasm' | 'cpu' | undefined;
  readonly out: string;
  readonly verbose: boolean;
}

class BadInput extends Error {}

function parseTuneArgs(argv: readonly string[]): TuneArgs | null {
  const values = new Map<string, string>();
  let verbose = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return null;
    if (arg === '--verbose') {
      verbose = true;
      continue;
    }
    const [name, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    const key = name.replace(/^--/, '').replace(/_/g, '-');
    if (!['config', 'max-concurrent', 'num-cpus', 'backend', 'out'].includes(key) || !name.startsWith('--')) {
      throw new BadInput(`unknown option ${arg}; see --help.`);
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new BadInput(`${name} needs a value.`);
    values.set(key, value);
  }
  const given = values.get('config');
  if (given === undefined) throw new BadInput('--config FILE is required: the sweep to run (see --help).');
  const config = sweepFile(given);
  const count = (flag: string, min: number): number | undefined => {
    const raw = values.get(flag);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new BadInput(`--${flag} must be an integer >= ${min}; got '${raw}'.`);
    return n;
  };
  const backend = values.get('backend');
  if (backend !== undefined && !['webgpu', 'wasm', 'cpu'].includes(backend)) {
    throw new BadInput(`--backend must be webgpu, wasm or cpu; got '${backend}'.`);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return {
    config,
    maxConcurrent: count('max-concurrent', 0),
    numCpus: count('num-cpus', 1),
    backend: backend as TuneArgs['backend'],
    out: values.get('out') ?? path.join('runs', `tune-${stamp}`),
    verbose,
  };
}

function readSweep(file: string): Sweep {
  if (!existsSync(file)) throw new BadInput(`--config ${file} does not exist.`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new BadInput(`--config ${file} is not valid JSON: ${errorMessage(e)}`);
  }
  const { sweep, issues } = parseSweep(json);
  if (!sweep) {
    const errors = issues.filter((i) => i.severity === 'error');
    throw new BadInput(`invalid sweep ${file}:\n${errors.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`);
  }
  return sweep;
}

const fmt = (v: number | null): string => (v === null ? '-' : v.toFixed(1));
const paramText = (params: Readonly<Record<string, unknown>>): string =>
  Object.entries(params)
    .map(([k, v]) => `${k.split('.').at(-1)}=${typeof v === 'number' ? Number(v.toPrecision(4)) : JSON.stringify(v)}`)
    .join(' ');

/**
 * Trials that ask for a GPU share (a learner's or a runner's, under any of RLlib's names: num_gpus,
 * num_gpus_per_learner, num_gpus_per_env_runner, ...) or a forced webgpu backend need Chromium's
 * WebGPU flags.
 */
function needsWebGpu(sweep: Sweep, backend: TuneArgs['backend']): boolean {
  if (backend !== undefined) return backend === 'webgpu';
  const GPU_PATHS = ['learners.numGpusPerLearner', 'envRunners.numGpusPerEnvRunner'];
  const asksForGpu = (c: Record<string, unknown>, section = ''): boolean =>
    Object.entries(c).some(([k, v]) => {
      if (isPlainObject(v)) return asksForGpu(v, k);
      const path = resolveKeyPath(section === '' ? k : `${section}.${k}`);
      return path !== undefined && GPU_PATHS.includes(path) && typeof v === 'number' && v > 0;
    });
  return sweep.trials.some((t) => asksForGpu(t.config));
}

async function run(args: TuneArgs): Promise<number> {
  const sweep = readSweep(args.config);
  if (existsSync(args.out) && readdirSync(args.out).length > 0) {
    throw new BadInput(`--out ${args.out} is not empty; pick a new folder for this sweep.`);
  }
  mkdirSync(args.out, { recursive: true });
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  say(
    `Sweep: ${sweep.trials.length} trials (${sweep.paramKeys.join(', ') || 'no search domains'}); stop ${JSON.stringify(sweep.stop)}${sweep.stopIsDefault ? ' (default)' : ''}; out ${args.out}`,
  );
  const files = new TuneFiles(args.out, sweep);
  const executablePath = ensureChromium((m) => process.stderr.write(`${m}\n`));
  const server = await serveApp(ROOT, (m) => process.stderr.write(`${m}\n`), args.verbose);
  const session = new AppSession({
    executablePath,
    webgpu: needsWebGpu(sweep, args.backend),
    url: server.url,
    onConsole: (line) => {
      if (args.verbose) process.stderr.write(`[browser] ${line}\n`);
    },
  });
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) process.exit(EXIT_INTERRUPTED);
    interrupted = true;
    process.stderr.write('Stopping every trial after its iteration (again to quit at once) ...\n');
    session.interruptTune().catch(() => {});
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const onEvent = (e: TuneEvent): void => {
    switch (e.type) {
      case 'status':
        if (e.trial.status === 'RUNNING') files.started(e.trial.id);
        if (e.trial.status === 'ERROR') say(`${e.trial.id} ERROR: ${e.trial.error ?? ''}`);
        else
          say(
            `${e.trial.id} ${e.trial.status}${e.trial.stopReason ? ` (${e.trial.stopReason})` : ''}  ${paramText(e.trial.params)}`,
          );
        break;
      case 'result': {
        files.result(e.trialId, e.result);
        const m = metricOf(files.results(e.trialId), sweep.metric, sweep.mode);
        say(
          `${e.trialId} iter ${String(e.result['training_iteration'])}  ${sweep.metric} ${fmt(m.last)} (best ${fmt(m.best)})`,
        );
        break;
      }
      case 'checkpoint':
        files.checkpoint(e.trialId, e.text, e.final);
        break;
      case 'built':
        files.built(e.trialId, e.config);
        say(`${e.trialId} built: ${e.presetId === null ? 'no preset' : `preset ${e.presetId}`}`);
        break;
      case 'retry':
        files.retry(e.trialId, e.fromIteration, e.error);
        say(`${e.trialId} failed (${e.error}); retrying from iteration ${e.fromIteration}`);
        break;
    }
  };
  const opts: TuneRunOptions = {
    ...(args.maxConcurrent !== undefined ? { maxConcurrentTrials: args.maxConcurrent } : {}),
    ...(args.numCpus !== undefined ? { numCpus: args.numCpus } : {}),
    ...(args.backend !== undefined ? { backend: args.backend } : {}),
  };
  let rows: TrialView[];
  try {
    await session.open();
    rows = await session.tune(JSON.parse(readFileSync(args.config, 'utf8')), opts, onEvent);
  } finally {
    await session.close();
    await server.close();
  }
  files.finish(rows);
  const ranked = rows
    .map((r) => ({ row: r, m: metricOf(files.results(r.id), sweep.metric, sweep.mode) }))
    .filter((x) => x.m.last !== null)
    .sort((a, b) => (sweep.mode === 'max' ? b.m.last! - a.m.last! : a.m.last! - b.m.last!));
  const errored = rows.filter((r) => r.status === 'ERROR');
  say(
    `\n${rows.length - errored.length} of ${rows.length} trials ended; ${errored.length} errored. ${path.join(args.out, TRIALS_CSV)}`,
  );
  const best = ranked[0];
  if (best) {
    say(
      `Best trial: ${best.row.id} (${paramText(best.row.params)}): ${sweep.metric} ${fmt(best.m.last)} at iteration ${best.row.iterations} (best ${fmt(best.m.best)}); ${path.join(args.out, best.row.id)}`,
    );
  }
  for (const line of compareLines(sweep, rows, files)) say(line);
  if (interrupted) return EXIT_INTERRUPTED;
  return errored.length > 0 ? EXIT_TRAINING_FAILED : EXIT_OK;
}

/** Compare mode: which trial reached the sweep's threshold first on each axis, and a lesson's verdict. */
function compareLines(sweep: Sweep, rows: readonly TrialView[], files: TuneFiles): string[] {
  if (sweep.threshold === null || rows.length < 2) return [];
  const comparison = compareTrials(
    rows.map((r) => ({ id: r.id, params: r.params, results: files.results(r.id) })),
    { metric: sweep.metric, threshold: sweep.threshold, mode: sweep.mode, lesson: sweep.lesson },
  );
  const lines = ['', sweep.lesson ? `Lesson: ${sweep.lesson.title}` : 'Compare:'];
  if (sweep.lesson) lines.push(`  claim    ${sweep.lesson.claim}`);
  for (const r of rows) {
    const at = comparison.reached[r.id];
    lines.push(
      `  ${r.id}  ${trialLabel(r.params).padEnd(28)} ${at ? `reached at ${at.envSteps.toLocaleString('en-US')} env steps, ${at.wallTime.toFixed(1)} s` : 'did not reach it'}`,
    );
  }
  for (const sentence of comparisonSentences(comparison)) lines.push(`  ${sentence}`);
  if (sweep.lesson) lines.push(`  ${verdictSentence(comparison)}`);
  return lines;
}

async function main(argv: readonly string[]): Promise<number> {
  process.stdout.on('error', () => {});
  try {
    const args = parseTuneArgs(argv);
    if (args === null) {
      process.stdout.write(`${HELP}\n`);
      return EXIT_OK;
    }
    return await run(args);
  } catch (e) {
    process.stderr.write(`error: ${errorMessage(e)}\n`);
    const code = (e as { code?: unknown }).code;
    return e instanceof BadInput || (typeof code === 'string' && code.startsWith('config/'))
      ? EXIT_BAD_INPUT
      : EXIT_TRAINING_FAILED;
  }
}

process.exitCode = await main(process.argv.slice(2));
process.exit();
