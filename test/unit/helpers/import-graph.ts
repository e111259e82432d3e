/**
 * The import graph of a source tree, read from the files' own `import`/`export ... from` lines
 * (static and dynamic, type-only included: a type import is still a dependency a reader follows),
 * and the two rules DESIGN.md §2 states: no file reaches itself through its imports (no loop), and
 * every import between folders runs down the folder order below. The import-layers test runs it
 * over `src/` and over a fixture with a planted loop and a planted upward import.
 */
import fs from 'node:fs';
import path from 'node:path';

/**
 * The folders of `src/` bottom to top. A folder may import folders on lower rows only; folders on
 * one row are independent of each other. Files directly in `src/` (entry points) are the top row.
 */
export const FOLDER_ORDER: readonly (readonly string[])[] = [
  ['core'],
  ['backend'],
  ['envs', 'rl-module', 'connectors', 'replay', 'offline'],
  ['env-runner', 'learner'],
  ['runtime'],
  ['algorithms'],
  ['tune', 'diagnostics'],
  ['app'],
  ['ui', 'cli'],
];

/** The row of the entry points (`src/main.ts`, `src/app-main.ts`, `src/rl-trainer-element.ts`). */
const ROOT = '(root)';

export interface ImportGraph {
  /** Files, relative to the tree's root, with `/` separators. */
  readonly files: readonly string[];
  /** file -> the files of the tree it imports. */
  readonly imports: ReadonlyMap<string, ReadonlySet<string>>;
}

const SOURCE = /\.(ts|svelte)$/;
const IMPORT =
  /(?:^|[\n;])\s*(?:import|export)\s(?:[^'";]*?\sfrom\s*)?['"](\.{1,2}\/[^'"]+)['"]|\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;
const CANDIDATES = ['', '.ts', '.svelte', '/index.ts'];

function listSources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) return listSources(p);
    return SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts') ? [p] : [];
  });
}

function resolveImport(fromFile: string, spec: string): string | null {
  const base = path.resolve(path.dirname(fromFile), spec.replace(/\?.*$/, ''));
  for (const ext of CANDIDATES) {
    const p = base + ext;
    if (fs.existsSync(p) && fs.statSync(p).isFile()) return p;
  }
  return null;
}

/** Reads every `.ts`/`.svelte` file under `root` and the relative imports between them. */
export function readImportGraph(root: string): ImportGraph {
  const absolute = listSources(root);
  const rel = (p: string): string => path.relative(root, p).split(path.sep).join('/');
  const imports = new Map<string, Set<string>>();
  for (const file of absolute) {
    const targets = new Set<string>();
    for (const m of fs.readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = resolveImport(file, (m[1] ?? m[2])!);
      if (target && target.startsWith(root + path.sep)) targets.add(rel(target));
    }
    imports.set(rel(file), targets);
  }
  return { files: absolute.map(rel), imports };
}

/** Every loop of files that import each other (Tarjan's strongly connected components of size > 1, or a self-import). */
export function importLoops(graph: ImportGraph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const loops: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.imports.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.imports.get(v)?.has(v)) loops.push(component.sort());
  };
  for (const f of graph.files) if (!index.has(f)) visit(f);
  return loops;
}

function folderOf(file: string): string {
  const slash = file.indexOf('/');
  return slash < 0 ? ROOT : file.slice(0, slash);
}

function rowOf(folder: string, order: readonly (readonly string[])[]): number | undefined {
  if (folder === ROOT) return order.length;
  const row = order.findIndex((r) => r.includes(folder));
  return row < 0 ? undefined : row;
}

/**
 * Imports that break the folder order: into a folder on the same or a higher row, or from or into
 * a folder the order does not name (a new folder must be placed in FOLDER_ORDER first).
 */
export function layerViolations(graph: ImportGraph, order = FOLDER_ORDER): string[] {
  const out: string[] = [];
  for (const [file, targets] of graph.imports) {
    const from = folderOf(file);
    for (const target of targets) {
      const to = folderOf(target);
      if (from === to) continue;
      const [a, b] = [rowOf(from, order), rowOf(to, order)];
      if (a === undefined || b === undefined) {
        out.push(`${file} -> ${target}: folder '${a === undefined ? from : to}' has no place in the folder order`);
      } else if (b >= a) {
        out.push(`${file} -> ${target}: ${from}/ may not import ${to}/ (${b > a ? 'it sits higher' : 'same row'})`);
      }
    }
  }
  return out.sort();
}
