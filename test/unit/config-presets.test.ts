import { describe, expect, it } from 'vitest';
import { RLError } from '../../src/core/errors';
import { lrAt } from '../../src/learner/lr-schedule';
import { PPO_PRESETS, applyPreset, getPreset, presetIds } from '../../src/algorithms/ppo/presets';
import { derivedSizes } from '../../src/algorithms/ppo/ppo-config';

const ENVS = [
  'CartPole-v1',
  'Acrobot-v1',
  'MountainCar-v0',
  'MountainCarContinuous-v0',
  'Pendulum-v1',
  'GridWalk-v0', // the custom-env example in src/envs/user-envs.ts
];

describe('PPO presets', () => {
  it('cover the five classic-control envs and the custom-env example, plus variants', () => {
    expect(Object.keys(PPO_PRESETS).sort()).toEqual([...ENVS].sort());
    expect(presetIds()).toEqual(expect.arrayContaining([...ENVS, 'CartPole-v1:cleanrl', 'CartPole-v1:rllib']));
  });

  for (const id of presetIds()) {
    it(`${id} validates cleanly and targets its env`, () => {
      const builder = applyPreset(id);
      const issues = builder.validate({ knownEnvIds: ENVS, hardwareConcurrency: 4, webGpuAvailable: true });
      expect(issues).toEqual([]);
      expect(builder.toConfig().environment.env).toBe(id.split(':')[0]);
      // One plain sentence, and the tuning notes (sizes, sources) under details.
      expect(getPreset(id).description.length).toBeGreaterThan(20);
      expect(getPreset(id).details?.length).toBeGreaterThan(40);
    });
  }

  it('CleanRL preset: 4 envs x 128 steps, 4 minibatches, lr 2.5e-4 annealed to 0 at 500k', () => {
    const cfg = applyPreset('CartPole-v1', 'cleanrl').toConfig();
    const sizes = derivedSizes(cfg);
    expect(sizes).toMatchObject({ rolloutFragmentLength: 128, stepsPerSampleCall: 512, trainBatchSize: 512 });
    expect(sizes.numRunnersSampling).toBe(1);
    expect(sizes.trainBatchSize / cfg.training.minibatchSize).toBe(4);
    expect(cfg.training.numEpochs).toBe(4);
    expect(lrAt(cfg.training.lr, 0)).toBe(2.5e-4);
    expect(lrAt(cfg.training.lr, 250_000)).toBeCloseTo(1.25e-4, 12);
    expect(lrAt(cfg.training.lr, 500_000)).toBe(0);
    expect(cfg.training).toMatchObject({
      gamma: 0.99,
      lambda: 0.95,
      clipParam: 0.2,
      entropyCoeff: 0.01,
      useKlLoss: false,
    });
    expect(cfg.training).toMatchObject({ gradClip: 0.5, gradClipBy: 'global_norm', vfLossCoeff: 0.25 });
    expect(cfg.rlModule).toEqual({ fcnetHiddens: [64, 64], fcnetActivation: 'tanh', vfShareLayers: false });
  });

  it('fast CartPole preset: 2 runners x 8 envs x 64 steps = 1024, 2 minibatches of 512, sampled ahead', () => {
    const cfg = applyPreset('CartPole-v1').toConfig();
    expect(derivedSizes(cfg)).toMatchObject({ stepsPerSampleCall: 512, trainBatchSize: 1024, numRunnersSampling: 2 });
    expect(cfg.training.minibatchSize).toBe(512);
    expect(cfg.training).toMatchObject({ gamma: 0.98, numEpochs: 6, sampleAsync: true });
    expect(getPreset('CartPole-v1').stop).toEqual({
      'env_runners/episode_return_mean': 450,
      num_env_steps_sampled_lifetime: 300_000,
    });
  });

  it("Pendulum's default is the zoo's 4,096-step batch; its rllib variant keeps PPO defaults it does not name", () => {
    const zoo = applyPreset('Pendulum-v1').toConfig();
    expect(derivedSizes(zoo)).toMatchObject({ rolloutFragmentLength: 1024, trainBatchSize: 4096 });
    expect(zoo.training).toMatchObject({ gamma: 0.9, lambda: 0.95, lr: 1e-3, numEpochs: 10, useKlLoss: false });
    const cfg = applyPreset('Pendulum-v1', 'rllib').toConfig();
    expect(cfg.rlModule).toEqual({ fcnetHiddens: [256, 256], fcnetActivation: 'relu', vfShareLayers: false });
    expect(cfg.training.numEpochs).toBe(30);
    expect(derivedSizes(cfg).rolloutFragmentLength).toBe(26); // ceil(1024 / 40)
  });

  it('unknown presets throw a coded error listing the ids', () => {
    expect(() => applyPreset('LunarLander-v2')).toThrow(RLError);
    expect(() => applyPreset('CartPole-v1', 'nope')).toThrow(/Available: CartPole-v1, CartPole-v1:cleanrl/);
    expect(() => applyPreset('CartPole-v1', 'constructor')).toThrow(RLError);
    expect(Object.isFrozen(PPO_PRESETS['CartPole-v1']?.config.training)).toBe(true);
  });
});
