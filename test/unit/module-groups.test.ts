/**
 * Issue 30 item 2 (b): where a multi-agent run's modules live.
 *  - Runners: with splitAgentsAcrossEnvRunners each runner steps a contiguous share of the agents
 *    of an env with independent agents and holds only their modules; the config refuses what
 *    cannot be split.
 *  - Learners: numLearners >= 1 gives each learner worker (in-process hosts here) a contiguous
 *    group of modules. A worker that crashes mid-update is restarted and its modules come back
 *    (weights, Adam state, KL coefficient): the run ends exactly where an undisturbed one does,
 *    the failure and restart counted; a checkpoint restores every group.
 *  - Stacking changes nothing but speed: stacked and per-module runs train the same weights.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MultiAgentPPO } from '../../src/algorithms/multi-agent/multi-agent-ppo';
import { multiAgentPpo } from '../../src/algorithms/multi-agent/multi-agent-ppo-config';
import { runnerLayout } from '../../src/algorithms/multi-agent/module-placement';
import { checkConfig } from '../../src/algorithms/registry';
import type { MultiAgentPPOConfig } from '../../src/algorithms/ppo/ppo-config';
import { FaultToleranceKeys } from '../../src/core/metric-keys';
import { makeMultiAgentVectorEnv } from '../../src/envs/multi-agent/registry';
import { unpackModuleWeights } from '../../src/rl-module/multi-module-weights';
import { fakeLearners } from './helpers/fake-learners';
import { fakeFleet } from './helpers/fake-runners';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `m${i}`);
const messages = (cfg: object): string =>
  checkConfig(cfg)
    .issues.filter((i) => i.severity === 'error')
    .map((i) => `${i.path}: ${i.message}`)
    .join('\n');

function config(
  numAgents: number,
  over: { numLearners?: number; stack?: boolean; runners?: number; split?: boolean } = {},
): MultiAgentPPOConfig {
  return multiAgentPpo()
    .environment('MultiAgentCartPole', { numAgents })
    .envRunners({ numEnvRunners: over.runners ?? 0, numEnvsPerEnvRunner: 2, rolloutFragmentLength: 16 })
    .learners({ numLearners: over.numLearners ?? 0 })
    .rlModule({ fcnetHiddens: [8] })
    .training({
      trainBatchSizePerLearner: 32 * Math.max(1, over.runners ?? 1),
      minibatchSize: 16,
      numEpochs: 2,
      lr: 3e-3,
      useKlLoss: true,
      klTarget: 1e-4,
    })
    .multiAgent({
      policies: ids(numAgents),
      policyMappingFn: Object.fromEntries(ids(numAgents).map((id, i) => [String(i), id])),
      stackModules: over.stack ?? true,
      splitAgentsAcrossEnvRunners: over.split ?? false,
    })
    .faultTolerance({ restartFailedEnvRunners: true, delayBetweenEnvRunnerRestartsS: 0.01 })
    .debugging({ seed: 5 })
    .toConfig();
}

describe('runner placement', () => {
  it('splits independent agents into contiguous shares; each runner holds only their modules', () => {
    const cfg = config(10, { runners: 3, split: true });
    const agents = ids(10).map((_, i) => String(i));
    const moduleOfSlot = agents.map((_, i) => i);
    const layouts = [1, 2, 3].map((w) => runnerLayout(cfg, agents, moduleOfSlot, w));
    expect(layouts.map((l) => l.agentIds)).toEqual([
      ['0', '1', '2', '3'],
      ['4', '5', '6'],
      ['7', '8', '9'],
    ]);
    expect(layouts[1]!.moduleIds).toEqual(['m4', 'm5', 'm6']);
    expect(layouts[1]!.moduleOfSlot).toEqual([0, 1, 2]);
    expect(layouts.every((l) => l.stackModules)).toBe(true);
    // Without the key every runner holds every agent and module.
    expect(runnerLayout(config(10, { runners: 3 }), agents, moduleOfSlot, 2).moduleIds).toHaveLength(10);
    expect(() => runnerLayout(config(2, { runners: 3, split: true }), ['0', '1'], [0, 1], 1)).toThrow(
      /3 EnvRunners cannot split 2 agents/,
    );
  });

  it('a copy with a share of the agents names them as the whole env does; an env with interacting agents refuses', () => {
    const env = makeMultiAgentVectorEnv('MultiAgentCartPole', {
      numEnvs: 2,
      seed: 1,
      envConfig: { numAgents: 100 },
      agentIds: ['40', '41', '42'],
    });
    expect(env.agentIds).toEqual(['40', '41', '42']);
    expect(env.maxAgents).toBe(3);
    env.reset(1);
    env.step(new Int32Array(6));
    expect(env.rewards.every((r) => r === 1)).toBe(true);
    expect(() => makeMultiAgentVectorEnv('CoinChase-v0', { numEnvs: 1, agentIds: ['0'] })).toThrow(
      /did not declare independent agents/,
    );
  });

  it('the config says what cannot be placed', () => {
    const base = {
      env: 'MultiAgentCartPole',
      env_config: { numAgents: 4 },
      policies: ids(4),
      policy_mapping_fn: { '*': 'm0' },
    };
    expect(messages({ ...base, num_learners: 2, stack_modules: false })).toMatch(
      /multiAgent.stackModules: with numLearners 2 each learner worker trains a stack/,
    );
    expect(messages({ ...base, num_learners: 3, policies_to_train: ['m0', 'm1'] })).toMatch(
      /numLearners \(3\) is more than the modules that train \(2\)/,
    );
    expect(messages({ env: 'CoinChase-v0', split_agents_across_env_runners: true, num_env_runners: 2 })).toMatch(
      /splitAgentsAcrossEnvRunners: 'CoinChase-v0' does not declare independent agents/,
    );
    expect(messages({ env: 'CartPole-v1', stack_modules: false })).toMatch(/'CartPole-v1' is single-agent; drop them/);
    expect(messages({ ...base, num_learners: 2 })).toBe('');
  });
});

async function weightsOf(algo: MultiAgentPPO): Promise<Map<string, Float32Array[]>> {
  const saved = await algo.save();
  return new Map([...unpackModuleWeights(saved.weights)].map(([id, w]) => [id, w.arrays]));
}

describe('module groups on learner workers', () => {
  it('a learner worker that crashes mid-update is restarted with its modules; the run ends as an undisturbed one', async () => {
    const before = tf.memory().numTensors;
    const run = async (fault: boolean) => {
      const fleet = fakeLearners();
      if (fault) fleet.failUpdate(1, 3, 'crash-before');
      const algo = await MultiAgentPPO.build(config(5, { numLearners: 2 }), {
        backend: 'cpu',
        connectLearner: fleet.connect,
      });
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await algo.train());
      const weights = await weightsOf(algo);
      const saved = await algo.save();
      return { algo, fleet, results, weights, saved };
    };
    const clean = await run(false);
    const hurt = await run(true);
    // Worker 0 trains m0..m2, worker 1 m3, m4 (contiguous shares); both report every module.
    expect(clean.fleet.started.map((w) => w.rank)).toEqual([0, 1]);
    for (const id of ids(5)) expect(hurt.results.at(-1)![`learners/${id}/num_module_steps_trained`]).toBeGreaterThan(0);
    expect(hurt.fleet.started.map((w) => `${w.rank}.${w.incarnation}`)).toEqual(['0.0', '1.0', '1.1']);
    const failures = hurt.results.map((r) => r[FaultToleranceKeys.NUM_LEARNER_FAILURES_LIFETIME]);
    const restarts = hurt.results.map((r) => r[FaultToleranceKeys.NUM_LEARNER_RESTARTS_LIFETIME]);
    expect(failures).toEqual([0, 0, 1, 1]);
    expect(restarts).toEqual([0, 0, 1, 1]);
    // The restarted worker got m3 and m4 back as they were and re-ran the update: same weights, Adam, KL.
    for (const [id, arrays] of clean.weights) {
      arrays.forEach((a, i) => expect(Array.from(hurt.weights.get(id)![i]!)).toEqual(Array.from(a)));
    }
    expect(hurt.saved.modules?.['m4']?.optimizerState.step).toBe(clean.saved.modules?.['m4']?.optimizerState.step);
    expect(Array.from(hurt.saved.modules!['m4']!.optimizerState.arrays[0]!)).toEqual(
      Array.from(clean.saved.modules!['m4']!.optimizerState.arrays[0]!),
    );
    expect(hurt.saved.modules!['m3']!.learnerState['currKlCoeff']).toBe(
      clean.saved.modules!['m3']!.learnerState['currKlCoeff'],
    );
    expect(hurt.saved.counters.numLearnerFailuresLifetime).toBe(1);

    // A checkpoint restores every group (weights, Adam, KL), and training goes on from it.
    const fleet = fakeLearners();
    const again = await MultiAgentPPO.build(config(5, { numLearners: 2 }), {
      backend: 'cpu',
      connectLearner: fleet.connect,
    });
    await again.restore(clean.saved);
    const resumed = await again.save();
    expect(resumed.weights.arrays.map((a) => Array.from(a))).toEqual(
      clean.saved.weights.arrays.map((a) => Array.from(a)),
    );
    for (const id of ids(5).slice(1)) {
      expect(Array.from(resumed.modules![id]!.optimizerState.arrays[0]!)).toEqual(
        Array.from(clean.saved.modules![id]!.optimizerState.arrays[0]!),
      );
    }
    expect(resumed.modules!['m2']!.learnerState['currKlCoeff']).toBe(
      clean.saved.modules!['m2']!.learnerState['currKlCoeff'],
    );
    await again.train();
    const later = await again.save();
    expect(later.modules!['m4']!.optimizerState.step).toBeGreaterThan(clean.saved.modules!['m4']!.optimizerState.step);
    for (const a of [clean.algo, hurt.algo, again]) a.stop();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stacked and per-module runs train the same weights', async () => {
    const trainOnce = async (stack: boolean) => {
      const algo = await MultiAgentPPO.build(config(3, { stack }), { backend: 'cpu' });
      const r = await algo.train();
      const w = await weightsOf(algo);
      algo.stop();
      return { r, w };
    };
    const [stacked, single] = [await trainOnce(true), await trainOnce(false)];
    expect(stacked.r['num_agent_steps_sampled']).toBe(single.r['num_agent_steps_sampled']);
    for (const [id, arrays] of single.w) {
      arrays.forEach((a, i) => {
        const s = stacked.w.get(id)![i]!;
        for (let j = 0; j < a.length; j++) expect(Math.abs(s[j]! - a[j]!)).toBeLessThan(1e-4 * (1 + Math.abs(a[j]!)));
      });
      expect(
        Math.abs(Number(stacked.r[`learners/${id}/policy_loss`]) - Number(single.r[`learners/${id}/policy_loss`])),
      ).toBeLessThan(1e-4);
    }
  });
});

describe('agents split across runners', () => {
  it('two runners each step half the agents with their modules; every agent and module reports', async () => {
    const fleet = fakeFleet();
    const algo = await MultiAgentPPO.build(config(6, { runners: 2, split: true }), {
      backend: 'cpu',
      connect: fleet.connect,
    });
    const r = await algo.train();
    const runners = fleet.started.map(
      (w) => w.host as unknown as { runner: { settings: { agentIds?: string[]; moduleIds: string[] } } },
    );
    expect(runners.map((h) => h.runner.settings.agentIds)).toEqual([
      ['0', '1', '2'],
      ['3', '4', '5'],
    ]);
    expect(runners.map((h) => h.runner.settings.moduleIds)).toEqual([
      ['m0', 'm1', 'm2'],
      ['m3', 'm4', 'm5'],
    ]);
    for (const id of ids(6)) expect(r[`learners/${id}/num_module_steps_trained`]).toBeGreaterThan(0);
    // Each runner stepped 2 copies x 16 steps of its own 3-agent env.
    expect(r['num_env_steps_sampled']).toBe(64);
    algo.stop();
  });
});
