/**
 * SAC's math and plumbing: the squashed-Gaussian density against numeric references, the
 * temperature's direction, the twin-Q min target against a hand computation, the checkpoint
 * round trip and flat tensor counts, config checks. cpu backend, tiny nets.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SAC } from '../../src/algorithms/sac/sac';
import { resolveTargetEntropy, sac, type SACConfig } from '../../src/algorithms/sac/sac-config';
import { SACLearner } from '../../src/algorithms/sac/sac-learner';
import { SACColumns, sacLoss } from '../../src/algorithms/sac/sac-loss';
import { SAC_SPEC } from '../../src/algorithms/sac/sac-spec';
import { listEnvs } from '../../src/envs';
import { Rng } from '../../src/core/rng';
import { allocReplayBatch } from '../../src/replay/replay-batch';
import { SACModule } from '../../src/rl-module/sac-module';
import { squashedGaussianLogpJs, squashedGaussianSample } from '../../src/rl-module/squashed-gaussian';
import { TargetNetwork } from '../../src/learner/target-network';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const BOX = { kind: 'box', shape: [1], low: [-2], high: [2] } as const;
const OBS = { kind: 'box', shape: [3], low: [-1, -1, -8], high: [1, 1, 8] } as const;

function smallModule(twinQ = true): SACModule {
  return new SACModule({
    observationSpace: OBS,
    actionSpace: BOX,
    model: {
      policyFcnetHiddens: [4],
      policyFcnetActivation: 'relu',
      qFcnetHiddens: [4],
      qFcnetActivation: 'relu',
      twinQ,
      initialAlpha: 0.5,
    },
    seed: 3,
  });
}

function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

describe('squashed Gaussian', () => {
  const mean = 0.3;
  const logStd = -0.4;
  const std = Math.exp(logStd);

  it('log pi matches the change of variables with a finite-difference Jacobian', () => {
    const us = [-3, -1.2, 0, 0.5, 2.5, 6];
    const eps = us.map((u) => (u - mean) / std);
    const logp = tf.tidy(() => {
      const out = squashedGaussianSample(
        tf.fill<tf.Rank.R2>([us.length, 1], mean),
        tf.fill<tf.Rank.R2>([us.length, 1], logStd),
        tf.tensor2d(eps, [us.length, 1]),
      );
      return out.logp.dataSync();
    });
    us.forEach((u, i) => {
      const h = 1e-5;
      const dadu = (Math.tanh(u + h) - Math.tanh(u - h)) / (2 * h);
      const reference = Math.log(normalPdf((u - mean) / std) / std / dadu);
      expect(logp[i]).toBeCloseTo(reference, 3);
      expect(squashedGaussianLogpJs(u, mean, logStd)).toBeCloseTo(reference, 5);
    });
  });

  it('integrates to 1 over (-1, 1)', () => {
    // Midpoint rule in a = tanh(u); the density is finite at the ends for this mean and std.
    const n = 200_000;
    let total = 0;
    for (let k = 0; k < n; k++) {
      const a = -1 + (2 * (k + 0.5)) / n;
      total += Math.exp(squashedGaussianLogpJs(Math.atanh(a), mean, logStd)) * (2 / n);
    }
    expect(total).toBeCloseTo(1, 3);
  });

  it('exploration samples stay in the Box and inference is tanh(mean) scaled', async () => {
    const m = smallModule();
    const obs = new Float32Array([0.1, 0.2, 0.3, -0.5, 0.4, 1]);
    const out = { actions: new Float32Array(2), actionLogp: new Float32Array(2), vfPreds: new Float32Array(2) };
    await m.forwardExploration(obs, 2, new Rng(1), out);
    for (const a of out.actions) expect(Math.abs(a)).toBeLessThanOrEqual(2);
    const inf = { actions: new Float32Array(2) };
    await m.forwardInference(obs, 2, inf);
    const mean0 = tf.tidy(() => m.forwardTrain(tf.tensor2d(obs, [2, 3])).actionDistInputs.dataSync()[0]!);
    expect(inf.actions[0]).toBeCloseTo(2 * Math.tanh(mean0), 5);
    m.dispose();
  });
});

/** One transition batch of `n` rows for the Pendulum-shaped module. */
function batchOf(n: number, rng: Rng) {
  const b = allocReplayBatch(n, 3, 1, false);
  for (let i = 0; i < n * 3; i++) {
    b.obs[i] = rng.uniform(-1, 1);
    b.nextObs[i] = rng.uniform(-1, 1);
  }
  for (let i = 0; i < n; i++) {
    b.actions[i] = rng.uniform(-2, 2);
    b.rewards[i] = rng.uniform(-5, 0);
    b.discounts[i] = 0.99;
  }
  return b;
}

function training(over: object = {}) {
  return sac()
    .training({ actorLr: 1e-3, criticLr: 1e-3, alphaLr: 0.1, ...over })
    .toConfig().training;
}

describe('temperature', () => {
  it("'auto' target entropy is -|A|", () => {
    expect(resolveTargetEntropy('auto', 3)).toBe(-3);
    expect(resolveTargetEntropy(-0.5, 3)).toBe(-0.5);
  });

  it.each([
    [10, 'grows'],
    [-50, 'shrinks'],
  ])('with target entropy %d (policy entropy below / above it) alpha %s', async (targetEntropy, direction) => {
    const m = smallModule();
    const learner = new SACLearner(m, training({ targetEntropy }));
    const before = m.logAlpha.dataSync()[0]!;
    const ctx = { rng: new Rng(3), lifetimeEnvSteps: 1000, envStepsTrainedLifetime: 0, trainingIteration: 1 };
    const { stats } = await learner.update(batchOf(16, new Rng(2)), ctx);
    const after = m.logAlpha.dataSync()[0]!;
    expect(stats.target_entropy).toBe(targetEntropy);
    // Entropy of a tanh Gaussian with std ~ 1 on (-1, 1) lies between these targets.
    expect(stats.entropy).toBeGreaterThan(-50);
    expect(stats.entropy).toBeLessThan(10);
    if (direction === 'grows') expect(after).toBeGreaterThan(before);
    else expect(after).toBeLessThan(before);
    learner.dispose();
  });
});

describe('twin-Q target', () => {
  it('bootstraps from the smaller target critic minus alpha log pi', () => {
    const m = smallModule();
    const names = m.variableNames;
    // Constant critics (zero kernels): Q1 = 2, Q2 = -1; constant actor: mean 0.2, log_std -1.
    tf.tidy(() => {
      m.trainableVariables.forEach((v, i) => {
        const name = names[i]!;
        if (name.endsWith('kernel')) v.assign(tf.zerosLike(v));
        if (name === 'qf/out/bias') v.assign(tf.tensor1d([2]));
        if (name === 'qf_twin/out/bias') v.assign(tf.tensor1d([-1]));
        if (name === 'pi/out/bias') v.assign(tf.tensor1d([0.2, -1]));
      });
    });
    const target = TargetNetwork.fromModule(m.criticSource);
    const r = [-1, 0.5];
    const discounts = [0.99, 0];
    const epsNext = [0.7, -0.3];
    const td = tf.tidy(() => {
      const batch = {
        [SACColumns.OBS]: tf.zeros([2, 3]),
        [SACColumns.NEXT_OBS]: tf.zeros([2, 3]),
        [SACColumns.ACTIONS]: tf.zeros([2]),
        [SACColumns.REWARDS]: tf.tensor1d(r),
        [SACColumns.DISCOUNTS]: tf.tensor1d(discounts),
        [SACColumns.WEIGHTS]: tf.ones([2]),
        [SACColumns.EPS]: tf.zeros([2]),
        [SACColumns.EPS_NEXT]: tf.tensor1d(epsNext),
      };
      return Array.from(sacLoss(m, target.variables, batch, { twinQ: true, targetEntropy: -1 }).tdErrors!.dataSync());
    });
    epsNext.forEach((e, i) => {
      const u = 0.2 + Math.exp(-1) * e;
      const y = r[i]! + discounts[i]! * (Math.min(2, -1) - 0.5 * squashedGaussianLogpJs(u, 0.2, -1));
      // |TD error| is the mean over both critics (RLlib: 0.5 (|Q1 - y| + |Q2 - y|)).
      expect(td[i]).toBeCloseTo(0.5 * (Math.abs(2 - y) + Math.abs(-1 - y)), 4);
    });
    target.dispose();
    m.dispose();
  });
});

function pendulumConfig(over: object = {}): SACConfig {
  const b = sac().fromJson({
    environment: { env: 'Pendulum-v1' },
    envRunners: { numEnvRunners: 0 },
    learners: { numGpusPerLearner: 0 },
    training: {
      policyModelConfig: { fcnetHiddens: [8] },
      qModelConfig: { fcnetHiddens: [8] },
      trainBatchSizePerLearner: 16,
      numStepsSampledBeforeLearningStarts: 30,
      minSampleTimestepsPerIteration: 20,
      replayBufferConfig: { capacity: 1000 },
    },
    debugging: { seed: 7 },
  });
  b.fromJson(over);
  const errors = b.validate({ knownEnvIds: listEnvs() }).filter((i) => i.severity === 'error');
  expect(errors).toEqual([]);
  return b.toConfig();
}

describe('SAC algorithm', () => {
  it('reports RLlib keys, keeps tensor counts flat, and restores every part of a checkpoint', async () => {
    const algo = await SAC.build(pendulumConfig(), { backend: 'cpu' });
    const copy = await SAC.build(pendulumConfig({ debugging: { seed: 8 } }), { backend: 'cpu' });
    try {
      await algo.train();
      const r = await algo.train();
      const L = 'learners/default_policy/';
      for (const key of ['qf_loss', 'qf_twin_loss', 'policy_loss', 'alpha_loss', 'alpha_value', 'log_alpha_value']) {
        expect(Number.isFinite(Number(r[L + key])), key).toBe(true);
      }
      expect(r[L + 'target_entropy']).toBe(-1);
      for (const key of ['qf_mean', 'qf_max', 'qf_min', 'td_error_mean', 'logps', 'entropy', 'num_target_updates']) {
        expect(r[L + key], key).toBeDefined();
      }
      const tensors = tf.memory().numTensors;
      await algo.train();
      await algo.train();
      expect(tf.memory().numTensors).toBe(tensors);

      const ckpt = await algo.save();
      expect(Object.keys(ckpt.optimizers ?? {}).sort()).toEqual(['alpha', 'policy']);
      expect(ckpt.weights.names).toContain('log_alpha');
      await copy.restore(ckpt);
      const again = await copy.save();
      expect(again.weights.arrays.map((a) => Array.from(a))).toEqual(ckpt.weights.arrays.map((a) => Array.from(a)));
      const target = ckpt.algorithmState!.targetNetworks!['default_policy']!;
      const target2 = again.algorithmState!.targetNetworks!['default_policy']!;
      expect(target2.weights.arrays.map((a) => Array.from(a))).toEqual(target.weights.arrays.map((a) => Array.from(a)));
      expect(target2.numTargetUpdates).toBe(target.numTargetUpdates);
      for (const name of ['alpha', 'policy']) {
        const a = again.optimizers![name]!;
        const b = ckpt.optimizers![name]!;
        expect(a.step).toBe(b.step);
        expect(a.arrays.map((x) => Array.from(x))).toEqual(b.arrays.map((x) => Array.from(x)));
      }
      expect(again.optimizerState.step).toBe(ckpt.optimizerState.step);
      // Training goes on from the restored state.
      const r2 = await copy.train();
      expect(Number.isFinite(Number(r2[L + 'qf_loss']))).toBe(true);
    } finally {
      algo.stop();
      copy.stop();
    }
  });

  it('a Discrete env is a config error that names DQN and PPO', () => {
    const issues = sac()
      .environment('CartPole-v1')
      .validate({ knownEnvIds: listEnvs() })
      .filter((i) => i.severity === 'error');
    expect(issues.map((i) => i.path)).toContain('environment.env');
    expect(issues.find((i) => i.path === 'environment.env')!.message).toMatch(/DQN or PPO/);
  });

  it("takes RLlib's snake_case names, nested model configs included", () => {
    const c = sac()
      .fromJson({ training: { actor_lr: 1e-4, 'policy_model_config.fcnet_hiddens': [64], twin_q: false } })
      .toConfig();
    expect(c.training.actorLr).toBe(1e-4);
    expect(c.training.policyModelConfig).toEqual({ fcnetHiddens: [64], fcnetActivation: 'relu' });
    expect(c.training.twinQ).toBe(false);
    expect(SAC_SPEC.presets['Pendulum-v1']!.stop).toEqual({
      'env_runners/episode_return_mean': -250,
      num_env_steps_sampled_lifetime: 20_000,
    });
  });
});
