/**
 * The resource ledger of a run: what its parts ask for (CPUs, shares of the WebGPU device, custom
 * resources) summed against what the tab has. RLlib reserves resources per actor and Ray places
 * actors where they fit; a tab has no scheduler, so here the sums decide whether a run fits (GPU
 * shares over the one device are an error, as Ray would never place it; CPUs over the cores are a
 * warning, since threads still run, only slower), the CLI's table and the page's Device section
 * show the rows, and the trials runner (tune/) places trials by the same sums.
 *
 * The rows (RLlib's defaults, in a tab's terms):
 *  - the page: numCpusForMainProcess CPUs (RLlib's num_cpus_for_main_process, default 1); with
 *    numLearners = 0 the Learner runs there too, with numGpusPerLearner of the device (RLlib: "any
 *    value greater than 0 runs the training on a single GPU on the main process");
 *  - each learner worker (numLearners > 0): numCpusPerLearner CPUs (ignored when numLearners = 0,
 *    as in RLlib) and numGpusPerLearner of the device;
 *  - each remote EnvRunner: numCpusPerEnvRunner, numGpusPerEnvRunner and customResourcesPerEnvRunner;
 *  - remote sub-env workers (remoteWorkerEnvs): 0 CPUs, as RLlib's remote env actors (`num_cpus=0`).
 * A tab has one WebGPU device (every context of the page gets the same adapter), so the GPU shares
 * of all rows add up against 1: the scaling guide's recipe for synchronous algorithms (driver
 * 0.0001, each runner (1 - 0.0001) / numEnvRunners) fits exactly. Threads are counted apart from
 * CPUs: they show how many workers the tab really starts.
 */

export interface ResourceInputs {
  readonly envRunners: {
    readonly numEnvRunners: number;
    readonly numEnvsPerEnvRunner: number;
    readonly numCpusPerEnvRunner: number;
    readonly numGpusPerEnvRunner?: number;
    readonly customResourcesPerEnvRunner?: Readonly<Record<string, number>>;
    readonly remoteWorkerEnvs?: boolean;
  };
  readonly learners: {
    readonly numLearners: number;
    readonly numGpusPerLearner?: number | 'auto';
    readonly numCpusPerLearner?: number;
    readonly numCpusForMainProcess?: number;
  };
}

/** What the tab has (Ray's `ray.init(num_cpus=, num_gpus=, resources=)`). */
export interface Capacity {
  readonly cpus: number;
  /** Where `cpus` comes from: 'navigator.hardwareConcurrency', '--max-cpus', 'resources.num_cpus'. */
  readonly cpusFrom: string;
  readonly gpus: number;
  /** Where `gpus` comes from, e.g. 'one WebGPU device', 'no WebGPU adapter', 'resources.num_gpus'. */
  readonly gpusFrom: string;
  /** Declared custom resources (a sweep's resources.custom); a name not declared here is not limited. */
  readonly custom?: Readonly<Record<string, number>>;
}

export interface LedgerRow {
  /** What asks: 'page (driver, learner)', 'learner workers', 'env runners', 'remote sub-env workers'. */
  readonly what: string;
  readonly count: number;
  readonly cpusEach: number;
  readonly cpus: number;
  /** 'auto' when numGpusPerLearner is 'auto' (counted as LedgerOptions.autoGpus). */
  readonly gpusEach: number | 'auto';
  readonly gpus: number;
  /** Custom resources of all `count` together, by name. */
  readonly custom: Readonly<Record<string, number>>;
  /** Threads (the page or Web Workers) these start. */
  readonly threads: number;
  /** The settings behind `cpus`, for messages: 'numEnvRunners (2) x numCpusPerEnvRunner (1)'. */
  readonly cpuFrom: string;
  /** The settings behind `gpus` ('' when none). */
  readonly gpuFrom: string;
}

export interface ResourceLedger {
  readonly rows: readonly LedgerRow[];
  readonly cpusAsked: number;
  readonly gpusAsked: number;
  readonly customAsked: Readonly<Record<string, number>>;
  readonly threads: number;
  readonly available: Capacity;
  /** More CPUs asked than the tab has: a warning (threads share cores). */
  readonly oversubscribed: boolean;
  /** More of the device asked than the tab has: an error (Ray would never place it). */
  readonly gpusOver: boolean;
  /** Declared custom resources asked for beyond their amount. */
  readonly customOver: readonly string[];
}

export interface LedgerOptions {
  /**
   * What numGpusPerLearner 'auto' counts as (it names no fraction): a sweep on a hardware GPU
   * counts the whole device (1); a single run counts 0, since 'auto' only takes the device when it
   * is there and never asks for more than the runners leave.
   */
  readonly autoGpus?: number;
}

/** Rounding guard: five 0.2s must add up to one device, not 1.0000000000000002. */
export const RESOURCE_EPS = 1e-9;
/** A tab has one WebGPU device: every context (the page, each worker) gets the same adapter. */
export const TAB_GPUS = 1;

export function resourceLedger(cfg: ResourceInputs, available: Capacity, opts: LedgerOptions = {}): ResourceLedger {
  const r = cfg.envRunners;
  const l = cfg.learners;
  const runners = r.numEnvRunners;
  const learners = l.numLearners;
  const gpuSetting = l.numGpusPerLearner ?? 0;
  const learnerGpus = gpuSetting === 'auto' ? (opts.autoGpus ?? 0) : gpuSetting;
  const pageCpus = l.numCpusForMainProcess ?? 1;
  const pageParts = ['driver', ...(learners === 0 ? ['learner'] : []), ...(runners === 0 ? ['sampler'] : [])];
  const rows: LedgerRow[] = [
    {
      what: `page (${pageParts.join(', ')})`,
      count: 1,
      cpusEach: pageCpus,
      cpus: pageCpus,
      gpusEach: learners === 0 ? gpuSetting : 0,
      gpus: learners === 0 ? learnerGpus : 0,
      custom: {},
      threads: 1,
      cpuFrom: `numCpusForMainProcess (${fmt(pageCpus)})`,
      gpuFrom: learners === 0 && learnerGpus > 0 ? `numGpusPerLearner (${fmt(gpuSetting)})` : '',
    },
  ];
  if (learners > 0) {
    const cpusEach = l.numCpusPerLearner ?? 1;
    rows.push({
      what: 'learner workers',
      count: learners,
      cpusEach,
      cpus: learners * cpusEach,
      gpusEach: gpuSetting,
      gpus: learners * learnerGpus,
      custom: {},
      threads: learners,
      cpuFrom: `numLearners (${learners}) x numCpusPerLearner (${fmt(cpusEach)})`,
      gpuFrom: learnerGpus > 0 ? `numLearners (${learners}) x numGpusPerLearner (${fmt(gpuSetting)})` : '',
    });
  }
  if (runners > 0) {
    const gpusEach = r.numGpusPerEnvRunner ?? 0;
    const custom: Record<string, number> = {};
    for (const [name, amount] of Object.entries(r.customResourcesPerEnvRunner ?? {})) custom[name] = runners * amount;
    rows.push({
      what: 'env runners',
      count: runners,
      cpusEach: r.numCpusPerEnvRunner,
      cpus: runners * r.numCpusPerEnvRunner,
      gpusEach,
      gpus: runners * gpusEach,
      custom,
      threads: runners,
      cpuFrom: `numEnvRunners (${runners}) x numCpusPerEnvRunner (${fmt(r.numCpusPerEnvRunner)})`,
      gpuFrom: gpusEach > 0 ? `numEnvRunners (${runners}) x numGpusPerEnvRunner (${fmt(gpusEach)})` : '',
    });
  }
  if (r.remoteWorkerEnvs) {
    const n = Math.max(1, runners) * r.numEnvsPerEnvRunner;
    rows.push({
      what: 'remote sub-env workers',
      count: n,
      cpusEach: 0,
      cpus: 0,
      gpusEach: 0,
      gpus: 0,
      custom: {},
      threads: n,
      cpuFrom: '',
      gpuFrom: '',
    });
  }
  const sum = (f: (x: LedgerRow) => number): number => rows.reduce((s, x) => s + f(x), 0);
  const customAsked: Record<string, number> = {};
  for (const row of rows) for (const [k, v] of Object.entries(row.custom)) customAsked[k] = (customAsked[k] ?? 0) + v;
  const cpusAsked = sum((x) => x.cpus);
  const gpusAsked = sum((x) => x.gpus);
  const declared = available.custom ?? {};
  return {
    rows,
    cpusAsked,
    gpusAsked,
    customAsked,
    threads: sum((x) => x.threads),
    available,
    oversubscribed: cpusAsked > available.cpus + RESOURCE_EPS,
    gpusOver: gpusAsked > available.gpus + RESOURCE_EPS,
    customOver: Object.keys(customAsked).filter(
      (k) => Object.hasOwn(declared, k) && (customAsked[k] ?? 0) > (declared[k] ?? 0) + RESOURCE_EPS,
    ),
  };
}

/** The warning for more CPUs than the tab has (null when they fit), naming the settings to change. */
export function oversubscriptionWarning(ledger: ResourceLedger): string | null {
  if (!ledger.oversubscribed) return null;
  const parts = ledger.rows.filter((x) => x.cpus > 0).map((x) => x.cpuFrom);
  const a = ledger.available;
  return (
    `The run asks for ${fmt(ledger.cpusAsked)} CPUs (${parts.join(' + ')}) but ${a.cpusFrom} is ` +
    `${a.cpus}: its workers will compete for cores and each runs slower. Lower numEnvRunners ` +
    `(and raise numEnvsPerEnvRunner: one forward pass covers all of a runner's sub-envs), numCpusPerEnvRunner ` +
    `or numLearners.`
  );
}

/**
 * The error for more GPU than the tab has (null when it fits): RLlib's resource request that Ray
 * cannot place, with the sum and its parts, and the shares that would fit.
 */
export function gpuLimitError(ledger: ResourceLedger): string | null {
  if (!ledger.gpusOver) return null;
  const parts = ledger.rows.filter((x) => x.gpus > 0).map((x) => x.gpuFrom);
  const a = ledger.available;
  const runners = ledger.rows.find((x) => x.what === 'env runners')?.count ?? 0;
  const recipe =
    runners > 0
      ? ` The scaling guide's recipe shares it between a synchronous algorithm's learner and runners: ` +
        `numGpusPerLearner 0.0001 and numGpusPerEnvRunner (${fmt(a.gpus)} - 0.0001) / ${runners} = ` +
        `${fmt((a.gpus - 0.0001) / runners)}.`
      : '';
  return (
    `The run asks for ${fmt(ledger.gpusAsked)} GPUs (${parts.join(' + ')} = ${fmt(ledger.gpusAsked)}) but ` +
    `the tab has ${fmt(a.gpus)} (${a.gpusFrom}); Ray would never place it. Give each part a fraction of the ` +
    `device so the shares add up to at most ${fmt(a.gpus)}.${recipe}`
  );
}

/** Which custom resources are over their declared amount, as `licence: 3 asked, 2 declared`. */
export function customLimitError(ledger: ResourceLedger): string | null {
  if (ledger.customOver.length === 0) return null;
  const declared = ledger.available.custom ?? {};
  const parts = ledger.customOver.map(
    (k) => `'${k}': ${fmt(ledger.customAsked[k] ?? 0)} asked, ${fmt(declared[k] ?? 0)} declared`,
  );
  return `The run asks for more custom resources than there are (${parts.join('; ')}).`;
}

/** The table the CLI prints at start (and the page shows): one line per row, then the totals. */
export function formatResourceTable(ledger: ResourceLedger): string[] {
  const customNames = Object.keys(ledger.customAsked);
  const withGpu = ledger.gpusAsked > 0 || ledger.available.gpus > 0;
  const head = [
    'resources',
    'count',
    'CPUs each',
    'CPUs',
    ...(withGpu ? ['GPUs each', 'GPUs'] : []),
    ...customNames,
    'threads',
  ];
  const body = ledger.rows.map((x) => [
    x.what,
    String(x.count),
    fmt(x.cpusEach),
    fmt(x.cpus),
    ...(withGpu ? [x.gpusEach === 'auto' ? 'auto' : fmt(x.gpusEach), fmt(x.gpus)] : []),
    ...customNames.map((k) => fmt(x.custom[k] ?? 0)),
    String(x.threads),
  ]);
  const a = ledger.available;
  const declared = a.custom ?? {};
  const total = [
    `total (${a.cpusFrom}: ${a.cpus})`,
    '',
    '',
    `${fmt(ledger.cpusAsked)} / ${a.cpus}`,
    ...(withGpu ? ['', `${fmt(ledger.gpusAsked)} / ${fmt(a.gpus)}`] : []),
    ...customNames.map((k) =>
      Object.hasOwn(declared, k)
        ? `${fmt(ledger.customAsked[k] ?? 0)} / ${fmt(declared[k] ?? 0)}`
        : fmt(ledger.customAsked[k] ?? 0),
    ),
    String(ledger.threads),
  ];
  const all = [head, ...body, total];
  const widths = head.map((_, c) => Math.max(...all.map((row) => (row[c] ?? '').length)));
  const line = (row: string[]): string =>
    row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ');
  return [line(head), ...body.map(line), line(total)];
}

/** A number as the ledger prints it: 6 significant digits, no float noise (0.1 + 0.2 is 0.3). */
export function fmt(n: number | 'auto'): string {
  return n === 'auto' ? "'auto'" : String(Number(n.toPrecision(6)));
}
