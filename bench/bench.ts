/**
 * `npm run bench`: every benchmark in headless Chromium, written to bench/results/<date>.json and
 * <date>.md. `--only envs,sampling,...` picks sections (SECTIONS in bench-args.ts; `--only algorithms`
 * is every algorithm's end-to-end matrix, which also draws bench/results/<date>-returns.png;
 * `npm run bench:sampling` runs envs + sampling); `--quick` shortens every measurement (for a smoke run). `--only learner --backend webgpu` runs the learner section in plain
 * Node instead (cli/node-learner-bench.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { chromiumArgs, ensureChromium } from '../src/cli/browser';
import { benchOffline } from './offline';
import { benchEnvs, benchLearner, benchLearnerGroup, benchSampler, benchThroughput } from './sections';
import { runAlgorithmMatrix } from './matrix-run';
import { BENCH_USAGE, parseBenchArgs, resultsStamp } from './args';
import { benchRemoteEnvs } from './remote-envs';
import { benchMultiAgent } from './multi-agent';
import { benchTune, TUNE_BENCH_ITERATIONS } from './tune';
import { renderMarkdown, type BenchResults } from './report';
import { nodeLearnerBenchMain } from './node/learner-bench';
import { serveApp } from '../src/cli/serve';
import { paintChart, pngFromDataUrl } from '../src/cli/return-chart';

/**
 * IMPALA against PPO with the same runners, envs per runner, fragment length and model (each with
 * its own preset's training settings): PPO's runners wait while its learner updates, IMPALA's do not.
 */
const THROUGHPUT_SHARED = {
  envRunners: { numEnvRunners: 2, numEnvsPerEnvRunner: 8, rolloutFragmentLength: 64 },
  rlModule: { fcnetHiddens: [64, 64], fcnetActivation: 'tanh', vfShareLayers: false },
} as const;
async function main(): Promise<void> {
  const { only, quick, nodeBackend, swiftshader, help } = parseBenchArgs(process.argv.slice(2));
  if (help) {
    console.log(BENCH_USAGE);
    return;
  }
  const root = process.cwd();
  if (nodeBackend) {
    // The learner section in plain Node (Dawn's WebGPU, or cpu): no server, no browser.
    const dir = path.join(root, 'bench', 'results');
    process.exitCode = await nodeLearnerBenchMain({ backend: nodeBackend, quick, swiftshader }, dir);
    return;
  }
  const log = (m: string): void => console.error(m);
  const executablePath = ensureChromium(log);
  const server = await serveApp(root, log);
  // Two browsers: the SwiftShader WebGPU flags make the page's own canvases software-rendered
  // through GL emulation (250-500 ms main-thread tasks while charts redraw), which no user without
  // a GPU has. Only the learner section, which measures the webgpu backend, runs with them.
  const browser = await chromium.launch({ executablePath, args: chromiumArgs({ webgpu: false }) });
  const gpuBrowser = await chromium.launch({ executablePath, args: chromiumArgs({ webgpu: true }) });
  const started = Date.now();
  try {
    const appReady = (p: Page): Promise<unknown> => p.waitForFunction(() => typeof window.rl === 'object');
    const openApp = async (b: typeof browser): Promise<Page> => {
      const p = await b.newPage();
      p.setDefaultTimeout(600_000);
      await p.goto(server.url);
      await appReady(p);
      return p;
    };
    const page = await openApp(browser);
    const gpuPage = await openApp(gpuBrowser);
    const fresh = async (): Promise<void> => {
      await page.reload();
      await appReady(page);
    };
    const s = quick ? 0.3 : 1;
    const results: BenchResults = {
      date: new Date().toISOString(),
      machine: {
        cpu: os.cpus()[0]?.model ?? 'unknown',
        cores: os.cpus().length,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        browser: `Chromium ${browser.version()}`,
        adapter: (await gpuPage.evaluate(async () => (await window.rl.detectDevice()).adapter?.description)) ?? 'none',
        crossOriginIsolated: await page.evaluate(() => globalThis.crossOriginIsolated),
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
      results.envs = await benchEnvs(page, ids, [1, 16, 256], s * 0.7);
    }
    if (only.has('sampling')) {
      log('sampler grid ...');
      await fresh();
      results.sampler = await benchSampler(page, [0, 1, 2], [1, 8, 64], s * 2.5);
    }
    if (only.has('multi-agent')) {
      log('multi-agent sampling ...');
      await fresh();
      results.multiAgent = await benchMultiAgent(page, s * 2);
    }
    if (only.has('remote-envs')) {
      log('remote sub-envs (SlowCartPole-v1) ...');
      await fresh();
      results.remoteEnvs = await benchRemoteEnvs(page, [2, 0], [2, 4], s * 3, quick ? 1 : 3, log);
    }
    if (only.has('learner')) {
      log('learner throughput ...');
      results.learner = await benchLearner(
        gpuPage,
        ['webgpu', 'webgl', 'wasm', 'cpu'],
        [
          [64, 64],
          [256, 256],
        ],
        [64, 256, 1024, 4096],
        s,
        log,
      );
    }
    if (only.has('learners')) {
      log('data-parallel learners (numLearners) ...');
      await fresh();
      results.learnerGroup = await benchLearnerGroup(page, [256, 256], 4096, [1, 2], s * 3, log);
    }
    // Nothing else may share the CPU with the end-to-end runs below: this browser's idle app page
    // once kept a quarter of a core busy (bench/NOTES.md, change 8).
    await gpuBrowser.close();
    if (only.has('async')) {
      results.throughput = [];
      for (const algo of ['PPO', 'IMPALA']) {
        log(`${algo} throughput (2 runners x 8 envs x 64, [64, 64]) ...`);
        await fresh();
        const row = await benchThroughput(page, { algo, preset: 'CartPole-v1', shared: THROUGHPUT_SHARED }, s * 20);
        log(
          `  ${Math.round(row.sampledStepsPerSecond)} sampled/s, ${Math.round(row.trainedStepsPerSecond)} trained/s, runners idle ${(row.runnerIdleFraction * 100).toFixed(0)}%`,
        );
        results.throughput.push(row);
      }
    }
    // A --quick or --only run writes beside the day's full results, never over them.
    const stamp = resultsStamp(results.date, only, quick);
    const dir = path.join(root, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const matrix = await runAlgorithmMatrix({ page, fresh, only, quick, log });
    if (matrix.rows.length) {
      results.algorithms = matrix.rows;
      results.returnsChart = `${results.date.slice(0, 10)}${quick ? '-quick' : ''}-returns.png`;
      const chart = matrix.chart(`Return vs wall time, ${results.date.slice(0, 10)}${quick ? ' (--quick)' : ''}`);
      writeFileSync(path.join(dir, results.returnsChart), pngFromDataUrl(await page.evaluate(paintChart, chart)));
    }
    if (only.has('offline-mixed')) {
      for (const seed of quick ? [1] : [1, 2, 3]) {
        log(`offline RL (PPO -> record -> BC, BC vs MARWIL) seed ${seed} ...`);
        await fresh();
        const row = await benchOffline(page, seed);
        log(
          `  BC on expert ${row.bcExpertReturn.toFixed(1)}; mixed: BC ${row.bcMixedReturn.toFixed(1)}, MARWIL ${row.marwilMixedReturn.toFixed(1)}`,
        );
        (results.offline ??= []).push(row);
      }
    }
    if (only.has('tune')) {
      log('trials in one tab: 6-trial sweep, 1 vs 2 at a time ...');
      const iterations = quick ? 2 : TUNE_BENCH_ITERATIONS;
      results.tune = await benchTune(page, [1, 2], quick ? 1 : 3, iterations, log, fresh);
    }
    const totalS = (Date.now() - started) / 1000;
    const md = renderMarkdown(results, totalS);
    writeFileSync(path.join(dir, `${stamp}.json`), JSON.stringify({ ...results, totalSeconds: totalS }, null, 2));
    writeFileSync(path.join(dir, `${stamp}.md`), md);
    console.log(md);
    const chart = results.returnsChart ? ` and ${results.returnsChart}` : '';
    log(`wrote bench/results/${stamp}.json, .md${chart} (${totalS.toFixed(0)} s)`);
  } finally {
    await gpuBrowser.close();
    await browser.close();
    await server.close();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(2);
});
