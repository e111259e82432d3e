import { describe, expect, it } from 'vitest';
import { checkSweepText, EXAMPLE_SWEEP, MAX_TUNE_HASH_CHARS, tuneHashPiece } from '../../src/app/tune-url';
import { buildUrlHash, parseUrlState } from '../../src/app/url-state';
import { DEFAULT_SPEC } from '../../src/algorithms/registry';

describe('a sweep in the URL (#tune=)', () => {
  it('the example sweep is valid: 3 learning rates x 2 seeds', () => {
    const check = checkSweepText(JSON.stringify(EXAMPLE_SWEEP));
    expect(check.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(check.sweep?.trials).toHaveLength(6);
    expect(check.input).toEqual(EXAMPLE_SWEEP);
  });

  it('round-trips through the hash next to the page keys, and is not read as a config key', () => {
    const text = JSON.stringify({ param_space: { lr: { grid_search: [0.001, 0.0001] } } });
    const piece = tuneHashPiece(JSON.stringify(JSON.parse(text), null, 2));
    expect(piece).toBe(`tune=${encodeURIComponent(text)}`);
    const state = parseUrlState(`#env=CartPole-v1&${piece}&hide=log`);
    expect(state.tune).toBe(text);
    expect(state.issues).toEqual([]);
    expect(state.hide).toEqual(['log']);
    const hash = buildUrlHash(DEFAULT_SPEC.defaults, {}, { tune: text });
    expect(parseUrlState(`#${hash}`).tune).toBe(text);
    expect(parseUrlState('#env=CartPole-v1').tune).toBeNull();
  });

  it('every problem at once: JSON syntax, size, and each sweep key', () => {
    expect(checkSweepText('{"param_space": ').issues[0]!.message).toContain('not valid JSON');
    const big = checkSweepText(`{"param_space": {"x": "${'a'.repeat(MAX_TUNE_HASH_CHARS)}"}}`);
    expect(big.sweep).toBeNull();
    expect(big.issues[0]!.message).toContain(`at most ${MAX_TUNE_HASH_CHARS}`);
    const bad = checkSweepText(
      JSON.stringify({ param_space: { lr: { loguniform: [0, 1] } }, tune_config: { num_samples: 0, mode: 'best' } }),
    );
    expect(bad.input).toBeNull();
    expect(bad.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['param_space.lr', 'tune_config.num_samples', 'tune_config.mode']),
    );
  });
});
