/**
 * The page <-> EnvRunner-worker protocol. Method calls go through Comlink (typed by
 * `EnvRunnerWorkerApi`); the few messages outside Comlink are this one discriminated union.
 */
import type { SampleBatch } from '../core/sample-batch';
import type { Space } from '../core/spaces';
import type { ModuleWeights } from '../rl-module';
import type { EnvRunnerMetrics, EnvRunnerSettings, ExplorationState, SampleRequest } from './env-runner-config';

export type WorkerControlMessage =
  /** Posted once after Comlink.expose: nothing calls the worker before this arrives. */
  | { readonly type: 'env-runner/ready' }
  /** Posted from the worker's global error handler before the error event reaches the page. */
  | { readonly type: 'env-runner/fatal'; readonly message: string };

export function isWorkerControlMessage(data: unknown): data is WorkerControlMessage {
  return (
    typeof data === 'object' &&
    data !== null &&
    typeof (data as { type?: unknown }).type === 'string' &&
    (data as { type: string }).type.startsWith('env-runner/')
  );
}

export interface RunnerInfo {
  readonly workerIndex: number;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly backend: string;
  readonly backendNote: string;
}

export interface SampleResult {
  /** The runner's batch; a multi-agent runner's is empty (its data is in moduleBatches). */
  readonly batch: SampleBatch;
  readonly metrics: EnvRunnerMetrics;
  /** Multi-agent runners: one batch per module id (RLlib's MultiAgentBatch). */
  readonly moduleBatches?: Readonly<Record<string, SampleBatch>>;
}

/** What an EnvRunner offers, local or remote. Every method is async so both look the same. */
export interface EnvRunnerWorkerApi {
  init(settings: EnvRunnerSettings): Promise<RunnerInfo>;
  sample(request: SampleRequest): Promise<SampleResult>;
  /**
   * Returns false when the weights were stale (older than what the runner has). `exploration`
   * (DQN's epsilon) is applied with the weights, under the same sequence number.
   */
  setWeights(weights: ModuleWeights, seq: number, exploration?: ExplorationState): Promise<boolean>;
  getMetrics(): Promise<EnvRunnerMetrics>;
  /** Greedy actions for the given observations (batchSize rows): checks that weights arrived. */
  computeActions(obs: Float32Array, batchSize: number): Promise<Int32Array | Float32Array>;
  ping(): Promise<number>;
  stop(): Promise<void>;
  /** Chaos, for tests and teaching: throw an uncaught error inside the worker. */
  crash(message: string): Promise<void>;
  /** Chaos: block the worker's thread for `seconds` (a hung env). */
  hang(seconds: number): Promise<void>;
}
