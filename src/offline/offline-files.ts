/**
 * Where `offlineData.input` names come from. The config holds names only (it must stay plain
 * JSON: stored in checkpoints, shown in the URL); the bytes are registered here by whoever has
 * them: the page's file input registers a chosen file under its name, and the headless CLI
 * installs a reader that fetches a path from disk through Playwright. RLlib's `input_` is a path
 * or a list of paths that ray.data reads; a tab has no file system, hence this indirection.
 */
import { RLError } from '../core/errors';
import { concatTables, type EpisodeTable } from './episode-table';
import { readEpisodesParquet, type EpisodeFileInfo } from './parquet-episodes';

type FileReader = (name: string) => Promise<Uint8Array>;

const registered = new Map<string, Uint8Array>();
let reader: FileReader | null = null;

/**
 * Makes `bytes` available under `name` (the page's file input; tests) and returns the name it is
 * registered under: `name`, or, when another file with other bytes already has it (two folders'
 * `episodes.parquet`), `name (2)`, so one never replaces the other.
 */
export function registerOfflineFile(name: string, bytes: Uint8Array): string {
  let unique = name;
  for (let n = 2; registered.has(unique) && !sameBytes(registered.get(unique)!, bytes); n++) {
    const dot = name.lastIndexOf('.');
    unique = dot > 0 ? `${name.slice(0, dot)} (${n})${name.slice(dot)}` : `${name} (${n})`;
  }
  registered.set(unique, bytes);
  return unique;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Names registered so far, in order. */
export function registeredOfflineFiles(): string[] {
  return [...registered.keys()];
}

/** A fallback for names not registered (the CLI reads them from disk); null removes it. */
export function setOfflineFileReader(fn: FileReader | null): void {
  reader = fn;
}

async function bytesOf(name: string): Promise<Uint8Array> {
  const bytes = registered.get(name);
  if (bytes) return bytes;
  if (reader) return reader(name);
  throw new RLError(
    'offline/missing-file',
    `offlineData.input names '${name}', but no such file was loaded. On the page, choose it with ` +
      `"Offline data file"; from the CLI, pass --input PATH (a file written by \`npm run record\`).`,
  );
}

/** Reads and concatenates every input file (RLlib: input_ as a list of files). */
export async function loadOfflineInput(names: readonly string[]): Promise<EpisodeTable & EpisodeFileInfo> {
  if (names.length === 0) {
    throw new RLError('offline/no-input', 'offlineData.input is empty: name at least one recorded episode file.');
  }
  const tables = await Promise.all(names.map(async (n) => readEpisodesParquet(await bytesOf(n), n)));
  const envs = [...new Set(tables.map((t) => t.env).filter((e): e is string => e !== null))];
  return { ...concatTables(tables), env: envs.length === 1 ? envs[0]! : null };
}
