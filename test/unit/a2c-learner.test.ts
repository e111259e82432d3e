/**
 * A2CLearner: one gradient step per batch, the same step whether or not the gradient is summed
 * over microbatches, finite stats, no tensor leak, and REINFORCE advantages without a critic.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { A2C_DEFAULTS, type A2CConfig } from '../../src/algorithms/a2c/a2c-config';
import { A2CLearner } from '../../src/algorithms/a2c/a2c-learner';
import { Rng } from '../../src/core/rng';
import { ChunkEnd } from '../../src/core/sample-batch';
import { box, discrete } from '../../src/core/spaces';
import type { MLPModule } from '../../src/rl-module';
import { makeModule } from '../../src/rl-module';
import { syntheticBatch } from './helpers/ppo-batch';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function module(seed = 1): MLPModule {
  return makeModule({
    observationSpace: box(-5, 5, [4]),
    actionSpace: discrete(2),
    model: { fcnetHiddens: [16, 16], fcnetActivation: 'tanh', vfShareLayers: false },
    seed,
  });
}

const CHUNKS: [number, ChunkEnd][] = [
  [10, ChunkEnd.TERMINATED],
  [22, ChunkEnd.CUT],
  [13, ChunkEnd.TRUNCATED],
];

type Training = A2CConfig['training'];

function training(overrides: Partial<Training> = {}): Training {
  return {
    ...A2C_DEFAULTS.training,
    lr: 1e-2,
    gradClip: 0.5,
    gradClipBy: 'global_norm',
    gamma: 0.99,
    lambda: 0.95,
    useGae: true,
    useCritic: true,
    vfLossCoeff: 0.5,
    entropyCoeff: 0.01,
    microbatchSize: null,
    ...overrides,
  };
}

const CTX = { rng: new Rng(0), lifetimeEnvSteps: 0, envStepsTrainedLifetime: 0 };

async function weightsAfterOneUpdate(
  overrides: Partial<Training>,
): Promise<{ weights: Float32Array[]; stats: Record<string, number>; version: number }> {
  const m = module();
  const learner = new A2CLearner(m, training(overrides));
  const batch = await syntheticBatch(m, CHUNKS, new Rng(3), (_a, row) => (row % 3) - 0.5);
  const stats = await learner.update(batch, CTX);
  const weights = m.trainableVariables.map((v) => v.dataSync() as Float32Array);
  const version = m.weightsVersion;
  learner.dispose();
  return { weights, stats, version };
}

describe('A2CLearner', () => {
  it('takes exactly one gradient step per batch, with finite stats and no tensor leak', async () => {
    const before = tf.memory().numTensors;
    const { stats, version } = await weightsAfterOneUpdate({});
    expect(tf.memory().numTensors).toBe(before);
    expect(version).toBe(1);
    expect(stats['num_module_steps_trained']).toBe(45);
    expect(stats['num_env_steps_trained']).toBe(45);
    for (const key of ['policy_loss', 'vf_loss', 'entropy', 'total_loss', 'gradient_global_norm', 'curr_lr']) {
      expect(Number.isFinite(stats[key]), key).toBe(true);
    }
  });

  it('summing the gradient over microbatches gives the same step as the whole batch', async () => {
    const whole = await weightsAfterOneUpdate({});
    const before = tf.memory().numTensors;
    const micro = await weightsAfterOneUpdate({ microbatchSize: 8 }); // 6 microbatches, the last of 5 rows
    expect(tf.memory().numTensors).toBe(before);
    for (const key of ['policy_loss', 'vf_loss', 'entropy', 'gradient_global_norm']) {
      expect(micro.stats[key]).toBeCloseTo(whole.stats[key]!, 5);
    }
    whole.weights.forEach((w, i) => {
      const m = micro.weights[i]!;
      for (let j = 0; j < w.length; j++) expect(m[j]).toBeCloseTo(w[j]!, 5);
    });
    // And the step moved the weights at all (the comparison above is not between two no-ops).
    const fresh = module().trainableVariables.map((v) => v.dataSync() as Float32Array);
    expect(fresh.some((w, i) => w.some((x, j) => Math.abs(x - whole.weights[i]![j]!) > 1e-4))).toBe(true);
  });

  it('without a critic the value head is untouched (no value loss) and vf_loss is 0', async () => {
    const { weights, stats } = await weightsAfterOneUpdate({ useCritic: false, useGae: false });
    expect(stats['vf_loss']).toBe(0);
    const m = module();
    const names = m.variableNames;
    const fresh = m.trainableVariables.map((v) => v.dataSync() as Float32Array);
    m.dispose();
    names.forEach((name, i) => {
      if (!/^vf|value/.test(name)) return;
      expect(Array.from(weights[i]!), name).toEqual(Array.from(fresh[i]!));
    });
    expect(names.some((n) => /^vf|value/.test(n))).toBe(true);
  });
});

it('continuous actions train too (Box)', async () => {
  const m = makeModule({
    observationSpace: box(-5, 5, [3]),
    actionSpace: box(-1, 1, [2]),
    model: { fcnetHiddens: [8], fcnetActivation: 'tanh', vfShareLayers: false },
    seed: 2,
  });
  const learner = new A2CLearner(m, training({ lr: 1e-3, gradClip: null }));
  const stats = await learner.update(await syntheticBatch(m, CHUNKS, new Rng(5)), CTX);
  expect(Number.isFinite(stats['total_loss'])).toBe(true);
  learner.dispose();
});
