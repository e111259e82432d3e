/**
 * CPU accounting of a run: what its threads ask for against the cores there are. RLlib reserves
 * CPUs per actor (num_cpus_per_env_runner, ...) and Ray places actors where they fit; a tab has no
 * scheduler, so here the sum decides only whether the run is oversubscribed (a warning on the
 * page and in the CLI), and the trials runner packs runs with it.
 *
 * The rule (RLlib's defaults, in a tab's terms):
 *  - the page (the algorithm's driver, and the Learner when numLearners = 0; with numEnvRunners = 0
 *    also the sampler): 1 CPU, RLlib's num_cpus_for_main_process;
 *  - each learner worker (numLearners > 0): 1 CPU, RLlib's num_cpus_per_learner default;
 *  - each remote EnvRunner: numCpusPerEnvRunner (RLlib: num_cpus_per_env_runner, default 1);
 *  - remote sub-env workers (remoteWorkerEnvs): 0 CPUs, as RLlib's remote env actors
 *    (`num_cpus=0`); raise numCpusPerEnvRunner to cover an expensive env's workers.
 * Threads are counted apart from CPUs: they show how many workers the tab really starts.
 */

export interface ResourceInputs {
  readonly envRunners: {
    readonly numEnvRunners: number;
    readonly numEnvsPerEnvRunner: number;
    readonly numCpusPerEnvRunner: number;
    readonly remoteWorkerEnvs?: boolean;
  };
  readonly learners: { readonly numLearners: number };
}

export interface ResourceRow {
  /** What asks: 'page', 'learner workers', 'env runners', 'remote sub-env workers'. */
  readonly what: string;
  readonly count: number;
  readonly cpusEach: number;
  readonly cpus: number;
  /** Threads (the page or Web Workers) these start. */
  readonly threads: number;
  /** The settings behind `cpus`, for messages: 'numEnvRunners (2) x numCpusPerEnvRunner (1)'. */
  readonly from: string;
}

export interface ResourcePlan {
  readonly rows: readonly ResourceRow[];
  readonly cpusAsked: number;
  readonly threads: number;
  readonly cpusAvailable: number;
  /** Where cpusAvailable comes from, e.g. 'navigator.hardwareConcurrency' or '--max-cpus'. */
  readonly availableFrom: string;
  readonly oversubscribed: boolean;
}

/** CPUs the page itself takes (driver + local learner): RLlib's num_cpus_for_main_process. */
export const PAGE_CPUS = 1;
/** CPUs per learner worker: RLlib's num_cpus_per_learner default. */
export const CPUS_PER_LEARNER_WORKER = 1;

export function resourcePlan(cfg: ResourceInputs, cpusAvailable: number, availableFrom: string): ResourcePlan {
  const r = cfg.envRunners;
  const runners = r.numEnvRunners;
  const learners = cfg.learners.numLearners;
  const rows: ResourceRow[] = [
    {
      what: runners === 0 ? 'page (driver, learner, sampler)' : 'page (driver, learner)',
      count: 1,
      cpusEach: PAGE_CPUS,
      cpus: PAGE_CPUS,
      threads: 1,
      from: `the page ${PAGE_CPUS}`,
    },
  ];
  if (learners > 0) {
    rows.push({
      what: 'learner workers',
      count: learners,
      cpusEach: CPUS_PER_LEARNER_WORKER,
      cpus: learners * CPUS_PER_LEARNER_WORKER,
      threads: learners,
      from: `numLearners (${learners}) x ${CPUS_PER_LEARNER_WORKER}`,
    });
  }
  if (runners > 0) {
    rows.push({
      what: 'env runners',
      count: runners,
      cpusEach: r.numCpusPerEnvRunner,
      cpus: runners * r.numCpusPerEnvRunner,
      threads: runners,
      from: `numEnvRunners (${runners}) x numCpusPerEnvRunner (${fmt(r.numCpusPerEnvRunner)})`,
    });
  }
  if (r.remoteWorkerEnvs) {
    const n = Math.max(1, runners) * r.numEnvsPerEnvRunner;
    rows.push({ what: 'remote sub-env workers', count: n, cpusEach: 0, cpus: 0, threads: n, from: '' });
  }
  const cpusAsked = rows.reduce((s, x) => s + x.cpus, 0);
  return {
    rows,
    cpusAsked,
    threads: rows.reduce((s, x) => s + x.threads, 0),
    cpusAvailable,
    availableFrom,
    oversubscribed: cpusAsked > cpusAvailable,
  };
}

/** The warning for an oversubscribed plan (null when it fits), naming the settings to change. */
export function oversubscriptionWarning(plan: ResourcePlan): string | null {
  if (!plan.oversubscribed) return null;
  const parts = plan.rows.filter((x) => x.cpus > 0).map((x) => x.from);
  return (
    `The run asks for ${fmt(plan.cpusAsked)} CPUs (${parts.join(' + ')}) but ${plan.availableFrom} is ` +
    `${plan.cpusAvailable}: its workers will compete for cores and each runs slower. Lower numEnvRunners ` +
    `(and raise numEnvsPerEnvRunner: one forward pass covers all of a runner's sub-envs), numCpusPerEnvRunner ` +
    `or numLearners.`
  );
}

/** The table the CLI prints at start: one line per kind of thread, then the total. */
export function formatResourceTable(plan: ResourcePlan): string[] {
  const head = ['resources', 'count', 'CPUs each', 'CPUs', 'threads'];
  const body = plan.rows.map((x) => [x.what, String(x.count), fmt(x.cpusEach), fmt(x.cpus), String(x.threads)]);
  const total = [
    `total (${plan.availableFrom}: ${plan.cpusAvailable})`,
    '',
    '',
    `${fmt(plan.cpusAsked)} / ${plan.cpusAvailable}`,
    String(plan.threads),
  ];
  const all = [head, ...body, total];
  const widths = head.map((_, c) => Math.max(...all.map((row) => (row[c] ?? '').length)));
  const line = (row: string[]): string =>
    row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ');
  return [line(head), ...body.map(line), line(total)];
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0+$/, '');
}
