/**
 * The wiring every multi-agent algorithm shares (algorithm-setup.ts's counterpart, RLlib's
 * `Algorithm.setup` with a MultiRLModuleSpec): probe the multi-agent env for its agents and their
 * spaces, check the `multiAgent` section against them, resolve the policy mapping once per agent
 * slot, build one learner-side module per policy (same descriptor, each with its agents' spaces)
 * and describe the EnvRunnerGroup whose runners step the multi-agent env with every module.
 */
import type { AlgorithmConfigBase } from '../../core/config';
import { ConfigError, type ConfigIssue } from '../../core/errors';
import type { EnvRunnerSettings, MultiAgentRunnerLayout } from '../../env-runner/env-runner-config';
import { loadedEnvModuleUrls } from '../../envs/env-modules';
import { makeMultiAgentVectorEnv } from '../../envs/multi-agent/registry';
import { selectLearnerDevice, type DeviceInfo } from '../../backend/device';
import { makeRLModule, type ModuleDescriptor, type ModuleSpaces } from '../../rl-module/module-factory';
import type { RLModule } from '../../rl-module/rl-module';
import { EnvRunnerGroup } from '../../runtime/env-runner-group';
import type { LearnerGroupBuildOptions } from '../algorithm-setup';
import {
  MULTI_AGENT_DEFAULTS,
  resolveModuleOfSlot,
  validateMultiAgent,
  type MultiAgentConfig,
  type PolicyMappingFn,
} from './multi-agent-config';

/** A config with RLlib's `.multi_agent()` section (every algorithm but the offline ones). */
export type MultiAgentRunConfig = AlgorithmConfigBase & { readonly multiAgent?: MultiAgentConfig };

export interface MultiAgentBuildOptions extends LearnerGroupBuildOptions {
  /** A mapping function for code-registered envs; replaces the config's table (RLlib: policy_mapping_fn). */
  readonly policyMappingFn?: PolicyMappingFn;
}

export interface MultiAgentSetup {
  readonly seed: number;
  readonly device: DeviceInfo;
  readonly multiAgent: MultiAgentConfig;
  /** Agent id of each slot (the env's possible agents). */
  readonly agentIds: readonly string[];
  /** Index into `multiAgent.policies` of each agent slot's module. */
  readonly moduleOfSlot: readonly number[];
  /** Each module's observation and action space (its first agent's; slot 0's when none maps to it). */
  readonly spaces: ReadonlyMap<string, ModuleSpaces>;
  /** The Learner's copy of every module, in `policies` order. */
  readonly modules: ReadonlyMap<string, RLModule>;
  /** The modules that train: in policiesToTrain (all when null) and with at least one agent. */
  readonly trained: readonly string[];
  readonly envRunnerGroup: EnvRunnerGroup;
}

export interface MultiAgentSetupOptions<C> {
  /** The module every policy is built from (RLlib: the RLModuleSpec each ModuleID gets). */
  readonly module: ModuleDescriptor;
  /** Steps per env copy per sample call ('auto' resolved by the algorithm's sampling layout). */
  readonly rolloutFragmentLength: number;
  /** The algorithm's whole validation (its schema's); the multiAgent section is checked again with the agents. */
  readonly validate: (config: C) => ConfigIssue[];
  /**
   * What EnvRunner `workerIndex` holds (module-placement.ts: a share of the agents, stacked
   * modules); default every agent and every module, one forward per module.
   */
  readonly runnerLayout?: (
    agentIds: readonly string[],
    moduleOfSlot: readonly number[],
    workerIndex: number,
  ) => MultiAgentRunnerLayout;
}

export async function setupMultiAgent<C extends MultiAgentRunConfig>(
  config: C,
  opts: MultiAgentBuildOptions,
  setup: MultiAgentSetupOptions<C>,
): Promise<MultiAgentSetup> {
  const multiAgent = config.multiAgent ?? MULTI_AGENT_DEFAULTS;
  const probe = makeMultiAgentVectorEnv(config.environment.env, {
    numEnvs: 1,
    seed: 0,
    envConfig: config.environment.envConfig,
  });
  // The section's issues again, now with the agents (every agent must map): they replace the ones
  // reported without them. A mapping function from code is checked when it is resolved below.
  const agentIds = opts.policyMappingFn ? undefined : probe.agentIds;
  const issues = [
    ...setup.validate(config).filter((i) => !i.path.startsWith('multiAgent')),
    ...validateMultiAgent(multiAgent, agentIds),
  ].filter((i) => i.severity === 'error');
  if (issues.length > 0) throw new ConfigError(issues);
  const moduleOfSlot = resolveModuleOfSlot(multiAgent, probe.agentIds, opts.policyMappingFn);
  const seed = config.debugging.seed ?? Math.floor(Date.now() % 2_147_483_647);
  const device = await selectLearnerDevice(
    config.learners.numGpusPerLearner,
    opts.backend,
    config.learners.wasmThreads,
  );
  const spaces = new Map<string, ModuleSpaces>();
  const modules = new Map<string, RLModule>();
  const toTrain = multiAgent.policiesToTrain ?? multiAgent.policies;
  const trained: string[] = [];
  for (const [m, id] of multiAgent.policies.entries()) {
    const slot = Math.max(0, moduleOfSlot.indexOf(m));
    const moduleSpaces = { observationSpace: probe.observationSpaces[slot]!, actionSpace: probe.actionSpaces[slot]! };
    spaces.set(id, moduleSpaces);
    modules.set(id, makeRLModule(setup.module, moduleSpaces, seed + m));
    if (toTrain.includes(id) && moduleOfSlot.includes(m)) trained.push(id);
  }
  const er = config.envRunners;
  const envModules = loadedEnvModuleUrls();
  const settingsFor = (workerIndex: number, incarnation: number): EnvRunnerSettings => ({
    workerIndex,
    env: config.environment.env,
    envModules,
    envConfig: config.environment.envConfig,
    maxEpisodeSteps: config.environment.maxEpisodeSteps,
    numEnvs: er.numEnvsPerEnvRunner,
    rolloutFragmentLength: setup.rolloutFragmentLength,
    batchMode: er.batchMode,
    explore: er.explore,
    module: setup.module,
    // A restarted runner gets fresh env seeds, so it does not replay its first life.
    seed: seed + incarnation * 7_919_993,
    restartFailedSubEnvironments: config.faultTolerance.restartFailedSubEnvironments,
    inferenceBackend: er.numGpusPerEnvRunner > 0 ? 'webgpu' : 'wasm',
    remoteWorkerEnvs: false,
    remoteEnvBatchWaitMs: 0,
    multiAgent: setup.runnerLayout
      ? setup.runnerLayout(probe.agentIds, moduleOfSlot, workerIndex)
      : { moduleIds: multiAgent.policies, moduleOfSlot },
  });
  const envRunnerGroup = new EnvRunnerGroup({
    numEnvRunners: er.numEnvRunners,
    faultTolerance: config.faultTolerance,
    sampleTimeoutS: er.sampleTimeoutS,
    ...(opts.connect ? { connect: opts.connect } : {}),
    settingsFor,
  });
  return {
    seed,
    device,
    multiAgent,
    agentIds: probe.agentIds,
    moduleOfSlot,
    spaces,
    modules,
    trained,
    envRunnerGroup,
  };
}
