/**
 * Entry of the packed learner bench (`npm run pack:gpu-bench`): `node gpu-bench.mjs [--backend
 * webgpu|cpu] [--swiftshader] [--quick] [--out DIR]` runs the learner section in plain Node,
 * WebGPU by default, and writes its JSON into ./results (or DIR).
 */
import path from 'node:path';
import { BENCH_USAGE, parseBenchArgs } from '../args';
import { nodeLearnerBenchMain } from './learner-bench';

const argv = process.argv.slice(2);
try {
  const args = parseBenchArgs([
    '--only',
    'learner',
    ...(argv.includes('--backend') ? [] : ['--backend', 'webgpu']),
    ...argv,
  ]);
  if (args.help || !args.nodeBackend) {
    const usage = BENCH_USAGE.split('\n').find((line) => line.includes('--backend'))!;
    console.log(usage.replace('npm run bench -- --only learner', 'node gpu-bench.mjs'));
  } else {
    // Beside the packed bundle, results/ unless --out says otherwise.
    const dir = path.resolve(argv.includes('--out') ? args.outDir : 'results');
    process.exitCode = await nodeLearnerBenchMain(
      { backend: args.nodeBackend, quick: args.quick, swiftshader: args.swiftshader },
      dir,
    );
  }
} catch (e) {
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 2;
}
