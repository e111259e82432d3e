/**
 * `npm run train -- --env-module FILE`, run as a user runs it: the README's own Corridor-v0 block
 * (copied out of README.md, so the example cannot drift) trains to its reward threshold with no
 * other setting, and broken modules stop the run at once with the promised exit code and the
 * file:line of the fault. Each fault run prints how long it took from the page's start (the
 * "Serving" line of --verbose, printed just before Chromium launches) to the exit; speed is
 * reported, not asserted.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ROOT, readJson, startCli, tmpOutFactory, type CliRun } from './cli-process';

const { tmpOut, removeTmpOuts } = tmpOutFactory('cli-envmod-');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'envmod-src-'));
test.afterAll(() => {
  removeTmpOuts();
  rmSync(scratch, { recursive: true, force: true });
});

/** The README's first ```ts block under "### Your own environment". */
function readmeEnvModule(): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Your own environment'));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error('README.md: no ```ts block under "### Your own environment"');
  return m[1]!;
}

/** 1-based line of the first line of `file` containing `marker`. */
function lineOf(file: string, marker: string): number {
  const index = readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(marker));
  if (index < 0) throw new Error(`${file} has no line with '${marker}'`);
  return index + 1;
}

interface TimedRun extends CliRun {
  /** Seconds from the "Serving" line (page about to start) to the exit; null when no page started. */
  readonly afterPageS: number | null;
  /** Seconds from spawn to exit (includes a rebuild of dist/ when the sources changed). */
  readonly totalS: number;
}

async function runTimed(args: readonly string[]): Promise<TimedRun> {
  const startedAt = Date.now();
  const { child, done } = startCli(args);
  let servedAt: number | null = null;
  child.stdout?.on('data', (d: Buffer) => {
    if (servedAt === null && d.toString().includes('Serving ')) servedAt = Date.now();
  });
  const run = await done;
  const now = Date.now();
  return { ...run, afterPageS: servedAt === null ? null : (now - servedAt) / 1000, totalS: (now - startedAt) / 1000 };
}

const fixture = (name: string): string => path.join(ROOT, 'test', 'e2e', 'env-modules', name);

test.describe('--env-module', () => {
  test.describe.configure({ mode: 'serial', timeout: 240_000 });

  test("the README's Corridor-v0 trains to its reward threshold with the automatic layout", async () => {
    const file = path.join(scratch, 'corridor.ts');
    writeFileSync(file, readmeEnvModule());
    const out = tmpOut();
    const run = await runTimed(['--env-module', file, '--env', 'Corridor-v0', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('PPO on Corridor-v0 - automatic layout');
    expect(run.stdout).toContain('stop        training_iteration >= 100 or env_runners/episode_return_mean >= 0.9');
    const summary = readJson<{ reached: boolean; wallTimeS: number; iterations: number }>(
      path.join(out, 'summary.json'),
    );
    expect(summary.reached).toBe(true);
    console.log(
      `README Corridor-v0: reached 0.9 in ${summary.iterations} iterations, ${summary.wallTimeS.toFixed(1)} s of training, ${run.totalS.toFixed(1)} s for the whole command`,
    );
  });

  test('a syntax error stops the run before the browser starts: exit 2 with file:line', async () => {
    const file = path.join(scratch, 'broken.ts');
    writeFileSync(
      file,
      "import { registerEnv } from 'browser-rl/envs';\n\nregisterEnv('Broken-v0', (o) => {\n  return {{ o };\n});\n",
    );
    const run = await runTimed(['--env-module', file, '--env', 'Broken-v0', '--out', tmpOut(), '--verbose']);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(`${file}:4:`);
    expect(run.afterPageS).toBeNull();
  });

  const faults = [
    {
      name: 'a module that throws while loading (a missing import)',
      file: fixture('reference-error.ts'),
      env: 'Missing-v0',
      code: 2,
      message: 'ReferenceError: box is not defined',
      marker: 'observationSpace: box(',
    },
    {
      name: 'a step() that throws on step 10',
      file: fixture('step-throws.ts'),
      env: 'StepThrows-v0',
      code: 1,
      message: 'step() threw Error: step 10 is broken on purpose',
      marker: 'throw new Error',
    },
    {
      name: 'an observation outside its space',
      file: fixture('obs-outside.ts'),
      env: 'ObsOutside-v0',
      code: 2,
      message: 'outside the observation space',
      marker: 'registerEnv(',
    },
  ];
  for (const f of faults) {
    test(`${f.name}: exit ${f.code}, the message and ${path.basename(f.file)}:line, console.log in --out`, async () => {
      const out = tmpOut();
      const run = await runTimed(['--env-module', f.file, '--env', f.env, '--out', out, '--verbose']);
      expect(run.code, run.stdout + run.stderr).toBe(f.code);
      expect(run.stderr).toContain(f.message);
      expect(run.stderr).toContain(`${f.file}:${lineOf(f.file, f.marker)}:`);
      expect(existsSync(path.join(out, 'console.log'))).toBe(true);
      expect(readFileSync(path.join(out, 'console.log'), 'utf8')).toContain(f.message);
      console.log(`${f.env}: exit ${run.code} ${run.afterPageS?.toFixed(2)} s after page start`);
    });
  }
});
