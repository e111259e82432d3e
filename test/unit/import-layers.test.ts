/**
 * DESIGN.md §2, enforced: src/ has no import loop, and every import between folders runs down the
 * folder order (test/unit/helpers/import-graph.ts). The same checks over a fixture with a planted
 * loop and a planted upward import show that they can fail.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importLoops, layerViolations, readImportGraph } from './helpers/import-graph';

const here = path.dirname(new URL(import.meta.url).pathname);
const src = path.resolve(here, '../../src');
const fixture = path.resolve(here, 'fixtures/import-graph');

describe('import layers of src/', () => {
  const graph = readImportGraph(src);

  it('reads the tree (hundreds of files, each with its imports)', () => {
    expect(graph.files.length).toBeGreaterThan(200);
    expect(graph.imports.get('algorithms/ppo/ppo.ts')?.size ?? 0).toBeGreaterThan(3);
  });

  it('has no import loop', () => {
    expect(importLoops(graph)).toEqual([]);
  });

  it('imports only down the folder order', () => {
    expect(layerViolations(graph)).toEqual([]);
  });

  it('keeps TF.js out of the UI', async () => {
    const { readFileSync } = await import('node:fs');
    const offenders = graph.files.filter(
      (f) => f.startsWith('ui/') && /@tensorflow\//.test(readFileSync(path.join(src, f), 'utf8')),
    );
    expect(offenders).toEqual([]);
  });
});

describe('the checks fail on a planted fault', () => {
  const graph = readImportGraph(fixture);

  it('finds the planted loop', () => {
    expect(importLoops(graph)).toEqual([['algorithms/algorithm.ts', 'algorithms/registry.ts']]);
  });

  it('finds the planted upward import', () => {
    expect(layerViolations(graph)).toEqual([
      'core/spaces.ts -> envs/cartpole.ts: core/ may not import envs/ (it sits higher)',
    ]);
  });
});
