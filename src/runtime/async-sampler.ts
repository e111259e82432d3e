/**
 * Asynchronous sampling (RLlib: IMPALA/APPO's `foreach_env_runner_async` +
 * `fetch_ready_async_reqs`): every healthy EnvRunner keeps up to `maxRequestsInFlightPerEnvRunner`
 * sample() calls in flight, so it never waits for the Learner. Each finished batch carries the
 * weights version its runner sampled with (SampleBatch.weightsSeq) and goes into a bounded
 * LearnerQueue; its episodes and env steps are counted when it arrives, whether or not the
 * Learner ever trains on it.
 *
 * Fault tolerance stays the supervisor's: a runner that dies loses only its in-flight requests
 * (counted here and in the group's `numFragmentsDropped`), is restarted with the latest weights,
 * and is refilled as soon as it is healthy again (the supervisor's change events wake the pump).
 */
import { RLError, errorMessage } from '../core/errors';
import type { SampleBatch } from '../core/sample-batch';
import type { EnvRunnerMetrics } from '../env-runner/env-runner-config';
import type { SampleResult } from '../env-runner/protocol';
import type { EnvRunnerGroup } from './env-runner-group';
import type { LearnerQueue } from './learner-queue';
import type { RunnerSlot } from './supervisor';

export interface AsyncSamplerOptions<T> {
  /** Sample calls each runner may have outstanding. RLlib: max_requests_in_flight_per_env_runner (1). */
  readonly maxRequestsInFlightPerEnvRunner: number;
  /** What goes into the queue from each result: its batch by default (a multi-agent run queues its module batches). */
  readonly toItem?: (result: SampleResult) => T;
}

export class AsyncSampler<T = SampleBatch> {
  /** Lifetime: requests lost because their runner failed while they were in flight. Never goes back. */
  numRequestsLost = 0;
  /** Lifetime: batches that arrived. */
  numBatchesReceived = 0;
  /** The last error a lost request reported, for logs. */
  lastLossCause: string | null = null;
  private readonly inFlight = new Map<RunnerSlot, number>();
  /** Metrics of every batch that arrived since the last `drainMetrics()`. */
  private metrics: EnvRunnerMetrics[] = [];
  private running = false;
  private unsubscribe: (() => void) | null = null;

  private readonly toItem: (result: SampleResult) => T;

  constructor(
    private readonly group: EnvRunnerGroup,
    private readonly queue: LearnerQueue<T>,
    private readonly opts: AsyncSamplerOptions<T>,
  ) {
    this.toItem = opts.toItem ?? ((r) => r.batch as T);
    if (!Number.isInteger(opts.maxRequestsInFlightPerEnvRunner) || opts.maxRequestsInFlightPerEnvRunner < 1) {
      throw new RangeError(
        `maxRequestsInFlightPerEnvRunner must be an integer >= 1, got ${opts.maxRequestsInFlightPerEnvRunner}`,
      );
    }
  }

  /** Starts sampling on every healthy runner; runners that become healthy later join on their own. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.group.supervisor.onChange(() => this.pump());
    this.pump();
  }

  /** Stops issuing requests; those in flight finish (or fail) and are discarded by the closed queue. */
  stop(): void {
    this.running = false;
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Sample calls outstanding over all runners. */
  get numInFlight(): number {
    let n = 0;
    for (const k of this.inFlight.values()) n += k;
    return n;
  }

  /** Runner metrics (episodes, timers) of the batches that arrived since the last call. */
  drainMetrics(): EnvRunnerMetrics[] {
    const out = this.metrics;
    this.metrics = [];
    return out;
  }

  /**
   * Resolves once the queue holds a batch. Throws the supervisor's fatal error, or
   * `env-runner/none-healthy` when no runner is healthy and none is being restarted (nothing
   * would ever arrive).
   */
  async waitForBatch(): Promise<void> {
    const sup = this.group.supervisor;
    for (;;) {
      sup.throwIfFatal();
      if (this.queue.size > 0) return;
      if (sup.healthySlots().length === 0 && !sup.anyRecovering) {
        throw new RLError(
          'env-runner/none-healthy',
          `No healthy EnvRunner left to sample from${this.lastLossCause ? ` (last lost request: ${this.lastLossCause})` : ''}. ` +
            'Set faultTolerance.restartFailedEnvRunners = true, raise maxNumEnvRunnerRestarts, or fix what makes the runners fail.',
        );
      }
      const changed = new Promise<void>((resolve) => {
        const off = sup.onChange(() => {
          off();
          resolve();
        });
        void this.queue.waitForItem().then(() => {
          off();
          resolve();
        });
      });
      await changed;
    }
  }

  /** Tops every healthy runner up to maxRequestsInFlightPerEnvRunner outstanding calls. */
  private pump(): void {
    if (!this.running) return;
    for (const slot of this.group.supervisor.healthySlots()) {
      while ((this.inFlight.get(slot) ?? 0) < this.opts.maxRequestsInFlightPerEnvRunner && slot.healthy) {
        this.request(slot);
      }
    }
  }

  private request(slot: RunnerSlot): void {
    this.inFlight.set(slot, (this.inFlight.get(slot) ?? 0) + 1);
    this.group
      .sampleFromRunner(slot)
      .then(async (result) => {
        this.numBatchesReceived++;
        this.metrics.push(result.metrics);
        // 'block': the request slot stays taken until the Learner makes room (back-pressure).
        await this.queue.put(this.toItem(result));
      })
      .catch((e: unknown) => {
        // The supervisor has handled the runner's failure already; the request is lost, and counted.
        this.numRequestsLost++;
        this.group.lifetime.numFragmentsDropped++;
        this.lastLossCause = errorMessage(e);
      })
      .finally(() => {
        this.inFlight.set(slot, (this.inFlight.get(slot) ?? 1) - 1);
        this.pump();
      });
  }
}
