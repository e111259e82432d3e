/**
 * The learner benchmark in plain Node, no browser: `npm run bench -- --only learner --backend
 * webgpu` (Dawn's WebGPU through the `webgpu` package, with TF.js's WebGPU backend on a device we
 * create, as the page does) or `--backend cpu`. The same PPO update as the page's learner section
 * (algorithms/ppo/learner-bench.ts). It is also the entry of the packed bench (`npm run
 * pack:gpu-bench`), which runs with plain `node` on a machine that has a GPU and no registry.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { measureLearnerThroughput } from '../algorithms/ppo/learner-bench';
import { registerWebGpu, type AdapterReport } from '../env-runner/webgpu-device';
import type { BenchArgs, NodeBackend } from './bench-args';
import { learnerTable } from './bench-report';
import type { LearnerRow } from './bench-sections';
import { NodeWebGpuError, openNodeWebGpu, type NodeWebGpuOptions } from './node-webgpu';

export interface NodeLearnerResults {
  readonly date: string;
  readonly machine: { cpu: string; cores: number; memoryGiB: number; node: string; adapter: string };
  readonly backend: NodeBackend;
  /** A software adapter (SwiftShader, lavapipe): correct, not a GPU measurement. */
  readonly softwareAdapter: boolean;
  readonly learner: LearnerRow[];
}

export type NodeLearnerBenchArgs = Pick<BenchArgs, 'quick' | 'swiftshader'> & {
  readonly backend: NodeBackend;
  /** How Dawn is loaded and files are looked up (tests pass fakes). */
  readonly gpu?: NodeWebGpuOptions;
};

/** Exit code when no adapter or no `webgpu` package: the run could not measure what was asked. */
export const EXIT_NO_WEBGPU = 3;

/** Makes `backend` TF.js's active backend in Node; for webgpu, returns the adapter it runs on. */
export async function activateNodeBackend(
  backend: NodeBackend,
  gpuOpts: NodeWebGpuOptions = {},
): Promise<AdapterReport | null> {
  if (backend === 'cpu') {
    await tf.setBackend('cpu');
    return null;
  }
  const { gpu } = await openNodeWebGpu(gpuOpts);
  const adapter = await registerWebGpu(gpu);
  if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js could not start its WebGPU backend on the Dawn device.');
  await tf.ready();
  return adapter;
}

/** The grid of the page's learner section ([64, 64] and [256, 256], minibatches 64-4096). */
export async function runNodeLearnerBench(
  args: NodeLearnerBenchArgs,
  log: (line: string) => void,
): Promise<NodeLearnerResults> {
  const adapter = await activateNodeBackend(args.backend, { ...args.gpu, swiftshader: args.swiftshader });
  log(`learner throughput in Node on ${args.backend}${adapter ? ` (adapter: ${adapter.description})` : ''} ...`);
  const rows: LearnerRow[] = [];
  for (const hiddens of [
    [64, 64],
    [256, 256],
  ]) {
    for (const mb of [64, 256, 1024, 4096]) {
      const r = await measureLearnerThroughput(args.backend, hiddens, mb, args.quick ? 0.3 : 1);
      log(`  ${r.backend} [${hiddens.join(',')}] mb ${mb}: ${Math.round(r.samplesPerSecond)} samples/s`);
      rows.push({
        backend: r.backend,
        hiddens: hiddens.join('x'),
        minibatchSize: mb,
        firstCallMs: r.firstCallMs,
        samplesPerSecond: r.samplesPerSecond,
      });
    }
  }
  return {
    date: new Date().toISOString(),
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      adapter: adapter?.description ?? 'none',
    },
    backend: args.backend,
    softwareAdapter: adapter?.isFallbackAdapter ?? false,
    learner: rows,
  };
}

/**
 * Runs the bench, prints the table and writes `<date>-learner-<backend>-node.json` into `outDir`.
 * Returns the exit code: 0, or EXIT_NO_WEBGPU with the reason printed (no stack trace).
 */
export async function nodeLearnerBenchMain(args: NodeLearnerBenchArgs, outDir: string): Promise<number> {
  const log = (m: string): void => console.error(m);
  let results: NodeLearnerResults;
  try {
    results = await runNodeLearnerBench(args, log);
  } catch (e) {
    if (!(e instanceof NodeWebGpuError)) throw e;
    console.error(`error: ${e.message}`);
    return EXIT_NO_WEBGPU;
  }
  const m = results.machine;
  const md = [
    `### Learner update throughput in Node (${results.date.slice(0, 10)}; PPO, samples/s; first call in ms)`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; Node ${m.node}; backend ${results.backend}; ` +
      `adapter: ${m.adapter}${results.softwareAdapter ? ' (software: correct, not a GPU figure)' : ''}.`,
    '',
    ...learnerTable(results.learner),
    '',
  ].join('\n');
  console.log(md);
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${results.date.slice(0, 10)}-learner-${results.backend}-node.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));
  log(`wrote ${file}`);
  return 0;
}
