/**
 * Sampling throughput of the multi-agent EnvRunner (agent steps/s and env steps/s) for an env
 * with many agents mapped to many modules: one batched forward per module per step, on the
 * current TF.js backend. Used by `npm run bench -- --only multi-agent` and the scale test.
 */
import { resolveModuleOfSlot } from '../algorithms/multi-agent/multi-agent-config';
import { MultiAgentEnvRunner } from '../env-runner/multi-agent-env-runner';
import { activateBackend, type BackendName } from '../backend/tf-backend';

export interface MultiAgentSamplingRow {
  env: string;
  backend: string;
  numAgents: number;
  numModules: number;
  numEnvs: number;
  agentStepsPerSecond: number;
  envStepsPerSecond: number;
}

/** Agent `i` maps to module `m{i % numModules}`; untrained policies on MultiAgentCartPole. */
export async function measureMultiAgentSampling(
  numAgents: number,
  numModules: number,
  numEnvs: number,
  seconds: number,
  backend: BackendName = 'wasm',
): Promise<MultiAgentSamplingRow> {
  // An EnvRunner's default inference backend (EnvRunnerSettings.inferenceBackend).
  const active = await activateBackend(backend);
  const policies = Array.from({ length: numModules }, (_, i) => `m${i}`);
  const agentIds = Array.from({ length: numAgents }, (_, i) => String(i));
  const moduleOfSlot = resolveModuleOfSlot(
    { policies, policyMappingFn: {}, policiesToTrain: null },
    agentIds,
    (id) => `m${Number(id) % numModules}`,
  );
  const runner = new MultiAgentEnvRunner({
    env: 'MultiAgentCartPole',
    envConfig: { numAgents },
    maxEpisodeSteps: null,
    numEnvs,
    rolloutFragmentLength: 8,
    explore: true,
    seed: 1,
    moduleIds: policies,
    moduleOfSlot,
    module: { kind: 'actor-critic', model: { fcnetHiddens: [64, 64], fcnetActivation: 'tanh', vfShareLayers: false } },
  });
  try {
    await runner.sample(); // warm-up: kernels compiled, JIT settled
    let agentSteps = 0;
    let envSteps = 0;
    const start = performance.now();
    while (performance.now() - start < seconds * 1000) {
      const { metrics } = await runner.sample();
      agentSteps += metrics.numAgentSteps;
      envSteps += metrics.numEnvSteps;
    }
    const elapsedS = (performance.now() - start) / 1000;
    return {
      env: 'MultiAgentCartPole',
      backend: active.backend,
      numAgents,
      numModules,
      numEnvs,
      agentStepsPerSecond: agentSteps / elapsedS,
      envStepsPerSecond: envSteps / elapsedS,
    };
  } finally {
    runner.stop();
  }
}
