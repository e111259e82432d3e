/**
 * `npm run train:multi-agent -- [flags]`: multi-agent PPO from the command line, in Node (TF.js
 * wasm backend), printing one progress line per iteration with every module's return.
 *
 *   npm run train:multi-agent -- --env MultiAgentCartPole --num-agents 2 --policies p0,p1 \
 *     --policy-mapping 0=p0,1=p1 --num-envs-per-env-runner 16 --lr 3e-3 --stop-reward 450
 *
 * Flags: `--config FILE` (JSON, sectioned or flat, RLlib names), then any config key as a flag
 * (`--lr 3e-3`, `--train_batch_size 1024`; kebab- or snake_case), and:
 *   --policies a,b              module ids (RLlib: policies)
 *   --policy-mapping 0=a,1=b    agent-id pattern -> module (`*` globs); or --policy_mapping_fn '{"*":"a"}'
 *   --policies-to-train a       modules the learner updates (default: all)
 *   --num-agents N              envConfig.numAgents (MultiAgentCartPole)
 *   --stop-reward R             stop when every module's module_episode_returns_mean >= R
 *   --stop-timesteps N          stop at N env steps (num_env_steps_sampled_lifetime)
 *   --stop-iters N              stop after N iterations
 *   --backend wasm|cpu          TF.js backend (default wasm)
 *   --out DIR                   write results.jsonl and checkpoint.json there
 * The page's `npm run train` does not drive multi-agent runs yet; this Node runner does.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { MultiAgentPPO } from '../algorithms/multi-agent/multi-agent-ppo';
import { multiAgentPpo } from '../algorithms/multi-agent/multi-agent-ppo-config';
import { coerceValue, resolveKeyPath } from '../core/config-keys';
import { ConfigError } from '../core/errors';
import type { ResultDict } from '../core/metric-keys';
import { UsageError } from './args';

export interface MultiAgentCliOptions {
  readonly config: Record<string, unknown>;
  readonly stopReward: number | null;
  readonly stopTimesteps: number | null;
  readonly stopIters: number | null;
  readonly backend: 'wasm' | 'cpu';
  readonly out: string | null;
}

/** Parses the flags into a flat RLlib-style config (for fromJson) and the run options. */
export function parseMultiAgentArgs(argv: readonly string[]): MultiAgentCliOptions {
  const flat: Record<string, unknown> = {};
  let fileConfig: Record<string, unknown> = {};
  const run = {
    stopReward: null as number | null,
    stopTimesteps: null as number | null,
    stopIters: null as number | null,
  };
  let backend: 'wasm' | 'cpu' = 'wasm';
  let out: string | null = null;
  const envConfig: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (!flag.startsWith('--')) throw new UsageError(`unexpected argument '${flag}'; flags look like --name value`);
    const value = argv[i + 1];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    i++;
    const name = flag.slice(2).replace(/-/g, '_');
    const num = (): number => {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new UsageError(`${flag} needs a number, got '${value}'`);
      return n;
    };
    switch (name) {
      case 'config':
        fileConfig = JSON.parse(readFileSync(value, 'utf8')) as Record<string, unknown>;
        break;
      case 'policies':
      case 'policies_to_train':
        flat[name] = value.split(',').map((s) => s.trim());
        break;
      case 'policy_mapping':
        flat['policy_mapping_fn'] = Object.fromEntries(
          value.split(',').map((pair) => {
            const [pattern, mod] = pair.split('=');
            if (!pattern || !mod) throw new UsageError(`--policy-mapping wants pattern=module pairs, got '${pair}'`);
            return [pattern.trim(), mod.trim()];
          }),
        );
        break;
      case 'num_agents':
        envConfig['numAgents'] = num();
        break;
      case 'stop_reward':
        run.stopReward = num();
        break;
      case 'stop_timesteps':
        run.stopTimesteps = num();
        break;
      case 'stop_iters':
        run.stopIters = num();
        break;
      case 'backend':
        if (value !== 'wasm' && value !== 'cpu') throw new UsageError(`--backend must be wasm or cpu, got '${value}'`);
        backend = value;
        break;
      case 'out':
        out = value;
        break;
      default:
        flat[name] = coerceValue(resolveKeyPath(name) ?? name, value);
    }
  }
  if (run.stopReward === null && run.stopTimesteps === null && run.stopIters === null) {
    throw new UsageError('give a stop criterion: --stop-reward R, --stop-timesteps N or --stop-iters N');
  }
  const config: Record<string, unknown> = { ...fileConfig, ...flat };
  if (Object.keys(envConfig).length > 0) config['env_config'] = envConfig;
  return { config, ...run, backend, out };
}

function moduleReturns(r: ResultDict): [string, number][] {
  const prefix = 'env_runners/module_episode_returns_mean/';
  return Object.entries(r)
    .filter(([k]) => k.startsWith(prefix))
    .map(([k, v]) => [k.slice(prefix.length), Number(v)]);
}

/** Runs to the stop criterion; returns the last result. */
export async function runMultiAgentCli(argv: readonly string[], log: (line: string) => void): Promise<ResultDict> {
  const opts = parseMultiAgentArgs(argv);
  const builder = multiAgentPpo().fromJson(opts.config);
  const issues = builder.validate().filter((i) => i.severity === 'error');
  if (issues.length > 0) throw new ConfigError(issues);
  const config = builder.toConfig();
  await tf.setBackend(opts.backend);
  const algo = await MultiAgentPPO.build(config, { backend: opts.backend });
  const lines: string[] = [];
  const t0 = performance.now();
  try {
    log(
      `multi-agent PPO on ${config.environment.env}: modules ${config.multiAgent.policies.join(', ')}; ` +
        `mapping ${JSON.stringify(config.multiAgent.policyMappingFn)}; backend ${algo.device.backend}`,
    );
    for (;;) {
      const r = await algo.train();
      lines.push(JSON.stringify(r));
      const mods = moduleReturns(r);
      log(
        `iter ${r['training_iteration']}  env steps ${r['num_env_steps_sampled_lifetime']}  agent steps ` +
          `${r['num_agent_steps_sampled_lifetime']}  ${mods.map(([m, v]) => `${m} ${v.toFixed(1)}`).join('  ')}`,
      );
      const rewardMet =
        opts.stopReward !== null && mods.length > 0 && mods.every(([, v]) => v >= (opts.stopReward ?? Infinity));
      const stepsMet = opts.stopTimesteps !== null && Number(r['num_env_steps_sampled_lifetime']) >= opts.stopTimesteps;
      const itersMet = opts.stopIters !== null && Number(r['training_iteration']) >= opts.stopIters;
      if (rewardMet || stepsMet || itersMet) {
        const why = rewardMet ? `every module >= ${opts.stopReward}` : stepsMet ? 'env-step budget' : 'iterations';
        log(`stopped (${why}) after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        if (opts.out) {
          mkdirSync(opts.out, { recursive: true });
          writeFileSync(path.join(opts.out, 'results.jsonl'), lines.join('\n') + '\n');
          const ckpt = await algo.save();
          writeFileSync(
            path.join(opts.out, 'checkpoint.json'),
            JSON.stringify(ckpt, (_k, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v)),
          );
          log(`wrote ${path.join(opts.out, 'results.jsonl')} and checkpoint.json`);
        }
        return r;
      }
    }
  } finally {
    algo.stop();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runMultiAgentCli(process.argv.slice(2), (l) => console.log(l)).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exit(e instanceof UsageError || e instanceof ConfigError ? 2 : 1);
    },
  );
}
