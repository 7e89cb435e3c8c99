import { describe, expect, it } from 'vitest';
import { decodeCoreMessage, decodePluginMessage, exceedsJsonDepth, MAX_JSON_DEPTH, ProtocolViolation } from '../src/index.js';

const nestedArrays = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const nestedObjects = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
// A result whose message object is level 1, so its data may nest MAX_JSON_DEPTH - 1 levels.
const result = (data: string) => `{"type":"result","id":"1","data":${data}}`;

describe('exceedsJsonDepth', () => {
  it('counts objects and arrays, not scalars', () => {
    expect(exceedsJsonDepth(1, 0)).toBe(false);
    expect(exceedsJsonDepth({}, 0)).toBe(true);
    expect(exceedsJsonDepth({ a: [1] }, 2)).toBe(false);
    expect(exceedsJsonDepth({ a: [1] }, 1)).toBe(true);
    expect(exceedsJsonDepth([{}, [[[]]]], 3)).toBe(true);
    expect(exceedsJsonDepth([{}, [[[]]]], 4)).toBe(false);
  });

  it('measures 100,000 levels without overflowing the stack', () => {
    expect(exceedsJsonDepth(JSON.parse(nestedArrays(100_000)), MAX_JSON_DEPTH)).toBe(true);
    expect(exceedsJsonDepth(JSON.parse(nestedObjects(100_000)), MAX_JSON_DEPTH)).toBe(true);
  });
});

describe('the protocol depth limit', () => {
  it(`accepts a message nested exactly ${MAX_JSON_DEPTH} levels deep`, () => {
    expect(decodePluginMessage(result(nestedArrays(MAX_JSON_DEPTH - 1)))).toMatchObject({ type: 'result' });
    expect(decodePluginMessage(result(nestedObjects(MAX_JSON_DEPTH - 1)))).toMatchObject({ type: 'result' });
  });

  it.each([
    ['one level too deep', nestedArrays(MAX_JSON_DEPTH)],
    ['10,000 objects', nestedObjects(10_000)],
    ['100,000 arrays', nestedArrays(100_000)],
  ])('refuses a result %s as a protocol violation', (_name, data) => {
    expect(() => decodePluginMessage(result(data))).toThrow(ProtocolViolation);
    expect(() => decodePluginMessage(result(data))).toThrow(`nested more than ${MAX_JSON_DEPTH} levels deep`);
  });

  it('applies to messages from the core too (what the SDK decodes)', () => {
    const deep = `{"type":"cancel","id":"1","reason":"x","extra":${nestedArrays(100_000)}}`;
    expect(() => decodeCoreMessage(deep)).toThrow(`nested more than ${MAX_JSON_DEPTH} levels deep`);
  });
});
