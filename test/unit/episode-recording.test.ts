/**
 * recordEpisodes ends: it records what it was asked, stops with the group's error when no runner is
 * left, refuses a multi-agent run up front (its runners' env-level batches are empty, so it used
 * to sample forever), and stops on any sample call that brings no rows.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Algorithm } from '../../src/algorithms/algorithm';
import { MultiAgentPPO } from '../../src/algorithms/multi-agent/multi-agent-ppo';
import { multiAgentPpo } from '../../src/algorithms/multi-agent/multi-agent-ppo-config';
import { PPO } from '../../src/algorithms/ppo/ppo';
import { ppo } from '../../src/algorithms/ppo/ppo-config';
import { recordEpisodes } from '../../src/app/episode-recording';
import type { SampleBatch } from '../../src/core/sample-batch';
import { fakeFleet } from './helpers/fake-runners';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The promise's outcome, or 'still running' after `ms` (the bug this guards against is a loop that never ends). */
async function within<T>(p: Promise<T>, ms: number): Promise<T | 'still running'> {
  return Promise.race([p, new Promise<'still running'>((r) => setTimeout(() => r('still running'), ms))]);
}

const single = (numEnvRunners: number) =>
  ppo()
    .environment('CartPole-v1')
    .envRunners({ numEnvRunners, numEnvsPerEnvRunner: 2, rolloutFragmentLength: 8 })
    .rlModule({ fcnetHiddens: [8] })
    .debugging({ seed: 1 });

describe('recordEpisodes', () => {
  it('records at least the steps asked for', async () => {
    const algo = await PPO.build(single(0).toConfig(), { backend: 'cpu' });
    const rec = await recordEpisodes(algo, 40);
    expect(rec.numEnvSteps).toBeGreaterThanOrEqual(40);
    expect(rec.bytes.length).toBeGreaterThan(0);
    algo.stop();
  });

  it('every runner dropped: the group says so, the recording does not loop', async () => {
    const fleet = fakeFleet();
    const algo = await PPO.build(
      single(2).faultTolerance({ restartFailedEnvRunners: false, ignoreEnvRunnerFailures: true }).toConfig(),
      { backend: 'cpu', connect: fleet.connect },
    );
    fleet.crashOnSample(1, true);
    fleet.crashOnSample(2, true);
    const outcome = await within(
      recordEpisodes(algo, 100).catch((e: unknown) => e),
      5000,
    );
    expect(outcome).toMatchObject({ code: 'env-runner/none-healthy' });
    algo.stop();
  });

  it('a multi-agent run is refused up front with offline/multi-agent (it used to sample forever)', async () => {
    const algo = await MultiAgentPPO.build(
      multiAgentPpo()
        .environment('MultiAgentCartPole', { numAgents: 2 })
        .envRunners({ numEnvRunners: 0, numEnvsPerEnvRunner: 2 })
        .rlModule({ fcnetHiddens: [8] })
        .training({ trainBatchSizePerLearner: 64, minibatchSize: 32, numEpochs: 1 })
        .multiAgent({ policies: ['p0', 'p1'], policyMappingFn: { '0': 'p0', '1': 'p1' } })
        .toConfig(),
      { backend: 'cpu' },
    );
    const outcome = await within(
      recordEpisodes(algo, 100).catch((e: unknown) => e),
      5000,
    );
    expect(outcome).toMatchObject({ code: 'offline/multi-agent' });
    algo.stop();
  });

  it('a sample call that brings no rows stops the recording with offline/no-progress', async () => {
    const empty = { numSteps: 0, obsDim: 4, chunkStarts: new Int32Array(1) } as SampleBatch;
    let calls = 0;
    const algo = {
      config: single(1).toConfig(),
      envRunnerGroup: {
        sample: () => {
          calls++;
          return Promise.resolve({ batches: [empty], moduleBatches: [], metrics: [], numFragmentsDropped: 0 });
        },
      },
    } as unknown as Algorithm;
    const outcome = await within(
      recordEpisodes(algo, 100).catch((e: unknown) => e),
      5000,
    );
    expect(outcome).toMatchObject({ code: 'offline/no-progress' });
    expect(calls).toBe(1);
  });
});
