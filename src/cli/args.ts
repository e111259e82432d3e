/**
 * Command-line options of `npm run train`. Names are kebab-case like RLlib's example scripts
 * (`--stop-reward`, `--as-test`, `--num-env-runners`); snake_case is accepted too. Any config key
 * RLlib or our config knows (`--lr`, `--num_sgd_iter`, `--training.clip-param`) is a flag as well:
 * config-keys.ts resolves the name against the algorithm's spec and coerces the value. `--algo NAME`
 * (case-insensitive) picks the algorithm, wherever it stands on the line; without it a key of any
 * registered algorithm is accepted here, and the page validates it against the run's algorithm
 * (which may come from --config or --restore).
 */
import { suggest } from '../core/config';
import { RLError } from '../core/errors';
import { coerceValue, keyAliasesOf, leafPaths, resolveKeyPath, rllibName } from '../core/config-keys';
import { ALGORITHM_SPECS, DEFAULT_SPEC, findSpec, type AnySpec } from '../algorithms/registry';

export const BACKENDS = ['auto', 'webgpu', 'wasm', 'cpu'] as const;
export type CliBackend = (typeof BACKENDS)[number];

/**
 * Bad input found on the Node side (a flag, a file, the --out folder, no browser): printed as one
 * line, exit code 2 (exit-codes.ts). `code` starts with `cli/`.
 */
export class UsageError extends RLError {
  constructor(message: string, code = 'cli/usage') {
    super(code, message);
    this.name = 'UsageError';
  }
}

export interface ConfigFlag {
  /** As typed, e.g. `--num_workers`. */
  readonly flag: string;
  /** Config path, e.g. `envRunners.numEnvRunners`. */
  readonly path: string;
  readonly value: unknown;
}

export interface CliOptions {
  readonly help: boolean;
  /** The algorithm --algo named (its registered name, e.g. 'DQN'); undefined: not given. */
  readonly algo: string | undefined;
  readonly configFile: string | undefined;
  /** --env-module: a .ts/.js file that registers envs, bundled and loaded in the page and every worker. */
  readonly envModule: string | undefined;
  readonly preset: string | undefined;
  readonly backend: CliBackend | undefined;
  readonly stopReward: number | undefined;
  readonly stopTimesteps: number | undefined;
  readonly stopIters: number | undefined;
  readonly stopTimeS: number | undefined;
  readonly asTest: boolean;
  readonly out: string | undefined;
  /** Replace the run files of an existing --out folder (without it, reusing one is refused). */
  readonly overwrite: boolean;
  readonly restore: string | undefined;
  /** A safetensors file of policy weights (RLlib's layout) to load after the build or --restore. */
  readonly restoreWeights: string | undefined;
  /** CPUs the run may use; undefined: the browser's navigator.hardwareConcurrency. */
  readonly maxCpus: number | undefined;
  readonly checkpointEvery: number;
  readonly quiet: boolean;
  readonly json: boolean;
  readonly verbose: boolean;
  /** Test hook: crash the page once (CDP Page.crash) after this iteration. */
  readonly debugCrashAfterIter: number | undefined;
  /** Config settings given as flags (including --algo, --env, --seed), in command-line order. */
  readonly configFlags: readonly ConfigFlag[];
}

type Kind = 'flag' | 'string' | 'number' | 'int';

export interface OptionSpec {
  readonly name: string;
  readonly kind: Kind;
  readonly metavar?: string;
  readonly def: string;
  readonly help: string;
  /** Other spellings (RLlib's example-script names). */
  readonly aliases?: readonly string[];
  /** Left out of --help's main list (documented in its own section). */
  readonly testHook?: boolean;
}

export const OPTIONS: readonly OptionSpec[] = [
  { name: 'help', kind: 'flag', def: '', help: 'Print this help and exit.', aliases: ['h'] },
  {
    name: 'config',
    kind: 'string',
    metavar: 'FILE',
    def: 'none',
    help: 'JSON config (sectioned or flat, RLlib names accepted); flags override it.',
  },
  {
    name: 'env-module',
    kind: 'string',
    metavar: 'FILE',
    def: 'none',
    help: "A .ts/.js module that registers envs (import { registerEnv } from 'browser-rl/envs'); bundled on the fly and loaded in the page and every worker, no rebuild.",
  },
  {
    name: 'preset',
    kind: 'string',
    metavar: 'NAME',
    def: "the --config file's, else the env's preset, else 'auto' (not with --restore)",
    help: "The algorithm's preset ('auto': sized from the env's spaces and the machine; 'none': the algorithm's plain defaults); --help lists them per algorithm.",
  },
  {
    name: 'backend',
    kind: 'string',
    metavar: BACKENDS.join('|'),
    def: 'from --num-gpus-per-learner',
    help: 'Learner backend. webgpu launches Chromium with WebGPU (SwiftShader without a GPU: slow); auto = --num-gpus-per-learner auto.',
  },
  {
    name: 'stop-reward',
    kind: 'number',
    metavar: 'R',
    def: "preset's, else none",
    help: 'Stop when env_runners/episode_return_mean >= R.',
  },
  {
    name: 'stop-timesteps',
    kind: 'int',
    metavar: 'T',
    def: "preset's, else none",
    help: 'Stop when num_env_steps_sampled_lifetime >= T.',
  },
  {
    name: 'stop-iters',
    kind: 'int',
    metavar: 'N',
    def: '100 if no stop is given and the preset has none',
    help: 'Stop when training_iteration >= N (counts restored iterations).',
  },
  {
    name: 'stop-time-s',
    kind: 'number',
    metavar: 'S',
    def: 'none',
    help: 'Stop when time_total_s >= S. The first criterion met stops the run.',
  },
  {
    name: 'as-test',
    kind: 'flag',
    def: 'off',
    help: 'Exit 1 unless the reward criterion was reached (RLlib example scripts).',
  },
  {
    name: 'out',
    kind: 'string',
    metavar: 'DIR',
    def: 'runs/<algo>-<env>-<timestamp>',
    help: 'Where config.json, result.jsonl, progress.csv, checkpoint/, summary.json, curve.png and console.log go.',
  },
  {
    name: 'overwrite',
    kind: 'flag',
    def: 'off',
    help: "Replace the run in an --out folder that already holds one (only the run's own files are deleted, once the new run has built).",
  },
  {
    name: 'restore',
    kind: 'string',
    metavar: 'DIR',
    def: 'none',
    help: 'Resume from a checkpoint: a run dir, its checkpoint/ dir, or a checkpoint .json file. Flags override its config.',
  },
  {
    name: 'restore-weights',
    kind: 'string',
    metavar: 'FILE',
    def: 'none',
    help: "Start from a policy's weights: a .safetensors file in RLlib's torch layout (npm run export -- --rllib writes one). Checked against the run's model first.",
  },
  {
    name: 'max-cpus',
    kind: 'int',
    metavar: 'N',
    def: "the browser's navigator.hardwareConcurrency",
    help: "CPUs the run may use (Ray's num_cpus): the resource table at start sums the run's CPUs against it and warns when oversubscribed.",
  },
  {
    name: 'checkpoint-every',
    kind: 'int',
    metavar: 'N',
    def: '10',
    help: 'Update checkpoint/latest.json every N iterations (0: only at the end).',
    aliases: ['checkpoint-freq'],
  },
  { name: 'quiet', kind: 'flag', def: 'off', help: 'Only the final summary (and errors).' },
  {
    name: 'json',
    kind: 'flag',
    def: 'off',
    help: 'One JSON result per line on stdout; human-readable lines go to stderr.',
  },
  {
    name: 'verbose',
    kind: 'flag',
    def: 'off',
    help: 'Stack traces on errors, browser console on stderr, startup details.',
  },
  {
    name: 'debug-crash-after-iter',
    kind: 'int',
    metavar: 'N',
    def: 'off',
    help: 'Test hook: crash the page once (DevTools Page.crash) after iteration N, to exercise crash recovery.',
    testHook: true,
  },
];

const byName = new Map<string, OptionSpec>();
for (const o of OPTIONS) for (const n of [o.name, ...(o.aliases ?? [])]) byName.set(n, o);

/** `--flag` for a config path: RLlib's snake name in kebab-case (`training.lr` -> `--lr`). */
export function flagForPath(path: string, spec: AnySpec = DEFAULT_SPEC): string {
  return `--${rllibName(path, spec).replace(/_/g, '-')}`;
}

/** Config keys that name the algorithm (RLlib's spellings). */
const ALGO_FLAGS = new Set(['algo', 'algorithm', 'algo-class', 'algo_class']);

/**
 * The spec `--algo` names anywhere on the line (the last one wins), or undefined. An unknown name
 * is a UsageError listing the registered algorithms.
 */
function algoFromArgv(argv: readonly string[]): AnySpec | undefined {
  let spec: AnySpec | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    if (!ALGO_FLAGS.has(arg.slice(2, eq < 0 ? undefined : eq))) continue;
    const name = eq < 0 ? argv[i + 1] : arg.slice(eq + 1);
    if (name === undefined || name.startsWith('--')) throw new UsageError(`${arg} needs a value, e.g. --algo ppo.`);
    spec = findSpec(name);
    if (!spec) {
      const guess = suggest(
        name,
        ALGORITHM_SPECS.map((s) => s.name),
      );
      const names = ALGORITHM_SPECS.map((s) => s.name.toLowerCase()).join(', ');
      throw new UsageError(
        `unknown algorithm '${name}'${guess ? ` (did you mean ${guess.toLowerCase()}?)` : ''}; --algo takes one of: ${names}.`,
        'cli/unknown-algo',
      );
    }
  }
  return spec;
}

/** A config flag's path: against the named algorithm, else the default's keys, then any other algorithm's. */
function resolveFlag(name: string, spec: AnySpec | undefined): string | undefined {
  if (spec) return resolveKeyPath(name, spec);
  for (const s of [DEFAULT_SPEC, ...ALGORITHM_SPECS]) {
    const path = resolveKeyPath(name, s);
    if (path !== undefined) return path;
  }
  return undefined;
}

function parseNumber(spec: OptionSpec, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${spec.name} needs a number, got '${raw}'.`);
  if (spec.kind === 'int' && (!Number.isInteger(n) || n < 0)) {
    throw new UsageError(`--${spec.name} needs a whole number >= 0, got '${raw}'.`);
  }
  return n;
}

function unknownOption(name: string, spec: AnySpec | undefined): UsageError {
  const specs = spec ? [spec] : ALGORITHM_SPECS;
  const candidates = [...byName.keys()];
  for (const s of specs) {
    candidates.push(...leafPaths(s.defaults).map((p) => flagForPath(p, s).slice(2)));
    for (const alias of Object.keys(keyAliasesOf(s))) candidates.push(alias.replace(/_/g, '-'));
  }
  const guess = suggest(name, candidates);
  const which = spec ? ` for ${spec.name}` : '';
  const help = spec ? `--algo ${spec.name.toLowerCase()} --help` : '--help';
  const hint = guess ? ` (did you mean --${guess}?)` : `; run with ${help} for the list`;
  return new UsageError(`unknown option --${name}${which}${hint}`);
}

/** Splits `--name=value` / `--name value`; a value-less flag gets `undefined`. */
function takeValue(
  argv: readonly string[],
  i: number,
  inline: string | undefined,
  needsValue: boolean,
): [string | undefined, number] {
  if (inline !== undefined) return [inline, i];
  const next = argv[i + 1];
  if (!needsValue) return [undefined, i];
  if (next === undefined || next.startsWith('--')) return [undefined, i];
  return [next, i + 1];
}

/** Parses argv (without `node script`). Throws UsageError with a one-line message. */
export function parseArgs(argv: readonly string[]): CliOptions {
  const values = new Map<string, string | true>();
  const configFlags: ConfigFlag[] = [];
  const algoSpec = algoFromArgv(argv);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h') {
      values.set('help', true);
      continue;
    }
    if (!arg.startsWith('--') || arg === '--')
      throw new UsageError(`unexpected argument '${arg}'; options start with --.`);
    const eq = arg.indexOf('=');
    const rawName = arg.slice(2, eq < 0 ? undefined : eq);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    const spec = byName.get(rawName.replace(/_/g, '-'));
    if (spec) {
      const [value, next] = takeValue(argv, i, inline, spec.kind !== 'flag');
      i = next;
      if (spec.kind !== 'flag' && value === undefined)
        throw new UsageError(`--${spec.name} needs a value (${spec.metavar ?? 'VALUE'}).`);
      values.set(spec.name, value ?? true);
      continue;
    }
    const path = resolveFlag(rawName, algoSpec);
    if (path === undefined) throw unknownOption(rawName, algoSpec);
    const [value, next] = takeValue(argv, i, inline, true);
    i = next;
    // The algorithm under its registered name ('dqn' -> 'DQN'); algoFromArgv checked it.
    const given = path === 'algo' && algoSpec ? algoSpec.name : value;
    // A config flag without a value is a boolean switch: `--vf-share-layers`.
    configFlags.push({ flag: `--${rawName}`, path, value: coerceValue(path, given ?? 'true') });
  }
  return toOptions(values, configFlags, algoSpec);
}

function toOptions(
  values: Map<string, string | true>,
  configFlags: ConfigFlag[],
  spec: AnySpec | undefined,
): CliOptions {
  const str = (name: string): string | undefined => {
    const v = values.get(name);
    return typeof v === 'string' ? v : undefined;
  };
  const flag = (name: string): boolean => {
    const v = values.get(name);
    if (v === undefined) return false;
    if (v === true || /^(true|1|yes)$/i.test(v)) return true;
    if (/^(false|0|no)$/i.test(v)) return false;
    throw new UsageError(`--${name} is a switch; use --${name} or --${name}=false, not '${v}'.`);
  };
  const num = (name: string): number | undefined => {
    const v = str(name);
    return v === undefined ? undefined : parseNumber(byName.get(name)!, v);
  };
  const backend = str('backend');
  if (backend !== undefined && !(BACKENDS as readonly string[]).includes(backend)) {
    throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}, got '${backend}'.`);
  }
  const maxCpus = num('max-cpus');
  if (maxCpus === 0) throw new UsageError('--max-cpus must be >= 1.');
  const stopIters = num('stop-iters');
  if (stopIters === 0) throw new UsageError('--stop-iters must be >= 1.');
  return {
    help: flag('help'),
    algo: spec?.name,
    configFile: str('config'),
    envModule: str('env-module'),
    preset: str('preset'),
    backend: backend as CliBackend | undefined,
    stopReward: num('stop-reward'),
    stopTimesteps: num('stop-timesteps'),
    stopIters,
    stopTimeS: num('stop-time-s'),
    asTest: flag('as-test'),
    out: str('out'),
    overwrite: flag('overwrite'),
    restore: str('restore'),
    restoreWeights: str('restore-weights'),
    maxCpus,
    checkpointEvery: num('checkpoint-every') ?? 10,
    quiet: flag('quiet'),
    json: flag('json'),
    verbose: flag('verbose'),
    debugCrashAfterIter: num('debug-crash-after-iter'),
    configFlags,
  };
}
