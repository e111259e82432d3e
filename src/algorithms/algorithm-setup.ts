/**
 * The wiring every algorithm shares (RLlib: `Algorithm.setup`): pick the seed and the Learner's
 * device, probe the env for its spaces, build the learner's RLModule from a descriptor, and
 * describe the EnvRunnerGroup (each runner builds the same module kind from the same descriptor).
 * An algorithm's `build` adds its learner (or, for PPO, its LearnerGroup: `setupLearnerGroup`),
 * then `Algorithm.start` starts the runners and sends the first weights.
 */
import type { AlgorithmConfigBase } from '../core/config';
import type { Space } from '../core/spaces';
import type { EnvRunnerSettings } from '../env-runner/env-runner-config';
import type { BackendName } from '../backend/tf-backend';
import { makeVectorEnv } from '../envs';
import { loadedEnvModuleUrls } from '../envs/env-modules';
import { makeRLModule, type ModuleDescriptor } from '../rl-module/module-factory';
import type { RLModule } from '../rl-module/rl-module';
import { selectLearnerDevice, type DeviceInfo } from '../backend/device';
import { loadFusedKernels } from '../rl-module/fused/arena';
import type { GroupLearner, LearnerApi } from '../learner/learner-host';
import { LearnerGroup } from '../learner/learner-group';
import type { ConnectLearner } from '../learner/learner-worker-protocol';
import { EnvRunnerGroup } from '../runtime/env-runner-group';
import { connectLearnerWorker } from '../runtime/learner-connection';
import { startLearnerGroup } from '../runtime/learner-supervisor';
import type { ConnectRunner } from '../runtime/runner-connection';

/** Options for building an algorithm (tests pass fake runners; benchmarks force a backend). */
export interface BuildOptions {
  /** Force a TF.js backend for the Learner instead of deciding from numGpusPerLearner. */
  readonly backend?: BackendName;
  /**
   * Fake workers, for tests (runtime/runner-connection.ts). Kept: the unit tests run whole
   * algorithms in Node through it, where there are no Web Workers.
   */
  readonly connect?: ConnectRunner;
}

export interface AlgorithmSetup<M extends RLModule = RLModule> {
  /** config.debugging.seed, or the one chosen now (saved in checkpoints). */
  readonly seed: number;
  readonly device: DeviceInfo;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  /** The learner's module (the runners build their own copies from the same descriptor). */
  readonly module: M;
  readonly envRunnerGroup: EnvRunnerGroup;
}

export interface SetupOptions<D extends ModuleDescriptor> {
  readonly module: D;
  /** Steps per sub-env per sample call ('auto' resolved by the algorithm's sampling layout). */
  readonly rolloutFragmentLength: number;
}

type ModuleOf<D extends ModuleDescriptor> = D extends { kind: 'q' }
  ? import('../rl-module/q-module').QModule
  : D extends { kind: 'sac' }
    ? import('../rl-module/sac-module').SACModule
    : import('../rl-module/mlp-module').MLPModule;

export async function setupAlgorithm<D extends ModuleDescriptor>(
  config: AlgorithmConfigBase,
  opts: BuildOptions,
  setup: SetupOptions<D>,
): Promise<AlgorithmSetup<ModuleOf<D>>> {
  const seed = config.debugging.seed ?? Math.floor(Date.now() % 2_147_483_647);
  const device = await selectLearnerDevice(
    config.learners.numGpusPerLearner,
    opts.backend,
    config.learners.wasmThreads,
  );
  // The fused learner step's kernels (learner/fast-paths.ts: fusedMlp), compiled once per realm.
  await loadFusedKernels();
  const probe = makeVectorEnv(config.environment.env, { numEnvs: 1, seed, envConfig: config.environment.envConfig });
  const spaces = { observationSpace: probe.singleObservationSpace, actionSpace: probe.singleActionSpace };
  // The factory returns the class the descriptor's kind names (see ModuleOf).
  const module = makeRLModule(setup.module, spaces, seed) as ModuleOf<D>;
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
    remoteWorkerEnvs: er.remoteWorkerEnvs,
    remoteEnvBatchWaitMs: er.remoteEnvBatchWaitMs,
    // A nested sub-env worker that hangs leaves the runner answering its probes: it gets the same budget.
    subEnvHealthProbeTimeoutS: config.faultTolerance.envRunnerHealthProbeTimeoutS,
  });
  const envRunnerGroup = new EnvRunnerGroup({
    numEnvRunners: er.numEnvRunners,
    faultTolerance: config.faultTolerance,
    sampleTimeoutS: er.sampleTimeoutS,
    ...(opts.connect ? { connect: opts.connect } : {}),
    settingsFor,
  });
  return { seed, device, ...spaces, module, envRunnerGroup };
}

/** Build options of an algorithm whose learner can run data-parallel (numLearners >= 1). */
export interface LearnerGroupBuildOptions extends BuildOptions {
  /** In-process learners for numLearners >= 1, for tests (Node has no Web Workers). */
  readonly connectLearner?: ConnectLearner<LearnerApi>;
  /** Force the all-reduce transport; default: shared memory when the page is cross-origin isolated. */
  readonly learnerTransport?: 'shared-array' | 'port';
}

/** One learner worker per rank (learner.worker.ts builds the learner class its init names). */
export const connectLearnerWorkers: ConnectLearner<LearnerApi> = (rank) =>
  connectLearnerWorker<LearnerApi>(
    () => new Worker(new URL('./learner.worker.ts', import.meta.url), { type: 'module', name: `learner-${rank}` }),
    rank,
  );

/**
 * RLlib `Algorithm.setup`'s LearnerGroup: the learner on the page (`local()`, numLearners = 0),
 * or numLearners learner workers, each building the learner `learner.name` names
 * (learner-classes.ts) from the same config, module descriptor and seed, on the learner's
 * backend. The device's reason then says how the group runs. On failure the setup's module and
 * runners are freed.
 */
export async function setupLearnerGroup(
  config: AlgorithmConfigBase,
  setup: AlgorithmSetup,
  descriptor: ModuleDescriptor,
  learner: { readonly name: string; readonly config: object; readonly local: () => GroupLearner },
  opts: LearnerGroupBuildOptions,
): Promise<{ learnerGroup: LearnerGroup; device: DeviceInfo }> {
  const numLearners = config.learners.numLearners;
  if (numLearners === 0) return { learnerGroup: LearnerGroup.local(learner.local()), device: setup.device };
  const transport = opts.learnerTransport ?? (globalThis.crossOriginIsolated === true ? 'shared-array' : 'port');
  let learnerGroup: LearnerGroup;
  try {
    learnerGroup = await startLearnerGroup(
      {
        numLearners,
        init: {
          learner: learner.name,
          config: learner.config,
          module: descriptor,
          observationSpace: setup.observationSpace,
          actionSpace: setup.actionSpace,
          seed: setup.seed,
          // Each worker activates the backend chosen for the learner (its own WebGPU device).
          backend: opts.connectLearner ? null : setup.device.backend,
        },
        validateInSync: config.debugging.validateLearnerWeightsInSync,
        useSharedMemory: transport === 'shared-array',
        connect: opts.connectLearner ?? connectLearnerWorkers,
        // Learner workers are supervised with the runners' settings (RLlib has no learner ones).
        faultTolerance: config.faultTolerance,
      },
      await setup.module.getWeights(),
    );
  } catch (e) {
    setup.module.dispose();
    setup.envRunnerGroup.stop();
    throw e;
  }
  const backends = [...new Set(learnerGroup.infos.map((i) => i.backend))].join('/');
  const device = {
    ...setup.device,
    reason:
      `${setup.device.reason}; numLearners=${numLearners}: one ${backends} learner per worker, ` +
      `gradients averaged over ${transport === 'shared-array' ? 'a SharedArrayBuffer' : 'messages'}`,
  };
  return { learnerGroup, device };
}
