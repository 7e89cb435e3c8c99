// Property: whatever a peer writes in protocol v2, decoding never fails with anything but a
// ProtocolViolation, and a message the decoder accepts stays within the limits it promises.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCoreMessageFor, decodePluginHandshake, decodePluginMessageFor, ProtocolViolation } from '../src/index.js';

const onlyViolations = (decode: () => unknown) => {
  try {
    decode();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolViolation);
  }
};

const text = fc.string({ unit: 'binary', maxLength: 40 });
const headers = fc.array(fc.tuple(text, text), { maxLength: 4 });
const body = fc.record({ encoding: fc.constantFrom('utf8', 'base64', 'hex'), data: fc.oneof(text, fc.base64String()) }, { requiredKeys: [] });

const httpLike = fc.record(
  {
    type: fc.constantFrom('http.request', 'http.response', 'http.error', 'session', 'hello', 'execute', 'other'),
    id: fc.oneof(text, fc.integer()),
    execute: text,
    method: fc.oneof(fc.constantFrom('GET', 'POST'), text),
    url: fc.oneof(fc.constantFrom('/api/ledger', 'https://stack.example/api', '//evil'), text),
    status: fc.oneof(fc.integer(), fc.double()),
    headers,
    body,
    protocolVersion: fc.constantFrom(1, 2, 3),
    capabilities: fc.jsonValue(),
    error: fc.record({ kind: text, code: text, message: text }, { requiredKeys: [] }),
  },
  { requiredKeys: ['type'] },
);

describe('v2 decoders never crash', () => {
  it('on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (line) => {
      onlyViolations(() => decodePluginMessageFor(2, line));
      onlyViolations(() => decodeCoreMessageFor(2, line));
      onlyViolations(() => decodePluginHandshake(line));
    }), { numRuns: 1000 });
  });

  it('on message-shaped objects', () => {
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), httpLike), (value) => {
      const line = JSON.stringify(value) ?? 'null';
      onlyViolations(() => decodePluginMessageFor(2, line));
      onlyViolations(() => decodeCoreMessageFor(2, line));
      onlyViolations(() => decodePluginHandshake(line));
    }), { numRuns: 2000 });
  });

  it('an accepted header never holds CR, LF or NUL', () => {
    fc.assert(fc.property(headers, (pairs) => {
      const line = JSON.stringify({ type: 'http.request', id: 'r', execute: '1', method: 'GET', url: '/', headers: pairs });
      try {
        const message = decodePluginMessageFor(2, line);
        if (message.type === 'http.request') for (const [name, value] of message.headers) expect(`${name}${value}`).not.toMatch(/[\r\n\0]/);
      } catch (error) {
        expect(error).toBeInstanceOf(ProtocolViolation);
      }
    }), { numRuns: 2000 });
  });
});
