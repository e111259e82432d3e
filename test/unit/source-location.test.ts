/** Stack frames and source maps: from a generated position back to the line a person wrote. */
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import {
  decodeSourceMap,
  formatPosition,
  originalPosition,
  parseStackFrames,
  sourceMappingUrl,
} from '../../src/core/source-location';

describe('parseStackFrames', () => {
  it('reads V8 and Gecko frames, with and without a function name', () => {
    const stack = [
      'Error: boom',
      '    at Corridor.step (http://127.0.0.1:4173/env-modules/corridor-1a.js:12:11)',
      '    at http://127.0.0.1:4173/assets/index-x.js:3:9',
      '    at async TrainerApp.build (http://127.0.0.1:4173/assets/index-x.js:40:2)',
      'step@http://localhost/m.js:7:5',
    ].join('\n');
    expect(parseStackFrames(stack)).toEqual([
      { url: 'http://127.0.0.1:4173/env-modules/corridor-1a.js', line: 12, column: 11, fn: 'Corridor.step' },
      { url: 'http://127.0.0.1:4173/assets/index-x.js', line: 3, column: 9, fn: null },
      { url: 'http://127.0.0.1:4173/assets/index-x.js', line: 40, column: 2, fn: 'TrainerApp.build' },
      { url: 'http://localhost/m.js', line: 7, column: 5, fn: 'step' },
    ]);
  });
});

describe('decodeSourceMap / originalPosition', () => {
  it("maps esbuild's output back to the TypeScript line and column", async () => {
    const source = [
      'interface Unused { a: number }', // erased: shifts every generated line
      'type Alias = string;',
      'export function step(n: number): number {',
      '  if (n === 10) throw new Error("ten");',
      '  return n + 1;',
      '}',
    ].join('\n');
    const out = await build({
      stdin: { contents: source, loader: 'ts', sourcefile: '/src/my-env.ts' },
      write: false,
      format: 'esm',
      sourcemap: 'external',
      outfile: '/out/my-env.js',
    });
    const js = out.outputFiles.find((f) => f.path.endsWith('.js'))!.text;
    const map = decodeSourceMap(JSON.parse(out.outputFiles.find((f) => f.path.endsWith('.map'))!.text));
    const lines = js.split('\n');
    const genLine = lines.findIndex((l) => l.includes('throw new Error')) + 1;
    const genCol = lines[genLine - 1]!.indexOf('throw') + 1;
    const pos = originalPosition(map, genLine, genCol);
    expect(pos?.line).toBe(4);
    expect(pos?.column).toBe(source.split('\n')[3]!.indexOf('throw') + 1);
    expect(pos?.source).toContain('my-env.ts');
    expect(originalPosition(map, 999, 1)).toBeNull();
  });

  it('rejects what is not a v3 map', () => {
    expect(() => decodeSourceMap({ version: 2, sources: [], mappings: '' })).toThrow(/version 3/);
  });

  it('finds sourceMappingURL relative to the script, and formats file:line:column', () => {
    expect(sourceMappingUrl('x()\n//# sourceMappingURL=a.js.map\n', 'http://h/assets/a.js')).toBe(
      'http://h/assets/a.js.map',
    );
    expect(sourceMappingUrl('x()\n//# sourceMappingURL=data:application/json;base64,e30=', 'http://h/a.js')).toBeNull();
    expect(formatPosition({ source: 'file:///tmp/c.ts', line: 3, column: 7 })).toBe('/tmp/c.ts:3:7');
    expect(formatPosition({ source: '../../../src/envs/user-envs.ts', line: 22, column: 5 })).toBe(
      'src/envs/user-envs.ts:22:5',
    );
  });
});
