/**
 * remoteWorkerEnvs: an EnvRunner whose sub-envs answer asynchronously (in-process stand-ins for
 * the nested workers, running the real SubEnvHost), and SlowCartPole-v1.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChunkEnd } from '../../src/core/sample-batch';
import { PPO } from '../../src/algorithms/ppo/ppo';
import { ppo } from '../../src/algorithms/ppo/ppo-config';
import { RLError } from '../../src/core/errors';
import type { EnvRunnerSettings } from '../../src/env-runner/env-runner-config';
import { EnvRunner } from '../../src/env-runner/env-runner';
import type { SpawnSubEnv, SubEnvPort } from '../../src/env-runner/remote-sub-envs';
import { SubEnvHost } from '../../src/env-runner/sub-env-host';
import type { SubEnvReply, SubEnvRequest } from '../../src/env-runner/sub-env-protocol';
import { makeVectorEnv } from '../../src/envs';
import { fakeFleet } from './helpers/fake-runners';
import { runnerSettings } from './helpers/settings';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * Sub-env i answers after delayMs(i) ms, through structured clones like a real worker. `hangs(i, n)`
 * says whether sub-env i's worker blocks forever at its n-th request (counted per worker from 1).
 */
function inProcess(
  delayMs: (i: number) => number,
  spawned: number[] = [],
  hangs: (i: number, n: number) => boolean = () => false,
): SpawnSubEnv {
  return (i) => {
    spawned.push(i);
    const host = new SubEnvHost();
    let dead = false;
    let requests = 0;
    const port: SubEnvPort = {
      onmessage: null,
      onerror: null,
      postMessage(message: SubEnvRequest) {
        if (dead || hangs(i, ++requests)) return;
        const request = structuredClone(message);
        setTimeout(() => {
          if (dead) return;
          const out = host.handle(request);
          dead = out.dead;
          port.onmessage?.({ data: structuredClone<SubEnvReply>(out.reply) });
        }, delayMs(i));
      },
      terminate() {
        dead = true;
      },
    };
    return port;
  };
}

describe('remote sub-envs', () => {
  it('waiting for every sub-env reproduces inline sampling exactly (same seeds, same draws)', async () => {
    const settings = runnerSettings({ numEnvs: 3, rolloutFragmentLength: 40 });
    const inline = new EnvRunner(settings);
    const remote = new EnvRunner(
      { ...settings, remoteWorkerEnvs: true, remoteEnvBatchWaitMs: 1000 },
      inProcess((i) => 3 - i),
    );
    for (let call = 0; call < 2; call++) {
      const a = (await inline.sample()).batch;
      const b = (await remote.sample()).batch;
      expect(b.numSteps).toBe(120);
      expect(Array.from(b.obs)).toEqual(Array.from(a.obs));
      expect(Array.from(b.actions)).toEqual(Array.from(a.actions));
      expect(Array.from(b.rewards)).toEqual(Array.from(a.rewards));
      expect(Array.from(b.chunkEnds)).toEqual(Array.from(a.chunkEnds));
      expect(Array.from(b.finalObs)).toEqual(Array.from(a.finalObs));
    }
    inline.stop();
    remote.stop();
  });

  it('with remoteEnvBatchWaitMs 0 infers on whatever arrived: smaller batches, every row still there', async () => {
    const settings = runnerSettings({ numEnvs: 4, rolloutFragmentLength: 30, remoteWorkerEnvs: true });
    // Sub-env 3 is slow: the fast ones must not wait for it.
    const runner = new EnvRunner(
      settings,
      inProcess((i) => (i === 3 ? 8 : 0)),
    );
    const sizes: number[] = [];
    const forward = runner.module.forwardExploration.bind(runner.module);
    runner.module.forwardExploration = (obs, k, rng, out) => {
      sizes.push(k);
      return forward(obs, k, rng, out);
    };
    const { batch, metrics } = await runner.sample();
    expect(batch.numSteps).toBe(120);
    expect(metrics.numEnvSteps).toBe(120);
    expect(Math.min(...sizes)).toBeLessThan(4);
    // Each sub-env contributes its 30 rows, chunk by chunk, with valid chunk ends.
    const rows = new Array<number>(4).fill(0);
    for (let c = 0; c < batch.chunkEnds.length; c++) {
      const i = batch.chunkEnvIndices[c]!;
      rows[i] = rows[i]! + batch.chunkStarts[c + 1]! - batch.chunkStarts[c]!;
      expect([ChunkEnd.CUT, ChunkEnd.TERMINATED, ChunkEnd.TRUNCATED]).toContain(batch.chunkEnds[c]);
    }
    expect(rows).toEqual([30, 30, 30, 30]);
    runner.stop();
  });

  it('replaces a crashed sub-env worker, drops and counts its partial episode', async () => {
    const spawned: number[] = [];
    const runner = new EnvRunner(
      runnerSettings({
        env: 'CartPoleCrashing-v1',
        envConfig: { pCrash: 0.02, seed: 3 },
        numEnvs: 4,
        rolloutFragmentLength: 100,
        remoteWorkerEnvs: true,
        restartFailedSubEnvironments: true,
      }),
      inProcess(() => 0, spawned),
    );
    let lost = 0;
    let restarts = 0;
    for (let call = 0; call < 3; call++) {
      const { batch, metrics } = await runner.sample();
      expect(batch.numSteps + metrics.numEnvStepsLost).toBe(400);
      lost += metrics.numEpisodesLost;
      restarts += metrics.numSubEnvRestarts;
    }
    expect(restarts).toBeGreaterThan(0);
    expect(lost).toBe(restarts);
    expect(spawned.length).toBe(4 + restarts);
    runner.stop();
  });

  it('without restartFailedSubEnvironments a crashed sub-env worker fails the sample call', async () => {
    const runner = new EnvRunner(
      runnerSettings({
        env: 'CartPoleCrashing-v1',
        envConfig: { pCrash: 0.2, seed: 3 },
        numEnvs: 2,
        remoteWorkerEnvs: true,
      }),
      inProcess(() => 0),
    );
    const error = await runner.sample().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RLError);
    expect((error as RLError).code).toBe('env/sub-env-crash');
    expect((error as RLError).message).toContain('restartFailedSubEnvironments');
    // The failed call left nothing in flight: the next call starts fresh workers and samples.
    const again = await runner.sample({ numTimesteps: 2 }).then(
      (r) => r.batch.numSteps,
      (e: unknown) => (e instanceof RLError ? e.code : e),
    );
    expect([2, 'env/sub-env-crash']).toContain(again);
    runner.stop();
  });

  it('stop() ends a pending wait: a sample waiting on a silent sub-env rejects with env/sub-env-stopped', async () => {
    // No hang deadline: only stop() can end the wait (before the fix it waited forever).
    const runner = new EnvRunner(
      runnerSettings({ numEnvs: 2, remoteWorkerEnvs: true, subEnvHealthProbeTimeoutS: null }),
      inProcess(
        () => 0,
        [],
        (i, n) => i === 1 && n === 5,
      ),
    );
    const sample = runner.sample();
    setTimeout(() => runner.stop(), 100);
    const t0 = Date.now();
    await expect(sample).rejects.toMatchObject({ code: 'env/sub-env-stopped' });
    expect(Date.now() - t0).toBeLessThan(2000);
  }, 10_000);

  it('a sub-env worker that stops answering is found by its deadline and rebuilt; its partial episode is counted', async () => {
    const spawned: number[] = [];
    const runner = new EnvRunner(
      runnerSettings({
        numEnvs: 2,
        rolloutFragmentLength: 20,
        remoteWorkerEnvs: true,
        restartFailedSubEnvironments: true,
        subEnvHealthProbeTimeoutS: 0.2,
      }),
      // Sub-env 1's first worker blocks forever at its 5th request (a step); its second is fine.
      inProcess(
        () => 0,
        spawned,
        (i, n) => i === 1 && n === 5 && spawned.filter((k) => k === 1).length === 1,
      ),
    );
    const t0 = Date.now();
    const { batch, metrics } = await runner.sample();
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(metrics.numSubEnvRestarts).toBe(1);
    expect(metrics.numEpisodesLost).toBe(1);
    expect(batch.numSteps + metrics.numEnvStepsLost).toBe(40);
    expect(spawned).toEqual([0, 1, 1]);
    runner.stop();
  }, 10_000);

  it('without restartFailedSubEnvironments a hung sub-env worker fails the sample call, saying it hung', async () => {
    const runner = new EnvRunner(
      runnerSettings({ numEnvs: 2, remoteWorkerEnvs: true, subEnvHealthProbeTimeoutS: 0.2 }),
      inProcess(
        () => 0,
        [],
        (i, n) => i === 0 && n === 3,
      ),
    );
    const error = await runner.sample().catch((e: unknown) => e);
    expect((error as RLError).code).toBe('env/sub-env-crash');
    expect((error as RLError).message).toMatch(/Remote sub-env 0 crashed: it did not answer within 0.2 s \(hung/);
    runner.stop();
  }, 10_000);

  it("the run's envRunnerHealthProbeTimeoutS is every runner's sub-env deadline", async () => {
    const fleet = fakeFleet();
    const seen: EnvRunnerSettings[] = [];
    const algo = await PPO.build(
      ppo()
        .environment('CartPole-v1')
        .envRunners({ numEnvRunners: 1, numEnvsPerEnvRunner: 2, remoteWorkerEnvs: true })
        .rlModule({ fcnetHiddens: [8] })
        .faultTolerance({ envRunnerHealthProbeTimeoutS: 7 })
        .toConfig(),
      {
        backend: 'cpu',
        connect: async (i) => {
          const conn = await fleet.connect(i);
          const init = conn.api.init.bind(conn.api);
          return { ...conn, api: { ...conn.api, init: (settings) => (seen.push(settings), init(settings)) } };
        },
      },
    );
    algo.stop();
    expect(seen.map((s) => s.subEnvHealthProbeTimeoutS)).toEqual([7]);
  });

  it('complete_episodes collects whole episodes only', async () => {
    const runner = new EnvRunner(
      runnerSettings({ numEnvs: 3, batchMode: 'complete_episodes', remoteWorkerEnvs: true }),
      inProcess((i) => i),
    );
    const { batch } = await runner.sample({ numEpisodes: 4 });
    expect(batch.chunkEnds.length).toBeGreaterThanOrEqual(4);
    for (const end of batch.chunkEnds) expect(end).not.toBe(ChunkEnd.CUT);
    runner.stop();
  });
});

describe('SlowCartPole-v1', () => {
  it('is CartPole-v1 step for step, only slower', () => {
    const slow = makeVectorEnv('SlowCartPole-v1', { numEnvs: 2, seed: 5, envConfig: { stepCostMs: 1 } });
    const fast = makeVectorEnv('CartPole-v1', { numEnvs: 2, seed: 5 });
    slow.reset(5);
    fast.reset(5);
    const actions = Int32Array.from([1, 0]);
    const t0 = performance.now();
    for (let t = 0; t < 20; t++) {
      slow.step(actions);
      fast.step(actions);
      expect(Array.from(slow.obs)).toEqual(Array.from(fast.obs));
      expect(Array.from(slow.terminated)).toEqual(Array.from(fast.terminated));
    }
    expect(performance.now() - t0).toBeGreaterThanOrEqual(20 * 2 * 1);
  });

  it('rejects a negative or absurd stepCostMs, naming the key', () => {
    for (const stepCostMs of [-1, 5000, 'x']) {
      expect(() => makeVectorEnv('SlowCartPole-v1', { numEnvs: 1, envConfig: { stepCostMs } })).toThrow(
        /envConfig\.stepCostMs/,
      );
    }
  });
});
