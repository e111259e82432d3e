/**
 * `npm run bench:checkpoints`: a multi-agent checkpoint's save and restore time and size against
 * the number of modules (10, 100, 1,000 by default; `-- 10 100` picks others), in Node on wasm:
 * MultiAgentCartPole with one agent per module, every module a [64, 64] actor-critic trained for
 * one iteration (so each has its Adam state). Each phase is timed on its own: `save()` (weights and
 * optimizer states read back), the JSON text the CLI writes, parsing and validating it, and
 * `restore()` into a second run built from the same config. Linear means the per-module column
 * stays flat as the module count grows.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { pathToFileURL } from 'node:url';
import { MultiAgentPPO } from '../src/algorithms/multi-agent/multi-agent-ppo';
import { multiAgentPpo } from '../src/algorithms/multi-agent/multi-agent-ppo-config';
import { checkpointFromJson, checkpointToJson } from '../src/app/checkpoint-codec';

export interface CheckpointRow {
  numModules: number;
  floats: number;
  saveS: number;
  toJsonS: number;
  jsonMB: number;
  parseS: number;
  restoreS: number;
}

function configFor(numModules: number): ReturnType<ReturnType<typeof multiAgentPpo>['toConfig']> {
  const ids = Array.from({ length: numModules }, (_, i) => `m${i}`);
  return multiAgentPpo()
    .environment('MultiAgentCartPole', { numAgents: numModules })
    .envRunners({ numEnvRunners: 0, numEnvsPerEnvRunner: 1, rolloutFragmentLength: 8 })
    .rlModule({ fcnetHiddens: [64, 64], fcnetActivation: 'tanh', vfShareLayers: false })
    .training({ trainBatchSizePerLearner: 8, minibatchSize: 8, numEpochs: 1 })
    .multiAgent({ policies: ids, policyMappingFn: Object.fromEntries(ids.map((id, i) => [String(i), id])) })
    .debugging({ seed: 1 })
    .toConfig();
}

const seconds = (t0: number): number => (performance.now() - t0) / 1000;

export async function measureCheckpoint(numModules: number): Promise<CheckpointRow> {
  const config = configFor(numModules);
  const run = await MultiAgentPPO.build(config, { backend: 'wasm' });
  const target = await MultiAgentPPO.build(config, { backend: 'wasm' });
  try {
    await run.train();
    let t0 = performance.now();
    const ckpt = await run.save();
    const saveS = seconds(t0);
    t0 = performance.now();
    const text = checkpointToJson(ckpt);
    const toJsonS = seconds(t0);
    t0 = performance.now();
    const parsed = checkpointFromJson(text);
    const parseS = seconds(t0);
    t0 = performance.now();
    await target.restore(parsed);
    const restoreS = seconds(t0);
    let floats = 0;
    for (const a of ckpt.weights.arrays) floats += a.length;
    for (const m of Object.values(ckpt.modules ?? {})) for (const a of m.optimizerState.arrays) floats += a.length;
    return { numModules, floats, saveS, toJsonS, jsonMB: text.length / 1e6, parseS, restoreS };
  } finally {
    run.stop();
    target.stop();
  }
}

export function checkpointTable(rows: readonly CheckpointRow[]): string[] {
  const ms = (s: number, n: number): string => ((s * 1000) / n).toFixed(2);
  return [
    '| modules | floats | save s | to JSON s | JSON MB | parse + validate s | restore s | save + restore ms / module |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.numModules} | ${r.floats.toLocaleString('en-US')} | ${r.saveS.toFixed(2)} | ${r.toJsonS.toFixed(2)} | ` +
        `${r.jsonMB.toFixed(1)} | ${r.parseS.toFixed(2)} | ${r.restoreS.toFixed(2)} | ${ms(r.saveS + r.restoreS, r.numModules)} |`,
    ),
  ];
}

async function main(): Promise<void> {
  await tf.setBackend('wasm');
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  const rows: CheckpointRow[] = [];
  for (const n of sizes.length > 0 ? sizes : [10, 100, 1000]) rows.push(await measureCheckpoint(n));
  console.log(`Multi-agent checkpoints, [64, 64] actor-critic per module (Node ${process.version}, wasm)\n`);
  console.log(checkpointTable(rows).join('\n'));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
