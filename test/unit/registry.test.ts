/**
 * The registry with two algorithms (PPO and a test double, FAKE, registered by mocking specs.ts):
 * lookup by name, unknown names, each algorithm's own keys and presets, and the URL and CLI paths
 * that pick an algorithm (`algo=` in the hash, `--algo` on the command line).
 */
import { describe, expect, it, vi } from 'vitest';
import { ConfigError, RLError } from '../../src/core/errors';
import {
  algorithmNames,
  buildAlgorithm,
  checkConfig,
  getPreset,
  getSpec,
  presetIds,
  resolveConfig,
} from '../../src/algorithms/registry';
import { buildUrlHash, parseUrlState } from '../../src/app/url-state';
import { parseArgs, UsageError } from '../../src/cli/args';
import { helpText } from '../../src/cli/help';
import { planRun } from '../../src/cli/plan';

vi.mock('../../src/algorithms/specs', async () => {
  const { PPO_SPEC } = await import('../../src/algorithms/ppo/ppo-spec');
  const { FAKE_SPEC } = await import('./helpers/fake-spec');
  return { ALGORITHM_SPECS: [PPO_SPEC, FAKE_SPEC] };
});

const CTX = { hardwareConcurrency: 8, webGpuAvailable: true };

describe('registry', () => {
  it('lists the algorithms and finds them case-insensitively', () => {
    expect(algorithmNames()).toEqual(['PPO', 'FAKE']);
    expect(getSpec('ppo').name).toBe('PPO');
    expect(getSpec('Fake').name).toBe('FAKE');
  });

  it('rejects an unknown algorithm with a coded error, a suggestion and the list', () => {
    expect(() => getSpec('PPOO')).toThrow(RLError);
    try {
      getSpec('PPOO');
    } catch (e) {
      expect((e as RLError).code).toBe('config/unknown-algo');
      expect((e as RLError).message).toBe(
        "Unknown algorithm 'PPOO' (did you mean 'PPO'?). Available: PPO, FAKE. Set algo (or --algo) to one of them.",
      );
    }
    expect(() => resolveConfig({ algorithm: 'sac' })).toThrow(/Unknown algorithm 'sac'\. Available: PPO, FAKE/);
  });

  it('picks the spec from algo, algorithm or algo_class, PPO by default', () => {
    expect(resolveConfig({}).algo).toBe('PPO');
    expect(resolveConfig({ algo: 'fake' }, CTX).algo).toBe('FAKE');
    expect(resolveConfig({ algorithm: 'FAKE' }, CTX).algo).toBe('FAKE');
    expect(resolveConfig({ algo_class: 'fake' }, CTX).training).toEqual({
      lr: 1e-3,
      gamma: 0.9,
      trainBatchSizePerLearner: 32,
      fakeRate: 0.5,
    });
  });

  it("reads each algorithm's own RLlib names, and only its own", () => {
    expect(resolveConfig({ algo: 'FAKE', fake_rate: 0.1 }, CTX).training).toMatchObject({ fakeRate: 0.1 });
    expect(resolveConfig({ clip_param: 0.1 }, CTX).training).toMatchObject({ clipParam: 0.1 });
    const fake = checkConfig({ algo: 'FAKE', clip_param: 0.1 }, CTX);
    expect(fake.valid).toBe(false);
    expect(fake.issues[0]).toMatchObject({ path: 'clip_param', severity: 'error' });
    const ppo = checkConfig({ fake_rate: 0.1 }, CTX);
    expect(ppo.issues.map((i) => i.path)).toEqual(['fake_rate']);
    expect(() => resolveConfig({ algo: 'FAKE', fake_rate: 3 }, CTX)).toThrow(ConfigError);
  });

  it("applies each algorithm's presets by id", () => {
    expect(presetIds(getSpec('FAKE'))).toEqual(['CartPole-v1']);
    expect(presetIds(getSpec('PPO'))).toContain('CartPole-v1:cleanrl');
    expect(resolveConfig({ algo: 'FAKE', preset: 'CartPole-v1' }, CTX).training).toMatchObject({ fakeRate: 0.25 });
    expect(resolveConfig({ preset: 'CartPole-v1' }, CTX).training).toMatchObject({ lr: 3e-3, numEpochs: 6 });
    expect(() => getPreset(getSpec('FAKE'), 'CartPole-v1:cleanrl')).toThrow(
      "No FAKE preset 'CartPole-v1:cleanrl'. Available: CartPole-v1.",
    );
  });

  it("builds through the spec's load(): the implementation is the algorithm's", async () => {
    await expect(buildAlgorithm(resolveConfig({ algo: 'FAKE' }, CTX))).rejects.toThrow('FAKE has no implementation.');
  });
});

describe('URL hash with algo', () => {
  it('writes algo= only for a non-default algorithm and diffs against the preset in force', () => {
    const fake = resolveConfig({ algo: 'FAKE', fake_rate: 0.2, num_env_runners: 1 }, CTX);
    const hash = buildUrlHash(fake, { training_iteration: 3 }, {}, null);
    expect(hash).toBe('algo=FAKE&preset=none&num_env_runners=1&fake_rate=0.2&stop_iters=3');
    const back = parseUrlState(`#${hash}`);
    expect(back.issues).toEqual([]);
    expect(back.config).toEqual(fake);
    expect(buildUrlHash(resolveConfig({ lr: 1e-3 }, CTX), {}, {}, null)).toBe('preset=none&lr=0.001');
    // Over the env's own preset (the rule's), no preset= is written.
    const preset = resolveConfig({ algo: 'FAKE', preset: 'CartPole-v1', fake_rate: 0.3 }, CTX);
    expect(buildUrlHash(preset, {}, {}, 'CartPole-v1')).toBe('algo=FAKE&fake_rate=0.3');
  });

  it("starts from the algorithm's preset and reports an unknown algorithm", () => {
    expect(parseUrlState('#algo=fake&preset=CartPole-v1').config?.training).toMatchObject({ fakeRate: 0.25 });
    const bad = parseUrlState('#algo=nope&lr=0.01');
    expect(bad.issues.map((i) => i.path)).toEqual(['algo']);
    expect(bad.issues[0]!.message).toMatch(/Unknown algorithm 'nope'/);
    expect(bad.config).toMatchObject({ algo: 'PPO', training: { lr: 0.01 } });
  });
});

describe('CLI --algo', () => {
  it('picks the algorithm case-insensitively and reads flags with its keys', () => {
    const opts = parseArgs(['--fake-rate', '0.3', '--algo', 'fake']);
    expect(opts.algo).toBe('FAKE');
    expect(opts.configFlags).toEqual([
      { flag: '--fake-rate', path: 'training.fakeRate', value: 0.3 },
      { flag: '--algo', path: 'algo', value: 'FAKE' },
    ]);
    const plan = planRun(opts);
    expect(plan.configInput).toEqual({
      algo: 'FAKE',
      environment: { env: 'CartPole-v1' },
      training: { fakeRate: 0.3 },
    });
    expect(plan.presetNote).toMatch(/^preset 'CartPole-v1'/);
    expect(plan.stop).toEqual({ training_iteration: 7 });
    expect(parseArgs(['--algo=PPO', '--clip-param', '0.1']).algo).toBe('PPO');
  });

  it("rejects another algorithm's keys and unknown algorithms", () => {
    expect(() => parseArgs(['--algo', 'fake', '--clip-param', '0.1'])).toThrow(
      /unknown option --clip-param for FAKE; run with --algo fake --help for the list/,
    );
    expect(() => parseArgs(['--algo', 'ppoo'])).toThrow(UsageError);
    expect(() => parseArgs(['--algo', 'ppoo'])).toThrow("unknown algorithm 'ppoo' (did you mean ppo?)");
    // Without --algo a key of any registered algorithm parses; the page checks it against the run's.
    expect(parseArgs(['--fake-rate', '0.3']).configFlags[0]?.path).toBe('training.fakeRate');
  });

  it("--help shows the chosen algorithm's keys and presets, and how to see the others'", () => {
    const ppo = helpText();
    expect(ppo).toContain('Algorithms (--algo, case-insensitive): ppo (default), fake.');
    expect(ppo).toContain('--algo fake --help');
    expect(ppo).toContain('--clip-param VALUE');
    expect(ppo).not.toContain('--fake-rate');
    const fake = helpText(getSpec('fake'));
    expect(fake).toContain('--fake-rate VALUE');
    expect(fake).toContain('Presets of FAKE (--preset): CartPole-v1; none (the plain defaults).');
    expect(fake).not.toContain('--clip-param');
  });

  it('takes the algorithm from --config when --algo is not given', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'rl-')), 'c.json');
    writeFileSync(file, JSON.stringify({ algo: 'fake', fake_rate: 0.7 }));
    const plan = planRun(parseArgs(['--config', file, '--out', path.dirname(file)]));
    expect(plan.algo).toBe('FAKE');
    expect(plan.configInput).toMatchObject({ training: { fakeRate: 0.7 } });
  });
});
