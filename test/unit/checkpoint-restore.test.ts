/**
 * Save and restore of a real (small, cpu, fake-runner) PPO in Node: nothing non-finite is saved,
 * a bad checkpoint changes nothing, restore is atomic in the app facade, and the fault-tolerance
 * lifetime counters survive a restore (issue 12, items 2 and 9).
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Algorithm } from '../../src/algorithms/algorithm';
import { checkpointFromJson, checkpointToJson } from '../../src/app/checkpoint-codec';
import { Checkpoints } from '../../src/app/checkpoints';
import { TrainerApp, type AppBuildOptions } from '../../src/app/trainer-app';
import { FaultToleranceKeys } from '../../src/core/metric-keys';
import { fakeFleet } from './helpers/fake-runners';
import { buildTinyPpo, TINY_PPO, tinyCheckpoint, tinyConfig } from './helpers/ppo-fixture';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
async function built(config = tinyConfig()): Promise<Algorithm> {
  const { algo } = await buildTinyPpo(config);
  cleanups.push(() => algo.stop());
  return algo;
}

const errorOf = async (p: Promise<unknown>): Promise<{ code?: string; message: string }> => {
  try {
    await p;
  } catch (e) {
    return e as { code?: string; message: string };
  }
  throw new Error('expected a rejection');
};

describe('Algorithm.save / restore', () => {
  it('save() refuses a checkpoint with a NaN weight: checkpoint/non-finite naming the variable', async () => {
    const algo = await built();
    await algo.train();
    const ppo = algo as unknown as {
      module: { getWeights(): Promise<{ arrays: Float32Array[] }>; setWeights(w: unknown): void };
    };
    const weights = await ppo.module.getWeights();
    weights.arrays[0]![3] = Number.NaN;
    ppo.module.setWeights(weights);
    const err = await errorOf(algo.save());
    expect(err.code).toBe('checkpoint/non-finite');
    expect(err.message).toContain("weights.arrays[0] ('pi/fc_0/kernel')");
    expect(err.message).toContain('NaN at index 3');
  });

  it('restore() of an invalid checkpoint throws checkpoint/invalid and changes nothing', async () => {
    const algo = await built();
    await algo.train();
    const before = await algo.save();
    const bad = { ...before, counters: { ...before.counters, trainingIteration: '9' }, rngState: undefined };
    const err = await errorOf(algo.restore(bad));
    expect(err.code).toBe('checkpoint/invalid');
    expect(err.message).toMatch(/counters\.trainingIteration[\s\S]*rngState/);
    const after = await algo.save();
    expect(after.counters).toEqual(before.counters);
    expect(after.weights.arrays.map((a) => Array.from(a))).toEqual(before.weights.arrays.map((a) => Array.from(a)));
  });

  it('the fault_tolerance lifetime counters survive a save and restore', async () => {
    const algo = await built();
    await algo.train();
    const group = algo.envRunnerGroup;
    group.supervisor.numFailures = 3;
    group.supervisor.numRestarts = 2;
    Object.assign(group.lifetime, {
      numSubEnvRestarts: 5,
      numEnvStepsLost: 40,
      numEpisodesLost: 4,
      numFragmentsDropped: 1,
    });
    const ckpt = await algo.save();

    const resumed = await built();
    await resumed.restore(checkpointFromJson(checkpointToJson(ckpt)));
    const result = await resumed.train();
    expect(result[FaultToleranceKeys.NUM_ENV_RUNNER_FAILURES_LIFETIME]).toBe(3);
    expect(result[FaultToleranceKeys.NUM_REMOTE_WORKER_RESTARTS]).toBe(2);
    expect(result[FaultToleranceKeys.NUM_SUB_ENV_RESTARTS_LIFETIME]).toBe(5);
    expect(result[FaultToleranceKeys.NUM_ENV_STEPS_LOST_LIFETIME]).toBe(40);
    expect(result[FaultToleranceKeys.NUM_EPISODES_LOST_LIFETIME]).toBe(4);
    expect(result[FaultToleranceKeys.NUM_SAMPLE_FRAGMENTS_DROPPED_LIFETIME]).toBe(1);
  });
});

describe('TrainerApp.restore is atomic', () => {
  async function trainedApp(): Promise<{
    app: TrainerApp;
    opts: AppBuildOptions;
    started: () => number;
    live: () => number;
  }> {
    await tf.setBackend('cpu');
    const fleet = fakeFleet();
    const opts: AppBuildOptions = { backend: 'cpu', connect: fleet.connect };
    const app = new TrainerApp();
    cleanups.push(() => app.dispose());
    await app.build(TINY_PPO, opts);
    await app.step();
    await app.step();
    return {
      app,
      opts,
      started: () => fleet.started.length,
      live: () => fleet.started.filter((w) => !w.terminated).length,
    };
  }

  async function expectUntouched(app: TrainerApp, algo: Algorithm | null, weights: number[][]): Promise<void> {
    expect(app.algorithm).toBe(algo);
    expect(app.status).toBe('ready');
    expect(app.results).toHaveLength(2);
    const now = await app.save();
    expect(now.weights.arrays.map((a) => Array.from(a))).toEqual(weights);
    expect((await app.step())['training_iteration']).toBe(3);
  }

  it('a checkpoint that fails validation leaves the running algorithm, status, config and results as they were', async () => {
    const { app, opts, started } = await trainedApp();
    const algo = app.algorithm;
    const config = app.algorithm?.config;
    const weights = (await app.save()).weights.arrays.map((a) => Array.from(a));
    const good = JSON.parse(checkpointToJson(await tinyCheckpoint())) as Record<string, unknown>;
    const bad = JSON.stringify({ ...good, episodeReturns: '999' });
    const startedBefore = started();
    const err = await errorOf(new Checkpoints(app).restoreFromJson(bad, opts));
    expect(err.code).toBe('checkpoint/invalid');
    expect(started()).toBe(startedBefore); // refused before building anything
    expect(app.algorithm?.config).toBe(config);
    await expectUntouched(app, algo, weights);
  });

  it('a valid checkpoint that does not fit its own config is built aside, fails, and is disposed', async () => {
    const { app, opts, live } = await trainedApp();
    const algo = app.algorithm;
    const weights = (await app.save()).weights.arrays.map((a) => Array.from(a));
    const ckpt = await tinyCheckpoint();
    // Weights of an [8] net under a config that asks for [32]: only restoring into the new module finds out.
    const misfit = { ...ckpt, config: tinyConfig({ rlModule: { fcnetHiddens: [32] } }) };
    const err = await errorOf(app.restore(misfit, opts));
    expect(err.code).toBe('checkpoint/mismatch');
    expect(err.message).toMatch(/should have shape/);
    expect(live()).toBe(1); // the aside algorithm's runner is gone again
    await expectUntouched(app, algo, weights);
  });

  it('a good checkpoint swaps in: counters, config and weights come from it; the old algorithm is stopped', async () => {
    const { app, opts, live } = await trainedApp();
    const old = app.algorithm;
    const ckpt = await tinyCheckpoint(4);
    await app.restore(ckpt, opts);
    expect(app.algorithm).not.toBe(old);
    expect(app.status).toBe('ready');
    expect(app.results).toHaveLength(0);
    expect(app.algorithm?.counters.trainingIteration).toBe(4);
    expect(live()).toBe(1);
    expect((await app.step())['training_iteration']).toBe(5);
  });
});
