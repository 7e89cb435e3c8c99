// Property: whatever a plugin writes, decoding never fails with anything but a ProtocolViolation.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkManifest, decodeCoreMessage, decodePluginMessage, ProtocolViolation } from '../src/index.js';

const onlyViolations = (decode: () => unknown) => {
  try {
    decode();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolViolation);
  }
};

const messageLike = fc.record(
  {
    type: fc.constantFrom('hello', 'result', 'error', 'execute', 'cancel', 'other'),
    id: fc.oneof(fc.string(), fc.integer()),
    protocolVersion: fc.integer(),
    data: fc.jsonValue(),
    error: fc.record({ kind: fc.string(), message: fc.string() }, { requiredKeys: [] }),
    manifest: fc.jsonValue(),
  },
  { requiredKeys: ['type'] },
);

describe('decoders never crash', () => {
  it('on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (line) => {
      onlyViolations(() => decodePluginMessage(line));
      onlyViolations(() => decodeCoreMessage(line));
    }), { numRuns: 2000 });
  });
  it('on arbitrary JSON values and message-shaped objects', () => {
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), messageLike), (value) => {
      onlyViolations(() => decodePluginMessage(JSON.stringify(value) ?? 'null'));
      onlyViolations(() => checkManifest(value));
    }), { numRuns: 2000 });
  });
});
