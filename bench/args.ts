/**
 * `npm run bench` options, parsed apart from the run so they can be tested: the sections to run,
 * --quick, and --backend for the learner section in plain Node (no browser): `webgpu` through
 * Dawn's bindings (the `webgpu` package), `cpu` to check that path on any machine.
 */
export const SECTIONS = [
  'envs',
  'sampling',
  'multi-agent',
  'remote-envs',
  'gpu-env',
  'learner',
  'learners',
  'floor',
  'async',
  'ppo',
  'dqn',
  'sac',
  'impala',
  'appo',
  'a2c',
  'offline',
  'tune',
  'offline-mixed',
  'multi-agent-matrix',
  'many-modules',
  'many-policies',
] as const;
export type Section = (typeof SECTIONS)[number];

/** Names that stand for several sections in --only: `algorithms` is the whole algorithm matrix. */
export const SECTION_GROUPS: Readonly<Record<string, readonly Section[]>> = {
  algorithms: ['ppo', 'dqn', 'sac', 'impala', 'appo', 'a2c', 'offline', 'multi-agent-matrix'],
};

/**
 * The results files' name: the date for a full run; the date and the sections (or the group they
 * make up, e.g. `algorithms`) for an --only run, so a partial run never replaces a fuller one of
 * the same day; `-quick` for a smoke run.
 */
export function resultsStamp(date: string, only: ReadonlySet<Section>, quick: boolean): string {
  const day = date.slice(0, 10);
  const quickTag = quick ? '-quick' : '';
  if (only.size === SECTIONS.length) return `${day}${quickTag}`;
  const group = Object.entries(SECTION_GROUPS).find(([, g]) => g.length === only.size && g.every((x) => only.has(x)));
  const name = group ? group[0] : SECTIONS.filter((x) => only.has(x)).join('-');
  return `${day}-${name}${quickTag}`;
}

/** Backends the Node learner bench runs on (the page's bench covers webgl and wasm). */
export const NODE_BACKENDS = ['webgpu', 'cpu'] as const;
export type NodeBackend = (typeof NODE_BACKENDS)[number];

export interface BenchArgs {
  readonly only: ReadonlySet<Section>;
  readonly quick: boolean;
  /** Run the learner section in Node on this backend instead of in Chromium; null: the browser bench. */
  readonly nodeBackend: NodeBackend | null;
  /** Node WebGPU on a SwiftShader Vulkan driver (a software adapter). */
  readonly swiftshader: boolean;
  readonly help: boolean;
  /** Where the results files go (relative to the working directory). */
  readonly outDir: string;
  /** The many-policies section's training budget in minutes (default 30, 3 with --quick). */
  readonly learnMinutes: number | null;
}

/** The results folder unless --out says otherwise. */
export const DEFAULT_OUT_DIR = 'bench/results';

export const BENCH_USAGE =
  `npm run bench -- [--only ${SECTIONS.join(',')}] [--quick] [--out DIR]\n` +
  `  --only algorithms = ${SECTION_GROUPS['algorithms']!.join(',')} (the algorithm matrix and its chart)\n` +
  `npm run bench -- --only learner --backend ${NODE_BACKENDS.join('|')} [--swiftshader] [--quick]   (Node, no browser)\n` +
  `  --out DIR: where the JSON, Markdown and chart go (default ${DEFAULT_OUT_DIR})\n` +
  `  --learn-minutes N: the many-policies section's training budget (default 30; 3 with --quick)`;

/** Parses the options; throws one Error listing every problem, each with its fix. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let only = new Set<Section>(SECTIONS);
  let onlyGiven = false;
  let quick = false;
  let nodeBackend: NodeBackend | null = null;
  let swiftshader = false;
  let help = false;
  let outDir = DEFAULT_OUT_DIR;
  let learnMinutes: number | null = null;
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') quick = true;
    else if (a === '--help' || a === '-h') help = true;
    else if (a === '--swiftshader') swiftshader = true;
    else if (a === '--out') {
      outDir = argv[++i] ?? '';
      if (!outDir || outDir.startsWith('--')) problems.push('--out needs a folder, e.g. --out /tmp/bench');
    } else if (a === '--learn-minutes') {
      const v = Number(argv[++i]);
      if (Number.isFinite(v) && v > 0) learnMinutes = v;
      else problems.push('--learn-minutes needs a positive number of minutes, e.g. --learn-minutes 30');
    } else if (a === '--only') {
      const list = (argv[++i] ?? '')
        .split(',')
        .filter(Boolean)
        .flatMap((s): readonly string[] => (Object.hasOwn(SECTION_GROUPS, s) ? SECTION_GROUPS[s]! : [s]));
      const bad = list.filter((s) => !(SECTIONS as readonly string[]).includes(s));
      if (bad.length || !list.length) {
        problems.push(
          `--only: unknown or missing section(s) '${bad.join(', ')}'; known: ${SECTIONS.join(', ')}, ${Object.keys(SECTION_GROUPS).join(', ')}`,
        );
      }
      only = new Set(list.filter((s): s is Section => (SECTIONS as readonly string[]).includes(s)));
      onlyGiven = true;
    } else if (a === '--backend') {
      const b = argv[++i] ?? '';
      if ((NODE_BACKENDS as readonly string[]).includes(b)) nodeBackend = b as NodeBackend;
      else problems.push(`--backend: '${b}' is not one of ${NODE_BACKENDS.join(', ')} (the Node learner bench)`);
    } else problems.push(`unknown option ${a}; try --help`);
  }
  if (nodeBackend !== null && (!onlyGiven || only.size !== 1 || !only.has('learner'))) {
    problems.push(
      `--backend ${nodeBackend} runs the learner section in Node without a browser: add --only learner ` +
        '(the other sections need Chromium; drop --backend for them).',
    );
  }
  if (swiftshader && nodeBackend !== 'webgpu') {
    problems.push('--swiftshader picks the Vulkan driver of the Node WebGPU bench: use it with --backend webgpu.');
  }
  if (problems.length) throw new Error(problems.join('\n'));
  return { only, quick, nodeBackend, swiftshader, help, outDir, learnMinutes };
}
