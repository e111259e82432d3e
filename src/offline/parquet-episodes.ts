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
import { convertColumn, INT32_MAX, Problems, shapeProblem, type ColumnRule } from './episode-columns';
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

const STEP_INDEX = { to: 'i32', min: 0, max: INT32_MAX, what: 'a step index' } as const;
const DISCRETE_ACTION = { to: 'i32', min: 0, max: INT32_MAX, what: 'a discrete action' } as const;
const FLOAT = { to: 'f32', width: null } as const;
const FLAG = { to: 'flag' } as const;

/** The rule for each column; vectors take their width from the spaces. */
function rulesFor(
  obsDim: number,
  actionKind: 'discrete' | 'box',
  actionDim: number,
): Record<EpisodeColumn, ColumnRule> {
  const obs = { to: 'f32', width: obsDim } as const;
  return {
    [C.EPS_ID]: { to: 'text' },
    [C.MODULE_ID]: { to: 'text', nullAs: DEFAULT_MODULE_ID },
    [C.T]: STEP_INDEX,
    [C.OBS]: obs,
    [C.NEXT_OBS]: obs,
    [C.ACTIONS]: actionKind === 'discrete' ? DISCRETE_ACTION : { to: 'f32', width: actionDim },
    [C.REWARDS]: FLOAT,
    [C.TERMINATEDS]: FLAG,
    [C.TRUNCATEDS]: FLAG,
    [C.ACTION_LOGP]: FLOAT,
    [C.VF_PREDS]: FLOAT,
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
  const problems = new Problems();
  const leaves = new Map<string, LeafColumn>();
  for (const leaf of footer.leaves) {
    if (!leaves.has(leaf.name)) leaves.set(leaf.name, leaf);
    else if (([...REQUIRED, ...OPTIONAL] as string[]).includes(leaf.name))
      problems.add(`column '${leaf.name}' is a struct of several fields; it must be one value or one list per row`);
  }
  for (const col of REQUIRED) if (!leaves.has(col)) problems.add(`column '${col}' is missing`);
  const declared = declaredSpaces(footer.kv, problems);
  if (footer.numRows === 0 && problems.count === 0) problems.add('it has no rows');
  if (problems.count) fail(name, problems.lines());

  const read = (col: EpisodeColumn): DecodedColumn | null => {
    const leaf = leaves.get(col);
    return leaf ? guard(name, () => readColumn(bytes, footer, leaf)) : null;
  };
  const columns = new Map<EpisodeColumn, DecodedColumn>();
  for (const col of [...REQUIRED, ...OPTIONAL]) {
    const c = read(col);
    if (c) columns.set(col, c);
  }
  const obs = columns.get(C.OBS)!;
  const actions = columns.get(C.ACTIONS)!;
  // Undeclared spaces come from the first row: a LIST of actions is a box, one number is discrete.
  const widthOf = (c: DecodedColumn): number => (c.leaf.maxRep ? c.rowStart[1]! - c.rowStart[0]! : 1);
  const obsDim = declared.obsDim ?? widthOf(obs);
  const actionKind = declared.actionKind ?? (actions.leaf.maxRep ? 'box' : 'discrete');
  const actionDim = declared.actionDim ?? (actionKind === 'box' ? widthOf(actions) : 1);
  if (obsDim < 1 || obsDim > MAX_SPACE_DIM)
    problems.at(0, C.OBS, `holds ${obsDim} numbers; an observation is 1 to ${MAX_SPACE_DIM} numbers`);
  if (actionDim < 1 || actionDim > MAX_SPACE_DIM)
    problems.at(0, C.ACTIONS, `holds ${actionDim} numbers; an action is 1 to ${MAX_SPACE_DIM} numbers`);
  const rules = rulesFor(obsDim, actionKind, actionDim);
  for (const [col, c] of columns) {
    const problem = shapeProblem(col, c.leaf.type, c.leaf.maxRep > 0, rules[col]);
    if (problem) problems.add(problem);
  }
  if (problems.count) fail(name, problems.lines());

  const n = footer.numRows;
  const optional = <T>(col: EpisodeColumn, convert: (c: DecodedColumn) => T): T | undefined => {
    const c = columns.get(col);
    return c ? convert(c) : undefined;
  };
  const f32 = (c: DecodedColumn): Float32Array =>
    convertColumn(c, rules[c.leaf.name as EpisodeColumn] as typeof FLOAT, problems);
  const table = {
    epsId: convertColumn(columns.get(C.EPS_ID)!, { to: 'text' }, problems),
    moduleId: optional(C.MODULE_ID, (c) => convertColumn(c, { to: 'text', nullAs: DEFAULT_MODULE_ID }, problems)),
    t: optional(C.T, (c) => convertColumn(c, STEP_INDEX, problems)),
    obs: f32(obs),
    actions: actionKind === 'discrete' ? convertColumn(actions, DISCRETE_ACTION, problems) : f32(actions),
    rewards: f32(columns.get(C.REWARDS)!),
    newObs: optional(C.NEXT_OBS, f32),
    terminateds: convertColumn(columns.get(C.TERMINATEDS)!, FLAG, problems),
    truncateds: convertColumn(columns.get(C.TRUNCATEDS)!, FLAG, problems),
    actionLogp: optional(C.ACTION_LOGP, f32),
    vfPreds: optional(C.VF_PREDS, f32),
  };
  if (problems.count) fail(name, problems.lines());
  const { epsId } = table;
  // The file's own step counter when it has one; else counted along each episode's rows.
  const t = table.t ?? new Int32Array(n);
  if (!table.t) for (let i = 1; i < n; i++) t[i] = epsId[i] === epsId[i - 1] ? t[i - 1]! + 1 : 0;
  let newObs = table.newObs;
  if (!newObs) {
    // Without new_obs, the next row of the same episode gives it; an episode's last row keeps its own obs.
    newObs = new Float32Array(n * obsDim);
    for (let i = 0; i < n; i++) {
      const src = i + 1 < n && epsId[i + 1] === epsId[i] ? i + 1 : i;
      newObs.set(table.obs.subarray(src * obsDim, (src + 1) * obsDim), i * obsDim);
    }
  }
  return {
    numRows: n,
    obsDim,
    actionKind,
    actionDim,
    epsId,
    moduleId: table.moduleId ?? new Array<string>(n).fill(DEFAULT_MODULE_ID),
    t,
    obs: table.obs,
    actions: table.actions,
    rewards: table.rewards,
    newObs,
    terminateds: table.terminateds,
    truncateds: table.truncateds,
    ...(table.actionLogp ? { actionLogp: table.actionLogp } : {}),
    ...(table.vfPreds ? { vfPreds: table.vfPreds } : {}),
    env: declared.env,
  };
}
