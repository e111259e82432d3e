/**
 * Episode tables as Parquet files, the format RLlib's offline API reads (`input_`, ray.data's
 * read_parquet) and writes (`output`). Written with hyparquet-writer and read with hyparquet
 * (pure JS: the page and Node use the same code).
 *
 * What we write is deliberately a small subset of Parquet, so a ~250-line reader in any language
 * can read it (python/parquet_reader.py does, for machines without pyarrow): PLAIN encoding, no
 * compression, no statistics, data page v2, observations as 3-level LIST<FLOAT> columns. pyarrow
 * and pandas.read_parquet read the same files. The spaces and the env id travel in the footer's
 * key-value metadata under `rl.*`.
 */
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { RLError, errorMessage } from '../core/errors';
import { OfflineColumns as C, type EpisodeTable } from './episode-table';

/** Footer metadata keys. */
const META = {
  FORMAT: 'rl.format',
  OBS_DIM: 'rl.obs_dim',
  ACTION_KIND: 'rl.action_kind',
  ACTION_DIM: 'rl.action_dim',
  ENV: 'rl.env',
} as const;
export const EPISODE_FILE_FORMAT = 'browser-rl-episodes/1';

/** What the file says about where its data came from. */
export interface EpisodeFileInfo {
  readonly env: string | null;
}

type SchemaElement = NonNullable<Parameters<typeof parquetWriteBuffer>[0]['schema']>[number];

function listSchema(name: string): SchemaElement[] {
  return [
    { name, repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
  ];
}

/** Rows of `width` numbers each, as the nested arrays the writer takes for a LIST column. */
function rowsOf(values: Float32Array, width: number, numRows: number): number[][] {
  const out = new Array<number[]>(numRows);
  for (let i = 0; i < numRows; i++) out[i] = Array.from(values.subarray(i * width, (i + 1) * width));
  return out;
}

/** The table as a Parquet file (bytes). */
export function writeEpisodesParquet(table: EpisodeTable, info: EpisodeFileInfo = { env: null }): Uint8Array {
  const n = table.numRows;
  const text = (name: string, optional = false): SchemaElement => ({
    name,
    type: 'BYTE_ARRAY',
    converted_type: 'UTF8',
    repetition_type: optional ? 'OPTIONAL' : 'REQUIRED',
  });
  const scalar = (name: string, type: 'INT32' | 'FLOAT' | 'BOOLEAN'): SchemaElement => ({
    name,
    type,
    repetition_type: 'REQUIRED',
  });
  const discrete = table.actionKind === 'discrete';
  const columns: { schema: SchemaElement[]; data: unknown[] | Float32Array | Int32Array }[] = [
    { schema: [text(C.EPS_ID)], data: [...table.epsId] },
    // RLlib writes agent_id None for single-agent episodes.
    { schema: [text(C.AGENT_ID, true)], data: new Array<null>(n).fill(null) },
    { schema: [text(C.MODULE_ID)], data: [...table.moduleId] },
    { schema: [scalar(C.T, 'INT32')], data: table.t },
    { schema: listSchema(C.OBS), data: rowsOf(table.obs, table.obsDim, n) },
    discrete
      ? { schema: [scalar(C.ACTIONS, 'INT32')], data: table.actions }
      : { schema: listSchema(C.ACTIONS), data: rowsOf(table.actions as Float32Array, table.actionDim, n) },
    { schema: [scalar(C.REWARDS, 'FLOAT')], data: table.rewards },
    { schema: listSchema(C.NEXT_OBS), data: rowsOf(table.newObs, table.obsDim, n) },
    { schema: [scalar(C.TERMINATEDS, 'BOOLEAN')], data: Array.from(table.terminateds, (v) => v === 1) },
    { schema: [scalar(C.TRUNCATEDS, 'BOOLEAN')], data: Array.from(table.truncateds, (v) => v === 1) },
  ];
  if (table.actionLogp) columns.push({ schema: [scalar(C.ACTION_LOGP, 'FLOAT')], data: table.actionLogp });
  if (table.vfPreds) columns.push({ schema: [scalar(C.VF_PREDS, 'FLOAT')], data: table.vfPreds });
  const buffer = parquetWriteBuffer({
    codec: 'UNCOMPRESSED',
    statistics: false,
    columnData: columns.map((c) => ({
      name: c.schema[0]!.name,
      data: c.data as unknown[],
      encoding: 'PLAIN' as const,
    })),
    schema: [{ name: 'root', num_children: columns.length }, ...columns.flatMap((c) => c.schema)],
    kvMetadata: [
      { key: META.FORMAT, value: EPISODE_FILE_FORMAT },
      { key: META.OBS_DIM, value: String(table.obsDim) },
      { key: META.ACTION_KIND, value: table.actionKind },
      { key: META.ACTION_DIM, value: String(table.actionDim) },
      ...(info.env ? [{ key: META.ENV, value: info.env }] : []),
    ],
    createdBy: 'browser-rl (hyparquet-writer)',
  });
  return new Uint8Array(buffer);
}

function fail(name: string, problems: readonly string[]): never {
  throw new RLError(
    'offline/bad-file',
    `${name} is not an episode file this trainer can read:\n  - ${problems.join('\n  - ')}\n` +
      `Record one with \`npm run record\` or the page's "Record episodes" button (RLlib's column names: ` +
      `obs, actions, rewards, terminateds, truncateds, eps_id).`,
  );
}

const REQUIRED = [C.EPS_ID, C.OBS, C.ACTIONS, C.REWARDS, C.TERMINATEDS, C.TRUNCATEDS] as const;

/**
 * Reads an episode file; every problem at once (`offline/bad-file`, naming the file). Files
 * written elsewhere work too when they have RLlib's columns: the spaces then come from the data,
 * new_obs may be missing (then the next row's obs is used within an episode) and t is counted.
 */
export async function readEpisodesParquet(
  bytes: Uint8Array,
  name = 'the file',
): Promise<EpisodeTable & EpisodeFileInfo> {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let rows: Record<string, unknown>[];
  let kv: Map<string, string>;
  try {
    const meta = parquetMetadata(buffer);
    kv = new Map((meta.key_value_metadata ?? []).map((e) => [e.key, e.value ?? '']));
    rows = (await parquetReadObjects({ file: buffer })) as Record<string, unknown>[];
  } catch (e) {
    fail(name, [`not a readable Parquet file (${errorMessage(e)})`]);
  }
  const problems: string[] = [];
  const first = rows[0];
  if (!first) fail(name, ['it has no rows']);
  for (const col of REQUIRED) if (!(col in first)) problems.push(`column '${col}' is missing`);
  if (problems.length) fail(name, problems);
  const obs0 = first[C.OBS];
  const obsDim = Number(kv.get(META.OBS_DIM) ?? (Array.isArray(obs0) ? obs0.length : NaN));
  const a0 = first[C.ACTIONS];
  const actionKind = (kv.get(META.ACTION_KIND) ?? (Array.isArray(a0) ? 'box' : 'discrete')) as 'discrete' | 'box';
  const actionDim = Number(kv.get(META.ACTION_DIM) ?? (Array.isArray(a0) ? a0.length : 1));
  if (!Number.isInteger(obsDim) || obsDim < 1)
    problems.push(`obs must be a list of numbers per row, got ${String(obs0)}`);
  if (actionKind !== 'discrete' && actionKind !== 'box')
    problems.push(`rl.action_kind must be discrete or box, got ${String(actionKind)}`);
  if (problems.length) fail(name, problems);

  const n = rows.length;
  const hasNext = C.NEXT_OBS in first;
  const hasLogp = C.ACTION_LOGP in first;
  const hasVf = C.VF_PREDS in first;
  const table = {
    epsId: new Array<string>(n),
    moduleId: new Array<string>(n),
    t: new Int32Array(n),
    obs: new Float32Array(n * obsDim),
    actions: actionKind === 'discrete' ? new Int32Array(n) : new Float32Array(n * actionDim),
    rewards: new Float32Array(n),
    newObs: new Float32Array(n * obsDim),
    terminateds: new Uint8Array(n),
    truncateds: new Uint8Array(n),
    actionLogp: hasLogp ? new Float32Array(n) : undefined,
    vfPreds: hasVf ? new Float32Array(n) : undefined,
  };
  const vector = (v: unknown, width: number, col: string, i: number, into: Float32Array): void => {
    if (!Array.isArray(v) || v.length !== width || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
      if (problems.length < 10)
        problems.push(`row ${i}: ${col} must be ${width} finite numbers, got ${JSON.stringify(v)}`);
      return;
    }
    into.set(v as number[], i * width);
  };
  const num = (v: unknown, col: string, i: number): number => {
    const x = typeof v === 'bigint' ? Number(v) : typeof v === 'boolean' ? Number(v) : v;
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      if (problems.length < 10) problems.push(`row ${i}: ${col} must be a finite number, got ${String(v)}`);
      return 0;
    }
    return x;
  };
  let prevId: string | null = null;
  let t = 0;
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    const id = String(r[C.EPS_ID]);
    t = id === prevId ? t + 1 : 0;
    prevId = id;
    table.epsId[i] = id;
    table.moduleId[i] = typeof r[C.MODULE_ID] === 'string' ? (r[C.MODULE_ID] as string) : 'default_policy';
    // The file's own step counter when it has one; else counted along the episode's rows.
    table.t[i] = C.T in r ? num(r[C.T], C.T, i) : t;
    vector(r[C.OBS], obsDim, C.OBS, i, table.obs);
    if (hasNext) vector(r[C.NEXT_OBS], obsDim, C.NEXT_OBS, i, table.newObs);
    if (actionKind === 'discrete') {
      const a = num(r[C.ACTIONS], C.ACTIONS, i);
      if (!Number.isInteger(a) || a < 0) {
        if (problems.length < 10) problems.push(`row ${i}: a discrete action must be an integer >= 0, got ${a}`);
      }
      table.actions[i] = a;
    } else vector(r[C.ACTIONS], actionDim, C.ACTIONS, i, table.actions as Float32Array);
    table.rewards[i] = num(r[C.REWARDS], C.REWARDS, i);
    table.terminateds[i] = r[C.TERMINATEDS] ? 1 : 0;
    table.truncateds[i] = r[C.TRUNCATEDS] ? 1 : 0;
    if (table.actionLogp) table.actionLogp[i] = num(r[C.ACTION_LOGP], C.ACTION_LOGP, i);
    if (table.vfPreds) table.vfPreds[i] = num(r[C.VF_PREDS], C.VF_PREDS, i);
  }
  if (!hasNext) {
    // Without new_obs, the next row of the same episode gives it; an episode's last row keeps its own obs.
    for (let i = 0; i < n; i++) {
      const src = i + 1 < n && table.epsId[i + 1] === table.epsId[i] ? i + 1 : i;
      table.newObs.set(table.obs.subarray(src * obsDim, (src + 1) * obsDim), i * obsDim);
    }
  }
  if (problems.length) fail(name, problems);
  const { actionLogp, vfPreds, ...rest } = table;
  return {
    numRows: n,
    obsDim,
    actionKind,
    actionDim,
    ...rest,
    ...(actionLogp ? { actionLogp } : {}),
    ...(vfPreds ? { vfPreds } : {}),
    env: kv.get(META.ENV) ?? null,
  };
}
