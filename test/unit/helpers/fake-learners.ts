/**
 * In-process "learner workers" for learner-group tests: each connection hosts a real LearnerHost
 * (the worker's learner classes, cpu backend) and can be told to crash (like an uncaught error in
 * a worker: the failure fires, the pending call never answers) or hang (calls and pings never
 * settle), on a chosen update or while idle.
 */
import { makeLearner } from '../../../src/algorithms/learner-classes';
import { LearnerHost, type LearnerApi } from '../../../src/learner/learner-host';
import type { ConnectLearner } from '../../../src/learner/learner-worker-protocol';
import { failureSignal } from '../../../src/runtime/rpc';

export interface FakeLearner {
  readonly rank: number;
  /** 0 for the first worker of a rank, then 1, 2, ... for its restarts. */
  readonly incarnation: number;
  readonly host: LearnerHost;
  terminated: boolean;
  crash(message?: string): void;
  hang(): void;
}

/** What the next update call of a rank does instead of answering. */
export type UpdateFault = 'crash-before' | 'crash-after' | 'hang';

export interface FakeLearnerFleet {
  readonly connect: ConnectLearner<LearnerApi>;
  /** Every worker ever started, in start order. */
  readonly started: FakeLearner[];
  current(rank: number): FakeLearner;
  /**
   * The `n`-th update call (counted over the rank's lifetime, from 1) of `rank` fails: crashes before
   * updating, crashes after its learner updated (the reply never comes), or hangs.
   */
  failUpdate(rank: number, n: number, fault: UpdateFault): void;
  /** Every update of `rank`, in every incarnation, crashes its worker (a crash loop). */
  crashEveryUpdate(rank: number): void;
  /** Update calls per rank so far. */
  updates(rank: number): number;
}

export function fakeLearners(): FakeLearnerFleet {
  const started: FakeLearner[] = [];
  const live = new Map<number, FakeLearner>();
  const planned = new Map<string, UpdateFault>();
  const crashLoop = new Set<number>();
  const updateCount = new Map<number, number>();
  const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

  const connect: ConnectLearner<LearnerApi> = (rank) => {
    const incarnation = started.filter((w) => w.rank === rank).length;
    const host = new LearnerHost(makeLearner);
    const failure = failureSignal();
    let hung = false;
    const worker: FakeLearner = {
      rank,
      incarnation,
      host,
      terminated: false,
      crash: (message = 'killed') => failure.fail(new Error(`Learner ${rank} crashed: ${message}`)),
      hang: () => {
        hung = true;
      },
    };
    const guard = <T>(fn: () => Promise<T>): Promise<T> => (hung || worker.terminated ? never<T>() : fn());
    const api: LearnerApi = {
      init: (init) => guard(() => host.init(init)),
      update: (request) =>
        guard(async () => {
          const n = (updateCount.get(rank) ?? 0) + 1;
          updateCount.set(rank, n);
          const fault = crashLoop.has(rank) ? 'crash-before' : planned.get(`${rank}:${n}`);
          if (fault === 'crash-before') {
            worker.crash(`update ${n}`);
            return never();
          }
          if (fault === 'hang') {
            worker.hang();
            return never();
          }
          const reply = await host.update(request);
          if (fault === 'crash-after') {
            worker.crash(`after update ${n}`);
            return never();
          }
          return reply;
        }),
      getWeights: () => guard(() => host.getWeights()),
      setWeights: (w) => guard(() => host.setWeights(w)),
      getState: () => guard(() => host.getState()),
      setState: (s) => guard(() => host.setState(s)),
      checksum: () => guard(() => host.checksum()),
      ping: () => guard(() => host.ping()),
      stop: () => guard(() => host.stop()),
    };
    started.push(worker);
    live.set(rank, worker);
    return Promise.resolve({
      api,
      failure: failure.promise,
      fail: (e: Error) => failure.fail(e),
      transfer: (v) => v,
      terminate: () => {
        worker.terminated = true;
        // A terminated worker's memory goes with it; in process, free its learner.
        host.dispose();
      },
    });
  };

  return {
    connect,
    started,
    current: (rank) => {
      const w = live.get(rank);
      if (!w) throw new Error(`no live fake learner ${rank}`);
      return w;
    },
    failUpdate: (rank, n, fault) => planned.set(`${rank}:${n}`, fault),
    crashEveryUpdate: (rank) => crashLoop.add(rank),
    updates: (rank) => updateCount.get(rank) ?? 0,
  };
}
