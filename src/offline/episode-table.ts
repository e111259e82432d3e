/**
 * Recorded experience as one row per env step, with RLlib's column names (ray-project/ray
 * rllib/core/columns.py; rllib/offline/offline_env_runner.py `_map_episodes_to_data` writes the
 * same columns when output_write_episodes=False): eps_id, agent_id, module_id, obs, actions,
 * rewards, new_obs, terminateds, truncateds, plus the module's extra outputs (action_logp,
 * vf_preds) and the episode step t. Held as flat typed arrays, so 50,000 steps are a few MB.
 */
import { RLError } from '../core/errors';
import type { SampleBatch } from '../core/sample-batch';

/** RLlib's column names (Columns.*), as the Parquet file spells them. */
export const OfflineColumns = {
  EPS_ID: 'eps_id',
  AGENT_ID: 'agent_id',
  MODULE_ID: 'module_id',
  T: 't',
  OBS: 'obs',
  ACTIONS: 'actions',
  REWARDS: 'rewards',
  NEXT_OBS: 'new_obs',
  TERMINATEDS: 'terminateds',
  TRUNCATEDS: 'truncateds',
  ACTION_LOGP: 'action_logp',
  VF_PREDS: 'vf_preds',
} as const;

/** RLlib's DEFAULT_MODULE_ID: the single-agent policy's module id. */
export const DEFAULT_MODULE_ID = 'default_policy';

export interface EpisodeTable {
  readonly numRows: number;
  readonly obsDim: number;
  /** 'discrete': actions is Int32Array (one per row); 'box': Float32Array of numRows * actionDim. */
  readonly actionKind: 'discrete' | 'box';
  readonly actionDim: number;
  /** Episode id per row; rows of one episode are consecutive and in time order. */
  readonly epsId: readonly string[];
  /** The behaviour policy's module id per row. */
  readonly moduleId: readonly string[];
  /** Step of the row within its episode (0 at reset). */
  readonly t: Int32Array;
  readonly obs: Float32Array;
  readonly actions: Int32Array | Float32Array;
  readonly rewards: Float32Array;
  readonly newObs: Float32Array;
  readonly terminateds: Uint8Array;
  readonly truncateds: Uint8Array;
  /** log pi(a|s) of the behaviour policy; absent when it sampled greedily or has no distribution. */
  readonly actionLogp?: Float32Array;
  readonly vfPreds?: Float32Array;
}

/**
 * Turns sampled batches into rows. An episode cut at a fragment end continues in a later batch
 * under the same id; `nextT` carries each episode's step counter across calls (pass the same map
 * for every call of one recording). Ids are prefixed with the runner index, since two runners
 * number their episodes independently.
 */
export function tableFromBatches(
  batches: readonly SampleBatch[],
  opts: { moduleId?: string; nextT?: Map<string, number>; withActionLogp?: boolean } = {},
): EpisodeTable {
  const first = batches[0];
  if (!first) throw new RLError('offline/empty', 'No sampled batches to record.');
  const moduleId = opts.moduleId ?? DEFAULT_MODULE_ID;
  const nextT = opts.nextT ?? new Map<string, number>();
  const numRows = batches.reduce((n, b) => n + b.numSteps, 0);
  const { obsDim, actionDim } = first;
  const discrete = first.actions instanceof Int32Array;
  const logpInAll = (opts.withActionLogp ?? true) && batches.every((b) => b.actionLogp);
  const vfInAll = batches.every((b) => b.vfPreds);
  const out = {
    epsId: new Array<string>(numRows),
    t: new Int32Array(numRows),
    obs: new Float32Array(numRows * obsDim),
    actions: discrete ? new Int32Array(numRows) : new Float32Array(numRows * actionDim),
    rewards: new Float32Array(numRows),
    newObs: new Float32Array(numRows * obsDim),
    terminateds: new Uint8Array(numRows),
    truncateds: new Uint8Array(numRows),
    actionLogp: logpInAll ? new Float32Array(numRows) : undefined,
    vfPreds: vfInAll ? new Float32Array(numRows) : undefined,
  };
  let row = 0;
  for (const b of batches) {
    out.obs.set(b.obs.subarray(0, b.numSteps * obsDim), row * obsDim);
    out.actions.set(b.actions.subarray(0, b.numSteps * (discrete ? 1 : actionDim)), row * (discrete ? 1 : actionDim));
    out.rewards.set(b.rewards.subarray(0, b.numSteps), row);
    out.terminateds.set(b.terminateds.subarray(0, b.numSteps), row);
    out.truncateds.set(b.truncateds.subarray(0, b.numSteps), row);
    if (out.actionLogp && b.actionLogp) out.actionLogp.set(b.actionLogp.subarray(0, b.numSteps), row);
    if (out.vfPreds && b.vfPreds) out.vfPreds.set(b.vfPreds.subarray(0, b.numSteps), row);
    for (let c = 0; c < b.chunkEnds.length; c++) {
      const start = b.chunkStarts[c]!;
      const end = b.chunkStarts[c + 1]!;
      const id = `${b.workerIndex}-${b.chunkEpisodeIds[c]!}`;
      let t = nextT.get(id) ?? 0;
      for (let r = start; r < end; r++) {
        out.epsId[row + r] = id;
        out.t[row + r] = t++;
        // new_obs: the next row's obs inside the chunk, the chunk's final observation after its last row.
        const next =
          r + 1 < end
            ? b.obs.subarray((r + 1) * obsDim, (r + 2) * obsDim)
            : b.finalObs.subarray(c * obsDim, (c + 1) * obsDim);
        out.newObs.set(next, (row + r) * obsDim);
      }
      nextT.set(id, t);
    }
    row += b.numSteps;
  }
  return {
    numRows,
    obsDim,
    actionKind: discrete ? 'discrete' : 'box',
    actionDim,
    epsId: out.epsId,
    moduleId: new Array<string>(numRows).fill(moduleId),
    t: out.t,
    obs: out.obs,
    actions: out.actions,
    rewards: out.rewards,
    newObs: out.newObs,
    terminateds: out.terminateds,
    truncateds: out.truncateds,
    ...(out.actionLogp ? { actionLogp: out.actionLogp } : {}),
    ...(out.vfPreds ? { vfPreds: out.vfPreds } : {}),
  };
}

/**
 * Tables with the same spaces, one after the other (RLlib's input_ accepts a list of files).
 * `distinctIds` (separate files) prefixes each table's episode ids with its index, since two
 * recordings both number episodes from 0; parts of one recording keep their ids.
 */
export function concatTables(tables: readonly EpisodeTable[], opts: { distinctIds?: boolean } = {}): EpisodeTable {
  const first = tables[0];
  if (!first) throw new RLError('offline/empty', 'No offline data to concatenate.');
  if (tables.length === 1) return first;
  for (const t of tables) {
    if (t.obsDim !== first.obsDim || t.actionKind !== first.actionKind || t.actionDim !== first.actionDim) {
      throw new RLError(
        'offline/mismatch',
        `Offline files disagree on their spaces (obs size ${first.obsDim} vs ${t.obsDim}, actions ` +
          `${first.actionKind}(${first.actionDim}) vs ${t.actionKind}(${t.actionDim})); record every input file from the same env.`,
      );
    }
  }
  const cat = <T extends Float32Array | Int32Array | Uint8Array>(parts: T[], make: (n: number) => T): T => {
    const out = make(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of parts) {
      out.set(p, offset);
      offset += p.length;
    }
    return out;
  };
  const f32 = (n: number): Float32Array => new Float32Array(n);
  const optional = (pick: (t: EpisodeTable) => Float32Array | undefined): Float32Array | undefined => {
    const parts = tables.map(pick);
    return parts.every((p): p is Float32Array => p !== undefined) ? cat(parts, f32) : undefined;
  };
  const actionLogp = optional((t) => t.actionLogp);
  const vfPreds = optional((t) => t.vfPreds);
  const distinct = opts.distinctIds ?? true;
  const epsId = tables.flatMap((t, i) => (distinct ? t.epsId.map((id) => `${i}:${id}`) : [...t.epsId]));
  return {
    numRows: tables.reduce((n, t) => n + t.numRows, 0),
    obsDim: first.obsDim,
    actionKind: first.actionKind,
    actionDim: first.actionDim,
    epsId,
    moduleId: tables.flatMap((t) => [...t.moduleId]),
    t: cat(
      tables.map((t) => t.t),
      (n) => new Int32Array(n),
    ),
    obs: cat(
      tables.map((t) => t.obs),
      f32,
    ),
    actions:
      first.actionKind === 'discrete'
        ? cat(
            tables.map((t) => t.actions as Int32Array),
            (n) => new Int32Array(n),
          )
        : cat(
            tables.map((t) => t.actions as Float32Array),
            f32,
          ),
    rewards: cat(
      tables.map((t) => t.rewards),
      f32,
    ),
    newObs: cat(
      tables.map((t) => t.newObs),
      f32,
    ),
    terminateds: cat(
      tables.map((t) => t.terminateds),
      (n) => new Uint8Array(n),
    ),
    truncateds: cat(
      tables.map((t) => t.truncateds),
      (n) => new Uint8Array(n),
    ),
    ...(actionLogp ? { actionLogp } : {}),
    ...(vfPreds ? { vfPreds } : {}),
  };
}

/** Episodes in a table: count and mean return (rows of an id summed). */
export function episodeStats(table: EpisodeTable): { numEpisodes: number; returnMean: number; numComplete: number } {
  const returns = new Map<string, number>();
  let numComplete = 0;
  for (let i = 0; i < table.numRows; i++) {
    const id = table.epsId[i]!;
    returns.set(id, (returns.get(id) ?? 0) + table.rewards[i]!);
    if (table.terminateds[i] || table.truncateds[i]) numComplete++;
  }
  let sum = 0;
  for (const r of returns.values()) sum += r;
  return { numEpisodes: returns.size, returnMean: returns.size ? sum / returns.size : NaN, numComplete };
}

/**
 * The same rows with each episode's rows together, episodes in order of their first row (a
 * stable regrouping). Several runners' fragments interleave in sampling order; a file with whole
 * episodes in sequence is what RLlib writes and what returns-to-go are computed over.
 */
export function groupByEpisode(table: EpisodeTable): EpisodeTable {
  const firstRow = new Map<string, number>();
  table.epsId.forEach((id, i) => {
    if (!firstRow.has(id)) firstRow.set(id, i);
  });
  const order = Int32Array.from({ length: table.numRows }, (_, i) => i).sort(
    (a, b) => firstRow.get(table.epsId[a]!)! - firstRow.get(table.epsId[b]!)! || a - b,
  );
  const pick = <T extends Float32Array | Int32Array | Uint8Array>(src: T, width: number, make: (n: number) => T): T => {
    const out = make(src.length);
    order.forEach((r, j) => out.set(src.subarray(r * width, (r + 1) * width), j * width));
    return out;
  };
  const f32 = (n: number): Float32Array => new Float32Array(n);
  const { obsDim } = table;
  const aw = table.actionKind === 'discrete' ? 1 : table.actionDim;
  return {
    ...table,
    epsId: Array.from(order, (r) => table.epsId[r]!),
    moduleId: Array.from(order, (r) => table.moduleId[r]!),
    t: pick(table.t, 1, (n) => new Int32Array(n)),
    obs: pick(table.obs, obsDim, f32),
    actions:
      table.actions instanceof Int32Array
        ? pick(table.actions, aw, (n) => new Int32Array(n))
        : pick(table.actions, aw, f32),
    rewards: pick(table.rewards, 1, f32),
    newObs: pick(table.newObs, obsDim, f32),
    terminateds: pick(table.terminateds, 1, (n) => new Uint8Array(n)),
    truncateds: pick(table.truncateds, 1, (n) => new Uint8Array(n)),
    ...(table.actionLogp ? { actionLogp: pick(table.actionLogp, 1, f32) } : {}),
    ...(table.vfPreds ? { vfPreds: pick(table.vfPreds, 1, f32) } : {}),
  };
}
