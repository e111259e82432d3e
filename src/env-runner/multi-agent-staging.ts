/**
 * Per-module staging for the multi-agent EnvRunner: time-major buffers over a module's lanes
 * (the (copy, slot) pairs mapped to it), with a `valid` mask for steps the agent acted in, laid
 * out at the end of a sample call as an ordinary SampleBatch (lane = "sub-env", chunk = one
 * agent's episode piece), so GAE and the single-agent PPO learner run on it unchanged.
 */
import { ChunkEnd, type SampleBatch } from '../core/sample-batch';

export class ModuleStaging {
  private capacity = 0;
  obs = new Float32Array(0);
  actions = new Int32Array(0);
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
  ) {}

  ensureCapacity(steps: number): void {
    if (steps <= this.capacity) return;
    const cap = Math.max(steps, this.capacity * 2, 16);
    const n = this.numLanes;
    this.obs = grow(this.obs, cap * n * this.obsDim, (k) => new Float32Array(k));
    this.actions = grow(this.actions, cap * n, (k) => new Int32Array(k));
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
   */
  toBatch(numSteps: number, currentObs: Float32Array, weightsSeq: number): SampleBatch {
    const n = this.numLanes;
    const d = this.obsDim;
    let rows = 0;
    for (let k = 0; k < numSteps * n; k++) if (this.status[k]) rows++;
    const obs = new Float32Array(rows * d);
    const actions = new Int32Array(rows);
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
        if (!s) continue;
        obs.set(this.obs.subarray(k * d, k * d + d), r * d);
        actions[r] = this.actions[k]!;
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
      actionDim: 1,
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
