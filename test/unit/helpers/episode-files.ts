/**
 * Episode files with chosen column types and values, written with hyparquet-writer (not with the
 * trainer's own writer), for tests that feed the reader what other tools or hostile hands write.
 */
import { parquetWriteBuffer } from 'hyparquet-writer';

export type PhysicalName = 'INT32' | 'INT64' | 'FLOAT' | 'DOUBLE' | 'BOOLEAN' | 'STRING';

export interface ColumnSpec {
  readonly name: string;
  readonly type: PhysicalName;
  /** A 3-level LIST of `type` per row. */
  readonly list?: boolean;
  readonly optional?: boolean;
  /** One entry per row (an array per row for a list column). INT64 values are bigints. */
  readonly data: readonly unknown[];
}

type SchemaElement = NonNullable<Parameters<typeof parquetWriteBuffer>[0]['schema']>[number];

function leaf(name: string, type: PhysicalName, optional: boolean): SchemaElement {
  return type === 'STRING'
    ? { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: optional ? 'OPTIONAL' : 'REQUIRED' }
    : { name, type, repetition_type: optional ? 'OPTIONAL' : 'REQUIRED' };
}

function schemaOf(c: ColumnSpec): SchemaElement[] {
  if (!c.list) return [leaf(c.name, c.type, c.optional ?? false)];
  return [
    { name: c.name, repetition_type: c.optional ? 'OPTIONAL' : 'REQUIRED', converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    leaf('element', c.type, false),
  ];
}

export interface FileOptions {
  readonly kv?: Readonly<Record<string, string>>;
  /** hyparquet-writer's defaults (SNAPPY, dictionaries) unless 'UNCOMPRESSED'. */
  readonly codec?: 'UNCOMPRESSED' | 'SNAPPY';
  readonly rowGroupSize?: number;
  readonly pageSize?: number;
  /** PLAIN everywhere (as the trainer writes), or the writer's choice (dictionaries, RLE). */
  readonly plain?: boolean;
}

/** A Parquet file of these columns. */
export function parquetFile(columns: readonly ColumnSpec[], opts: FileOptions = {}): Uint8Array {
  const buffer = parquetWriteBuffer({
    codec: opts.codec ?? 'UNCOMPRESSED',
    statistics: false,
    ...(opts.rowGroupSize ? { rowGroupSize: opts.rowGroupSize } : {}),
    ...(opts.pageSize ? { pageSize: opts.pageSize } : {}),
    columnData: columns.map((c) => ({
      name: c.name,
      data: [...c.data] as unknown[],
      ...((opts.plain ?? true) ? { encoding: 'PLAIN' as const } : {}),
    })),
    schema: [{ name: 'root', num_children: columns.length }, ...columns.flatMap(schemaOf)],
    kvMetadata: Object.entries(opts.kv ?? {}).map(([key, value]) => ({ key, value })),
  });
  return new Uint8Array(buffer);
}

/**
 * A valid little CartPole-like recording: `n` rows, two episodes, obs of width 2, discrete
 * actions; `overrides` replace whole columns (or remove them, with null).
 */
export function episodeColumns(n: number, overrides: Readonly<Record<string, ColumnSpec | null>> = {}): ColumnSpec[] {
  const half = Math.ceil(n / 2);
  const rows = Array.from({ length: n }, (_, i) => i);
  const base: ColumnSpec[] = [
    { name: 'eps_id', type: 'STRING', data: rows.map((i) => (i < half ? 'a' : 'b')) },
    { name: 't', type: 'INT32', data: rows.map((i) => (i < half ? i : i - half)) },
    { name: 'obs', type: 'FLOAT', list: true, data: rows.map((i) => [i, -i / 2]) },
    { name: 'actions', type: 'INT32', data: rows.map((i) => i % 2) },
    { name: 'rewards', type: 'FLOAT', data: rows.map(() => 1) },
    { name: 'new_obs', type: 'FLOAT', list: true, data: rows.map((i) => [i + 1, -(i + 1) / 2]) },
    { name: 'terminateds', type: 'BOOLEAN', data: rows.map((i) => i === half - 1 || i === n - 1) },
    { name: 'truncateds', type: 'BOOLEAN', data: rows.map(() => false) },
  ];
  const out = base.map((c) => (c.name in overrides ? overrides[c.name]! : c)).filter((c): c is ColumnSpec => !!c);
  for (const [name, c] of Object.entries(overrides)) if (c && !base.some((b) => b.name === name)) out.push(c);
  return out;
}

/** The spaces of episodeColumns, as the trainer's writer puts them in the footer. */
export const EPISODE_KV = {
  'rl.format': 'browser-rl-episodes/1',
  'rl.obs_dim': '2',
  'rl.action_kind': 'discrete',
  'rl.action_dim': '1',
  'rl.env': 'CartPole-v1',
} as const;

/** episodeColumns as a file with the trainer's footer metadata (or `kv` instead). */
export function episodeFile(
  n: number,
  overrides: Readonly<Record<string, ColumnSpec | null>> = {},
  opts: FileOptions = {},
): Uint8Array {
  return parquetFile(episodeColumns(n, overrides), { kv: EPISODE_KV, ...opts });
}
