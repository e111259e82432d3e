/**
 * `npm run bench:envs`: env steps per second of CartPole-v1 under random actions for 1, 16 and
 * 256 sub-envs (plus the other built-in envs at 256), each measured for ~1.5 s after warm-up.
 */
import { pathToFileURL } from 'node:url';
import { measureEnvStepsPerSecond } from '../src/diagnostics/env-stepping';

export { measureEnvStepsPerSecond };

function formatRate(stepsPerSecond: number): string {
  return stepsPerSecond >= 1e6 ? `${(stepsPerSecond / 1e6).toFixed(2)} M` : `${(stepsPerSecond / 1e3).toFixed(1)} k`;
}

function main(): void {
  const cases: [string, number][] = [
    ['CartPole-v1', 1],
    ['CartPole-v1', 16],
    ['CartPole-v1', 256],
    ['Acrobot-v1', 256],
    ['MountainCar-v0', 256],
    ['MountainCarContinuous-v0', 256],
    ['Pendulum-v1', 256],
  ];
  console.log(`Env steps/s with random actions (Node ${process.version}, ${process.arch})\n`);
  console.log('| env                      | numEnvs | env steps/s |');
  console.log('|--------------------------|--------:|------------:|');
  for (const [id, numEnvs] of cases) {
    const rate = measureEnvStepsPerSecond(id, numEnvs, 1.5);
    console.log(`| ${id.padEnd(24)} | ${String(numEnvs).padStart(7)} | ${formatRate(rate).padStart(11)} |`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
