/**
 * Episode tables as Parquet files, the format RLlib's offline API reads (`input_`, ray.data's
 * read_parquet) and writes (`output`). Written with hyparquet-writer; read with our own bounded
 * reader (parquet-footer.ts, parquet-pages.ts, episode-columns.ts: a file from the user's disk is
 * checked before anything is built from it), the same code on the page and in Node.
 *
 * What we write is deliberately a small subset of Parquet, so a ~250-line reader in any language
 * can read it (python/parquet_reader.py does, for machines without pyarrow): PLAIN encoding, no
 * compression, no statistics, data page v2, observations as 3-level LIST<FLOAT> columns. pyarrow
 * and pandas.read_parquet read the same files. The spaces and the env id travel in the footer's
 * key-value metadata under `rl.*`.
 */
import { parquetWriteBuffer } from 'hyparquet-writer';
import { RLError } from '../core/errors';
import {
  convertColumn,
  INT32_MAX,
  Problems,
  shapeProblem,
  type ColumnRule,
  type ConvertedColumn,
} from './episode-columns';
import { DEFAULT_MODULE_ID, OfflineColumns as C, type EpisodeTable } from './episode-table';
import { readParquetFooter, type LeafColumn } from './parquet-footer';
import { readColumn, type DecodedColumn } from './parquet-pages';
import { BadParquet } from './thrift-compact';

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

/** Runs a step of the Parquet reader; a damaged file becomes `offline/bad-file` naming `name`. */
function guard<T>(name: string, step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (e instanceof BadParquet) fail(name, [e.message]);
    throw e;
  }
}

/**
 * Widest observation or action a file may declare: 2^20 numbers (4 MB a row). Atari's 84x84x4
 * frames are 28,224; wider rows are a damaged footer, not a space.
 */
export const MAX_SPACE_DIM = 2 ** 20;

/** The spaces the footer declares (each null when absent), checked as strictly as a checkpoint's. */
interface DeclaredSpaces {
  readonly obsDim: number | null;
  readonly actionKind: 'discrete' | 'box' | null;
  readonly actionDim: number | null;
  readonly env: string | null;
}

function declaredSpaces(kv: ReadonlyMap<string, string>, problems: Problems): DeclaredSpaces {
  const dim = (key: string, what: string): number | null => {
    const raw = kv.get(key);
    if (raw === undefined) return null;
    const n = /^[1-9][0-9]{0,15}$/.test(raw) ? Number(raw) : NaN;
    if (n <= MAX_SPACE_DIM) return n;
    problems.add(
      `footer metadata ${key} is ${JSON.stringify(raw)}: ${what}, a whole number from 1 to ` +
        `${MAX_SPACE_DIM.toLocaleString('en-US')} written in digits`,
    );
    return null;
  };
  const format = kv.get(META.FORMAT);
  if (format !== undefined && format !== EPISODE_FILE_FORMAT)
    problems.add(
      `footer metadata ${META.FORMAT} is ${JSON.stringify(format)}, not ${JSON.stringify(EPISODE_FILE_FORMAT)}: ` +
        'a newer trainer or another program wrote it',
    );
  const obsDim = dim(META.OBS_DIM, 'the size of one observation');
  const actionDim = dim(META.ACTION_DIM, 'the size of one action');
  const kind = kv.get(META.ACTION_KIND);
  let actionKind: DeclaredSpaces['actionKind'] = null;
  if (kind === 'discrete' || kind === 'box') actionKind = kind;
  else if (kind !== undefined)
    problems.add(`footer metadata ${META.ACTION_KIND} is ${JSON.stringify(kind)}: it must be "discrete" or "box"`);
  if (actionKind === 'discrete' && actionDim !== null && actionDim !== 1)
    problems.add(
      `footer metadata ${META.ACTION_DIM} is ${actionDim} for discrete actions: a discrete action is one number (1)`,
    );
  return { obsDim, actionKind, actionDim, env: kv.get(META.ENV) ?? null };
}

const REQUIRED = [C.EPS_ID, C.OBS, C.ACTIONS, C.REWARDS, C.TERMINATEDS, C.TRUNCATEDS] as const;
const OPTIONAL = [C.MODULE_ID, C.T, C.NEXT_OBS, C.ACTION_LOGP, C.VF_PREDS] as const;
type EpisodeColumn = (typeof REQUIRED)[number] | (typeof OPTIONAL)[number];

/** The rule for each column; vectors take their width from the spaces. */
function rulesFor({ obsDim, actionKind, actionDim }: Spaces): Record<EpisodeColumn, ColumnRule> {
  const obs = { to: 'f32', width: obsDim } as const;
  const float = { to: 'f32', width: null } as const;
  return {
    [C.EPS_ID]: { to: 'text' },
    [C.MODULE_ID]: { to: 'text', nullAs: DEFAULT_MODULE_ID },
    [C.T]: { to: 'i32', min: 0, max: INT32_MAX, what: 'a step index' },
    [C.OBS]: obs,
    [C.NEXT_OBS]: obs,
    [C.ACTIONS]:
      actionKind === 'discrete'
        ? { to: 'i32', min: 0, max: INT32_MAX, what: 'a discrete action' }
        : { to: 'f32', width: actionDim },
    [C.REWARDS]: float,
    [C.TERMINATEDS]: { to: 'flag' },
    [C.TRUNCATEDS]: { to: 'flag' },
    [C.ACTION_LOGP]: float,
    [C.VF_PREDS]: float,
  };
}

/**
 * Reads an episode file; every problem at once (`offline/bad-file`, naming the file, and for a
 * value the row and the column). Files written elsewhere work too when they have RLlib's columns:
 * the spaces then come from the data, new_obs may be missing (then the next row's obs is used
 * within an episode) and t is counted. Each count in the footer is checked against the file
 * before anything is allocated, and a file holds at most MAX_ROWS_PER_FILE rows.
 */
export async function readEpisodesParquet(
  bytes: Uint8Array,
  name = 'the file',
): Promise<EpisodeTable & EpisodeFileInfo> {
  await Promise.resolve();
  return readEpisodes(bytes, name);
}

function readEpisodes(bytes: Uint8Array, name: string): EpisodeTable & EpisodeFileInfo {
  const footer = guard(name, () => readParquetFooter(bytes));
  // Stage 1, before any column is decoded: columns present, metadata well-formed.
  const problems = new Problems();
  const leaves = episodeLeaves(footer.leaves, problems);
  const declared = declaredSpaces(footer.kv, problems);
  if (footer.numRows === 0 && problems.count === 0) problems.add('it has no rows');
  if (problems.count) fail(name, problems.lines());
  // Stage 2: decode, then check each column's type and shape against the spaces.
  const columns = new Map<EpisodeColumn, DecodedColumn>();
  for (const [col, leaf] of leaves)
    columns.set(
      col,
      guard(name, () => readColumn(bytes, footer, leaf)),
    );
  const spaces = spacesOf(declared, columns, problems);
  const rules = rulesFor(spaces);
  for (const [col, c] of columns) {
    const problem = shapeProblem(col, c.leaf.type, c.leaf.maxRep > 0, rules[col]);
    if (problem) problems.add(problem);
  }
  if (problems.count) fail(name, problems.lines());
  // Stage 3: every value against its rule.
  const convert = (col: EpisodeColumn): ConvertedColumn | undefined => {
    const c = columns.get(col);
    return c ? convertColumn(c, rules[col], problems) : undefined;
  };
  const table = {
    epsId: convert(C.EPS_ID) as string[],
    moduleId: convert(C.MODULE_ID) as string[] | undefined,
    t: convert(C.T) as Int32Array | undefined,
    obs: convert(C.OBS) as Float32Array,
    actions: convert(C.ACTIONS) as Int32Array | Float32Array,
    rewards: convert(C.REWARDS) as Float32Array,
    newObs: convert(C.NEXT_OBS) as Float32Array | undefined,
    terminateds: convert(C.TERMINATEDS) as Uint8Array,
    truncateds: convert(C.TRUNCATEDS) as Uint8Array,
    actionLogp: convert(C.ACTION_LOGP) as Float32Array | undefined,
    vfPreds: convert(C.VF_PREDS) as Float32Array | undefined,
  };
  if (problems.count) fail(name, problems.lines());
  const n = footer.numRows;
  const { actionLogp, vfPreds } = table;
  return {
    numRows: n,
    ...spaces,
    epsId: table.epsId,
    moduleId: table.moduleId ?? new Array<string>(n).fill(DEFAULT_MODULE_ID),
    t: table.t ?? countSteps(table.epsId),
    obs: table.obs,
    actions: table.actions,
    rewards: table.rewards,
    newObs: table.newObs ?? nextObservations(table.obs, spaces.obsDim, table.epsId),
    terminateds: table.terminateds,
    truncateds: table.truncateds,
    ...(actionLogp ? { actionLogp } : {}),
    ...(vfPreds ? { vfPreds } : {}),
    env: declared.env,
  };
}

/** The leaf of each episode column the file has; a struct where a column should be is a problem. */
function episodeLeaves(all: readonly LeafColumn[], problems: Problems): Map<EpisodeColumn, LeafColumn> {
  const known: readonly string[] = [...REQUIRED, ...OPTIONAL];
  const leaves = new Map<EpisodeColumn, LeafColumn>();
  for (const leaf of all) {
    if (!known.includes(leaf.name)) continue;
    if (leaves.has(leaf.name as EpisodeColumn))
      problems.add(`column '${leaf.name}' is a struct of several fields; it must be one value or one list per row`);
    else leaves.set(leaf.name as EpisodeColumn, leaf);
  }
  for (const col of REQUIRED) if (!leaves.has(col)) problems.add(`column '${col}' is missing`);
  return leaves;
}

interface Spaces {
  readonly obsDim: number;
  readonly actionKind: 'discrete' | 'box';
  readonly actionDim: number;
}

/** The declared spaces, or else the first row's: a LIST of actions is a box, one number is discrete. */
function spacesOf(
  declared: DeclaredSpaces,
  columns: ReadonlyMap<EpisodeColumn, DecodedColumn>,
  problems: Problems,
): Spaces {
  const obs = columns.get(C.OBS)!;
  const actions = columns.get(C.ACTIONS)!;
  const widthOf = (c: DecodedColumn): number => (c.leaf.maxRep ? c.rowStart[1]! - c.rowStart[0]! : 1);
  const obsDim = declared.obsDim ?? widthOf(obs);
  const actionKind = declared.actionKind ?? (actions.leaf.maxRep ? 'box' : 'discrete');
  const actionDim = declared.actionDim ?? (actionKind === 'box' ? widthOf(actions) : 1);
  if (obsDim < 1 || obsDim > MAX_SPACE_DIM)
    problems.at(0, C.OBS, `holds ${obsDim} numbers; an observation is 1 to ${MAX_SPACE_DIM} numbers`);
  if (actionDim < 1 || actionDim > MAX_SPACE_DIM)
    problems.at(0, C.ACTIONS, `holds ${actionDim} numbers; an action is 1 to ${MAX_SPACE_DIM} numbers`);
  return { obsDim, actionKind, actionDim };
}

/** t counted along each episode's rows, for files without a t column. */
function countSteps(epsId: readonly string[]): Int32Array {
  const t = new Int32Array(epsId.length);
  for (let i = 1; i < epsId.length; i++) t[i] = epsId[i] === epsId[i - 1] ? t[i - 1]! + 1 : 0;
  return t;
}

/** new_obs for files without it: the next row of the same episode; an episode's last row keeps its own obs. */
function nextObservations(obs: Float32Array, obsDim: number, epsId: readonly string[]): Float32Array {
  const n = epsId.length;
  const out = new Float32Array(n * obsDim);
  for (let i = 0; i < n; i++) {
    const src = i + 1 < n && epsId[i + 1] === epsId[i] ? i + 1 : i;
    out.set(obs.subarray(src * obsDim, (src + 1) * obsDim), i * obsDim);
  }
  return out;
}
