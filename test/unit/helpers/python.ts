/**
 * Python for the tests that run exported files (Debian's python3, python3-torch, python3-numpy;
 * CI's .ci/run installs them): the first interpreter with torch and numpy, $PYTHON, `python3` on
 * the PATH, then Debian's own (/usr/bin/python3, where apt's python3-torch lives even when a pyenv
 * python3 comes first).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';

let found: string | null = null;

export function findPython(): string {
  if (found !== null) return found;
  const candidates = [process.env['PYTHON'], 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  for (const exe of candidates) {
    if (spawnSync(exe, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status === 0) return (found = exe);
  }
  throw new Error(
    `these tests need python3 with torch and numpy (apt-get install python3-torch python3-numpy); tried ${candidates.join(', ')}.`,
  );
}

/** Runs python with `args`; the result whatever its exit status. */
export function runPython(
  args: readonly string[],
  opts: { cwd?: string; input?: string; timeoutMs?: number } = {},
): SpawnSyncReturns<string> {
  const exe = findPython();
  const r = spawnSync(exe, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    cwd: opts.cwd,
    input: opts.input,
    timeout: opts.timeoutMs ?? 60_000,
    // No __pycache__ left in python/ by a test that imports policy.py.
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (r.error) throw new Error(`${exe} could not start or ran too long (${r.error.message}).`);
  return r;
}

/** Runs python with `args` and returns its stdout; throws with its stderr when it fails. */
export function python(
  args: readonly string[],
  opts: { cwd?: string; input?: string; timeoutMs?: number } = {},
): string {
  const r = runPython(args, opts);
  if (r.status !== 0) throw new Error(`python ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}
