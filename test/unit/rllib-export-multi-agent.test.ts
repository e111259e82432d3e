/**
 * The RLlib export of multi-agent runs (issue 30, item 4), checked with Python (python3, torch,
 * numpy): rllib_config.py calls `.multi_agent(policies=..., policy_mapping_fn=...,
 * policies_to_train=...)` and its policy_mapping_fn maps agents as the run's table does (exact ids,
 * then globs); the weights are under RLlib's MultiRLModule names (`<module id>.<name>`), and
 * policy.py loads them and picks the trainer's greedy actions on 1,000 observations per module.
 * One run per module kind: actor-critic (PPO), Q-network (DQN), squashed Gaussian (SAC, Box).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Algorithm } from '../../src/algorithms/algorithm';
import type { MultiAgentAlgorithm } from '../../src/algorithms/multi-agent/multi-agent-algorithm';
import { mapAgent } from '../../src/algorithms/multi-agent/multi-agent-config';
import { buildAlgorithm, resolveConfig } from '../../src/algorithms/registry';
import { checkpointToJson } from '../../src/app/checkpoint-codec';
import { EXPORT_FILES, exportRunToRLlib } from '../../src/cli/rllib-export';
import { decodeSafetensors } from '../../src/rl-module/safetensors';
import { readFileSync } from 'node:fs';
import { fakeFleet } from './helpers/fake-runners';
import { python } from './helpers/python';
import { recordedObservations } from './helpers/rllib-run';

const STUB = path.resolve(__dirname, 'python', 'rllib_stub.py');
const NUM_OBS = 1000;

/** Three agents, a glob for the rest: agent 0 -> p0, 1 and 2 -> p1 (CartPole); Pendulum: one module each. */
const RUNS = {
  PPO: {
    env: 'MultiAgentCartPole',
    env_config: { num_agents: 3 },
    policy_mapping_fn: { '0': 'p0', '*': 'p1' },
    fcnet_hiddens: [16, 8],
    train_batch_size_per_learner: 64,
    minibatch_size: 32,
    num_epochs: 2,
    lr: 3e-3,
    obs: 'PPO',
  },
  DQN: {
    env: 'MultiAgentCartPole',
    env_config: { num_agents: 2 },
    policy_mapping_fn: { '0': 'p0', '1': 'p1' },
    fcnet_hiddens: [16],
    head_fcnet_hiddens: [8],
    num_steps_sampled_before_learning_starts: 20,
    min_sample_timesteps_per_iteration: 40,
    train_batch_size_per_learner: 8,
    obs: 'PPO',
  },
  SAC: {
    env: 'MultiAgentPendulum',
    env_config: { num_agents: 2 },
    policy_mapping_fn: { '0': 'p0', '1': 'p1' },
    policies_to_train: ['p0'],
    training: { policyModelConfig: { fcnetHiddens: [16, 16] }, qModelConfig: { fcnetHiddens: [16] } },
    num_steps_sampled_before_learning_starts: 20,
    min_sample_timesteps_per_iteration: 40,
    train_batch_size_per_learner: 8,
    obs: 'SAC',
  },
} as const;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(Object.keys(RUNS) as (keyof typeof RUNS)[])('a multi-agent %s run exported for RLlib', (algo) => {
  const { obs: obsFrom, ...settings } = RUNS[algo];
  let run: MultiAgentAlgorithm<never>;
  let outDir: string;
  let agentIds: readonly string[];

  beforeAll(async () => {
    const config = resolveConfig({
      algo,
      ...settings,
      policies: ['p0', 'p1'],
      num_env_runners: 0,
      num_gpus_per_learner: 0,
      seed: 5,
    });
    const built: Algorithm = await buildAlgorithm(config, { backend: 'cpu', connect: fakeFleet().connect });
    run = built as unknown as MultiAgentAlgorithm<never>;
    agentIds = run.agentIds;
    for (let i = 0; i < 2; i++) await built.train();
    const ckpt = await built.save();
    const dir = mkdtempSync(path.join(tmpdir(), `rllib-export-ma-${algo.toLowerCase()}-`));
    mkdirSync(path.join(dir, 'checkpoint'));
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify(ckpt.config, null, 2));
    writeFileSync(path.join(dir, 'checkpoint', 'final.json'), checkpointToJson(ckpt));
    outDir = exportRunToRLlib(dir).outDir;
  }, 180_000);

  afterAll(() => run?.stop());

  it('writes .multi_agent() with the policies and a policy_mapping_fn that maps every agent as the run did', () => {
    const file = path.join(outDir, EXPORT_FILES.config);
    python(['-m', 'py_compile', file]);
    const ran = JSON.parse(python([STUB, file, JSON.stringify(agentIds)])) as {
      calls: Record<string, Record<string, unknown>>;
      registered_envs: string[];
      policy_mapping: Record<string, string>;
    };
    expect(ran.calls['multi_agent']).toEqual({
      policies: ['p0', 'p1'],
      policy_mapping_fn: { $callable: 'policy_mapping_fn' },
      policies_to_train: 'policies_to_train' in settings ? settings.policies_to_train : null,
    });
    expect(ran.calls['environment']?.['env']).toBe(settings.env);
    expect(ran.registered_envs).toEqual([settings.env]);
    const expected = Object.fromEntries(agentIds.map((a) => [a, mapAgent(settings.policy_mapping_fn, a)]));
    expect(ran.policy_mapping).toEqual(expected);
    expect(new Set(Object.values(expected))).toEqual(new Set(['p0', 'p1']));
  });

  it(`names the weights <module id>.<RLlib name>, and torch picks the trainer's greedy actions on ${NUM_OBS} observations per module`, async () => {
    const weightsFile = path.join(outDir, EXPORT_FILES.weights);
    const names = decodeSafetensors(readFileSync(weightsFile)).tensors.map((t) => t.name);
    expect(names.every((n) => /^p[01]\.[a-z_]+\./.test(n))).toBe(true);
    expect(names.filter((n) => n.startsWith('p0.')).length).toBe(names.filter((n) => n.startsWith('p1.')).length);
    const obs = recordedObservations(obsFrom, NUM_OBS);
    const dim = obs.length / NUM_OBS;
    const rows = Array.from({ length: NUM_OBS }, (_, i) => Array.from(obs.subarray(i * dim, (i + 1) * dim)));
    const obsFile = path.join(outDir, 'obs.json');
    writeFileSync(obsFile, JSON.stringify(rows));
    for (const id of ['p0', 'p1']) {
      const ours = await run.computeModuleActions(id, obs, NUM_OBS);
      const loader = path.join(outDir, EXPORT_FILES.loader);
      const theirs = JSON.parse(python([loader, weightsFile, obsFile, id])) as (number | number[])[];
      const width = ours.length / NUM_OBS;
      let agreed = 0;
      for (let i = 0; i < NUM_OBS; i++) {
        const t = [theirs[i]!].flat();
        const m = Array.from(ours.subarray(i * width, (i + 1) * width));
        if (ours instanceof Int32Array ? t[0] === m[0] : m.every((a, j) => Math.abs(a - t[j]!) < 1e-4)) agreed++;
      }
      console.log(`${algo} module ${id}: torch agreed with the trainer on ${agreed} of ${NUM_OBS} observations`);
      expect(agreed).toBe(NUM_OBS);
      if (ours instanceof Int32Array) expect(new Set(ours).size).toBeGreaterThan(1);
    }
    // A module id is required for a multi-agent file; an unknown one is named.
    const loader = path.join(outDir, EXPORT_FILES.loader);
    expect(() => python([loader, weightsFile, obsFile])).toThrow(/multi-agent run: name a module \(p0, p1\)/);
    expect(() => python([loader, weightsFile, obsFile, 'p9'])).toThrow(/no module 'p9'/);
  }, 60_000);
});
