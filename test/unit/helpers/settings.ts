import type { EnvRunnerSettings } from '../../../src/env-runner/env-runner-config';

export function runnerSettings(over: Partial<EnvRunnerSettings> = {}): EnvRunnerSettings {
  return {
    workerIndex: 1,
    env: 'CartPole-v1',
    envModules: [],
    envConfig: {},
    maxEpisodeSteps: null,
    numEnvs: 4,
    rolloutFragmentLength: 16,
    batchMode: 'truncate_episodes',
    explore: true,
    module: { kind: 'actor-critic', model: { fcnetHiddens: [16], fcnetActivation: 'tanh', vfShareLayers: false } },
    seed: 7,
    restartFailedSubEnvironments: false,
    inferenceBackend: 'cpu',
    ...over,
  };
}
