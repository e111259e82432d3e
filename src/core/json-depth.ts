/**
 * How deep JSON from outside may nest. Parsers and describers of JSON walk it recursively (our
 * own walks, JSON.stringify in an error message, structuredClone), so a few megabytes of `[[[[...`
 * overflow the stack; V8's JSON.parse itself survives that but takes seconds and hundreds of MB
 * to build it. Every reader of outside JSON checks the depth first, with one of these two: the
 * text before JSON.parse (a file's bytes), or a value someone else parsed (an rl.tune argument).
 */

/**
 * Deeper than any input of ours needs (a checkpoint or a sweep nests ~6 levels, a safetensors
 * header 3) and far below what a recursive walk survives (~10,000 frames).
 */
export const MAX_JSON_DEPTH = 64;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The nesting depth of JSON text (objects and arrays; strings skipped), counted up to `limit + 1`
 * and no further: one pass, no allocation. UTF-8 bytes or a string (the brackets, quotes and
 * backslash are ASCII, never part of a multi-byte character). Malformed text is JSON.parse's to
 * report; this only bounds the depth.
 */
export function jsonTextDepth(text: Uint8Array | string, limit = MAX_JSON_DEPTH): number {
  const at = typeof text === 'string' ? (i: number) => text.charCodeAt(i) : (i: number) => text[i]!;
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = at(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return deepest;
}

/**
 * The nesting depth of a JSON-like value (arrays and objects), counted up to `limit + 1` without
 * recursion, so a value a million levels deep (or one that contains itself) is measured safely.
 */
export function jsonValueDepth(value: unknown, limit = MAX_JSON_DEPTH): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const depth = d + 1;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth]);
  }
  return deepest;
}
