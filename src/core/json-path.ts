/**
 * Dotted paths into plain JSON data (`training.replayBufferConfig.capacity`), the one pair of
 * helpers the CLI's flags, the URL and the configuration form use to read and write a setting.
 */
import { isPlainObject } from './config';

/** The value at `path`, or undefined where a step along it is missing or not a plain object. */
export function getPath(data: unknown, path: string): unknown {
  let v: unknown = data;
  // Own properties only: a path through `constructor` or `__proto__` reads nothing.
  for (const part of path.split('.')) v = isPlainObject(v) && Object.hasOwn(v, part) ? v[part] : undefined;
  return v;
}

/** Sets the value at `path`, creating (or replacing non-object) plain objects along the way. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    node = isPlainObject(next) ? next : (node[part] = {});
  }
  node[parts[parts.length - 1]!] = value;
}
