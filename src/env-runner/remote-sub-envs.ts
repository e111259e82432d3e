/**
 * The sub-envs of one runner, each in its own Web Worker (remoteWorkerEnvs). Results arrive
 * asynchronously; `poll` hands out the ones that arrived, waiting at most `waitMs` for the rest
 * of those in flight (RLlib's RemoteBaseEnv.poll with remote_env_batch_wait_ms; 0 = whatever is
 * ready, but never an empty batch while steps are in flight). The latest result of each sub-env
 * is kept in VectorEnv-shaped arrays, so staging and the non-finite checks read it like an env.
 *
 * Every wait ends: a sub-env that does not answer a request within `hungAfterMs` arrives as
 * crashed (its worker is terminated; the runner rebuilds it under restartFailedSubEnvironments),
 * and `stop()` wakes a pending wait, which then throws `env/sub-env-stopped`.
 */
import { describeDeadline } from '../core/deadline';
import { RLError } from '../core/errors';
import type { SubEnvInit, SubEnvReply, SubEnvRequest } from './sub-env-protocol';

/** What the runner needs of a worker; tests pass an in-process stand-in. */
export interface SubEnvPort {
  postMessage(message: SubEnvRequest): void;
  onmessage: ((event: { data: SubEnvReply }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  terminate(): void;
}
export type SpawnSubEnv = (index: number) => SubEnvPort;

/** A step (or reset) result of sub-env `index`, already copied into the arrays; or its crash. */
export interface Arrival {
  readonly index: number;
  readonly crashed: string | null;
}

/** A sub-env that keeps crashing while being built is a broken env, not bad luck. */
const MAX_START_TRIES = 10;

export function spawnSubEnvWorker(index: number): SubEnvPort {
  return new Worker(new URL('./sub-env.worker.ts', import.meta.url), {
    type: 'module',
    name: `sub-env-${index}`,
  }) as unknown as SubEnvPort;
}

export class RemoteSubEnvs {
  readonly obs: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly finalObs: Float32Array;
  /** Sub-env worker restarts over the runner's life (each also counts as a sub-env restart). */
  restarts = 0;

  private readonly ports: (SubEnvPort | null)[];
  private readonly incarnation: Int32Array;
  /** Sent, not yet answered. */
  private readonly inFlight = new Set<number>();
  /** performance.now() when each sub-env's request in flight was sent. */
  private readonly sentAtMs: Float64Array;
  /** Bumped by stop(): a wait that began before it throws instead of waiting on a later start. */
  private epoch = 0;
  /** Answered, not yet handed out by poll. */
  private readonly arrived = new Map<number, SubEnvReply>();
  private wake: (() => void) | null = null;

  constructor(
    private readonly numEnvs: number,
    private readonly obsDim: number,
    /** The init message of sub-env i in its n-th life (fresh seeds per life). */
    private readonly initFor: (index: number, incarnation: number) => SubEnvInit,
    private readonly spawn: SpawnSubEnv = spawnSubEnvWorker,
    /**
     * A request unanswered this long means a hung sub-env worker (null: wait forever). The runner
     * passes envRunnerHealthProbeTimeoutS: the time an inline env step has before its runner
     * misses a health probe, and a nested worker's hang is invisible to that probe.
     */
    private readonly hungAfterMs: number | null = null,
  ) {
    this.obs = new Float32Array(numEnvs * obsDim);
    this.rewards = new Float32Array(numEnvs);
    this.terminated = new Uint8Array(numEnvs);
    this.truncated = new Uint8Array(numEnvs);
    this.finalObs = new Float32Array(numEnvs * obsDim);
    this.ports = new Array<SubEnvPort | null>(numEnvs).fill(null);
    this.incarnation = new Int32Array(numEnvs);
    this.sentAtMs = new Float64Array(numEnvs);
  }

  get busy(): boolean {
    return this.inFlight.size > 0 || this.arrived.size > 0;
  }

  /** Starts every sub-env worker and waits for their first observations. */
  async start(restartCrashed: boolean): Promise<void> {
    for (let i = 0; i < this.numEnvs; i++) this.launch(i);
    for (const a of await this.gather()) if (a.crashed) await this.restart(a.index, a.crashed, restartCrashed);
  }

  /** Starts a new episode in every sub-env (nothing may be in flight). */
  async resetAll(restartCrashed: boolean): Promise<void> {
    for (let i = 0; i < this.numEnvs; i++) this.send(i, { type: 'reset' });
    for (const a of await this.gather()) if (a.crashed) await this.restart(a.index, a.crashed, restartCrashed);
  }

  /** Sends sub-env i its action (a copy: the caller's buffer is reused). */
  step(i: number, action: Int32Array | Float32Array): void {
    this.send(i, { type: 'step', action });
  }

  /**
   * The sub-envs whose results arrived: waits until all in-flight ones answered or `waitMs`
   * passed, and past that for the first one. Empty only when nothing is in flight.
   */
  async poll(waitMs: number): Promise<Arrival[]> {
    const deadline = performance.now() + waitMs;
    for (;;) {
      if (this.inFlight.size === 0) return this.take();
      const left = deadline - performance.now();
      if (this.arrived.size > 0 && left <= 0) return this.take();
      await this.nextArrival(this.arrived.size > 0 ? left : Math.max(left, 0) || Infinity);
    }
  }

  /** Every in-flight result (used before/after a call, so no step stays in the air). */
  async gather(): Promise<Arrival[]> {
    while (this.inFlight.size > 0) await this.nextArrival(Infinity);
    return this.take();
  }

  /**
   * Replaces sub-env i's worker with a fresh one (new seed) and waits for its first observation.
   * With restarts off, the crash is the runner's error.
   */
  async restart(i: number, reason: string, allowed: boolean): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (!allowed || attempt > MAX_START_TRIES) {
        throw new RLError(
          'env/sub-env-crash',
          `Remote sub-env ${i} crashed${attempt > 1 ? ` ${attempt} times in a row` : ''}: ${reason}` +
            (allowed
              ? ''
              : '. Set restartFailedSubEnvironments = true (restart_failed_sub_environments) to restart it.'),
        );
      }
      this.ports[i]?.terminate();
      this.ports[i] = null;
      this.restarts++;
      this.incarnation[i] = (this.incarnation[i] ?? 0) + 1;
      this.launch(i);
      while (this.inFlight.has(i)) await this.nextArrival(Infinity);
      const reply = this.arrived.get(i);
      this.arrived.delete(i);
      if (reply && reply.type !== 'crashed') {
        this.record(i, reply);
        return;
      }
      reason = reply?.type === 'crashed' ? reply.message : 'no reply';
    }
  }

  /** Terminates every sub-env worker; a pending wait throws `env/sub-env-stopped`. `start` may follow. */
  stop(): void {
    this.epoch++;
    for (const p of this.ports) p?.terminate();
    this.ports.fill(null);
    this.inFlight.clear();
    this.arrived.clear();
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private launch(i: number): void {
    const port = this.spawn(i);
    this.ports[i] = port;
    port.onmessage = (event) => this.receive(i, port, event.data);
    port.onerror = (event) => this.receive(i, port, { type: 'crashed', message: errorText(event) });
    this.send(i, this.initFor(i, this.incarnation[i] ?? 0));
  }

  private send(i: number, message: SubEnvRequest): void {
    const port = this.ports[i];
    if (!port) throw new RLError('env/sub-env-stopped', `Remote sub-env ${i} used after stop()`);
    this.inFlight.add(i);
    this.sentAtMs[i] = performance.now();
    port.postMessage(message);
  }

  private receive(i: number, port: SubEnvPort, reply: SubEnvReply): void {
    // A late message from a worker already replaced (or a second error event) is not news.
    if (this.ports[i] !== port || !this.inFlight.has(i)) return;
    this.inFlight.delete(i);
    this.arrived.set(i, reply);
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /**
   * Waits for the next result, `timeoutMs`, or the first in-flight request to go past its
   * deadline (then that sub-env arrives as crashed), whichever is first.
   */
  private async nextArrival(timeoutMs: number): Promise<void> {
    const epoch = this.epoch;
    const waitMs = Math.min(timeoutMs, this.msUntilFirstHung());
    if (waitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = Number.isFinite(waitMs) ? setTimeout(resolve, waitMs) : undefined;
        this.wake = () => {
          if (timer !== undefined) clearTimeout(timer);
          resolve();
        };
      });
    }
    if (this.epoch !== epoch) {
      throw new RLError('env/sub-env-stopped', 'The remote sub-envs were stopped while the runner waited for them.');
    }
    this.expireHung();
  }

  private msUntilFirstHung(): number {
    if (this.hungAfterMs === null) return Infinity;
    let first = Infinity;
    for (const i of this.inFlight) first = Math.min(first, (this.sentAtMs[i] ?? 0) + this.hungAfterMs);
    return first - performance.now();
  }

  /** Each sub-env past its deadline: its worker goes, and it arrives as crashed. */
  private expireHung(): void {
    if (this.hungAfterMs === null) return;
    const now = performance.now();
    for (const i of [...this.inFlight]) {
      if (now - (this.sentAtMs[i] ?? 0) < this.hungAfterMs) continue;
      this.ports[i]?.terminate();
      this.ports[i] = null;
      this.inFlight.delete(i);
      const message = `it did not answer within ${describeDeadline(this.hungAfterMs)} (hung; envRunnerHealthProbeTimeoutS)`;
      this.arrived.set(i, { type: 'crashed', message });
    }
  }

  private take(): Arrival[] {
    const out: Arrival[] = [];
    for (const [i, reply] of this.arrived) {
      if (reply.type === 'crashed') out.push({ index: i, crashed: reply.message });
      else {
        this.record(i, reply);
        out.push({ index: i, crashed: null });
      }
    }
    this.arrived.clear();
    return out;
  }

  private record(i: number, reply: Exclude<SubEnvReply, { type: 'crashed' }>): void {
    const od = this.obsDim;
    this.obs.set(reply.obs.subarray(0, od), i * od);
    if (reply.type === 'obs') {
      this.rewards[i] = 0;
      this.terminated[i] = 0;
      this.truncated[i] = 0;
      return;
    }
    this.rewards[i] = reply.reward;
    this.terminated[i] = reply.terminated ? 1 : 0;
    this.truncated[i] = reply.truncated ? 1 : 0;
    if (reply.finalObs) this.finalObs.set(reply.finalObs.subarray(0, od), i * od);
  }
}

function errorText(event: unknown): string {
  const message = (event as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message ? message : 'the sub-env worker failed';
}
