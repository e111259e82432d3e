/**
 * From a JS stack trace to the file and line a person wrote: parse V8's (and Firefox's) stack
 * frames, decode a Source Map v3 (tc39.es/source-map) and look a generated position up in it.
 * Plain code with no DOM and no Node, so the page, a worker and the CLI share it; whoever calls
 * it fetches the `.map` files (the page with fetch, Node from disk).
 */

/** One frame of a stack trace: a script URL and a 1-based line and column. */
export interface StackFrame {
  readonly url: string;
  readonly line: number;
  readonly column: number;
  /** The function name V8 printed, if any. */
  readonly fn: string | null;
}

/** A position in an original source, 1-based line and column. */
export interface SourcePosition {
  readonly source: string;
  readonly line: number;
  readonly column: number;
}

// V8: "    at fn (url:line:col)" or "    at url:line:col"; Firefox/Safari: "fn@url:line:col".
const V8_FRAME = /^\s*at (?:(.*?) \()?(.+?):(\d+):(\d+)\)?\s*$/;
const GECKO_FRAME = /^\s*(.*?)@(.+?):(\d+):(\d+)\s*$/;

/** The frames of `error.stack` that name a script position, top first. */
export function parseStackFrames(stack: string): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const line of stack.split('\n')) {
    const m = V8_FRAME.exec(line) ?? GECKO_FRAME.exec(line);
    if (!m) continue;
    const url = m[2]!.replace(/^async /, '');
    frames.push({ url, line: Number(m[3]), column: Number(m[4]), fn: m[1] ? m[1].replace(/^async /, '') : null });
  }
  return frames;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUE = new Map([...BASE64].map((c, i) => [c, i]));

/** One decoded segment: generated column, then source index, original line and column (0-based). */
type Segment = readonly [number, number, number, number];

/** A decoded source map: per generated line, its segments sorted by generated column. */
export interface DecodedSourceMap {
  readonly sources: readonly string[];
  readonly lines: readonly (readonly Segment[])[];
}

/** Base64 VLQ values of one segment ("AAAA,SAAS;..." is split on ',' and ';' before this). */
function decodeVlq(text: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const c of text) {
    const digit = BASE64_VALUE.get(c);
    if (digit === undefined) throw new Error(`source map: invalid base64 character '${c}'`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    values.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return values;
}

/** Decodes a Source Map v3 JSON object (no index maps with `sections`). */
export function decodeSourceMap(json: unknown): DecodedSourceMap {
  const map = json as { version?: unknown; sources?: unknown; sourceRoot?: unknown; mappings?: unknown };
  if (map?.version !== 3 || typeof map.mappings !== 'string' || !Array.isArray(map.sources)) {
    throw new Error('source map: not a version 3 map with sources and mappings');
  }
  const root = typeof map.sourceRoot === 'string' && map.sourceRoot !== '' ? map.sourceRoot.replace(/\/?$/, '/') : '';
  const sources = map.sources.map((s) => `${root}${String(s)}`);
  const lines: Segment[][] = [];
  let source = 0;
  let origLine = 0;
  let origCol = 0;
  for (const lineText of map.mappings.split(';')) {
    const segments: Segment[] = [];
    let genCol = 0;
    for (const segText of lineText.split(',')) {
      if (segText === '') continue;
      const v = decodeVlq(segText);
      genCol += v[0] ?? 0;
      if (v.length < 4) continue; // a segment without a source position
      source += v[1]!;
      origLine += v[2]!;
      origCol += v[3]!;
      segments.push([genCol, source, origLine, origCol]);
    }
    segments.sort((a, b) => a[0] - b[0]);
    lines.push(segments);
  }
  return { sources, lines };
}

/** The original position of a generated 1-based line and column, or null when unmapped. */
export function originalPosition(map: DecodedSourceMap, line: number, column: number): SourcePosition | null {
  const segments = map.lines[line - 1];
  if (!segments || segments.length === 0) return null;
  // The last segment starting at or before the column (V8 columns are 1-based, maps 0-based).
  let found: Segment | undefined;
  for (const s of segments) {
    if (s[0] <= column - 1) found = s;
    else break;
  }
  found ??= segments[0]!;
  const source = map.sources[found[1]];
  return source === undefined ? null : { source, line: found[2] + 1, column: found[3] + 1 };
}

/** `//# sourceMappingURL=...` of a script's text, resolved against the script's URL; null if none. */
export function sourceMappingUrl(scriptText: string, scriptUrl: string): string | null {
  const m = /\/\/[#@] sourceMappingURL=(\S+)\s*$/.exec(scriptText.slice(-2000));
  if (!m || m[1]!.startsWith('data:')) return null;
  try {
    return new URL(m[1]!, scriptUrl).href;
  } catch {
    return null;
  }
}

/**
 * `file:line:column` for messages: `file://` and `webpack://`-style prefixes dropped, and the `../`
 * that climb out of a build folder (Vite writes sources relative to the map: `../../src/x.ts`), so
 * the app's own files read as `src/envs/user-envs.ts`.
 */
export function formatPosition(p: SourcePosition): string {
  const source = p.source
    .replace(/^file:\/\//, '')
    .replace(/^[a-z-]+:\/\/\/?(?=\.|\/)/, '')
    .replace(/^(\.\.\/)+/, '');
  return `${source}:${p.line}:${p.column}`;
}
