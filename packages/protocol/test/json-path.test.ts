import { describe, expect, it } from 'vitest';
import { parseJsonPath, readJsonPath } from '../src/index.js';

describe('the JSONPath subset', () => {
  it('parses $, .name, [index] and ["any name"]', () => {
    expect(parseJsonPath('$')).toEqual([]);
    expect(parseJsonPath('$.cursor.data[0]["odd key.with dots"].x_y-z')).toEqual(['cursor', 'data', 0, 'odd key.with dots', 'x_y-z']);
  });

  it.each(['', 'id', '$.', '$..id', '$[*]', '$.a[-1]', "$['a']", '$.a b', '$[0', '$.1a', '$["a\\"b"]'])('rejects %j', (path) => {
    expect(() => parseJsonPath(path)).toThrow(/invalid JSONPath/);
  });

  it('reads values, and undefined for anything missing or of the wrong shape', () => {
    const data = { a: { b: [10, { c: 'x' }] }, 'k k': 1, n: null };
    expect(readJsonPath(data, '$')).toBe(data);
    expect(readJsonPath(data, '$.a.b[1].c')).toBe('x');
    expect(readJsonPath(data, '$["k k"]')).toBe(1);
    expect(readJsonPath(data, '$.n')).toBeNull();
    expect(readJsonPath(data, '$.a.b[5]')).toBeUndefined();
    expect(readJsonPath(data, '$.a.b.c')).toBeUndefined();
    expect(readJsonPath(data, '$.a[0]')).toBeUndefined();
    expect(readJsonPath(data, '$.n.x')).toBeUndefined();
    expect(readJsonPath(data, '$.toString')).toBeUndefined();
    expect(readJsonPath('text', '$.length')).toBeUndefined();
  });
});
