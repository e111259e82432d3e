/**
 * The benchmark sections, each one page.evaluate() into the app facade. Results are plain rows
 * that bench.ts writes as JSON and renders as Markdown tables.
 */
import type { Page } from '@playwright/test';

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
export async function benchEnvs(page: Page, envIds: string[], sizes: number[], seconds: number): Promise<EnvRow[]> {
  const rows: EnvRow[] = [];
  for (const env of envIds) {
    for (const numEnvs of sizes) {
      const sps = await page.evaluate(([id, n, s]) => window.rl.diagnostics.measureEnvStepsPerSecond(id, n, s), [
        env,
        numEnvs,
        seconds,
      ] as const);
      rows.push({ env, numEnvs, stepsPerSecond: sps });
    }
  }
  return rows;
}

export async function benchSampler(
  page: Page,
  runners: number[],
  envs: number[],
  seconds: number,
): Promise<SamplerRow[]> {
  const rows: SamplerRow[] = [];
  for (const numEnvRunners of runners) {
    for (const numEnvsPerEnvRunner of envs) {
      const out = await page.evaluate(
        async ({ r, e, s }) => {
          const fragment = Math.max(16, Math.ceil(1024 / e));
          await window.rl.build({
            preset: 'CartPole-v1',
            rlModule: { fcnetHiddens: [64, 64] },
            envRunners: { numEnvRunners: r, numEnvsPerEnvRunner: e, rolloutFragmentLength: fragment },
            training: { trainBatchSizePerLearner: fragment * e * Math.max(1, r) },
            learners: { numGpusPerLearner: 0 },
            debugging: { seed: 1 },
          });
          const perCall = fragment * e * Math.max(1, r);
          await window.rl.sampleOnce(perCall); // warm-up: JIT, wasm, first inference
          let steps = 0;
          const t0 = performance.now();
          while (performance.now() - t0 < s * 1000) steps += (await window.rl.sampleOnce(perCall)).numSteps;
          const sps = steps / ((performance.now() - t0) / 1000);
          window.rl.dispose();
          const bare = window.rl.diagnostics.measureEnvStepsPerSecond('CartPole-v1', e, 0.5);
          return { sps, bare };
        },
        { r: numEnvRunners, e: numEnvsPerEnvRunner, s: seconds },
      );
      rows.push({
        numEnvRunners,
        numEnvsPerEnvRunner,
        stepsPerSecond: out.sps,
        bareStepsPerSecond: out.bare,
        fractionOfBarePerRunner: out.sps / Math.max(1, numEnvRunners) / out.bare,
      });
    }
  }
  return rows;
}

export async function benchLearner(
  page: Page,
  backends: string[],
  hiddens: number[][],
  minibatchSizes: number[],
  seconds: number,
  log: (msg: string) => void,
): Promise<LearnerRow[]> {
  const rows: LearnerRow[] = [];
  for (const backend of backends) {
    for (const h of hiddens) {
      for (const mb of minibatchSizes) {
        const r = await page.evaluate(
          ([b, hh, m, s]) =>
            window.rl.diagnostics.learnerThroughput(b as 'webgpu' | 'webgl' | 'wasm' | 'cpu', hh, m, s),
          [backend, h, mb, seconds] as const,
        );
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
  page: Page,
  hiddens: number[],
  rows: number,
  learnerCounts: number[],
  seconds: number,
  log: (msg: string) => void,
): Promise<LearnerGroupRow[]> {
  const out: LearnerGroupRow[] = [];
  const base = await page.evaluate(([h, r, s]) => window.rl.diagnostics.learnerThroughput('wasm', h, r, s), [
    hiddens,
    rows,
    seconds,
  ] as const);
  const row = (n: number, transport: string, r: { firstCallMs: number; samplesPerSecond: number }): void => {
    log(
      `  ${n} learner(s) ${transport} [${hiddens.join(',')}] ${rows} rows: ${Math.round(r.samplesPerSecond)} samples/s`,
    );
    out.push({ numLearners: n, transport, hiddens: hiddens.join('x'), rows, ...pick(r) });
  };
  row(0, 'page', base);
  const isolated = await page.evaluate(() => globalThis.crossOriginIsolated);
  const transports = isolated ? (['shared-array', 'port'] as const) : (['port'] as const);
  for (const transport of transports) {
    for (const n of learnerCounts) {
      const r = await page.evaluate(
        ([nn, h, rr, t, s]) => window.rl.diagnostics.learnerGroupThroughput(nn, h, rr, t, s),
        [n, hiddens, rows, transport, seconds] as const,
      );
      row(n, transport, r);
    }
  }
  return out;
}

function pick(r: { firstCallMs: number; samplesPerSecond: number }): { firstCallMs: number; samplesPerSecond: number } {
  return { firstCallMs: r.firstCallMs, samplesPerSecond: r.samplesPerSecond };
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
  readonly shared: Readonly<Record<string, unknown>>;
}

/** Trains `seconds` of wall time after 3 warm-up iterations and reports steps/s and runner idle time. */
export async function benchThroughput(page: Page, spec: ThroughputSpec, seconds: number): Promise<ThroughputRow> {
  return page.evaluate(
    async ({ spec, seconds }) => {
      await window.rl.build({
        ...spec.shared,
        algo: spec.algo,
        preset: spec.preset,
        learners: { numGpusPerLearner: 0 },
        debugging: { seed: 1 },
      });
      // No helper functions in here: tsx wraps named functions in a __name() the page lacks.
      let r = await window.rl.step();
      for (let i = 0; i < 2; i++) r = await window.rl.step();
      const sampled0 = Number(r['num_env_steps_sampled_lifetime'] ?? 0);
      const trained0 = Number(r['num_env_steps_trained_lifetime'] ?? 0);
      let iterations = 0;
      let idleS = 0;
      let iterS = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < seconds * 1000) {
        r = await window.rl.step();
        iterations++;
        idleS += Number(r['env_runners/idle_time_s'] ?? 0);
        iterS += Number(r['time_this_iter_s'] ?? 0);
      }
      const wall = (performance.now() - t0) / 1000;
      const er = spec.shared['envRunners'] as Record<string, number>;
      const model = spec.shared['rlModule'] as { fcnetHiddens: number[] };
      window.rl.dispose();
      return {
        algo: spec.algo,
        numEnvRunners: er['numEnvRunners']!,
        numEnvsPerEnvRunner: er['numEnvsPerEnvRunner']!,
        rolloutFragmentLength: er['rolloutFragmentLength']!,
        hiddens: model.fcnetHiddens.join('x'),
        wallSeconds: wall,
        iterations,
        sampledStepsPerSecond: (Number(r['num_env_steps_sampled_lifetime'] ?? 0) - sampled0) / wall,
        trainedStepsPerSecond: (Number(r['num_env_steps_trained_lifetime'] ?? 0) - trained0) / wall,
        runnerIdleSPerIteration: idleS / Math.max(1, iterations),
        runnerIdleFraction: iterS > 0 ? idleS / iterS : 0,
        meanIterationS: iterS / Math.max(1, iterations),
      };
    },
    { spec, seconds },
  );
}
