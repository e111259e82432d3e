import { describe, expect, it } from 'vitest';
import { countTrials, expandTrials, parseSearchSpace } from '../../src/tune/search-space';

describe('search spaces (Tune names in JSON)', () => {
  it('expands grids in Tune order: num_samples repetitions of the grid, the last grid fastest', () => {
    const { space, issues } = parseSearchSpace({
      env: 'CartPole-v1',
      training: { lr: { grid_search: [1e-3, 1e-4, 1e-5] }, gamma: { grid_search: [0.9, 0.99] } },
    });
    expect(issues).toEqual([]);
    const trials = expandTrials(space!, { numSamples: 2, seed: 0 });
    expect(trials).toHaveLength(12);
    expect(countTrials(space!, 2)).toBe(12);
    expect(trials.slice(0, 3).map((t) => t.params)).toEqual([
      { 'training.lr': 1e-3, 'training.gamma': 0.9 },
      { 'training.lr': 1e-3, 'training.gamma': 0.99 },
      { 'training.lr': 1e-4, 'training.gamma': 0.9 },
    ]);
    expect(trials[6]!.sampleIndex).toBe(1);
    expect(trials[6]!.params).toEqual(trials[0]!.params);
    expect(trials[4]!.config).toEqual({ env: 'CartPole-v1', training: { lr: 1e-5, gamma: 0.9 } });
  });

  it('draws random domains inside their bounds, reproducibly from the seed', () => {
    const { space } = parseSearchSpace({
      lr: { loguniform: [1e-5, 1e-2] },
      gamma: { uniform: [0.9, 0.99] },
      numEpochs: { randint: [1, 4] },
      fcnetHiddens: { choice: [[16], [32, 32]] },
    });
    const a = expandTrials(space!, { numSamples: 50, seed: 7 });
    const b = expandTrials(space!, { numSamples: 50, seed: 7 });
    const c = expandTrials(space!, { numSamples: 50, seed: 8 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    for (const t of a) {
      const p = t.params as Record<string, number & unknown[]>;
      expect(p['lr']).toBeGreaterThanOrEqual(1e-5);
      expect(p['lr']).toBeLessThan(1e-2);
      expect(p['gamma']).toBeGreaterThanOrEqual(0.9);
      expect(p['gamma']).toBeLessThan(0.99);
      expect([1, 2, 3]).toContain(p['numEpochs']);
      expect([[16], [32, 32]]).toContainEqual(p['fcnetHiddens']);
    }
    // randint's upper bound is exclusive, both ends reached over 50 draws.
    expect(new Set(a.map((t) => t.params['numEpochs']))).toEqual(new Set([1, 2, 3]));
    // loguniform spreads over the decades, not bunched at the top.
    expect(a.filter((t) => (t.params['lr'] as number) < 1e-4).length).toBeGreaterThan(5);
  });

  it('reports every bad domain at once, naming its path', () => {
    const { space, issues } = parseSearchSpace({
      training: {
        lr: { loguniform: [0, 1] },
        gamma: { uniform: [0.99, 0.9] },
        numEpochs: { randint: [1.5, 3] },
        clipParam: { grid_search: [] },
        entropyCoeff: { choice: [0.1], extra: 1 },
      },
      rlModule: { fcnetHiddens: { grid_search: [{ choice: [1, 2] }] } },
    });
    expect(space).toBeNull();
    expect(issues.map((i) => i.path)).toEqual([
      'training.lr',
      'training.gamma',
      'training.numEpochs',
      'training.clipParam',
      'training.entropyCoeff',
      'rlModule.fcnetHiddens',
    ]);
    expect(issues[0]!.message).toContain('0 < lower');
    expect(issues[3]!.message).toContain('non-empty list');
  });

  it('a config without domains is one trial per sample', () => {
    const { space } = parseSearchSpace({ env: 'CartPole-v1' });
    expect(expandTrials(space!, { numSamples: 3, seed: 1 }).map((t) => [t.index, t.sampleIndex])).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
    ]);
  });
});
