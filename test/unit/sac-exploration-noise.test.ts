/**
 * SAC's correlated exploration noise (training.explorationNoiseCorrelation): the noise behind
 * each sub-env's actions, recovered from the actions, has unit variance and lag-1 correlation
 * rho, and 0 keeps white noise (uncorrelated). cpu backend, a tiny module.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng';
import { SACModule } from '../../src/rl-module/sac-module';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The noise of each of `steps` calls for 2 sub-envs, recovered as (atanh(a) - mean) / std. */
async function noiseSeries(rho: number, steps: number): Promise<number[][]> {
  const m = new SACModule({
    observationSpace: { kind: 'box', shape: [2], low: [-1, -1], high: [1, 1] },
    actionSpace: { kind: 'box', shape: [1], low: [-1], high: [1] },
    model: {
      policyFcnetHiddens: [4],
      policyFcnetActivation: 'tanh',
      qFcnetHiddens: [4],
      qFcnetActivation: 'relu',
      twinQ: false,
      initialAlpha: 1,
      explorationNoiseCorrelation: rho,
    },
    seed: 1,
  });
  const obs = Float32Array.of(0.2, -0.4, 0.5, 0.1);
  // Mean and (clamped) log-std of both rows, from the deterministic actions' inputs.
  const dist = tf.tidy(() => m.forwardTrain(tf.tensor2d(obs, [2, 2])).actionDistInputs.arraySync());
  const rng = new Rng(7);
  const series: number[][] = [[], []];
  for (let s = 0; s < steps; s++) {
    const out = { actions: new Float32Array(2), actionLogp: new Float32Array(2), vfPreds: new Float32Array(2) };
    await m.forwardExploration(obs, 2, rng, out);
    for (let r = 0; r < 2; r++) {
      const [mean, logStd] = dist[r]!;
      const a = Math.min(1 - 1e-7, Math.max(-1 + 1e-7, out.actions[r]!));
      series[r]!.push((Math.atanh(a) - mean!) / Math.exp(logStd!));
    }
  }
  m.dispose();
  return series;
}

function moments(xs: number[]): { variance: number; lag1: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const c = xs.map((x) => x - mean);
  const variance = c.reduce((a, x) => a + x * x, 0) / xs.length;
  let cov = 0;
  for (let i = 1; i < c.length; i++) cov += c[i]! * c[i - 1]!;
  return { variance, lag1: cov / (c.length - 1) / variance };
}

describe('SAC exploration noise', () => {
  it('is AR(1) with unit variance and lag-1 correlation rho on every sub-env', async () => {
    for (const series of await noiseSeries(0.9, 4000)) {
      const { variance, lag1 } = moments(series);
      expect(variance).toBeGreaterThan(0.7);
      expect(variance).toBeLessThan(1.3);
      expect(lag1).toBeGreaterThan(0.85);
      expect(lag1).toBeLessThan(0.95);
    }
  });

  it('stays white with correlation 0', async () => {
    for (const series of await noiseSeries(0, 4000)) {
      const { variance, lag1 } = moments(series);
      expect(Math.abs(variance - 1)).toBeLessThan(0.1);
      expect(Math.abs(lag1)).toBeLessThan(0.06);
    }
  });
});
