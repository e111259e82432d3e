import { describe, expect, it } from 'vitest';
import { fastTanh } from '../../src/rl-module/js-mlp';

describe('fastTanh', () => {
  it('is within 3e-7 of Math.tanh on [-20, 20], odd, and exact at 0', () => {
    let worst = 0;
    for (let x = -20; x <= 20; x += 1e-3) worst = Math.max(worst, Math.abs(fastTanh(x) - Math.tanh(x)));
    expect(worst).toBeLessThan(3e-7);
    for (const x of [1e-8, 0.3, 2.5, 9]) expect(fastTanh(-x)).toBe(-fastTanh(x));
    expect(fastTanh(0)).toBe(0);
    expect(Math.abs(fastTanh(1e-6) - 1e-6)).toBeLessThan(1e-12);
  });
});
