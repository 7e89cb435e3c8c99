// How deeply a JSON value nests, measured without recursion: JSON.parse accepts any depth, but
// every recursive walk after it (validation, rendering, JSON.stringify, YAML) overflows the stack.

/**
 * Whether `value` nests objects and arrays more than `max` levels deep (`{}` and `[]` are one level,
 * `{"a":[1]}` two; scalars none).
 */
export function exceedsJsonDepth(value: unknown, max: number): boolean {
  const pending: unknown[] = [value];
  const depths: number[] = [1];
  while (pending.length) {
    const current = pending.pop();
    const depth = depths.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth > max) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (child !== null && typeof child === 'object') {
        pending.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}
