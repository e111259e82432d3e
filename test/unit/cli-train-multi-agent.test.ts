/** The Node multi-agent CLI: flags -> config (RLlib names) -> MultiAgentPPO -> progress and files. */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, expect, it } from 'vitest';
import { parseMultiAgentArgs, runMultiAgentCli } from '../../src/cli/train-multi-agent';

afterAll(async () => {
  await tf.setBackend('cpu');
});

it('parses the multi-agent flags into RLlib-named config keys', () => {
  const o = parseMultiAgentArgs([
    '--policies',
    'p0,p1',
    '--policy-mapping',
    '0=p0,1=p1',
    '--num-agents',
    '2',
    '--num-envs-per-env-runner',
    '4',
    '--stop-iters',
    '1',
  ]);
  expect(o.config).toEqual({
    policies: ['p0', 'p1'],
    policy_mapping_fn: { '0': 'p0', '1': 'p1' },
    num_envs_per_env_runner: 4,
    env_config: { numAgents: 2 },
  });
  expect(() => parseMultiAgentArgs(['--policies', 'a'])).toThrow(/stop criterion/);
  expect(() => parseMultiAgentArgs(['--policy-mapping', 'x', '--stop-iters', '1'])).toThrow(/pattern=module/);
});

it('trains 2 iterations, prints per-module returns, writes results and a checkpoint with every module', async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'ma-cli-'));
  const lines: string[] = [];
  const r = await runMultiAgentCli(
    [
      '--env',
      'MultiAgentCartPole',
      '--num-agents',
      '3',
      '--policies',
      'a,b',
      '--policy-mapping',
      '0=a,*=b',
      '--num-envs-per-env-runner',
      '2',
      '--train_batch_size',
      '64',
      '--minibatch_size',
      '32',
      '--num_epochs',
      '1',
      '--fcnet_hiddens',
      '8',
      '--seed',
      '1',
      '--backend',
      'cpu',
      '--stop-iters',
      '2',
      '--out',
      out,
    ],
    (l) => lines.push(l),
  );
  expect(lines[0]).toMatch(/modules a, b; mapping \{"0":"a","\*":"b"\}/);
  expect(lines.some((l) => /^iter 2 .* a \d+\.\d .* b \d+\.\d/.test(l))).toBe(true);
  expect(r['num_env_steps_sampled_lifetime']).toBe(128);
  const results = readFileSync(path.join(out, 'results.jsonl'), 'utf8').trim().split('\n');
  expect(results).toHaveLength(2);
  const ckpt = JSON.parse(readFileSync(path.join(out, 'checkpoint.json'), 'utf8')) as { modules: object };
  expect(Object.keys(ckpt.modules).sort()).toEqual(['a', 'b']);
});

it('invalid multi-agent settings fail with every problem named', async () => {
  await expect(
    runMultiAgentCli(
      ['--policies', 'a', '--policy-mapping', '*=zz', '--num-env-runners', '2', '--stop-iters', '1'],
      () => {},
    ),
  ).rejects.toThrow(/envRunners.numEnvRunners[\s\S]*multiAgent.policyMappingFn/);
});
