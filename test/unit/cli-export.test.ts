/**
 * `npm run export -- --rllib RUN_DIR`: a missing folder, a folder without a checkpoint and a
 * damaged config.json or checkpoint are refused with the path named, exit code 2.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args';
import { parseExportArgs } from '../../src/cli/export-args';
import { exportRunToRLlib } from '../../src/cli/rllib-export';
import { tinyRun } from './helpers/rllib-run';

const ROOT = path.resolve(__dirname, '..', '..');

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('export of a run folder', () => {
  let good: string;
  const scratch = mkdtempSync(path.join(tmpdir(), 'export-cli-'));

  beforeAll(async () => {
    const run = await tinyRun('PPO', 1);
    run.algo.stop();
    good = run.dir;
  }, 60_000);

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('refuses a missing folder, naming it', () => {
    const missing = path.join(scratch, 'no-such-run');
    expect(refusal(() => exportRunToRLlib(missing))).toContain(missing);
  });

  it('refuses a folder without config.json or without a checkpoint', () => {
    const empty = path.join(scratch, 'empty');
    mkdirSync(empty);
    expect(refusal(() => exportRunToRLlib(empty))).toContain(path.join(empty, 'config.json'));
    writeFileSync(path.join(empty, 'config.json'), JSON.stringify({ algo: 'PPO' }));
    expect(refusal(() => exportRunToRLlib(empty))).toMatch(/no checkpoint \(looked for .*final\.json/);
  });

  it('refuses a damaged config.json and lists every config problem', () => {
    const bad = path.join(scratch, 'bad-config');
    mkdirSync(bad);
    writeFileSync(path.join(bad, 'config.json'), '{"algo": "PPO", "training": {"lr": ');
    expect(refusal(() => exportRunToRLlib(bad))).toMatch(/config\.json: the run config is not valid JSON/);
    writeFileSync(path.join(bad, 'config.json'), JSON.stringify({ algo: 'PPO', training: { gamma: 2, numEpochs: 0 } }));
    const message = refusal(() => exportRunToRLlib(bad));
    expect(message).toMatch(/training\.gamma/);
    expect(message).toMatch(/training\.numEpochs/);
  });

  it('refuses a damaged checkpoint, naming the file', () => {
    const ckpt = path.join(scratch, 'bad.json');
    writeFileSync(ckpt, '{"format": "browser-rl-checkpoint/2"}');
    expect(refusal(() => exportRunToRLlib(good, { checkpoint: ckpt }))).toContain(ckpt);
  });

  it('parses its flags and wants --rllib', () => {
    expect(parseExportArgs(['--rllib', 'a', '--out=b'])).toMatchObject({ runDir: 'a', out: 'b' });
    expect(() => parseExportArgs(['--out', 'b'])).toThrow(/--rllib RUN_DIR is required/);
    expect(() => parseExportArgs(['--rllib', 'a', '--bogus', '1'])).toThrow(/unknown argument/);
  });

  it('exits 2 with the error on stderr, 0 with the files listed', () => {
    const missing = path.join(scratch, 'nothing-here');
    const bad = spawnSync('node', ['--import', 'tsx', 'src/cli/export.ts', '--rllib', missing], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(missing);
    const out = path.join(scratch, 'out');
    const ok = spawnSync('node', ['--import', 'tsx', 'src/cli/export.ts', '--rllib', good, '--out', out], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/config keys mapped; no RLlib equivalent: .*training\.maxConsecutiveNonFiniteUpdates/);
    expect(ok.stdout).toContain(path.join(out, 'weights.safetensors'));
  }, 60_000);
});
