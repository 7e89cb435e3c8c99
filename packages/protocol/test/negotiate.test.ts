import { describe, expect, it } from 'vitest';
import { KNOWN_PROTOCOL_VERSIONS, pickProtocolVersion, SUPPORTED_PROTOCOL_VERSIONS } from '../src/index.js';

describe('pickProtocolVersion', () => {
  it.each([
    [[1], [1, 2], 1],
    [[1, 2], [1], 1],
    [[1, 2], [1, 2], 2],
    [[2, 1], [2, 1], 2],
    [[1, 2, 3], [2, 3, 1], 3],
    [[2], [1, 2], 2],
  ])('offer %j, supported %j: %i', (offered, supported, picked) => {
    expect(pickProtocolVersion(offered, supported)).toBe(picked);
  });

  it.each([
    [[1], [2]],
    [[2], [1]],
    [[], [1, 2]],
    [[1, 2], []],
  ])('offer %j, supported %j: none', (offered, supported) => {
    expect(pickProtocolVersion(offered, supported)).toBeUndefined();
  });
});

describe('versions', () => {
  it('this package knows v1 and v2', () => expect(KNOWN_PROTOCOL_VERSIONS).toEqual([1, 2]));
  it('the SDK speaks v1 and v2', () => expect(SUPPORTED_PROTOCOL_VERSIONS).toEqual([1, 2]));
});
