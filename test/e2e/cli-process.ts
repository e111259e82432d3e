/**
 * Running the headless CLI (`npm run train`) as a subprocess, exactly as a user runs it, and
 * reading what it writes to --out. Shared by the CLI specs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function startCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; done: Promise<CliRun> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/train.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliRun>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

export const runCli = (args: readonly string[], env?: NodeJS.ProcessEnv): Promise<CliRun> => startCli(args, env).done;

/** Temporary --out folders (a fresh parent each, the run folder not created), removed by `removeTmpOuts`. */
export function tmpOutFactory(prefix: string): { tmpOut: () => string; removeTmpOuts: () => void } {
  const dirs: string[] = [];
  return {
    tmpOut: () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
      dirs.push(dir);
      return path.join(dir, 'run');
    },
    removeTmpOuts: () => {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}

export type Row = Record<string, number | string | null>;
export const readJson = <T = Record<string, unknown>>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
export const readResults = (dir: string): Row[] =>
  readFileSync(path.join(dir, 'result.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Row);
/** A JS stack frame line, which users should not see unless they pass --verbose. */
export const STACK_LINE = /^\s+at .+:\d+/m;
