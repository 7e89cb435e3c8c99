// The JSONPath subset of display schemas: `$`, `.name`, `[index]` and `["any name"]`, nothing else,
// so that every language can implement it identically (docs/protocol.md, "Display schemas").
import { JSON_PATH_PATTERN } from './constants.js';

export type PathSegment = string | number;

const validPath = new RegExp(JSON_PATH_PATTERN);
const segment = /\.([A-Za-z_][A-Za-z0-9_-]*)|\[([0-9]+)\]|\["([^"\\]*)"\]/y;

/** Splits a JSONPath into property names and array indexes; throws on anything outside the subset. */
export function parseJsonPath(path: string): PathSegment[] {
  if (!validPath.test(path)) {
    throw new Error(`invalid JSONPath ${JSON.stringify(path)}: expected $ followed by .name, [index] or ["name"]`);
  }
  const segments: PathSegment[] = [];
  segment.lastIndex = 1;
  while (segment.lastIndex < path.length) {
    const match = segment.exec(path)!;
    segments.push(match[1] ?? (match[2] !== undefined ? Number(match[2]) : match[3]!));
  }
  return segments;
}

/** The value at `path` in `data`, or undefined when any step is missing. */
export function readJsonPath(data: unknown, path: string | PathSegment[]): unknown {
  const segments = typeof path === 'string' ? parseJsonPath(path) : path;
  let current: unknown = data;
  for (const step of segments) {
    if (typeof step === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[step];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
      if (!Object.prototype.hasOwnProperty.call(current, step)) return undefined;
      current = (current as Record<string, unknown>)[step];
    }
  }
  return current;
}
