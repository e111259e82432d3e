import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ALGORITHM_CONFIG_DEFAULTS, type FaultToleranceConfig } from '../../src/core/config';
import { EnvRunner } from '../../src/env-runner/env-runner';
import { EnvRunnerGroup } from '../../src/runtime/env-runner-group';
import { fakeFleet, type FakeFleet } from './helpers/fake-runners';
import { runnerSettings } from './helpers/settings';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

let group: EnvRunnerGroup | null = null;
afterEach(() => {
  group?.stop();
  group = null;
});

function makeGroup(fleet: FakeFleet, ft: Partial<FaultToleranceConfig>, numEnvRunners = 2): EnvRunnerGroup {
  group = new EnvRunnerGroup({
    numEnvRunners,
    faultTolerance: { ...ALGORITHM_CONFIG_DEFAULTS.faultTolerance, delayBetweenEnvRunnerRestartsS: 0.01, ...ft },
    sampleTimeoutS: 5,
    connect: fleet.connect,
    settingsFor: (workerIndex, incarnation) =>
      runnerSettings({ workerIndex, seed: 3 + incarnation, numEnvs: 2, rolloutFragmentLength: 10 }),
  });
  return group;
}

const until = async (cond: () => boolean, timeoutMs = 5000): Promise<void> => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('Supervisor with fake workers', () => {
  it('restart mode: a crashed runner is replaced, gets the latest weights before sampling, and healthy data is kept', async () => {
    const fleet = fakeFleet();
    const g = makeGroup(fleet, { restartFailedEnvRunners: true });
    await g.start();
    const weights = await new EnvRunner(runnerSettings()).module.getWeights();
    await g.syncWeights(weights);
    fleet.crashOnSample(1, true);
    const result = await g.sample(40);
    // Runner 2's batches are kept; the round with the crash still delivered runner 2's 20 steps.
    expect(result.batches.every((b) => b.numSteps === 20)).toBe(true);
    expect(result.batches.reduce((n, b) => n + b.numSteps, 0)).toBeGreaterThanOrEqual(40);
    expect(result.numFragmentsDropped).toBeGreaterThanOrEqual(1);
    fleet.crashOnSample(1, false);
    await until(() => g.supervisor.slots[0]!.state === 'idle');
    const replacement = fleet.current(1);
    expect(replacement.incarnation).toBeGreaterThan(0);
    expect(replacement.weightsSeqsReceived[0]).toBe(1);
    expect(g.supervisor.numRestarts).toBeGreaterThanOrEqual(1);
    expect(g.supervisor.events.some((e) => e.workerIndex === 1 && e.action === 'restarted')).toBe(true);
    const next = await g.sample(40);
    expect(next.batches.map((b) => b.workerIndex).sort()).toEqual([1, 2]);
  });

  it('hang: a runner that stops answering pings is detected by the health probe and restarted', async () => {
    const fleet = fakeFleet();
    const g = makeGroup(fleet, { restartFailedEnvRunners: true, envRunnerHealthProbeTimeoutS: 0.2 });
    await g.start();
    fleet.current(2).hang();
    await g.probeHealth();
    expect(g.supervisor.events.some((e) => e.workerIndex === 2 && /did not answer/.test(e.cause))).toBe(true);
    expect(fleet.started.find((w) => w.workerIndex === 2 && w.incarnation === 0)!.terminated).toBe(true);
    await until(() => g.supervisor.slots[1]!.state === 'idle');
    expect(fleet.current(2).incarnation).toBe(1);
  });

  it('hang during sample: the watchdog ping fails the runner before the sample deadline', async () => {
    const fleet = fakeFleet();
    const g = makeGroup(fleet, { restartFailedEnvRunners: true, envRunnerHealthProbeTimeoutS: 0.3 });
    await g.start();
    fleet.current(1).hang();
    const t0 = Date.now();
    const result = await g.sample(20);
    expect(Date.now() - t0).toBeLessThan(4000); // sampleTimeoutS is 5
    expect(result.batches.some((b) => b.workerIndex === 2)).toBe(true);
  });

  it('crash during restart: failed starts are retried until one succeeds', async () => {
    const fleet = fakeFleet();
    const g = makeGroup(fleet, { restartFailedEnvRunners: true });
    await g.start();
    fleet.failNextStarts(1, 2);
    fleet.current(1).crash();
    await g.sample(10).catch(() => undefined);
    await until(() => g.supervisor.slots[0]!.state === 'idle');
    expect(g.supervisor.slots[0]!.restarts).toBe(3);
    expect(g.supervisor.events.filter((e) => e.workerIndex === 1 && e.action === 'restart-scheduled')).toHaveLength(3);
  });

  it('crash loop: stops restarting at maxNumEnvRunnerRestarts and says so, training continues on the rest', async () => {
    const fleet = fakeFleet();
    const g = makeGroup(fleet, { restartFailedEnvRunners: true, maxNumEnvRunnerRestarts: 2 });
    await g.start();
    fleet.crashOnSample(1, true);
    for (let i = 0; i < 6; i++) {
      await g.sample(20);
      await new Promise((r) => setTimeout(r, 50));
    }
    const slot = g.supervisor.slots[0]!;
    expect(slot.state).toBe('dropped');
    expect(slot.restarts).toBe(2);
    const gaveUp = g.supervisor.events.find((e) => e.action === 'gave-up');
    expect(gaveUp?.cause).toMatch(/maxNumEnvRunnerRestarts=2/);
    const last = await g.sample(20);
    expect(last.batches.every((b) => b.workerIndex === 2)).toBe(true);
  });

  it('ignore mode: carries on with healthy runners, then fails clearly when none is left', async () => {
    const fleet = fakeFleet();
    const g = makeGroup(fleet, {
      restartFailedEnvRunners: false,
      ignoreEnvRunnerFailures: true,
      numConsecutiveEnvRunnerFailuresTolerance: 3,
    });
    await g.start();
    fleet.current(1).crash();
    const r = await g.sample(20);
    expect(r.batches.every((b) => b.workerIndex === 2)).toBe(true);
    expect(g.supervisor.slots[0]!.state).toBe('dropped');
    fleet.current(2).crash();
    await expect(g.sample(20)).rejects.toThrow(/No healthy EnvRunner left/);
    expect(fleet.started).toHaveLength(2); // nothing was restarted
  });

  it('neither restart nor ignore: stops with an error naming the runner and the cause', async () => {
    const fleet = fakeFleet();
    const g = makeGroup(fleet, { restartFailedEnvRunners: false, ignoreEnvRunnerFailures: false });
    await g.start();
    fleet.current(2).crash('segfault in env');
    await expect(g.sample(20)).rejects.toThrow(/EnvRunner 2 failed: .*segfault in env.*restartFailedEnvRunners/);
  });

  it('stale weights after restart: the new runner gets the latest seq first and ignores older ones', async () => {
    const fleet = fakeFleet();
    const g = makeGroup(fleet, { restartFailedEnvRunners: true });
    await g.start();
    const weights = await new EnvRunner(runnerSettings()).module.getWeights();
    for (let i = 0; i < 3; i++) await g.syncWeights(weights);
    fleet.current(1).crash();
    await g.probeHealth();
    await until(() => g.supervisor.slots[0]!.state === 'idle');
    const fresh = fleet.current(1);
    expect(fresh.weightsSeqsReceived).toEqual([3]);
    await expect(fresh.host.setWeights(weights, 2)).resolves.toBe(false);
    await expect(fresh.host.setWeights(weights, 4)).resolves.toBe(true);
  });

  it('lifetime counters never go backwards across restarts', async () => {
    const fleet = fakeFleet();
    const g = makeGroup(fleet, { restartFailedEnvRunners: true });
    await g.start();
    let prev = 0;
    for (let i = 0; i < 4; i++) {
      if (i === 2) fleet.current(1).crash();
      await g.sample(40);
      expect(g.lifetime.numEnvStepsSampled).toBeGreaterThan(prev);
      prev = g.lifetime.numEnvStepsSampled;
    }
  });
});

describe('Supervisor: one owner per slot transition', () => {
  it('a restarted runner that dies during init() is restarted again, and sampling waits for it', async () => {
    const fleet = fakeFleet();
    // One runner, so the iteration has to wait for its restarts; tolerance counts iterations, not rounds.
    const g = makeGroup(fleet, { restartFailedEnvRunners: true, numConsecutiveEnvRunnerFailuresTolerance: 2 }, 1);
    await g.start();
    fleet.crashDuringNextInits(1, 2);
    fleet.current(1).crash('first crash');
    const result = await g.sample(20);
    expect(result.batches.reduce((n, b) => n + b.numSteps, 0)).toBeGreaterThanOrEqual(20);
    const slot = g.supervisor.slots[0]!;
    expect(slot.state).toBe('idle');
    // Three failures (the crash and two deaths during init), each handled once: three restarts.
    expect(slot.restarts).toBe(3);
    expect(g.supervisor.numFailures).toBe(3);
    expect(g.supervisor.events.filter((e) => e.action === 'restart-scheduled')).toHaveLength(3);
    expect(fleet.started.map((w) => w.incarnation)).toEqual([0, 1, 2, 3]);
    expect(fleet.started.slice(0, 3).every((w) => w.terminated)).toBe(true);
  });

  it('a failure reported twice for the same incarnation acts once', async () => {
    const fleet = fakeFleet();
    const g = makeGroup(fleet, { restartFailedEnvRunners: true }, 1);
    await g.start();
    const slot = g.supervisor.slots[0]!;
    const incarnation = slot.incarnation;
    g.supervisor.handleFailure(slot, new Error('first report'), incarnation);
    g.supervisor.handleFailure(slot, new Error('second report'), incarnation);
    await until(() => slot.state === 'idle');
    // A late report about the dead incarnation must not fail the new one.
    g.supervisor.handleFailure(slot, new Error('stale report'), incarnation);
    expect(slot.state).toBe('idle');
    expect(g.supervisor.numFailures).toBe(1);
    expect(slot.restarts).toBe(1);
  });

  it('numConsecutiveEnvRunnerFailuresTolerance counts iterations without a healthy runner', async () => {
    const fleet = fakeFleet();
    const g = makeGroup(fleet, { restartFailedEnvRunners: true, numConsecutiveEnvRunnerFailuresTolerance: 1 }, 1);
    await g.start();
    fleet.current(1).crash();
    await g.sample(10); // iteration 1 waited for the restart: 1 of 1 tolerated
    fleet.current(1).crash();
    await expect(g.sample(10)).rejects.toThrow(
      /No healthy EnvRunner in 2 iterations in a row.*numConsecutiveEnvRunnerFailuresTolerance \(1\)/,
    );
  });

  it('restarts use envRunnerRestoreTimeoutS as the deadline for init()', async () => {
    const fleet = fakeFleet();
    const g = makeGroup(fleet, { restartFailedEnvRunners: true, envRunnerRestoreTimeoutS: 0.05 }, 1);
    await g.start();
    fleet.hangDuringNextInits(1, 1); // the first restart's init() never answers
    fleet.current(1).crash();
    await until(() => g.supervisor.events.some((e) => /init\(\) did not answer within 0.1 s/.test(e.cause)));
    await until(() => g.supervisor.slots[0]!.state === 'idle');
    expect(g.supervisor.slots[0]!.restarts).toBe(2);
  });
});
