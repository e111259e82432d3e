/**
 * MetricsLogger: timers that add up within an iteration (a phase timed by one call each time it
 * runs), the iteration's learner results, and big iterations (issue 12, item 6): no spread of an
 * unbounded array into a call.
 */
import { describe, expect, it } from 'vitest';
import { EPISODE_WINDOW, MetricsLogger, mean, minMax, reduceLearnerResults } from '../../src/algorithms/metrics-logger';

describe('MetricsLogger episode window', () => {
  it('takes 300,000 episodes in one call and keeps the last 100', () => {
    const logger = new MetricsLogger();
    logger.addEpisodes([-1, -2], [5, 6]);
    const n = 300_000;
    const returns = Array.from({ length: n }, (_, i) => i);
    const lengths = Array.from({ length: n }, (_, i) => i + 1);
    expect(() => logger.addEpisodes(returns, lengths)).not.toThrow();
    expect(logger.episodeReturns).toEqual(returns.slice(n - EPISODE_WINDOW));
    expect(logger.episodeLengths).toEqual(lengths.slice(n - EPISODE_WINDOW));
    expect(mean(logger.episodeReturns)).toBe(n - 50.5);
  });

  it('keeps older episodes when fewer than 100 arrive, oldest first out', () => {
    const logger = new MetricsLogger();
    logger.addEpisodes(
      Array.from({ length: 90 }, (_, i) => i),
      Array.from({ length: 90 }, () => 1),
    );
    logger.addEpisodes([100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114], Array(15).fill(2));
    expect(logger.episodeReturns.length).toBe(EPISODE_WINDOW);
    expect(logger.episodeReturns[0]).toBe(5);
    expect(logger.episodeReturns.at(-1)).toBe(114);
    expect(logger.episodeLengths.filter((l) => l === 2).length).toBe(15);
  });

  it('minMax works on 300,000 values where Math.min(...xs) overflows the stack', () => {
    const xs = Array.from({ length: 300_000 }, (_, i) => Math.sin(i) * i);
    const { min, max } = minMax(xs);
    expect(min).toBe(xs.reduce((a, b) => Math.min(a, b)));
    expect(max).toBe(xs.reduce((a, b) => Math.max(a, b)));
    expect(minMax([])).toEqual({ min: Number.NaN, max: Number.NaN });
  });
});

describe('MetricsLogger.time', () => {
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  it('adds the durations of one key within an iteration and starts afresh after reduce()', async () => {
    const logger = new MetricsLogger();
    expect(await logger.time('timers/a', () => sleep(20).then(() => 'x'))).toBe('x');
    await logger.time('timers/a', () => sleep(20));
    await logger.time('timers/b', () => Promise.resolve());
    const first = logger.reduce();
    // Two ~20 ms calls: their sum, not the last one (timers round down a little at most).
    expect(Number(first['timers/a'])).toBeGreaterThanOrEqual(0.035);
    expect(Number(first['timers/b'])).toBeLessThan(0.02);
    await logger.time('timers/a', () => sleep(5));
    const second = logger.reduce();
    expect(Number(second['timers/a'])).toBeLessThan(Number(first['timers/a']));
    expect(second['timers/b']).toBeUndefined();
  });

  it('records the time of a call that throws', async () => {
    const logger = new MetricsLogger();
    await expect(logger.time('timers/a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(typeof logger.reduce()['timers/a']).toBe('number');
  });
});

describe('reduceLearnerResults', () => {
  it('means each key over the updates, sums the keys named totals, and is empty for no updates', () => {
    const results = [
      { loss: 1, num_steps: 10 },
      { loss: 3, num_steps: 20 },
    ];
    expect(reduceLearnerResults(results)).toEqual({ loss: 2, num_steps: 15 });
    expect(reduceLearnerResults(results, (k) => k.startsWith('num_'))).toEqual({ loss: 2, num_steps: 30 });
    expect(reduceLearnerResults([])).toEqual({});
  });
});
