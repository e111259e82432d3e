/**
 * Benchmarks live in bench/ and may import src/; src/ never imports bench/ (the product ships
 * without it), and bench/ reaches the page only through the CLI's session helper
 * (src/cli/app-session.ts), never through its own `window.rl` calls.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'results' ? [] : sources(p);
    return /\.(ts|svelte)$/.test(entry.name) ? [p] : [];
  });
}

const IMPORT = /(?:import|export)\s[^'";]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** The relative imports of `file`, resolved to paths under the repository root. */
function importsOf(file: string): string[] {
  return [...fs.readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) =>
    path.relative(root, path.resolve(path.dirname(file), (m[1] ?? m[2])!)),
  );
}

describe('bench/ and src/', () => {
  it('src/ imports nothing from bench/', () => {
    const offenders = sources(path.join(root, 'src')).flatMap((f) =>
      importsOf(f)
        .filter((target) => target.startsWith(`bench${path.sep}`))
        .map((target) => `${path.relative(root, f)} -> ${target}`),
    );
    expect(offenders).toEqual([]);
  });

  it('bench/ has benchmark code in it and drives the page only through AppSession', () => {
    const files = sources(path.join(root, 'bench'));
    expect(files.length).toBeGreaterThan(10);
    const raw = files.filter((f) => /window\.rl\b/.test(fs.readFileSync(f, 'utf8')));
    expect(raw.map((f) => path.relative(root, f))).toEqual([]);
  });

  it('src/cli/ holds no benchmark', () => {
    expect(fs.readdirSync(path.join(root, 'src/cli')).filter((f) => /bench|raster|png/.test(f))).toEqual([]);
  });
});
