/**
 * Time-major staging buffers for one sample() call (row = t * numEnvs + i), reused across calls
 * and grown only when a complete_episodes call runs long. `toBatch` lays the rows out chunk by
 * chunk (sub-env, then time) into fresh arrays that are then transferred to the caller.
 */
import { ChunkEnd, EXTRA_COLUMNS, type ExtraColumn, type SampleBatch } from '../core/sample-batch';
import type { VectorEnv } from '../envs';

/** The arrays a step result is read from: a VectorEnv's, or remote sub-envs' (RemoteSubEnvs). */
export type StepResults = Pick<VectorEnv, 'obs' | 'rewards' | 'terminated' | 'truncated' | 'finalObs'>;

export class StepStaging {
  private capacity = 0;
  private usedT = 0;
  obs = new Float32Array(0);
  actions: Int32Array | Float32Array = new Int32Array(0);
  actionLogp = new Float32Array(0);
  vfPreds = new Float32Array(0);
  rewards = new Float32Array(0);
  terminateds = new Uint8Array(0);
  truncateds = new Uint8Array(0);
  dropped = new Uint8Array(0);
  /** Final observation of rows where an episode ended. */
  endObs = new Float32Array(0);
  episodeIds = new Float64Array(0);

  constructor(
    private readonly numEnvs: number,
    private readonly obsDim: number,
    private readonly actionDim: number,
    private readonly discrete: boolean,
  ) {}

  /** Starts a call that expects about `steps` steps per sub-env. */
  begin(steps: number): void {
    this.usedT = 0;
    if (steps > this.capacity) this.resize(steps, false);
    this.dropped.fill(0);
    this.terminateds.fill(0);
    this.truncateds.fill(0);
  }

  ensureCapacity(steps: number): void {
    if (steps > this.capacity) this.resize(Math.max(steps, this.capacity * 2), true);
    this.usedT = Math.max(this.usedT, steps);
  }

  private resize(steps: number, keep: boolean): void {
    const rows = steps * this.numEnvs;
    const grow = <T extends Float32Array | Int32Array | Uint8Array | Float64Array>(
      old: T,
      make: (n: number) => T,
      w: number,
    ): T => {
      const next = make(rows * w);
      if (keep) next.set(old);
      return next;
    };
    this.obs = grow(this.obs, (k) => new Float32Array(k), this.obsDim);
    this.actions = this.discrete
      ? grow(this.actions as Int32Array, (k) => new Int32Array(k), this.actionDim)
      : grow(this.actions as Float32Array, (k) => new Float32Array(k), this.actionDim);
    this.actionLogp = grow(this.actionLogp, (k) => new Float32Array(k), 1);
    this.vfPreds = grow(this.vfPreds, (k) => new Float32Array(k), 1);
    this.rewards = grow(this.rewards, (k) => new Float32Array(k), 1);
    this.terminateds = grow(this.terminateds, (k) => new Uint8Array(k), 1);
    this.truncateds = grow(this.truncateds, (k) => new Uint8Array(k), 1);
    this.dropped = grow(this.dropped, (k) => new Uint8Array(k), 1);
    this.endObs = grow(this.endObs, (k) => new Float32Array(k), this.obsDim);
    this.episodeIds = grow(this.episodeIds, (k) => new Float64Array(k), 1);
    this.capacity = steps;
  }

  writeObs(t: number, obs: Float32Array): void {
    this.obs.set(obs, t * this.numEnvs * this.obsDim);
  }

  writePolicyOutputs(t: number, actions: Int32Array | Float32Array, logp: Float32Array, vf: Float32Array): void {
    const row = t * this.numEnvs;
    this.actions.set(actions, row * this.actionDim);
    this.actionLogp.set(logp, row);
    this.vfPreds.set(vf, row);
  }

  /**
   * Sub-env i's observation and policy outputs at its own time t (remote sub-envs advance
   * independently): `obs` row `obsRow`, outputs row `k` of the batched forward pass.
   */
  writeRowInputs(
    t: number,
    i: number,
    obs: Float32Array,
    obsRow: number,
    out: { actions: Int32Array | Float32Array; actionLogp: Float32Array; vfPreds: Float32Array },
    k: number,
  ): void {
    const { obsDim: od, actionDim: ad } = this;
    const row = t * this.numEnvs + i;
    this.obs.set(obs.subarray(obsRow * od, obsRow * od + od), row * od);
    for (let j = 0; j < ad; j++) this.actions[row * ad + j] = out.actions[k * ad + j] ?? 0;
    this.actionLogp[row] = out.actionLogp[k] ?? 0;
    this.vfPreds[row] = out.vfPreds[k] ?? 0;
  }

  /** Records sub-env i's step result at time t; returns whether its episode ended. */
  writeStepResult(t: number, i: number, env: StepResults): boolean {
    const row = t * this.numEnvs + i;
    this.rewards[row] = env.rewards[i] ?? 0;
    const term = env.terminated[i] ?? 0;
    const trunc = env.truncated[i] ?? 0;
    this.terminateds[row] = term;
    this.truncateds[row] = term ? 0 : trunc;
    if (!term && !trunc) return false;
    const od = this.obsDim;
    this.endObs.set(env.finalObs.subarray(i * od, (i + 1) * od), row * od);
    return true;
  }

  /** Marks sub-env i's rows fromT..toT (inclusive) as dropped; returns how many rows that was. */
  dropRows(i: number, fromT: number, toT: number): number {
    for (let t = fromT; t <= toT; t++) this.dropped[t * this.numEnvs + i] = 1;
    return toT - fromT + 1;
  }

  toBatch(opts: {
    completeEpisodesOnly: boolean;
    currentObs: Float32Array;
    workerIndex: number;
    weightsSeq: number;
    /** The extra columns the sampling module writes (default: all); the others are left out. */
    extraColumns?: readonly ExtraColumn[];
  }): SampleBatch {
    const { numEnvs: n, obsDim: od, actionDim: ad, usedT } = this;
    const keep = this.keptRows(opts.completeEpisodesOnly);
    let numSteps = 0;
    for (let r = 0; r < keep.length; r++) numSteps += keep[r] ?? 0;
    const out = allocBatch(numSteps, od, ad, this.discrete, n * usedT);
    const starts: number[] = [0];
    let o = 0;
    let chunkOpen = false;
    let c = 0;
    const closeChunk = (
      end: ChunkEnd,
      finalObs: Float32Array,
      finalOffset: number,
      envIndex: number,
      id: number,
    ): void => {
      out.chunkEnds[c] = end;
      out.chunkEnvIndices[c] = envIndex;
      out.chunkEpisodeIds[c] = id;
      out.finalObs.set(finalObs.subarray(finalOffset, finalOffset + od), c * od);
      starts.push(o);
      c++;
      chunkOpen = false;
    };
    for (let i = 0; i < n; i++) {
      let lastId = 0;
      for (let t = 0; t < usedT; t++) {
        const row = t * n + i;
        if (!keep[row]) continue;
        this.copyRow(row, o, out);
        lastId = this.episodeIds[row] ?? 0;
        chunkOpen = true;
        o++;
        if (this.terminateds[row]) closeChunk(ChunkEnd.TERMINATED, this.endObs, row * od, i, lastId);
        else if (this.truncateds[row]) closeChunk(ChunkEnd.TRUNCATED, this.endObs, row * od, i, lastId);
      }
      if (chunkOpen) closeChunk(ChunkEnd.CUT, opts.currentObs, i * od, i, lastId);
    }
    const { actionLogp, vfPreds, ...columns } = out;
    const extras = { actionLogp, vfPreds };
    return {
      ...columns,
      ...Object.fromEntries((opts.extraColumns ?? EXTRA_COLUMNS).map((k) => [k, extras[k]])),
      chunkStarts: Int32Array.from(starts),
      chunkEnds: out.chunkEnds.slice(0, c),
      chunkEpisodeIds: out.chunkEpisodeIds.slice(0, c),
      chunkEnvIndices: out.chunkEnvIndices.slice(0, c),
      finalObs: out.finalObs.slice(0, c * od),
      workerIndex: opts.workerIndex,
      weightsSeq: opts.weightsSeq,
    };
  }

  /** 1 for rows that go into the batch: not dropped and, if asked, part of a completed episode. */
  private keptRows(completeEpisodesOnly: boolean): Uint8Array {
    const { numEnvs: n, usedT } = this;
    const keep = new Uint8Array(n * usedT);
    for (let i = 0; i < n; i++) {
      // Walk backwards so "an episode end follows" is known for each row.
      let endFollows = !completeEpisodesOnly;
      for (let t = usedT - 1; t >= 0; t--) {
        const row = t * n + i;
        if (this.terminateds[row] || this.truncateds[row]) endFollows = true;
        if (this.dropped[row]) {
          if (completeEpisodesOnly) endFollows = false;
          continue;
        }
        keep[row] = endFollows ? 1 : 0;
      }
    }
    return keep;
  }

  private copyRow(row: number, o: number, out: MutableBatchColumns): void {
    const { obsDim: od, actionDim: ad } = this;
    out.obs.set(this.obs.subarray(row * od, row * od + od), o * od);
    for (let k = 0; k < ad; k++) out.actions[o * ad + k] = this.actions[row * ad + k] ?? 0;
    out.rewards[o] = this.rewards[row] ?? 0;
    out.terminateds[o] = this.terminateds[row] ?? 0;
    out.truncateds[o] = this.truncateds[row] ?? 0;
    out.actionLogp[o] = this.actionLogp[row] ?? 0;
    out.vfPreds[o] = this.vfPreds[row] ?? 0;
  }
}

interface MutableBatchColumns {
  numSteps: number;
  obsDim: number;
  actionDim: number;
  obs: Float32Array;
  actions: Int32Array | Float32Array;
  rewards: Float32Array;
  terminateds: Uint8Array;
  truncateds: Uint8Array;
  actionLogp: Float32Array;
  vfPreds: Float32Array;
  chunkEnds: Uint8Array;
  chunkEpisodeIds: Float64Array;
  chunkEnvIndices: Int32Array;
  finalObs: Float32Array;
}

function allocBatch(
  numSteps: number,
  od: number,
  ad: number,
  discrete: boolean,
  maxChunks: number,
): MutableBatchColumns {
  return {
    numSteps,
    obsDim: od,
    actionDim: ad,
    obs: new Float32Array(numSteps * od),
    actions: discrete ? new Int32Array(numSteps * ad) : new Float32Array(numSteps * ad),
    rewards: new Float32Array(numSteps),
    terminateds: new Uint8Array(numSteps),
    truncateds: new Uint8Array(numSteps),
    actionLogp: new Float32Array(numSteps),
    vfPreds: new Float32Array(numSteps),
    chunkEnds: new Uint8Array(maxChunks),
    chunkEpisodeIds: new Float64Array(maxChunks),
    chunkEnvIndices: new Int32Array(maxChunks),
    finalObs: new Float32Array(maxChunks * od),
  };
}
