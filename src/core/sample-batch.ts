/**
 * The episode-chunk batch an EnvRunner returns: flat typed-array columns, no per-step objects,
 * so the whole batch crosses threads as transferred buffers.
 *
 * Layout: rows are grouped by sub-env, then by time (`row = chunk start + t`). A *chunk* is a run
 * of consecutive steps of ONE episode in ONE sub-env. A chunk ends because its episode terminated,
 * was truncated (time limit), or because the sample call's fragment ended (a *cut*; the episode
 * continues in the next call under the same episode id).
 */
import { RLError } from './errors';

export const ChunkEnd = { CUT: 0, TERMINATED: 1, TRUNCATED: 2 } as const;
export type ChunkEnd = (typeof ChunkEnd)[keyof typeof ChunkEnd];

export interface SampleBatch {
  /** Number of env steps (rows). */
  readonly numSteps: number;
  readonly obsDim: number;
  /** Scalars per action: 1 for Discrete, the Box size otherwise. */
  readonly actionDim: number;
  /** numSteps * obsDim: observation the action was taken in. */
  readonly obs: Float32Array;
  /** numSteps * actionDim: Int32Array for Discrete, Float32Array for Box. */
  readonly actions: Int32Array | Float32Array;
  readonly rewards: Float32Array;
  /** 1 on the last row of a chunk whose episode terminated. */
  readonly terminateds: Uint8Array;
  /** 1 on the last row of a chunk whose episode was truncated. */
  readonly truncateds: Uint8Array;
  /**
   * Extra columns, filled only by modules that produce them (RLModule.explorationOutputs): a
   * stochastic actor-critic writes both, a Q-network neither. Readers that need one take it
   * through `requireColumn`, which names the module that should have produced it.
   */
  /** log pi(a|s) under the sampling policy (PPO's "old" log-prob). RLlib: action_logp. */
  readonly actionLogp?: Float32Array;
  /** V(s) under the sampling policy. RLlib: vf_preds. */
  readonly vfPreds?: Float32Array;
  /** numChunks + 1 row offsets; chunk c is rows [chunkStarts[c], chunkStarts[c+1]). */
  readonly chunkStarts: Int32Array;
  /** numChunks: why each chunk ended (ChunkEnd). */
  readonly chunkEnds: Uint8Array;
  /** numChunks: episode id, stable across sample() calls for an episode that was cut. */
  readonly chunkEpisodeIds: Float64Array;
  /** numChunks: index of the sub-env the chunk came from. */
  readonly chunkEnvIndices: Int32Array;
  /**
   * numChunks * obsDim: the observation after the chunk's last step. For truncated episodes this
   * is Gymnasium's final observation; for cuts it is the observation the episode continues from;
   * for terminated episodes it is the final observation (never used to bootstrap).
   */
  readonly finalObs: Float32Array;
  /** Index of the EnvRunner that produced the batch (0 = local runner on the page). */
  readonly workerIndex: number;
  /** Weights version the sampling policy had. */
  readonly weightsSeq: number;
}

/** The optional per-row columns of a SampleBatch. */
export type ExtraColumn = 'actionLogp' | 'vfPreds';
export const EXTRA_COLUMNS: readonly ExtraColumn[] = ['actionLogp', 'vfPreds'];

/**
 * An extra column the caller cannot do without (PPO's GAE needs vfPreds, its loss actionLogp);
 * throws `batch/missing-column` naming the fix when the sampling module did not write it.
 */
export function requireColumn(batch: SampleBatch, column: ExtraColumn, neededBy: string): Float32Array {
  const values = batch[column];
  if (!values) {
    throw new RLError(
      'batch/missing-column',
      `${neededBy} needs the '${column}' column, but the batch has none: the EnvRunners sampled with a module ` +
        `that does not produce it (e.g. a Q-network). Sample with an actor-critic module (rlModule kind 'actor-critic').`,
    );
  }
  return values;
}

export function numChunks(batch: SampleBatch): number {
  return batch.chunkEnds.length;
}

/** The buffers of a batch, for `postMessage` transfer lists. */
export function batchTransferables(batch: SampleBatch): ArrayBuffer[] {
  const columns = [
    batch.obs,
    batch.actions,
    batch.rewards,
    batch.terminateds,
    batch.truncateds,
    ...EXTRA_COLUMNS.flatMap((k) => batch[k] ?? []),
    batch.chunkStarts,
    batch.chunkEnds,
    batch.chunkEpisodeIds,
    batch.chunkEnvIndices,
    batch.finalObs,
  ];
  const buffers = new Set<ArrayBuffer>();
  for (const c of columns) if (c.buffer instanceof ArrayBuffer) buffers.add(c.buffer);
  return [...buffers];
}

/** Extra columns present in every batch, concatenated; a column some batch lacks is left out. */
function concatExtraColumns(batches: readonly SampleBatch[]): Partial<Record<ExtraColumn, Float32Array>> {
  const out: Partial<Record<ExtraColumn, Float32Array>> = {};
  for (const k of EXTRA_COLUMNS) {
    const parts = batches.map((b) => b[k]);
    if (parts.every((p): p is Float32Array => p !== undefined)) out[k] = concatTyped(parts, (n) => new Float32Array(n));
  }
  return out;
}

function concatTyped<T extends Float32Array | Int32Array | Uint8Array | Float64Array>(
  parts: readonly T[],
  make: (n: number) => T,
): T {
  const out = make(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Concatenates batches from several runners into one (row offsets of chunks are shifted). */
export function concatBatches(batches: readonly SampleBatch[]): SampleBatch {
  const first = batches[0];
  if (!first) throw new RangeError('concatBatches needs at least one batch');
  if (batches.length === 1) return first;
  const starts: number[] = [0];
  let rowOffset = 0;
  for (const b of batches) {
    for (let c = 1; c < b.chunkStarts.length; c++) starts.push(rowOffset + (b.chunkStarts[c] ?? 0));
    rowOffset += b.numSteps;
  }
  const discrete = first.actions instanceof Int32Array;
  return {
    numSteps: rowOffset,
    obsDim: first.obsDim,
    actionDim: first.actionDim,
    obs: concatTyped(
      batches.map((b) => b.obs),
      (n) => new Float32Array(n),
    ),
    actions: discrete
      ? concatTyped(
          batches.map((b) => b.actions as Int32Array),
          (n) => new Int32Array(n),
        )
      : concatTyped(
          batches.map((b) => b.actions as Float32Array),
          (n) => new Float32Array(n),
        ),
    rewards: concatTyped(
      batches.map((b) => b.rewards),
      (n) => new Float32Array(n),
    ),
    terminateds: concatTyped(
      batches.map((b) => b.terminateds),
      (n) => new Uint8Array(n),
    ),
    truncateds: concatTyped(
      batches.map((b) => b.truncateds),
      (n) => new Uint8Array(n),
    ),
    ...concatExtraColumns(batches),
    chunkStarts: Int32Array.from(starts),
    chunkEnds: concatTyped(
      batches.map((b) => b.chunkEnds),
      (n) => new Uint8Array(n),
    ),
    chunkEpisodeIds: concatTyped(
      batches.map((b) => b.chunkEpisodeIds),
      (n) => new Float64Array(n),
    ),
    chunkEnvIndices: concatTyped(
      batches.map((b) => b.chunkEnvIndices),
      (n) => new Int32Array(n),
    ),
    finalObs: concatTyped(
      batches.map((b) => b.finalObs),
      (n) => new Float32Array(n),
    ),
    workerIndex: -1,
    weightsSeq: Math.min(...batches.map((b) => b.weightsSeq)),
  };
}
