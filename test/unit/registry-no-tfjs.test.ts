/**
 * The registry and everything app/, ui/ and cli/ import to configure a run load no TF.js: every
 * TF.js package is replaced by a module that throws when imported, so a static import anywhere
 * below these modules fails this file. Only `spec.load()` reaches TF.js.
 */
import { describe, expect, it, vi } from 'vitest';

// vi.mock is hoisted above everything else in the file, so each factory is self-contained.
const loaded = vi.hoisted(() => [] as string[]);
vi.mock('@tensorflow/tfjs', () => {
  loaded.push('@tensorflow/tfjs');
  throw new Error('TF.js (@tensorflow/tfjs) was imported');
});
vi.mock('@tensorflow/tfjs-core', () => {
  loaded.push('@tensorflow/tfjs-core');
  throw new Error('TF.js (@tensorflow/tfjs-core) was imported');
});
vi.mock('@tensorflow/tfjs-backend-wasm', () => {
  loaded.push('@tensorflow/tfjs-backend-wasm');
  throw new Error('TF.js (@tensorflow/tfjs-backend-wasm) was imported');
});
vi.mock('@tensorflow/tfjs-backend-webgpu', () => {
  loaded.push('@tensorflow/tfjs-backend-webgpu');
  throw new Error('TF.js (@tensorflow/tfjs-backend-webgpu) was imported');
});

describe('registry without TF.js', () => {
  it('imports the registry, the form, the URL state and the CLI modules without loading TF.js', async () => {
    const registry = await import('../../src/algorithms/registry');
    await import('../../src/app/config-form');
    await import('../../src/app/url-state');
    await import('../../src/cli/args');
    await import('../../src/cli/plan');
    await import('../../src/cli/progress');
    expect(registry.algorithmNames()).toContain('PPO');
    expect(registry.resolveConfig({ algo: 'ppo', lr: 1e-3 }).training.lr).toBe(1e-3);
    expect(loaded).toEqual([]);
    expect((globalThis as { tf?: unknown }).tf).toBeUndefined();
  });

  it('loads the implementation only through spec.load()', async () => {
    const { getSpec } = await import('../../src/algorithms/registry');
    await expect(getSpec('PPO').load()).rejects.toThrow();
    expect(loaded.length).toBeGreaterThan(0);
  });
});
