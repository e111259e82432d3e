/**
 * The benchmark sections that measure one part at a time (env stepping, sampling, learner
 * updates, async vs sync throughput), each through the CLI's session helper (AppSession) into the
 * page: its probes (rl.diagnostics) or a built run. Results are plain rows that bench.ts writes as
 * JSON and renders as Markdown tables.
 */
import type { ResultDict } from '../src/app';
import type { BackendName } from '../src/backend/tf-backend';
import type { AppSession } from '../src/cli/app-session';
import {
  NUM_ENV_STEPS_SAMPLED_LIFETIME,
  NUM_ENV_STEPS_TRAINED_LIFETIME,
  RUNNER_IDLE_TIME_S,
  TIME_THIS_ITER_S,
  TIME_TOTAL_S,
} from '../src/core/metric-keys';

export interface EnvRow {
  env: string;
  numEnvs: number;
  stepsPerSecond: number;
}
export interface SamplerRow {
  numEnvRunners: number;
  numEnvsPerEnvRunner: number;
  stepsPerSecond: number;
  /** Bare single-thread env stepping at the same numEnvs (the ceiling per core). */
  bareStepsPerSecond: number;
  /** Sampler steps/s per sampling thread as a fraction of the bare speed. */
  fractionOfBarePerRunner: number;
}
export interface LearnerRow {
  backend: string;
  hiddens: string;
  minibatchSize: number;
  firstCallMs: number;
  samplesPerSecond: number;
}
/** Data-parallel learners: one group update's throughput (numLearners 0 = the page's learner). */
export interface LearnerGroupRow {
  numLearners: number;
  transport: string;
  hiddens: string;
  rows: number;
  firstCallMs: number;
  samplesPerSecond: number;
}
export async function benchEnvs(
  session: AppSession,
  envIds: string[],
  sizes: number[],
  seconds: number,
): Promise<EnvRow[]> {
  const rows: EnvRow[] = [];
  for (const env of envIds) {
    for (const numEnvs of sizes) {
      const stepsPerSecond = await session.diagnostics('measureEnvStepsPerSecond', env, numEnvs, seconds);
      rows.push({ env, numEnvs, stepsPerSecond });
    }
  }
  return rows;
}

/**
 * Env steps/s of the built run's sampling: one warm-up sample() (JIT, wasm, first inference, worker
 * start), then sample() calls of `perCall` steps until `seconds` of sampling, timed inside the
 * page (SampleSummary.seconds), so the calls from Node cost the figure nothing.
 */
export async function samplingRate(session: AppSession, perCall: number, seconds: number): Promise<number> {
  await session.sampleOnce(perCall);
  let steps = 0;
  let sampleS = 0;
  while (sampleS < seconds) {
    const s = await session.sampleOnce(perCall);
    steps += s.numSteps;
    sampleS += s.seconds;
  }
  return steps / sampleS;
}

export async function benchSampler(
  session: AppSession,
  runners: number[],
  envs: number[],
  seconds: number,
): Promise<SamplerRow[]> {
  const rows: SamplerRow[] = [];
  for (const numEnvRunners of runners) {
    for (const numEnvsPerEnvRunner of envs) {
      const fragment = Math.max(16, Math.ceil(1024 / numEnvsPerEnvRunner));
      const perCall = fragment * numEnvsPerEnvRunner * Math.max(1, numEnvRunners);
      await session.build(
        {
          preset: 'CartPole-v1',
          rlModule: { fcnetHiddens: [64, 64] },
          envRunners: { numEnvRunners, numEnvsPerEnvRunner, rolloutFragmentLength: fragment },
          training: { trainBatchSizePerLearner: perCall },
          learners: { numGpusPerLearner: 0 },
          debugging: { seed: 1 },
        },
        undefined,
      );
      const sps = await samplingRate(session, perCall, seconds);
      await session.dispose();
      const bare = await session.diagnostics('measureEnvStepsPerSecond', 'CartPole-v1', numEnvsPerEnvRunner, 0.5);
      rows.push({
        numEnvRunners,
        numEnvsPerEnvRunner,
        stepsPerSecond: sps,
        bareStepsPerSecond: bare,
        fractionOfBarePerRunner: sps / Math.max(1, numEnvRunners) / bare,
      });
    }
  }
  return rows;
}

export async function benchLearner(
  session: AppSession,
  backends: BackendName[],
  hiddens: number[][],
  minibatchSizes: number[],
  seconds: number,
  log: (msg: string) => void,
): Promise<LearnerRow[]> {
  const rows: LearnerRow[] = [];
  for (const backend of backends) {
    for (const h of hiddens) {
      for (const mb of minibatchSizes) {
        const r = await session.diagnostics('learnerThroughput', backend, h, mb, seconds);
        log(`  learner ${r.backend} [${h.join(',')}] mb ${mb}: ${Math.round(r.samplesPerSecond)} samples/s`);
        rows.push({
          backend: r.backend,
          hiddens: h.join('x'),
          minibatchSize: mb,
          firstCallMs: r.firstCallMs,
          samplesPerSecond: r.samplesPerSecond,
        });
      }
    }
  }
  return rows;
}

/**
 * PPO learner throughput at `rows` rows (one minibatch per epoch) on wasm: the page's learner
 * (numLearners 0), then data-parallel groups of 1..N learner workers over each transport the page
 * offers (SharedArrayBuffer only when cross-origin isolated).
 */
export async function benchLearnerGroup(
  session: AppSession,
  hiddens: number[],
  rows: number,
  learnerCounts: number[],
  seconds: number,
  log: (msg: string) => void,
): Promise<LearnerGroupRow[]> {
  const out: LearnerGroupRow[] = [];
  const row = (n: number, transport: string, r: { firstCallMs: number; samplesPerSecond: number }): void => {
    log(
      `  ${n} learner(s) ${transport} [${hiddens.join(',')}] ${rows} rows: ${Math.round(r.samplesPerSecond)} samples/s`,
    );
    const { firstCallMs, samplesPerSecond } = r;
    out.push({ numLearners: n, transport, hiddens: hiddens.join('x'), rows, firstCallMs, samplesPerSecond });
  };
  row(0, 'page', await session.diagnostics('learnerThroughput', 'wasm', hiddens, rows, seconds));
  const { crossOriginIsolated } = await session.detectDevice();
  const transports = crossOriginIsolated ? (['shared-array', 'port'] as const) : (['port'] as const);
  for (const transport of transports) {
    for (const n of learnerCounts) {
      row(n, transport, await session.diagnostics('learnerGroupThroughput', n, hiddens, rows, transport, seconds));
    }
  }
  return out;
}

/** One algorithm's end-to-end throughput over a fixed wall time (the async-vs-sync comparison). */
export interface ThroughputRow {
  algo: string;
  numEnvRunners: number;
  numEnvsPerEnvRunner: number;
  rolloutFragmentLength: number;
  hiddens: string;
  wallSeconds: number;
  iterations: number;
  /** num_env_steps_sampled_lifetime / wall time, warm-up excluded. */
  sampledStepsPerSecond: number;
  /** num_env_steps_trained_lifetime / wall time (IMPALA drops what a full queue cannot hold). */
  trainedStepsPerSecond: number;
  /** Mean env_runners/idle_time_s per iteration and its share of the iteration. */
  runnerIdleSPerIteration: number;
  runnerIdleFraction: number;
  meanIterationS: number;
}

export interface ThroughputSpec {
  readonly algo: string;
  readonly preset: string;
  /** Runners, envs per runner, fragment length and model: the same for every algorithm compared. */
  readonly shared: {
    readonly envRunners: { numEnvRunners: number; numEnvsPerEnvRunner: number; rolloutFragmentLength: number };
    readonly rlModule: { readonly fcnetHiddens: readonly number[] } & Readonly<Record<string, unknown>>;
  };
}

/** Trains `seconds` (time_total_s) after 3 warm-up iterations and reports steps/s and runner idle time. */
export async function benchThroughput(
  session: AppSession,
  spec: ThroughputSpec,
  seconds: number,
): Promise<ThroughputRow> {
  const config = { ...spec.shared, algo: spec.algo, preset: spec.preset, learners: { numGpusPerLearner: 0 } };
  await session.build({ ...config, debugging: { seed: 1 } }, undefined);
  const warm = (await session.train({ stop: { training_iteration: 3 } })).lastResult ?? {};
  const at = (r: ResultDict, key: string): number => Number(r[key] ?? 0);
  let [iterations, idleS, iterS] = [0, 0, 0];
  const t0 = performance.now();
  const run = await session.train({ stop: { time_total_s: at(warm, TIME_TOTAL_S) + seconds } }, (r) => {
    iterations++;
    idleS += at(r, RUNNER_IDLE_TIME_S);
    iterS += at(r, TIME_THIS_ITER_S);
  });
  const wall = (performance.now() - t0) / 1000;
  await session.dispose();
  const last = run.lastResult ?? {};
  const er = spec.shared.envRunners;
  return {
    algo: spec.algo,
    numEnvRunners: er.numEnvRunners,
    numEnvsPerEnvRunner: er.numEnvsPerEnvRunner,
    rolloutFragmentLength: er.rolloutFragmentLength,
    hiddens: spec.shared.rlModule.fcnetHiddens.join('x'),
    wallSeconds: wall,
    iterations,
    sampledStepsPerSecond: (at(last, NUM_ENV_STEPS_SAMPLED_LIFETIME) - at(warm, NUM_ENV_STEPS_SAMPLED_LIFETIME)) / wall,
    trainedStepsPerSecond: (at(last, NUM_ENV_STEPS_TRAINED_LIFETIME) - at(warm, NUM_ENV_STEPS_TRAINED_LIFETIME)) / wall,
    runnerIdleSPerIteration: idleS / Math.max(1, iterations),
    runnerIdleFraction: iterS > 0 ? idleS / iterS : 0,
    meanIterationS: iterS / Math.max(1, iterations),
  };
}
