/**
 * Entry of the packed learner bench (`npm run pack:gpu-bench`): `node gpu-bench.mjs [--backend
 * webgpu|cpu] [--swiftshader] [--quick]` runs the learner section in plain Node, WebGPU by
 * default, and writes its JSON into ./results.
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
  if (args.help || !args.nodeBackend)
    console.log(BENCH_USAGE.split('\n')[1]!.replace('npm run bench --', 'node gpu-bench.mjs'));
  else {
    const dir = path.join(process.cwd(), 'results');
    process.exitCode = await nodeLearnerBenchMain(
      { backend: args.nodeBackend, quick: args.quick, swiftshader: args.swiftshader },
      dir,
    );
  }
} catch (e) {
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 2;
}
