/**
 * Per-module staging for the multi-agent EnvRunner: time-major buffers over a module's lanes
 * (the (copy, slot) pairs mapped to it), with a `valid` mask for steps the agent acted in, laid
 * out at the end of a sample call as an ordinary SampleBatch (lane = "sub-env", chunk = one
 * agent's episode piece), so GAE, V-trace, the replay buffers and every single-agent learner run
 * on it unchanged. Actions are Int32 for a Discrete module, `actionDim` floats per row for a Box.
 */
import { ChunkEnd, type SampleBatch } from '../core/sample-batch';
import type { Space } from '../core/spaces';

/** What one sample call measured. Episode returns are per env episode (all agents summed), as RLlib. */
export interface MultiAgentRunnerMetrics {
  readonly numEnvSteps: number;
  readonly numAgentSteps: number;
  readonly agentStepsByModule: Record<string, number>;
  readonly episodeReturns: number[];
  readonly episodeLengths: number[];
  readonly agentEpisodeReturns: Record<string, number[]>;
  readonly moduleEpisodeReturns: Record<string, number[]>;
  readonly inferenceMs: number;
  readonly envStepMs: number;
  readonly sampleMs: number;
}

export class ModuleStaging {
  private capacity = 0;
  obs = new Float32Array(0);
  actions: Int32Array | Float32Array = new Int32Array(0);
  actionLogp = new Float32Array(0);
  vfPreds = new Float32Array(0);
  rewards = new Float32Array(0);
  /** 0 = not acted, 1 = acted, episode goes on, 2 = terminated, 3 = truncated. */
  status = new Uint8Array(0);
  episodeIds = new Float64Array(0);
  /** Final observations of agents whose episode ended at (t, lane); same layout as `obs`. */
  finalObsRows = new Float32Array(0);

  constructor(
    readonly numLanes: number,
    readonly obsDim: number,
    /** Scalars per action: 1 for Discrete, the Box size otherwise. */
    readonly actionDim = 1,
    readonly discrete = true,
  ) {
    if (!discrete) this.actions = new Float32Array(0);
  }

  ensureCapacity(steps: number): void {
    if (steps <= this.capacity) return;
    const cap = Math.max(steps, this.capacity * 2, 16);
    const n = this.numLanes;
    this.obs = grow(this.obs, cap * n * this.obsDim, (k) => new Float32Array(k));
    const a = this.actionDim;
    this.actions = this.discrete
      ? grow(this.actions as Int32Array, cap * n * a, (k) => new Int32Array(k))
      : grow(this.actions as Float32Array, cap * n * a, (k) => new Float32Array(k));
    this.actionLogp = grow(this.actionLogp, cap * n, (k) => new Float32Array(k));
    this.vfPreds = grow(this.vfPreds, cap * n, (k) => new Float32Array(k));
    this.rewards = grow(this.rewards, cap * n, (k) => new Float32Array(k));
    this.status = grow(this.status, cap * n, (k) => new Uint8Array(k));
    this.finalObsRows = grow(this.finalObsRows, cap * n * this.obsDim, (k) => new Float32Array(k));
    this.episodeIds = grow(this.episodeIds, cap * n, (k) => new Float64Array(k));
    this.capacity = cap;
  }

  /**
   * Lays out steps [0, numSteps) lane by lane. A lane's rows are its acted steps; a chunk ends on
   * a terminated/truncated row or, for a lane still acting at the end, as a cut whose final
   * observation is row `lane` of `currentObs` (the module's gathered observations).
   * `keepUntil` (batchMode 'complete_episodes'): per lane, the last step kept (-1: none); the
   * steps after it belong to an env episode that has not ended, and are left out.
   */
  toBatch(numSteps: number, currentObs: Float32Array, weightsSeq: number, keepUntil?: Int32Array): SampleBatch {
    const n = this.numLanes;
    const d = this.obsDim;
    const a = this.actionDim;
    const kept = (t: number, lane: number): boolean => keepUntil === undefined || t <= keepUntil[lane]!;
    let rows = 0;
    for (let t = 0; t < numSteps; t++)
      for (let lane = 0; lane < n; lane++) if (this.status[t * n + lane] && kept(t, lane)) rows++;
    const obs = new Float32Array(rows * d);
    const actions = this.discrete ? new Int32Array(rows * a) : new Float32Array(rows * a);
    const actionLogp = new Float32Array(rows);
    const vfPreds = new Float32Array(rows);
    const rewards = new Float32Array(rows);
    const terminateds = new Uint8Array(rows);
    const truncateds = new Uint8Array(rows);
    const starts: number[] = [0];
    const ends: number[] = [];
    const ids: number[] = [];
    const lanes: number[] = [];
    const finals: number[] = [];
    let r = 0;
    for (let lane = 0; lane < n; lane++) {
      let open = false;
      for (let t = 0; t < numSteps; t++) {
        const k = t * n + lane;
        const s = this.status[k]!;
        if (!s || !kept(t, lane)) continue;
        obs.set(this.obs.subarray(k * d, k * d + d), r * d);
        for (let j = 0; j < a; j++) actions[r * a + j] = this.actions[k * a + j]!;
        actionLogp[r] = this.actionLogp[k]!;
        vfPreds[r] = this.vfPreds[k]!;
        rewards[r] = this.rewards[k]!;
        if (!open) ids.push(this.episodeIds[k]!);
        open = true;
        r++;
        if (s >= 2) {
          terminateds[r - 1] = s === 2 ? 1 : 0;
          truncateds[r - 1] = s === 3 ? 1 : 0;
          ends.push(s === 2 ? ChunkEnd.TERMINATED : ChunkEnd.TRUNCATED);
          for (let j = 0; j < d; j++) finals.push(this.finalObsRows[k * d + j] ?? 0);
          starts.push(r);
          lanes.push(lane);
          open = false;
        }
      }
      if (open) {
        ends.push(ChunkEnd.CUT);
        for (let j = 0; j < d; j++) finals.push(currentObs[lane * d + j]!);
        starts.push(r);
        lanes.push(lane);
      }
    }
    return {
      numSteps: rows,
      obsDim: d,
      actionDim: a,
      obs,
      actions,
      rewards,
      terminateds,
      truncateds,
      actionLogp,
      vfPreds,
      chunkStarts: Int32Array.from(starts),
      chunkEnds: Uint8Array.from(ends),
      chunkEpisodeIds: Float64Array.from(ids),
      chunkEnvIndices: Int32Array.from(lanes),
      finalObs: Float32Array.from(finals),
      workerIndex: 0,
      weightsSeq,
    };
  }
}

function grow<T extends Float32Array | Int32Array | Uint8Array | Float64Array>(
  old: T,
  size: number,
  make: (n: number) => T,
): T {
  const out = make(size);
  out.set(old);
  return out;
}

/** A batch with no rows (a multi-agent SampleResult's `batch`: its data is in moduleBatches). */
export function emptyBatch(obsDim: number, workerIndex: number, weightsSeq: number): SampleBatch {
  return {
    numSteps: 0,
    obsDim,
    actionDim: 1,
    obs: new Float32Array(0),
    actions: new Int32Array(0),
    rewards: new Float32Array(0),
    terminateds: new Uint8Array(0),
    truncateds: new Uint8Array(0),
    chunkStarts: new Int32Array(1),
    chunkEnds: new Uint8Array(0),
    chunkEpisodeIds: new Float64Array(0),
    chunkEnvIndices: new Int32Array(0),
    finalObs: new Float32Array(0),
    workerIndex,
    weightsSeq,
  };
}

export function emptyMetrics(
  moduleIds: readonly string[],
  agentIds: readonly string[],
): MultiAgentRunnerMetrics & {
  numEnvSteps: number;
  numAgentSteps: number;
  inferenceMs: number;
  envStepMs: number;
  sampleMs: number;
} {
  return {
    numEnvSteps: 0,
    numAgentSteps: 0,
    agentStepsByModule: Object.fromEntries(moduleIds.map((id) => [id, 0])),
    episodeReturns: [],
    episodeLengths: [],
    agentEpisodeReturns: Object.fromEntries(agentIds.map((id) => [id, []])),
    moduleEpisodeReturns: Object.fromEntries(moduleIds.map((id) => [id, []])),
    inferenceMs: 0,
    envStepMs: 0,
    sampleMs: 0,
  };
}

/** Whether two spaces are the same space: kind, size and bounds. */
export function sameSpaces(a: Space, b: Space): boolean {
  if (a.kind === 'discrete') return b.kind === 'discrete' && a.n === b.n;
  return (
    b.kind === 'box' &&
    a.low.length === b.low.length &&
    a.low.every((v, i) => v === b.low[i]) &&
    a.high.every((v, i) => v === b.high[i])
  );
}
