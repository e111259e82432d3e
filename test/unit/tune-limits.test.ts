/**
 * Sweeps are counted before they are expanded (issue 27, items 5 and 6): a sweep of more trials
 * than MAX_TRIALS_PER_SWEEP, or an ASHA scheduler of more rungs than MAX_ASHA_RUNGS, is refused
 * with the count and the field named, at once, on the page's render path (checkSweepText), in
 * rl.tune (parseSweep) and in `npm run tune` (exit 2 before a browser starts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSweepText, MAX_TUNE_HASH_CHARS } from '../../src/app/tune-url';
import { RLError } from '../../src/core/errors';
import { AshaScheduler, MAX_ASHA_RUNGS } from '../../src/tune/asha';
import { MAX_TRIALS_PER_SWEEP, parseSweep } from '../../src/tune/sweep';

/** Generous: each of these returns in milliseconds; before the limits they never returned. */
const BOUND_MS = 2000;

function timed<T>(fn: () => T): T {
  const t0 = performance.now();
  const out = fn();
  expect(performance.now() - t0).toBeLessThan(BOUND_MS);
  return out;
}

const errorsOf = (issues: readonly { path: string; message: string; severity: string }[]) =>
  issues.filter((i) => i.severity === 'error');

describe('trials per sweep', () => {
  it('the 73-character link with num_samples 1e9 is refused on the render path, with the count', () => {
    const text = '{"param_space":{"env":"CartPole-v1"},"tune_config":{"num_samples":1000000000}}';
    expect(text.length).toBeLessThan(80);
    const check = timed(() => checkSweepText(text));
    expect(check.sweep).toBeNull();
    const [issue, ...rest] = errorsOf(check.issues);
    expect(rest).toEqual([]);
    expect(issue!.path).toBe('tune_config.num_samples');
    expect(issue!.message).toContain('1000000000 trials');
    expect(issue!.message).toContain(String(MAX_TRIALS_PER_SWEEP));
  });

  it('ten grids of ten (1e10 trials) are counted, not expanded', () => {
    const envConfig: Record<string, unknown> = {};
    for (let i = 0; i < 10; i++) envConfig[`k${i}`] = { grid_search: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] };
    const { sweep, issues } = timed(() => parseSweep({ param_space: { env: 'CartPole-v1', env_config: envConfig } }));
    expect(sweep).toBeNull();
    const errors = errorsOf(issues);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.path).toBe('param_space');
    expect(errors[0]!.message).toContain('10000000000 trials');
  });

  it('a grid times num_samples beyond the limit names num_samples; exactly the limit is accepted', () => {
    const over = parseSweep({
      param_space: { env: 'CartPole-v1', lr: { grid_search: [1e-3, 1e-4] } },
      tune_config: { num_samples: MAX_TRIALS_PER_SWEEP / 2 + 1 },
    });
    expect(over.sweep).toBeNull();
    expect(errorsOf(over.issues).map((i) => i.path)).toEqual(['tune_config.num_samples']);
    expect(errorsOf(over.issues)[0]!.message).toContain(`${MAX_TRIALS_PER_SWEEP + 2} trials`);
    const at = timed(() =>
      parseSweep({
        param_space: { env: 'CartPole-v1', lr: { grid_search: [1e-3, 1e-4] }, gamma: { uniform: [0.9, 0.99] } },
        tune_config: { num_samples: MAX_TRIALS_PER_SWEEP / 2 },
      }),
    );
    expect(errorsOf(at.issues)).toEqual([]);
    expect(at.sweep?.trials).toHaveLength(MAX_TRIALS_PER_SWEEP);
  });

  it('the largest sweep a link can carry checks within the bound (the render path stays bounded)', () => {
    // Every trial's config at the hash's size limit, and the most trials a sweep may have.
    const filler = 'x'.repeat(MAX_TUNE_HASH_CHARS - 200);
    const text = JSON.stringify({
      // GridWalk-v0 declares no env_config keys, so the filler is passed through (CartPole's would be refused).
      param_space: { env: 'GridWalk-v0', lr: { uniform: [1e-4, 1e-3] }, env_config: { note: filler } },
      tune_config: { num_samples: MAX_TRIALS_PER_SWEEP },
    });
    expect(text.length).toBeLessThanOrEqual(MAX_TUNE_HASH_CHARS);
    const check = timed(() => checkSweepText(text));
    expect(errorsOf(check.issues)).toEqual([]);
    expect(check.sweep?.trials).toHaveLength(MAX_TRIALS_PER_SWEEP);
  });

  it('trials are checked once per key layout, and a typo in any one trial is still found', () => {
    const { sweep, issues } = parseSweep({
      param_space: { env: 'CartPole-v1', training: { grid_search: [{ lr: 1e-3 }, { lr: 1e-4 }, { lrr: 1e-4 }] } },
      tune_config: { num_samples: 300 },
    });
    expect(sweep).toBeNull();
    expect(errorsOf(issues).map((i) => i.path)).toEqual(['param_space.training.lrr']);
  });

  it('a param space nested deeper than JSON configs go is refused, not a stack overflow', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const { sweep, issues } = timed(() => parseSweep({ param_space: { env: 'CartPole-v1', env_config: deep } }));
    expect(sweep).toBeNull();
    expect(errorsOf(issues)[0]!.path).toBe('param_space');
    expect(errorsOf(issues)[0]!.message).toContain('nests more than');
  });

  it('npm run tune refuses it with exit 2 before starting a browser', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tune-limit-'));
    const file = path.join(dir, 'sweep.json');
    writeFileSync(file, JSON.stringify({ param_space: { env: 'CartPole-v1' }, tune_config: { num_samples: 1e9 } }));
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/tune.ts', '--config', file, '--out', path.join(dir, 'out')],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.stderr).toContain('tune_config.num_samples');
    expect(r.stderr).toContain('1000000000 trials');
    expect(r.status).toBe(2);
  }, 60_000);
});

describe('ASHA rungs', () => {
  const sweepWith = (scheduler: Record<string, unknown>) =>
    parseSweep({ param_space: { env: 'CartPole-v1' }, tune_config: { scheduler: { type: 'ASHA', ...scheduler } } });

  it.each([1.0000000000000002, 1.0000001, 1.01])(
    'reduction_factor %d is refused with the number of rungs it would need',
    (reductionFactor) => {
      const { sweep, issues } = timed(() => sweepWith({ reduction_factor: reductionFactor, max_t: 100 }));
      expect(sweep).toBeNull();
      const errors = errorsOf(issues);
      expect(errors.map((i) => i.path)).toEqual(['tune_config.scheduler.reduction_factor']);
      expect(errors[0]!.message).toContain(`at most ${MAX_ASHA_RUNGS} rungs`);
    },
  );

  it('a grace_period far below max_t is refused the same way', () => {
    const { issues } = sweepWith({ grace_period: 1e-300, reduction_factor: 2, max_t: 1e300 });
    expect(errorsOf(issues).map((i) => i.path)).toEqual(['tune_config.scheduler.reduction_factor']);
  });

  it("Tune's usual settings keep their rungs", () => {
    const { sweep } = sweepWith({ grace_period: 1, reduction_factor: 2, max_t: 100 });
    expect(new AshaScheduler(sweep!.asha!).milestones).toEqual([1, 2, 4, 8, 16, 32, 64]);
    expect(new AshaScheduler({ ...sweep!.asha!, reductionFactor: 1.05 }).milestones).toHaveLength(95);
  });

  it('the constructor refuses what validation refuses (a coded error, at once)', () => {
    const opts = { timeAttr: 'training_iteration', metric: 'm', mode: 'max', gracePeriod: 1, maxT: 100 } as const;
    for (const reductionFactor of [1.0000000000000002, 1.0000001, 1, 0.5, Number.NaN]) {
      let thrown: unknown = null;
      timed(() => {
        try {
          new AshaScheduler({ ...opts, reductionFactor });
        } catch (e) {
          thrown = e;
        }
      });
      expect(thrown).toBeInstanceOf(RLError);
      expect((thrown as RLError).code).toBe('config/invalid');
    }
  });
});
