/**
 * Compare mode (tune/compare.ts) and lessons: a sweep may search over `algo` (an entry may carry
 * its own keys), each trial reaching the threshold is timed on env steps and on its own wall
 * time, the first on each axis wins, and a lesson's claim is borne out or not. The lesson files in
 * lessons/ are valid sweeps that compare what they claim.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareTrials, comparisonSentences, reachedAt, trialLabel, verdictSentence } from '../../src/tune/compare';
import { parseSweep } from '../../src/tune/sweep';
import { composeInput } from '../../src/app/compose-config';
import type { ResultDict } from '../../src/core/metric-keys';

const R = 'env_runners/episode_return_mean';
const result = (ret: number, steps: number, seconds: number): ResultDict => ({
  [R]: ret,
  num_env_steps_sampled_lifetime: steps,
  time_total_s: seconds,
});

describe('reachedAt and compareTrials', () => {
  const ppo = [result(20, 1000, 1), result(120, 4000, 2), result(200, 6000, 3)];
  const dqn = [result(30, 500, 3), result(110, 2000, 8)];
  const never = [result(10, 9000, 30)];
  const trials = [
    { id: 't0', params: { algo: 'PPO' }, results: ppo },
    { id: 't1', params: { algo: 'DQN' }, results: dqn },
    { id: 't2', params: { algo: 'IMPALA' }, results: never },
  ];

  it('finds the first result at the threshold, by mode', () => {
    expect(reachedAt(ppo, R, 100, 'max')).toEqual({ envSteps: 4000, wallTime: 2 });
    expect(reachedAt(never, R, 100, 'max')).toBeNull();
    expect(reachedAt([result(5, 10, 1), result(-3, 20, 2)], R, 0, 'min')).toEqual({ envSteps: 20, wallTime: 2 });
  });

  it('names the winner on each axis and judges the lesson', () => {
    const lesson = {
      title: 'slow',
      claim: 'DQN wins',
      expect: { envSteps: [{ algo: 'DQN' }], wallTime: [{ algo: 'DQN' }] },
    };
    const c = compareTrials(trials, { metric: R, threshold: 100, mode: 'max', lesson });
    expect(c.winners.map((w) => [w.axis, w.label, w.value, w.asClaimed])).toEqual([
      ['envSteps', 'DQN', 2000, true],
      ['wallTime', 'PPO', 2, false],
    ]);
    expect(c.borneOut).toBe(false);
    expect(comparisonSentences(c)).toEqual([
      'On env steps, DQN reached episode_return_mean 100 first (2,000 env steps), as the lesson claims.',
      'On wall time, PPO reached episode_return_mean 100 first (2.0 s), not as the lesson claims.',
    ]);
    expect(verdictSentence(c)).toBe('This run did not bear the claim out.');
    const fast = { ...lesson, expect: { wallTime: [{ algo: 'PPO' }, { algo: 'IMPALA' }] } };
    expect(compareTrials(trials, { metric: R, threshold: 100, mode: 'max', lesson: fast }).borneOut).toBe(true);
  });

  it('leaves the claim undecided when no trial reached the threshold', () => {
    const c = compareTrials([trials[2]!, { ...trials[2]!, id: 't3' }], {
      metric: R,
      threshold: 100,
      mode: 'max',
      lesson: { title: 'x', claim: 'y', expect: { wallTime: [{ algo: 'PPO' }] } },
    });
    expect(c.winners.every((w) => w.trialId === null)).toBe(true);
    expect(c.borneOut).toBeNull();
    expect(comparisonSentences(c)[0]).toBe('On env steps, no trial reached episode_return_mean 100 in this run.');
  });

  it('labels trials by their searched values', () => {
    expect(trialLabel({ algo: 'DQN' })).toBe('DQN');
    expect(trialLabel({ algo: { algo: 'DQN', preset: 'CartPole-v1', lr: 1 } })).toBe('DQN (CartPole-v1)');
    expect(trialLabel({ 'envRunners.remoteWorkerEnvs': true, lr: 0.00012345 })).toBe(
      'remoteWorkerEnvs=true lr=0.0001234',
    );
  });
});

describe('a sweep over algo', () => {
  it('builds each trial from its algorithm and its own keys, over the preset the rule picks', () => {
    const { sweep, issues } = parseSweep({
      param_space: {
        env: 'CartPole-v1',
        algo: { grid_search: ['PPO', { algo: 'DQN', lr: 0.002, preset: 'none' }, 'IMPALA'] },
        seed: 1,
      },
      run_config: { stop: { [R]: 150, time_total_s: 60 } },
    });
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(sweep!.threshold).toBe(150);
    const built = sweep!.trials.map((t) => composeInput(t.config));
    expect(built.map((b) => [b.input['algo'], b.presetId])).toEqual([
      ['PPO', 'CartPole-v1'],
      ['DQN', null],
      ['IMPALA', 'CartPole-v1'],
    ]);
    expect((built[1]!.input['training'] as Record<string, unknown>)['lr']).toBe(0.002);
  });

  it('reports a bad algo value, a bad lesson and a lesson without a threshold', () => {
    const bad = parseSweep({ param_space: { algo: { grid_search: ['PPO', 42, 'NOPE'] } } });
    expect(bad.sweep).toBeNull();
    expect(bad.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['param_space.algo']));
    expect(bad.issues.map((i) => i.message).join('\n')).toMatch(/must be an algorithm's name .* got 42/);
    expect(bad.issues.map((i) => i.message).join('\n')).toMatch(/unknown algorithm 'NOPE'/);
    const lesson = parseSweep({
      lesson: { title: '', claim: 'c', expect: { speed: [{ algo: 'PPO' }], wall_time: [] }, extra: 1 },
      param_space: { algo: { grid_search: ['PPO', 'DQN'] } },
    });
    expect(lesson.issues.map((i) => i.path).sort()).toEqual([
      'lesson.expect.speed',
      'lesson.expect.wall_time',
      'lesson.extra',
      'lesson.title',
      'run_config.stop',
    ]);
  });
});

describe('the lessons in lessons/', () => {
  const dir = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../lessons');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  it('are three', () => {
    expect(files.sort()).toEqual(['fast-env.json', 'heavy-env.json', 'slow-env.json']);
  });

  for (const file of files) {
    it(`${file} is a sweep with a claim, a threshold and trials that can be told apart`, () => {
      const { sweep, issues } = parseSweep(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
      expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
      expect(sweep!.lesson?.claim.length).toBeGreaterThan(40);
      expect(sweep!.threshold).not.toBeNull();
      expect(sweep!.maxConcurrentTrials).toBe(1); // one at a time: each trial's clock is its own
      expect(sweep!.stop['time_total_s']).toBeGreaterThan(0); // and every trial ends
      const labels = sweep!.trials.map((t) => trialLabel(t.params));
      expect(new Set(labels).size).toBe(labels.length);
      // On each claimed axis, some trials winning would bear the claim out and others would not.
      const s = sweep!;
      for (const axis of Object.keys(s.lesson!.expect)) {
        const wins = s.trials.filter((t) => {
          const records = s.trials.map((u) => ({
            id: u.id,
            params: u.params,
            results: u === t ? [result(1e9, 1, 1)] : [],
          }));
          const c = compareTrials(records, {
            metric: s.metric,
            threshold: s.threshold!,
            mode: s.mode,
            lesson: s.lesson,
          });
          return c.winners.find((w) => w.axis === axis)?.asClaimed === true;
        });
        expect(wins.length, axis).toBeGreaterThan(0);
        expect(wins.length, axis).toBeLessThan(s.trials.length);
      }
      for (const t of sweep!.trials) expect(() => composeInput(t.config)).not.toThrow();
    });
  }
});
