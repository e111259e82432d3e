/** Renders benchmark results as the Markdown tables pasted into the README. */
import { floorTables, type FloorResults } from './floor';
import { multiAgentTable, type MultiAgentSamplingRow } from './multi-agent';
import { manyModulesTables, type CheckpointRow, type ManyModulesRow, type ManyPoliciesRun } from './many-modules';
import { offlineTable, type OfflineRow } from './offline';
import type { EnvRow, LearnerGroupRow, LearnerRow, SamplerRow, ThroughputRow } from './sections';
import type { RemoteEnvsRow } from './remote-envs';
import { gpuEnvTable, type GpuEnvRow } from './gpu-env';
import { tuneTable, type TuneBenchRow } from './tune';
import type { MatrixRunRow } from './algorithms';
import { ALL_ROWS } from './matrix';
import { median, summaryTable } from './summary';

export interface BenchResults {
  date: string;
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    browser: string;
    adapter: string;
    crossOriginIsolated: boolean;
  };
  envs: EnvRow[];
  sampler: SamplerRow[];
  /** Absent in results written before the section existed. */
  remoteEnvs?: RemoteEnvsRow[];
  /** CartPoleGpu-v1 vs CartPole-v1 stepping; absent in results written before the section existed. */
  gpuEnv?: GpuEnvRow[];
  learner: LearnerRow[];
  /** The learner against the matmul peak (section floor; absent in reports written before it). */
  floor?: FloorResults;
  /** Data-parallel learners (absent in reports written before the section existed). */
  learnerGroup?: LearnerGroupRow[];
  /** The algorithm matrix: every end-to-end run (matrix.ts), curves included. */
  algorithms?: MatrixRunRow[];
  /** The return-vs-wall-time chart drawn from `algorithms`, beside this file. */
  returnsChart?: string;
  /** BC vs MARWIL on half-expert, half-random data (section offline-mixed). */
  offline?: OfflineRow[];
  /** Asynchronous (IMPALA) vs synchronous (PPO) sampling, side by side. */
  throughput?: ThroughputRow[];
  /** Multi-agent sampling throughput; absent in results written before it existed. */
  multiAgent?: MultiAgentSamplingRow[];
  /** A 6-trial sweep 1 vs 2 trials at a time; absent in results written before it existed. */
  tune?: TuneBenchRow[];
  /** Iteration time vs number of modules, stacked or not, and checkpoints of many modules (issue 30). */
  manyModules?: { rows: ManyModulesRow[]; checkpoints: CheckpointRow[] };
  /** The 1,000-policies preset's median module return over time (issue 30). */
  manyPolicies?: ManyPoliciesRun;
}

const fmt = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e4 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0);

/** The learner section's table (also printed by the Node WebGPU learner bench). */
export function learnerTable(rows: readonly LearnerRow[]): string[] {
  return [
    '| backend | MLP | minibatch | samples/s | first call ms |',
    '|---|---|---:|---:|---:|',
    ...rows.map(
      (l) =>
        `| ${l.backend} | ${l.hiddens} | ${l.minibatchSize} | ${fmt(l.samplesPerSecond)} | ${l.firstCallMs.toFixed(0)} |`,
    ),
  ];
}

export function renderMarkdown(r: BenchResults, totalSeconds: number): string {
  const m = r.machine;
  const out = [
    `## Benchmarks (${r.date.slice(0, 10)})`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; ${m.browser} headless; cross-origin isolated: ${m.crossOriginIsolated ? 'yes' : 'no'}. Whole run: ${totalSeconds.toFixed(0)} s.`,
    `The learner and gpu-env sections run with Chromium's WebGPU flags (adapter: ${m.adapter}); every other section in a plain headless Chromium, as a user without a GPU has it (learning runs use wasm).`,
    '',
  ];
  if (r.envs.length) {
    out.push(
      '### Env stepping (random actions, one thread, in the page)',
      '',
      '| env | numEnvs | env steps/s |',
      '|---|---:|---:|',
    );
    for (const e of r.envs) out.push(`| ${e.env} | ${e.numEnvs} | ${fmt(e.stepsPerSecond)} |`);
    out.push('');
  }
  if (r.sampler.length) {
    out.push(
      '### Sampler (CartPole-v1, [64, 64] policy, random init)',
      '',
      '| numEnvRunners | numEnvsPerEnvRunner | env steps/s | bare env steps/s (1 thread) | per-runner fraction of bare |',
      '|---:|---:|---:|---:|---:|',
    );
    for (const s of r.sampler) {
      out.push(
        `| ${s.numEnvRunners} | ${s.numEnvsPerEnvRunner} | ${fmt(s.stepsPerSecond)} | ${fmt(s.bareStepsPerSecond)} | ${(s.fractionOfBarePerRunner * 100).toFixed(1)}% |`,
      );
    }
    out.push('');
  }
  if (r.remoteEnvs?.length) out.push(...remoteEnvsTable(r.remoteEnvs), '');
  if (r.gpuEnv?.length) out.push(...gpuEnvTable(r.gpuEnv), '');
  if (r.multiAgent?.length) out.push(...multiAgentTable(r.multiAgent), '');
  out.push(...manyModulesTables(r.manyModules, r.manyPolicies));
  if (r.learner.length) {
    out.push('### Learner update throughput (PPO, samples/s; first call in ms)', '', ...learnerTable(r.learner), '');
  }
  if (r.throughput?.length) {
    out.push(
      '### Asynchronous vs synchronous sampling (CartPole-v1, same runners, envs per runner, fragment and model)',
      '',
      '| algorithm | runners x envs x fragment | MLP | iterations | env steps sampled/s | env steps trained/s | runner idle s per iteration (share) | iteration s |',
      '|---|---|---|---:|---:|---:|---|---:|',
    );
    for (const t of r.throughput) {
      out.push(
        `| ${t.algo} | ${t.numEnvRunners} x ${t.numEnvsPerEnvRunner} x ${t.rolloutFragmentLength} | ${t.hiddens} | ${t.iterations} | ${fmt(t.sampledStepsPerSecond)} | ${fmt(t.trainedStepsPerSecond)} | ${t.runnerIdleSPerIteration.toFixed(3)} (${(t.runnerIdleFraction * 100).toFixed(0)}%) | ${t.meanIterationS.toFixed(3)} |`,
      );
    }
    const [impala, ppo] = ['IMPALA', 'PPO'].map((a) => r.throughput!.find((t) => t.algo === a));
    if (impala && ppo) {
      out.push(
        '',
        `IMPALA / PPO end-to-end env steps/s: ${(impala.sampledStepsPerSecond / ppo.sampledStepsPerSecond).toFixed(2)}x sampled, ${(impala.trainedStepsPerSecond / ppo.trainedStepsPerSecond).toFixed(2)}x trained.`,
      );
    }
    out.push('');
  }
  if (r.floor) {
    out.push(
      "### The learner against the machine's floor (wasm, in the page; `--only floor`)",
      '',
      ...floorTables(r.floor),
      '',
      "A step's work is its matrix products (forward, weight and input gradients) x 2 FLOP per multiply-add, " +
        'counted by the fused kernels as they run (IMPALA: from its layer sizes); PPO steps include a quarter of ' +
        "the GAE forward (4 epochs per batch). The peak is the best of every shape's TF.js matMul and fused gemm.",
      '',
    );
  }
  if (r.learnerGroup?.length) {
    out.push(
      '### Data-parallel learners (PPO on wasm, one minibatch of all rows per epoch; numLearners 0 = the page)',
      '',
      '| numLearners | all-reduce | MLP | rows | samples/s | first call ms |',
      '|---:|---|---|---:|---:|---:|',
    );
    for (const g of r.learnerGroup)
      out.push(
        `| ${g.numLearners} | ${g.transport} | ${g.hiddens} | ${g.rows} | ${fmt(g.samplesPerSecond)} | ${g.firstCallMs.toFixed(0)} |`,
      );
    out.push('');
  }
  if (r.algorithms?.length) out.push(...algorithmsSection(r.algorithms, r.returnsChart), '');
  if (r.offline?.length) out.push(...offlineTable(r.offline), '');
  if (r.tune?.length) out.push(...tuneTable(r.tune), '');
  return out.join('\n');
}

/** The matrix's one table, what its columns mean, and the chart. */
export function algorithmsSection(rows: readonly MatrixRunRow[], chart?: string): string[] {
  const notes = new Map(ALL_ROWS.filter((e) => e.note).map((e) => [`${e.algo} ${e.env} ${e.preset}`, e.note!]));
  const seeds = new Set(rows.map((x) => x.seed)).size;
  return [
    `### Every algorithm end to end (\`npm run bench -- --only algorithms\`, ${seeds} seed(s) per row)`,
    '',
    ...summaryTable(rows, notes),
    '',
    "Each run trains the algorithm's preset for the env (wasm, no GPU) until the 100-episode mean return reaches the " +
      'threshold, or its step budget or wall cap (bench/matrix.ts) ends it. Wall and env steps to threshold are medians ' +
      'over the seeds that reached it; env steps/s, learner ms / update (learner time per train batch: PPO runs its ' +
      "epochs x minibatches on one, the others one gradient step), learner GFLOP/s (the fused learner's matrix work " +
      'per second of learner time, and its share of the matmul peak measured before the matrix; — for a TF.js-path ' +
      'learner) and longest task (max) are over all seeds. Offline rows train on episodes recorded from a PPO agent ' +
      'and report 10-episode evaluation returns.',
    ...(chart ? ['', `![Return vs wall time](${chart})`] : []),
  ];
}

/** One line per (step cost, numEnvs): inline vs remote medians, the ratio, and every repeat. */
function remoteEnvsTable(rows: readonly RemoteEnvsRow[]): string[] {
  const out = [
    '### Remote sub-envs (SlowCartPole-v1, 1 runner, [64, 64] policy; remoteWorkerEnvs vs inline, env steps/s)',
    '',
    '| stepCostMs | numEnvs | inline (median) | remote (median) | remote / inline | inline repeats | remote repeats |',
    '|---:|---:|---:|---:|---:|---|---|',
  ];
  for (const inline of rows.filter((x) => !x.remoteWorkerEnvs)) {
    const remote = rows.find(
      (x) => x.remoteWorkerEnvs && x.stepCostMs === inline.stepCostMs && x.numEnvs === inline.numEnvs,
    );
    if (!remote) continue;
    const a = median(inline.stepsPerSecond);
    const b = median(remote.stepsPerSecond);
    const list = (xs: number[]): string => xs.map(fmt).join(', ');
    out.push(
      `| ${inline.stepCostMs} | ${inline.numEnvs} | ${fmt(a)} | ${fmt(b)} | ${(b / a).toFixed(2)}x | ${list(inline.stepsPerSecond)} | ${list(remote.stepsPerSecond)} |`,
    );
  }
  return out;
}
