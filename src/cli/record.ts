/**
 * `npm run record -- --output FILE.parquet --num-steps N [--restore RUN_DIR] [config flags]`:
 * runs a policy in headless Chromium for N env steps without training and writes the episodes
 * as Parquet (RLlib's `output`), for BC and MARWIL to read (`--input FILE`). With --restore the
 * policy is a checkpoint's (a trained agent); without it, a freshly built, untrained one (e.g.
 * the random half of a mixed data set). Config flags work as in `npm run train` (`--explore false`
 * records greedy actions; `--env`, `--num-env-runners`, ...).
 *
 * Exit codes as `npm run train`: 0 done; 2 bad input; 1 anything else.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorMessage } from '../core/errors';
import { concatTables, episodeStats } from '../offline/episode-table';
import { readEpisodesParquet, writeEpisodesParquet } from '../offline/parquet-episodes';
import { AppSession } from './app-session';
import { parseArgs, UsageError } from './args';
import { ensureChromium } from './browser';
import { EXIT_BAD_INPUT, EXIT_OK, exitCodeForError } from './exit-codes';
import { planRun } from './plan';
import { serveApp } from './serve';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const USAGE = `npm run record -- --output FILE.parquet [--num-steps N] [--restore RUN_DIR] [--overwrite] [config flags]

  --output FILE     Parquet file to write (RLlib's output); its folder is created.
  --num-steps N     Env steps to record (default 10000); episodes cut at the end are kept, unfinished.
  --restore DIR     Record a checkpoint's policy (a run dir, its checkpoint/ dir or a .json file);
                    without it, a fresh untrained policy of the algorithm and env the flags name.
  --overwrite       Replace an existing --output file.
  --merge A,B,...   Instead of recording: concatenate recorded files into --output (no browser),
                    e.g. an expert's and a random policy's episodes into one mixed data set.
  Config flags as in \`npm run train\` (--env, --explore false, --num-env-runners, --seed, ...).

Then train offline: npm run train -- --algo bc --env CartPole-v1 --input FILE.parquet`;

interface RecordOptions {
  readonly output: string;
  readonly numSteps: number;
  readonly overwrite: boolean;
  /** Files to concatenate instead of recording. */
  readonly merge: readonly string[] | null;
  /** Everything else, for the train CLI's parser. */
  readonly rest: string[];
}

/** Takes this command's own flags out of argv; the rest are the train CLI's. */
function splitArgs(argv: readonly string[]): RecordOptions | 'help' {
  const rest: string[] = [];
  let output: string | undefined;
  let numSteps = 10_000;
  let overwrite = false;
  let merge: string[] | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value; see --help.`);
      return v;
    };
    if (name === '--help' || name === '-h') return 'help';
    else if (name === '--output' || name === '--out') output = value();
    else if (name === '--num-steps' || name === '--num_steps') {
      const raw = value();
      numSteps = Number(raw);
      if (!Number.isInteger(numSteps) || numSteps < 1)
        throw new UsageError(`--num-steps needs a whole number >= 1, got '${raw}'.`);
    } else if (name === '--overwrite') overwrite = true;
    else if (name === '--merge')
      merge = value()
        .split(',')
        .map((f) => f.trim());
    else rest.push(arg);
  }
  if (output === undefined) throw new UsageError('--output FILE.parquet is required: where the episodes go.');
  return { output: path.resolve(output), numSteps, overwrite, merge, rest };
}

/** --merge: the files' episodes one after the other (ids kept apart per file), in Node. */
async function mergeFiles(files: readonly string[], output: string, log: (line: string) => void): Promise<void> {
  const tables = [];
  for (const f of files) {
    if (!existsSync(f)) throw new UsageError(`--merge: ${f} does not exist.`);
    tables.push(await readEpisodesParquet(readFileSync(f), f));
  }
  const envs = [...new Set(tables.map((t) => t.env))];
  const merged = concatTables(tables);
  const bytes = writeEpisodesParquet(merged, { env: envs.length === 1 ? envs[0]! : null });
  mkdirSync(path.dirname(output), { recursive: true });
  writeFileSync(output, bytes);
  const stats = episodeStats(merged);
  log(
    `Wrote ${output}: ${merged.numRows} env steps from ${files.length} files, ${stats.numEpisodes} episodes ` +
      `(mean recorded return ${stats.returnMean.toFixed(1)}).`,
  );
}

async function record(opts: RecordOptions, log: (line: string) => void): Promise<void> {
  if (!opts.overwrite && existsSync(opts.output)) {
    throw new UsageError(`${opts.output} exists; pass --overwrite to replace it.`, 'cli/out-exists');
  }
  if (opts.merge) return mergeFiles(opts.merge, opts.output, log);
  const cli = parseArgs(opts.rest);
  const plan = planRun(cli);
  const server = await serveApp(ROOT, log, cli.verbose);
  const session = new AppSession({
    executablePath: ensureChromium(log),
    webgpu: plan.launchWebGpu,
    url: server.url,
    onConsole: (line) => (cli.verbose ? log(`[browser] ${line}`) : undefined),
  });
  try {
    await session.open();
    const built = plan.restore
      ? await session.restoreFromJson(plan.restore.text, plan.backend)
      : await session.build(plan.configInput, plan.backend);
    const policy = plan.restore
      ? `the checkpoint ${plan.restore.file} (iteration ${plan.restore.iteration})`
      : 'a fresh, untrained policy';
    log(
      `Recording ${opts.numSteps} env steps of ${built.config.algo} on ${built.config.environment.env} from ${policy}, ` +
        `${built.config.envRunners.explore ? 'sampling actions (explore)' : 'greedy actions'}, ` +
        `${built.config.envRunners.numEnvRunners} runner(s) x ${built.config.envRunners.numEnvsPerEnvRunner} env(s).`,
    );
    const t0 = Date.now();
    mkdirSync(path.dirname(opts.output), { recursive: true });
    const rec = await session.recordEpisodes(opts.numSteps, opts.output);
    log(
      `Wrote ${opts.output}: ${rec.numEnvSteps} env steps, ${rec.numEpisodes} episodes ` +
        `(${rec.numCompletedEpisodes} completed, mean return ${rec.episodeReturnMean.toFixed(1)}), ` +
        `${(rec.size / 1e6).toFixed(1)} MB in ${((Date.now() - t0) / 1000).toFixed(1)} s.`,
    );
  } finally {
    await session.close();
    await server.close();
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  let opts: RecordOptions | 'help';
  try {
    opts = splitArgs(argv);
  } catch (e) {
    log(`error: ${errorMessage(e)}`);
    return EXIT_BAD_INPUT;
  }
  if (opts === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return EXIT_OK;
  }
  try {
    await record(opts, log);
    return EXIT_OK;
  } catch (e) {
    log(`error: ${errorMessage(e)}`);
    return exitCodeForError(e);
  }
}

process.exitCode = await main(process.argv.slice(2));
process.exit();
