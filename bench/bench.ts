/**
 * `npm run bench`: every benchmark in headless Chromium, written to bench/results/<date>.json and
 * <date>.md (`--out DIR` elsewhere). `--only envs,sampling,...` picks sections (SECTIONS in
 * args.ts; `--only algorithms` is every algorithm's end-to-end matrix, which also draws
 * <date>-returns.png; `npm run bench:sampling` runs envs + sampling); `--quick` shortens every
 * measurement (for a smoke run). `--only learner --backend webgpu` runs the learner section in
 * plain Node instead (node/learner-bench.ts). The page is driven only through the CLI's session
 * helper (src/cli/app-session.ts): its probes (rl.diagnostics) and the facade's calls.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppSession } from '../src/cli/app-session';
import { ensureChromium } from '../src/cli/browser';
import { benchFloor } from './floor';
import { benchOffline } from './offline';
import { benchEnvs, benchLearner, benchLearnerGroup, benchSampler, benchThroughput } from './sections';
import { runAlgorithmMatrix } from './matrix-run';
import { BENCH_USAGE, parseBenchArgs, resultsStamp } from './args';
import { benchRemoteEnvs } from './remote-envs';
import { benchGpuEnv } from './gpu-env';
import { benchMultiAgent } from './multi-agent';
import { benchManyModules, benchManyPolicies } from './many-modules';
import { benchTune, TUNE_BENCH_ITERATIONS } from './tune';
import { renderMarkdown, type BenchResults } from './report';
import { nodeLearnerBenchMain } from './node/learner-bench';
import { serveApp } from '../src/cli/serve';

/**
 * IMPALA against PPO with the same runners, envs per runner, fragment length and model (each with
 * its own preset's training settings): PPO's runners wait while its learner updates, IMPALA's do not.
 */
const THROUGHPUT_SHARED = {
  envRunners: { numEnvRunners: 2, numEnvsPerEnvRunner: 8, rolloutFragmentLength: 64 },
  rlModule: { fcnetHiddens: [64, 64], fcnetActivation: 'tanh', vfShareLayers: false },
} as const;

/** A session per browser: its page is reopened for each section, so each starts from a fresh app. */
interface BenchPage {
  readonly session: AppSession;
  readonly fresh: () => Promise<void>;
}

function benchPage(executablePath: string, url: string, webgpu: boolean, log: (m: string) => void): BenchPage {
  const session = new AppSession({
    executablePath,
    webgpu,
    url,
    onConsole: (line) => {
      if (line.startsWith('[pageerror]')) log(`  ${line}`);
    },
  });
  const fresh = async (): Promise<void> => {
    await session.closePage();
    await session.open();
  };
  return { session, fresh };
}

async function main(): Promise<void> {
  const { only, quick, nodeBackend, swiftshader, help, outDir, learnMinutes } = parseBenchArgs(process.argv.slice(2));
  if (help) {
    console.log(BENCH_USAGE);
    return;
  }
  const root = process.cwd();
  const dir = path.resolve(root, outDir);
  if (nodeBackend) {
    // The learner section in plain Node (Dawn's WebGPU, or cpu): no server, no browser.
    process.exitCode = await nodeLearnerBenchMain({ backend: nodeBackend, quick, swiftshader }, dir);
    return;
  }
  const log = (m: string): void => console.error(m);
  const executablePath = ensureChromium(log);
  const server = await serveApp(root, log);
  // Two browsers: the SwiftShader WebGPU flags make the page's own canvases software-rendered
  // through GL emulation (250-500 ms main-thread tasks while charts redraw), which no user without
  // a GPU has. Only the learner section, which measures the webgpu backend, runs with them.
  const cpu = benchPage(executablePath, server.url, false, log);
  const gpu = benchPage(executablePath, server.url, true, log);
  // The offline rows' recordings: written by Node, read back by the page, removed at the end.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bench-offline-'));
  const started = Date.now();
  try {
    await cpu.session.open();
    await gpu.session.open();
    const { session } = cpu;
    const s = quick ? 0.3 : 1;
    const results: BenchResults = {
      date: new Date().toISOString(),
      machine: {
        cpu: os.cpus()[0]?.model ?? 'unknown',
        cores: os.cpus().length,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        browser: `Chromium ${session.browserVersion()}`,
        adapter: (await gpu.session.detectDevice()).adapter?.description ?? 'none',
        crossOriginIsolated: (await session.detectDevice()).crossOriginIsolated,
      },
      envs: [],
      sampler: [],
      remoteEnvs: [],
      learner: [],
      learnerGroup: [],
      offline: [],
    };
    if (only.has('envs')) {
      log('env stepping ...');
      const ids = ['CartPole-v1', 'Acrobot-v1', 'MountainCar-v0', 'MountainCarContinuous-v0', 'Pendulum-v1'];
      results.envs = await benchEnvs(session, ids, [1, 16, 256], s * 0.7);
    }
    if (only.has('sampling')) {
      log('sampler grid ...');
      await cpu.fresh();
      results.sampler = await benchSampler(session, [0, 1, 2], [1, 8, 64], s * 2.5);
    }
    if (only.has('multi-agent')) {
      log('multi-agent sampling ...');
      await cpu.fresh();
      results.multiAgent = await benchMultiAgent(session, s * 2);
    }
    if (only.has('remote-envs')) {
      log('remote sub-envs (SlowCartPole-v1) ...');
      await cpu.fresh();
      results.remoteEnvs = await benchRemoteEnvs(session, [2, 0], [2, 4], s * 3, quick ? 1 : 3, log);
    }
    if (only.has('gpu-env')) {
      log('GPU-stepped env (CartPoleGpu-v1 vs CartPole-v1) ...');
      results.gpuEnv = await benchGpuEnv(gpu.session, [1024, 4096, 16384], s * 1.5, log);
    }
    if (only.has('learner')) {
      log('learner throughput ...');
      const hiddens = [
        [64, 64],
        [256, 256],
      ];
      const backends = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
      results.learner = await benchLearner(gpu.session, [...backends], hiddens, [64, 256, 1024, 4096], s, log);
    }
    if (only.has('floor')) {
      log('learner floor: matmul peak and learner steps (wasm) ...');
      await cpu.fresh();
      results.floor = await benchFloor(session, quick, log);
    }
    if (only.has('learners')) {
      log('data-parallel learners (numLearners) ...');
      await cpu.fresh();
      results.learnerGroup = await benchLearnerGroup(session, [256, 256], 4096, [1, 2], s * 3, log);
    }
    // Nothing else may share the CPU with the end-to-end runs below: this browser's idle app page
    // once kept a quarter of a core busy (bench/NOTES.md, change 8).
    await gpu.session.close();
    if (only.has('many-modules')) {
      log('many modules (10, 100, 1,000; stacked vs per module; checkpoints) ...');
      results.manyModules = await benchManyModules(session, cpu.fresh, quick, log);
    }
    if (only.has('many-policies')) {
      const minutes = learnMinutes ?? (quick ? 3 : 30);
      log(`1,000 policies (MultiAgentCartPole:1000-policies) for ${minutes} min ...`);
      await cpu.fresh();
      results.manyPolicies = await benchManyPolicies(session, minutes, log);
    }
    if (only.has('async')) {
      results.throughput = [];
      for (const algo of ['PPO', 'IMPALA']) {
        log(`${algo} throughput (2 runners x 8 envs x 64, [64, 64]) ...`);
        await cpu.fresh();
        const row = await benchThroughput(session, { algo, preset: 'CartPole-v1', shared: THROUGHPUT_SHARED }, s * 20);
        log(
          `  ${Math.round(row.sampledStepsPerSecond)} sampled/s, ${Math.round(row.trainedStepsPerSecond)} trained/s, runners idle ${(row.runnerIdleFraction * 100).toFixed(0)}%`,
        );
        results.throughput.push(row);
      }
    }
    // A --quick or --only run writes beside the day's full results, never over them.
    const stamp = resultsStamp(results.date, only, quick);
    mkdirSync(dir, { recursive: true });
    const matrix = await runAlgorithmMatrix({ session, fresh: cpu.fresh, dataDir, only, quick, log });
    if (matrix.rows.length) {
      results.algorithms = matrix.rows;
      results.returnsChart = `${results.date.slice(0, 10)}${quick ? '-quick' : ''}-returns.png`;
      const chart = matrix.chart(`Return vs wall time, ${results.date.slice(0, 10)}${quick ? ' (--quick)' : ''}`);
      writeFileSync(path.join(dir, results.returnsChart), await session.drawChart(chart));
    }
    if (only.has('offline-mixed')) {
      for (const seed of quick ? [1] : [1, 2, 3]) {
        log(`offline RL (PPO -> record -> BC, BC vs MARWIL) seed ${seed} ...`);
        await cpu.fresh();
        const row = await benchOffline(session, seed, dataDir);
        log(
          `  BC on expert ${row.bcExpertReturn.toFixed(1)}; mixed: BC ${row.bcMixedReturn.toFixed(1)}, MARWIL ${row.marwilMixedReturn.toFixed(1)}`,
        );
        (results.offline ??= []).push(row);
      }
    }
    if (only.has('tune')) {
      log('trials in one tab: 6-trial sweep, 1 vs 2 at a time ...');
      const iterations = quick ? 2 : TUNE_BENCH_ITERATIONS;
      results.tune = await benchTune(session, [1, 2], quick ? 1 : 3, iterations, log, cpu.fresh);
    }
    const totalS = (Date.now() - started) / 1000;
    const md = renderMarkdown(results, totalS);
    writeFileSync(path.join(dir, `${stamp}.json`), JSON.stringify({ ...results, totalSeconds: totalS }, null, 2));
    writeFileSync(path.join(dir, `${stamp}.md`), md);
    console.log(md);
    const chart = results.returnsChart ? ` and ${results.returnsChart}` : '';
    const where = path.relative(root, path.join(dir, stamp));
    log(`wrote ${where.startsWith('..') ? path.join(dir, stamp) : where}.json, .md${chart} (${totalS.toFixed(0)} s)`);
  } finally {
    await gpu.session.close();
    await cpu.session.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(2);
});
