/**
 * The learner benchmark in plain Node, no browser: `npm run bench -- --only learner --backend
 * webgpu` (Dawn's WebGPU through the `webgpu` package, with TF.js's WebGPU backend on a device we
 * create, as the page does) or `--backend cpu`. The same PPO update as the page's learner section
 * (src/diagnostics/learner-throughput.ts). It is also the entry of the packed bench (`npm run
 * pack:gpu-bench`), which runs with plain `node` on a machine that has a GPU and no registry.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { parityError, ppoBackendParity } from '../../src/algorithms/ppo/backend-parity';
import { measureLearnerThroughput } from '../../src/diagnostics/learner-throughput';
import { registerWebGpu, type AdapterReport } from '../../src/backend/webgpu-device';
import type { BenchArgs, NodeBackend } from '../args';
import { learnerTable } from '../report';
import type { LearnerRow } from '../sections';
import { NodeWebGpuError, openNodeWebGpu, type NodeWebGpuOptions } from './webgpu';

export interface NodeLearnerResults {
  readonly date: string;
  readonly machine: { cpu: string; cores: number; memoryGiB: number; node: string; adapter: string };
  readonly backend: NodeBackend;
  /** A software adapter (SwiftShader, lavapipe): correct, not a GPU measurement. */
  readonly softwareAdapter: boolean;
  readonly learner: LearnerRow[];
  /** WebGPU against cpu on the same PPO gradients and 3 updates; null on cpu. */
  readonly parity: { gradients: number; weights: number; ok: boolean } | null;
}

/** Largest WebGPU-vs-cpu difference accepted, relative to the largest gradient / weight. */
export const PARITY_TOLERANCE = 1e-3;

/** Exit code when WebGPU's numbers differ from cpu's: the throughput figures are then meaningless. */
export const EXIT_PARITY = 4;

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
  const parity = adapter ? await checkParity(log) : null;
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
    parity,
  };
}

/**
 * The page's WebGPU check, in Node: PPO gradients and 3 updates on webgpu and cpu from the same
 * weights (TF.js on WebGPU has returned wrong numbers before, DESIGN.md section 4). Leaves webgpu
 * active.
 */
async function checkParity(log: (line: string) => void): Promise<NonNullable<NodeLearnerResults['parity']>> {
  const activate = async (name: string): Promise<{ backend: string }> => {
    await tf.setBackend(name);
    await tf.ready();
    return { backend: tf.getBackend() };
  };
  const [gpu, cpu] = await ppoBackendParity(activate, ['webgpu', 'cpu']);
  await activate('webgpu');
  const err = parityError(gpu!, cpu!);
  const ok = err.gradients <= PARITY_TOLERANCE && err.weights <= PARITY_TOLERANCE;
  log(
    `parity with cpu: gradients ${err.gradients.toExponential(1)}, weights ${err.weights.toExponential(1)} ${ok ? 'ok' : 'FAILED'}`,
  );
  return { ...err, ok };
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
  const p = results.parity;
  const md = [
    `### Learner update throughput in Node (${results.date.slice(0, 10)}; PPO, samples/s; first call in ms)`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; Node ${m.node}; backend ${results.backend}; ` +
      `adapter: ${m.adapter}${results.softwareAdapter ? ' (software: correct, not a GPU figure)' : ''}.`,
    ...(p
      ? [
          `Parity with cpu (PPO gradients and 3 updates, relative to the largest value): gradients ` +
            `${p.gradients.toExponential(1)}, weights ${p.weights.toExponential(1)}: ${p.ok ? 'ok' : 'FAILED, the figures below are not trustworthy'}.`,
        ]
      : []),
    '',
    ...learnerTable(results.learner),
    '',
  ].join('\n');
  console.log(md);
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${results.date.slice(0, 10)}-learner-${results.backend}-node.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));
  log(`wrote ${file}`);
  return p && !p.ok ? EXIT_PARITY : 0;
}
