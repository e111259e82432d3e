/**
 * Adapts an EnvRunner to EnvRunnerWorkerApi. Used inside the worker and, for
 * numEnvRunners = 0, directly on the driver page (the local EnvRunner).
 */
import { RLError } from '../core/errors';
import { batchTransferables } from '../core/sample-batch';
import type { ModuleWeights } from '../rl-module';
import { FaultLocator } from '../envs/env-fault';
import { loadEnvModule } from '../envs/env-modules';
import { isBuiltinMultiAgentEnv } from '../envs/multi-agent/registry';
import { isBuiltinEnv } from '../envs/registry';
import { EnvRunner, type RunnerGpu, type SharedWeightsSource } from './env-runner';
import type { EnvRunnerMetrics, EnvRunnerSettings, ExplorationState, SampleRequest } from './env-runner-config';
import { MultiAgentEnvRunner } from './multi-agent-env-runner';
import type { EnvRunnerWorkerApi, RunnerInfo, SampleResult } from './protocol';
import { BusyCursor } from '../backend/gpu-busy-meter';
import { activateBackend, sharedGpu } from '../backend/tf-backend';

export class EnvRunnerHost implements EnvRunnerWorkerApi {
  private runner: EnvRunner | MultiAgentEnvRunner | null = null;
  private readonly faults = new FaultLocator();
  /**
   * The sample() call in progress: calls run one after another, as on an RLlib actor. An
   * asynchronous sampler keeps several requests in flight per runner (max_requests_in_flight_per_env_runner);
   * they must not interleave at the sample loop's yield points, which would step the same envs twice.
   */
  private sampling: Promise<unknown> = Promise.resolve();

  constructor(
    /** Wraps a result so its buffers are transferred (Comlink.transfer in the worker; identity on the page). */
    private readonly transfer: <T>(value: T, buffers: ArrayBuffer[]) => T = (v) => v,
    /** The page's local runner shares the page's TF.js backend; a worker picks its own. */
    private readonly ownsBackend = true,
  ) {}

  private get active(): EnvRunner | MultiAgentEnvRunner {
    if (!this.runner) throw new RLError('env-runner/not-initialised', 'EnvRunner used before init()');
    return this.runner;
  }

  async init(settings: EnvRunnerSettings): Promise<RunnerInfo> {
    let backend: string = settings.inferenceBackend;
    let backendNote = '';
    let gpu: RunnerGpu | null;
    if (this.ownsBackend) {
      const active = await activateBackend(settings.inferenceBackend);
      backend = active.backend;
      backendNote = active.note;
      const device = active.backend === 'webgpu' ? sharedGpu() : null;
      gpu = device ? { device: device.device, meter: new BusyCursor(device.meter) } : null;
    } else {
      // The local runner samples on the page: its env gets the page's device when there is one
      // (the learner on WebGPU), and its busy time counts in the learner's figure.
      const device = sharedGpu();
      gpu = device ? { device: device.device, meter: null } : null;
    }
    // In order, as the page loaded them: a later module may build on an earlier one's envs.
    for (const url of settings.envModules) await loadEnvModule(url);
    this.runner?.stop();
    if (settings.multiAgent) {
      const runner = new MultiAgentEnvRunner(multiAgentSettings(settings));
      this.runner = runner;
      return { workerIndex: settings.workerIndex, ...runner.moduleSpaces(0), backend, backendNote };
    }
    const runner = new EnvRunner(settings, undefined, gpu);
    this.runner = runner;
    return {
      workerIndex: settings.workerIndex,
      observationSpace: runner.env.singleObservationSpace,
      actionSpace: runner.env.singleActionSpace,
      backend,
      backendNote,
    };
  }

  sample(request: SampleRequest): Promise<SampleResult> {
    const next = this.sampling.then(async () => {
      let result: SampleResult;
      const runner = this.active;
      try {
        result = runner instanceof MultiAgentEnvRunner ? await runner.sampleResult() : await runner.sample(request);
      } catch (e) {
        throw await this.located(e);
      }
      const modules = Object.values(result.moduleBatches ?? {});
      return this.transfer(result, [result.batch, ...modules].flatMap(batchTransferables));
    });
    this.sampling = next.catch(() => undefined);
    return next;
  }

  /**
   * A user env's throw, with the file:line of the user's code added to its message, so the
   * supervisor's failure log (and a run that fails for it) says where to look. The trainer's own
   * errors and the built-in envs' pass unchanged.
   */
  private async located(e: unknown): Promise<unknown> {
    const env = this.runner?.env.id;
    if (
      !(e instanceof Error) ||
      e instanceof RLError ||
      env === undefined ||
      isBuiltinEnv(env) ||
      isBuiltinMultiAgentEnv(env)
    )
      return e;
    const location = await this.faults.userLocation(e.stack);
    if (location === null) return e;
    const err = new Error(`env ${env}: ${e.name}: ${e.message} (at ${location})`, { cause: e });
    err.stack = e.stack ?? '';
    return err;
  }

  setWeights(weights: ModuleWeights, seq: number, exploration?: ExplorationState): Promise<boolean> {
    const runner = this.active;
    // A multi-agent runner gets every module's weights packed in one object (multi-module-weights.ts).
    if (runner instanceof MultiAgentEnvRunner)
      return Promise.resolve(runner.setPackedWeights(weights, seq, exploration));
    return Promise.resolve(runner.setWeights(weights, seq, exploration));
  }

  /**
   * The page's own runner only (it shares the page's TF.js backend): takes the learner module's
   * variables by reference (EnvRunner.shareWeights). False when it cannot (a multi-agent runner
   * packs its modules' weights): the caller sends arrays instead.
   */
  shareWeights(source: SharedWeightsSource, seq: number, exploration?: ExplorationState): boolean {
    const runner = this.active;
    if (runner instanceof MultiAgentEnvRunner || this.ownsBackend) return false;
    runner.shareWeights(source, seq, exploration);
    return true;
  }

  getMetrics(): Promise<EnvRunnerMetrics> {
    const runner = this.active;
    if (runner instanceof MultiAgentEnvRunner) {
      throw new RLError(
        'env-runner/multi-agent',
        'getMetrics() is single-agent; multi-agent metrics come with sample().',
      );
    }
    return Promise.resolve(runner.getMetrics());
  }

  computeActions(obs: Float32Array, batchSize: number): Promise<Int32Array | Float32Array> {
    return this.active.computeActions(obs, batchSize);
  }

  ping(): Promise<number> {
    const runner = this.active;
    return Promise.resolve(runner instanceof MultiAgentEnvRunner ? (runner.settings.workerIndex ?? 0) : runner.ping());
  }

  stop(): Promise<void> {
    this.runner?.stop();
    this.runner = null;
    return Promise.resolve();
  }

  crash(message: string): Promise<void> {
    setTimeout(() => {
      throw new RLError('env-runner/killed', message);
    }, 0);
    return Promise.resolve();
  }

  hang(seconds: number): Promise<void> {
    const until = performance.now() + seconds * 1000;
    while (performance.now() < until) {
      // Busy-wait on purpose: a hung env blocks its thread, so pings go unanswered.
    }
    return Promise.resolve();
  }
}

/** A multi-agent runner's settings from the group's: per-worker seeds as EnvRunner derives them. */
function multiAgentSettings(settings: EnvRunnerSettings): ConstructorParameters<typeof MultiAgentEnvRunner>[0] {
  const layout = settings.multiAgent!;
  return {
    env: settings.env,
    envConfig: settings.envConfig,
    maxEpisodeSteps: settings.maxEpisodeSteps,
    numEnvs: settings.numEnvs,
    rolloutFragmentLength: settings.rolloutFragmentLength,
    batchMode: settings.batchMode,
    explore: settings.explore,
    seed: (settings.seed + settings.workerIndex * 100_003) >>> 0,
    moduleIds: layout.moduleIds,
    moduleOfSlot: layout.moduleOfSlot,
    module: settings.module,
    workerIndex: settings.workerIndex,
    ...(layout.agentIds ? { agentIds: layout.agentIds } : {}),
    ...(layout.stackModules ? { stackModules: true } : {}),
  };
}
