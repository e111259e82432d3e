/**
 * EnvRunnerGroup: the page's view of all EnvRunners (RLlib's EnvRunnerGroup). Samples from every
 * healthy runner in parallel until the requested number of env steps, syncs weights as transferred
 * buffers with a sequence number, and keeps lifetime counters on the page, where a restarting
 * worker cannot lose them. Lifecycles and failures belong to the Supervisor.
 */
import type { FaultToleranceConfig } from '../core/config';
import { RLError } from '../core/errors';
import type { SampleBatch } from '../core/sample-batch';
import * as Comlink from 'comlink';
import type { EnvRunnerMetrics, EnvRunnerSettings, ExplorationState } from '../env-runner/env-runner-config';
import type { SampleResult } from '../env-runner/protocol';
import { EnvRunnerHost } from '../env-runner/env-runner-host';
import type { SharedWeightsSource } from '../env-runner/env-runner';
import type { ModuleWeights } from '../rl-module';
import { connectLocal, connectWorker, type ConnectRunner } from './runner-connection';
import { deadlineMs } from '../core/deadline';
import { Supervisor, type RunnerSlot } from './supervisor';

export interface EnvRunnerGroupOptions {
  readonly numEnvRunners: number;
  readonly settingsFor: (workerIndex: number, incarnation: number) => EnvRunnerSettings;
  readonly faultTolerance: FaultToleranceConfig;
  /** Deadline for a sample call (and a first start); null: none (RLlib's None). */
  readonly sampleTimeoutS: number | null;
  /** Defaults to Web Workers (or the page for numEnvRunners = 0); tests pass fakes. */
  readonly connect?: ConnectRunner;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface GroupSampleResult {
  readonly batches: SampleBatch[];
  /** Multi-agent runs: each runner's batch per module id, in the order of `metrics`. */
  readonly moduleBatches: Readonly<Record<string, SampleBatch>>[];
  readonly metrics: EnvRunnerMetrics[];
  /** In-flight sample calls lost to runner failures in this call. */
  readonly numFragmentsDropped: number;
}

export interface LifetimeCounters {
  numEnvStepsSampled: number;
  numEpisodes: number;
  numSubEnvRestarts: number;
  numEnvStepsLost: number;
  numEpisodesLost: number;
  numFragmentsDropped: number;
}

export class EnvRunnerGroup {
  readonly supervisor: Supervisor;
  readonly lifetime: LifetimeCounters = {
    numEnvStepsSampled: 0,
    numEpisodes: 0,
    numSubEnvRestarts: 0,
    numEnvStepsLost: 0,
    numEpisodesLost: 0,
    numFragmentsDropped: 0,
  };
  private weightsSeq = 0;
  /** sample() calls in flight per runner slot (several with asynchronous sampling). */
  private readonly inFlight = new Map<RunnerSlot, number>();
  /** sample() calls in a row that at some point had no healthy runner (or got nothing from any). */
  private consecutiveFailedIterations = 0;

  constructor(private readonly opts: EnvRunnerGroupOptions) {
    const local = opts.numEnvRunners === 0;
    // RLlib numbering: the local runner is index 0; remote runners are 1..N.
    const indices = local ? [0] : Array.from({ length: opts.numEnvRunners }, (_, k) => k + 1);
    this.supervisor = new Supervisor({
      workerIndices: indices,
      connect: opts.connect ?? ((i) => (local ? connectLocal() : connectWorker(i))),
      settingsFor: opts.settingsFor,
      faultTolerance: opts.faultTolerance,
      initTimeoutMs: deadlineMs(opts.sampleTimeoutS),
      ...(opts.sleep ? { sleep: opts.sleep } : {}),
    });
  }

  async start(): Promise<void> {
    await this.supervisor.startAll();
  }

  get numHealthy(): number {
    return this.supervisor.healthySlots().length;
  }

  /**
   * Samples at least `numTimesteps` env steps: rounds of one sample() per healthy runner, in
   * parallel. Batches returned by healthy runners are kept even when another runner fails. While
   * no runner is healthy it waits for the restarts; numConsecutiveEnvRunnerFailuresTolerance
   * counts the calls (iterations) that had to, as the README says.
   */
  async sample(numTimesteps: number): Promise<GroupSampleResult> {
    const batches: SampleBatch[] = [];
    const moduleBatches: Readonly<Record<string, SampleBatch>>[] = [];
    const metrics: EnvRunnerMetrics[] = [];
    let collected = 0;
    let dropped = 0;
    let failedThisIteration = false;
    const noteFailure = (): void => {
      if (failedThisIteration) return;
      failedThisIteration = true;
      this.consecutiveFailedIterations++;
      this.checkTolerance();
    };
    while (collected < numTimesteps) {
      this.supervisor.throwIfFatal();
      if (this.supervisor.healthySlots().length === 0) {
        noteFailure();
        await this.supervisor.waitForHealthy();
        this.supervisor.throwIfFatal();
        if (this.supervisor.healthySlots().length === 0) throw this.noneLeftError();
      }
      const slots = this.supervisor.healthySlots();
      const results = await Promise.allSettled(slots.map((slot) => this.sampleOne(slot)));
      let ok = 0;
      for (const r of results) {
        if (r.status === 'rejected') {
          dropped++;
          continue;
        }
        ok++;
        batches.push(r.value.batch);
        if (r.value.moduleBatches) moduleBatches.push(r.value.moduleBatches);
        metrics.push(r.value.metrics);
        // A multi-agent runner's rows are agent steps in its module batches; the target is env steps.
        collected += r.value.moduleBatches ? r.value.metrics.numEnvSteps : r.value.batch.numSteps;
        this.count(r.value.metrics);
      }
      this.supervisor.throwIfFatal();
      if (ok === 0) noteFailure();
    }
    if (!failedThisIteration) this.consecutiveFailedIterations = 0;
    this.lifetime.numFragmentsDropped += dropped;
    return { batches, moduleBatches, metrics, numFragmentsDropped: dropped };
  }

  private checkTolerance(): void {
    const tolerance = this.opts.faultTolerance.numConsecutiveEnvRunnerFailuresTolerance;
    if (this.consecutiveFailedIterations <= tolerance) return;
    throw new RLError(
      'env-runner/none-healthy',
      `No healthy EnvRunner in ${this.consecutiveFailedIterations} iterations in a row` +
        `${this.lastFailure()}, more than numConsecutiveEnvRunnerFailuresTolerance (${tolerance}). ` +
        'Fix what makes the runners fail (see the failure log), or raise numConsecutiveEnvRunnerFailuresTolerance.',
    );
  }

  /** Every runner is dropped and none is restarting: say why, and what setting would change that. */
  private noneLeftError(): RLError {
    const ft = this.opts.faultTolerance;
    const fix = ft.restartFailedEnvRunners
      ? `every runner reached maxNumEnvRunnerRestarts (${ft.maxNumEnvRunnerRestarts}); raise it or fix the cause of the failures.`
      : 'ignoreEnvRunnerFailures drops failed runners for good. Set faultTolerance.restartFailedEnvRunners = true so failed runners are restarted.';
    return new RLError('env-runner/none-healthy', `No healthy EnvRunner left${this.lastFailure()}: ${fix}`);
  }

  private lastFailure(): string {
    const last = this.supervisor.events.at(-1);
    return last ? ` (last failure: EnvRunner ${last.workerIndex}: ${last.cause})` : '';
  }

  /**
   * One sample() call on one runner, its env steps and episodes counted in the lifetime counters
   * when it arrives (for asynchronous sampling: runtime/async-sampler.ts). A runner failure
   * rejects it; the supervisor has already handled the failure (restart, drop or fatal).
   */
  async sampleFromRunner(slot: RunnerSlot): Promise<SampleResult> {
    const result = await this.sampleOne(slot);
    this.count(result.metrics);
    return result;
  }

  /** One sample() call, watched by the health probe so a hung runner is found before the sample deadline. */
  private async sampleOne(slot: RunnerSlot): Promise<SampleResult> {
    this.inFlight.set(slot, (this.inFlight.get(slot) ?? 0) + 1);
    this.supervisor.setState(slot, 'sampling');
    try {
      return await this.supervisor.call(
        slot,
        (api) => api.sample({}),
        deadlineMs(this.opts.sampleTimeoutS),
        'sample()',
        true,
      );
    } finally {
      const left = (this.inFlight.get(slot) ?? 1) - 1;
      this.inFlight.set(slot, left);
      if (left === 0) this.supervisor.setState(slot, 'idle');
    }
  }

  private count(m: EnvRunnerMetrics): void {
    this.lifetime.numEnvStepsSampled += m.numEnvSteps;
    this.lifetime.numEpisodes += m.numEpisodes;
    this.lifetime.numSubEnvRestarts += m.numSubEnvRestarts;
    this.lifetime.numEnvStepsLost += m.numEnvStepsLost;
    this.lifetime.numEpisodesLost += m.numEpisodesLost;
  }

  /**
   * Sends weights to every healthy runner, tagged with a sequence number; runners ignore anything
   * older than what they have. Restarted runners get the latest weights (and exploration state)
   * from the supervisor before they sample.
   *
   * `weights` may be the learner's module itself (a WeightsSource). A worker runner then gets one
   * readback, copied per worker as transferred buffers; the page's own runner (numEnvRunners 0)
   * shares the module's variables by reference instead (EnvRunner.shareWeights): no readback, no
   * copy, no upload. Before, an off-policy run that syncs every few env steps spent ~1/3 of its
   * iteration reading the weights back, copying them twice and uploading them again, to a runner
   * on the same page.
   */
  async syncWeights(weights: ModuleWeights | WeightsSource, exploration?: ExplorationState): Promise<number> {
    const seq = ++this.weightsSeq;
    const source = isWeightsSource(weights) ? weights : null;
    let arrays: ModuleWeights | null = source ? null : (weights as ModuleWeights);
    const read = async (): Promise<ModuleWeights> => (arrays ??= await source!.getWeights());
    this.supervisor.setLatestWeights(source ? read : (weights as ModuleWeights), seq, exploration);
    const timeoutMs = deadlineMs(this.opts.sampleTimeoutS);
    await Promise.allSettled(
      this.supervisor.healthySlots().map((slot) =>
        this.supervisor.call(
          slot,
          async (api) => {
            if (source && api instanceof EnvRunnerHost && api.shareWeights(source, seq, exploration)) return true;
            return api.setWeights(transferable(copyWeights(await read())), seq, exploration);
          },
          timeoutMs,
          'setWeights()',
        ),
      ),
    );
    this.supervisor.throwIfFatal();
    return seq;
  }

  /** Greedy actions from every healthy runner for the same observations. */
  async computeActions(obs: Float32Array, batchSize: number): Promise<Map<number, Int32Array | Float32Array>> {
    const slots = this.supervisor.healthySlots();
    const timeoutMs = deadlineMs(this.opts.sampleTimeoutS);
    const out = await Promise.all(
      slots.map((s) =>
        this.supervisor.call(s, (api) => api.computeActions(obs.slice(), batchSize), timeoutMs, 'computeActions()'),
      ),
    );
    return new Map(slots.map((s, k) => [s.workerIndex, out[k]!]));
  }

  get currentWeightsSeq(): number {
    return this.weightsSeq;
  }

  async probeHealth(): Promise<void> {
    await this.supervisor.probeHealth();
    this.supervisor.throwIfFatal();
  }

  /** Chaos: crash runner i the way a real bug would (an uncaught error in its worker). */
  async killEnvRunner(workerIndex: number): Promise<void> {
    const slot = this.slotFor(workerIndex);
    if (!slot.conn) return;
    if (this.opts.numEnvRunners === 0) {
      this.supervisor.handleFailure(
        slot,
        new RLError('env-runner/killed', 'killed by killEnvRunner()'),
        slot.incarnation,
      );
      return;
    }
    await slot.conn.api.crash(`EnvRunner ${workerIndex} killed by killEnvRunner()`).catch(() => undefined);
  }

  /** Chaos: block runner i's thread for `seconds` (the health probe should find it). */
  hangEnvRunner(workerIndex: number, seconds = 3600): void {
    const slot = this.slotFor(workerIndex);
    if (this.opts.numEnvRunners === 0)
      throw new RLError(
        'env-runner/local',
        'hangEnvRunner needs remote runners (numEnvRunners > 0): hanging the local runner would hang the page.',
      );
    slot.conn?.api.hang(seconds).catch(() => undefined);
  }

  private slotFor(workerIndex: number): RunnerSlot {
    const slot = this.supervisor.slots.find((s) => s.workerIndex === workerIndex);
    if (!slot) {
      const known = this.supervisor.slots.map((s) => s.workerIndex).join(', ');
      throw new RLError('env-runner/unknown-index', `No EnvRunner with index ${workerIndex}; runners are ${known}.`);
    }
    return slot;
  }

  stop(): void {
    this.supervisor.stop();
  }
}

/** The learner's module as a source of weights: shared with a page runner, read back for workers. */
export type WeightsSource = SharedWeightsSource & { getWeights(): Promise<ModuleWeights> };

function isWeightsSource(w: ModuleWeights | WeightsSource): w is WeightsSource {
  return 'trainableVariables' in w && typeof (w as { getWeights?: unknown }).getWeights === 'function';
}

function transferable(w: ModuleWeights): ModuleWeights {
  return Comlink.transfer(
    w,
    w.arrays.map((a) => a.buffer as ArrayBuffer),
  );
}

/** A copy whose buffers can be transferred without detaching the caller's arrays. */
export function copyWeights(w: ModuleWeights): ModuleWeights {
  return {
    version: w.version,
    names: [...w.names],
    shapes: w.shapes.map((s) => [...s]),
    arrays: w.arrays.map((a) => a.slice()),
  };
}
