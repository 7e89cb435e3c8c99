import { describe, expect, it } from 'vitest';
import { base64DecodedLength, bodyByteLength, headerBytes, httpMessageProblem, MAX_HTTP_HEADER_BYTES } from '../src/index.js';

describe('base64DecodedLength', () => {
  it.each([
    ['', 0],
    ['QQ==', 1],
    ['QUI=', 2],
    ['QUJD', 3],
    ['AAEC/w==', 4],
    ['+/+/', 3],
  ])('%j decodes to %i bytes', (text, bytes) => {
    expect(base64DecodedLength(text)).toBe(bytes);
    expect(Buffer.from(text, 'base64').length).toBe(bytes);
  });

  it.each(['Q', 'QQ', 'QQ=', 'Q===', '====', 'QQ==QQ==', 'QQ!=', 'ab-_', 'QUJD\n', ' QUJD', 'QUJDé==='])('%j is not standard padded base64', (text) => {
    expect(base64DecodedLength(text)).toBeUndefined();
  });
});

describe('sizes', () => {
  it('counts UTF-8 bytes, not characters', () => {
    expect(bodyByteLength({ encoding: 'utf8', data: 'é€😀' })).toBe(2 + 3 + 4);
    expect(headerBytes([['x-a', 'é'], ['b', '']])).toBe(3 + 2 + 1);
  });

  it('a utf8 body with a lone surrogate has no size', () => {
    expect(bodyByteLength({ encoding: 'utf8', data: '\udc00' })).toMatch(/lone surrogate/);
  });

  it('headers at the limit pass, one byte over fail, in requests and responses alike', () => {
    const at = [['x', 'a'.repeat(MAX_HTTP_HEADER_BYTES - 1)] as [string, string]];
    const over = [['x', 'a'.repeat(MAX_HTTP_HEADER_BYTES)] as [string, string]];
    for (const type of ['http.request', 'http.response'] as const) {
      expect(httpMessageProblem({ type, headers: at })).toBeUndefined();
      expect(httpMessageProblem({ type, headers: over })).toMatch(/65537 bytes/);
    }
  });
});
