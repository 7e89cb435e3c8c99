// A version's protocolVersions: what the loader accepts and refuses (with what message), how the
// release's edit writes it, and which versions a core can use (speakableVersions, resolution).
import { describe, expect, it } from 'vitest';
import { indexRegistry, lintRegistry, lookupVersion, parseRegistry, protocolSkip, registerRelease, RegistryError, resolveVersion, speakableVersions } from '../src/index.js';

const withProtocols = (value: string) => `plugins:\n  ledger:\n    repo: acme/ledger\n    versions:\n      3.2.0:\n        compatibleWith: ">=3.0.0 <4.0.0"\n        protocolVersions: ${value}\n`;
const asJson = (value: unknown) => JSON.stringify({ plugins: { ledger: { repo: 'acme/ledger', versions: { '3.2.0': { compatibleWith: '>=3.0.0 <4.0.0', protocolVersions: value } } } } });

const refusal = (text: string) => {
  try {
    parseRegistry(text, 'registry.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(RegistryError);
    return (error as Error).message;
  }
  throw new Error('accepted');
};

const RULE = 'plugins.ledger.versions.3.2.0.protocolVersions must be a non-empty list of distinct protocol versions (integers from 1 to 1000000), in ascending order';

describe('protocolVersions in the registry document', () => {
  it('accepts an ascending list of distinct positive integers, in YAML and JSON; absent is allowed (unknown)', () => {
    for (const [text, expected] of [
      [withProtocols('[1]'), [1]],
      [withProtocols('[1, 2]'), [1, 2]],
      [withProtocols('\n          - 2\n          - 7'), [2, 7]],
      [asJson([1, 1_000_000]), [1, 1_000_000]],
    ] as const) {
      expect(parseRegistry(text, 'registry.yaml').plugins.ledger!.versions['3.2.0']!.protocolVersions).toEqual(expected);
    }
    const unknown = parseRegistry('plugins:\n  ledger:\n    repo: acme/ledger\n    versions:\n      3.2.0: { compatibleWith: "^3.0.0" }\n', 'r');
    expect(unknown.plugins.ledger!.versions['3.2.0']!.protocolVersions).toBeUndefined();
    expect(lintRegistry(parseRegistry(withProtocols('[1, 2]'), 'r'))).toEqual([]);
  });

  it('refuses malformed lists, naming the version, the rule and what breaks it', () => {
    const cases: Array<[string, string]> = [
      [withProtocols('[]'), 'it is empty'],
      [withProtocols('["1"]'), 'item 1 is not an integer'],
      [withProtocols('[1, two]'), 'item 2 is not an integer'],
      [withProtocols('[1, 1]'), 'it lists a version twice'],
      [withProtocols('[0]'), 'item 1 is below 1'],
      [withProtocols('[-1]'), 'item 1 is below 1'],
      [withProtocols('[1.5]'), 'item 1 is not an integer'],
      [withProtocols('[1000001]'), 'item 1 is over 1000000'],
      [withProtocols('[1e300]'), 'item 1 is over 1000000'],
      [withProtocols('[.inf]'), 'item 1 is over 1000000'],
      [withProtocols('[.nan]'), 'item 1 is not an integer'],
      [withProtocols('2'), 'it is not a list'],
      [withProtocols('{ a: 1 }'), 'it is not a list'],
      [withProtocols('null'), 'it is not a list'],
      [withProtocols(`[${Array.from({ length: 65 }, (_, i) => i + 1).join(', ')}]`), 'it lists more than 64'],
      [asJson([1, 9007199254740993]), 'item 2 is over 1000000'],
      [asJson([true]), 'item 1 is not an integer'],
      [asJson([[1]]), 'item 1 is not an integer'],
    ];
    for (const [text, problem] of cases) expect(refusal(text), text).toBe(`the registry registry.yaml is invalid: ${RULE}; ${problem}`);
  });

  it('refuses a list out of order, quoting it', () => {
    expect(refusal(withProtocols('[2, 1]'))).toBe(`the registry registry.yaml is invalid: ${RULE}; got [2, 1]`);
    expect(refusal(asJson([1, 3, 2]))).toBe(`the registry registry.yaml is invalid: ${RULE}; got [1, 3, 2]`);
  });
});

describe('registerRelease records protocolVersions', () => {
  const registry = '# the acme registry\nplugins:\n  ledger:\n    repo: acme/ledger\n    versions:\n      3.1.0:\n        compatibleWith: ">=3.1.0 <3.2.0"\n';
  const entry = { compatibleWith: '>=3.2.0 <4.0.0', checksumsSha256: 'b'.repeat(64), protocolVersions: [1, 2], sources: [{ backend: 'url', url: 'https://dl.example.com/{name}/{version}/{file}' }] };

  it('writes the list on one line with the new version, and for a plugin the registry does not have yet', () => {
    const added = registerRelease(registry, 'r', 'ledger', '3.2.0', { distribution: {}, entry });
    expect(added.text).toContain('      3.2.0:\n        compatibleWith: ">=3.2.0 <4.0.0"\n        checksumsSha256: ' + 'b'.repeat(64) + '\n        protocolVersions: [ 1, 2 ]\n');
    expect(parseRegistry(added.text, 'r').plugins.ledger!.versions['3.2.0']).toEqual(entry);
    const created = registerRelease('plugins: {}\n', 'r', 'wallets', '1.0.0', { distribution: {}, entry });
    expect(created.text).toContain('protocolVersions: [ 1, 2 ]\n');
    expect(parseRegistry(created.text, 'r').plugins.wallets!.versions['1.0.0']!.protocolVersions).toEqual([1, 2]);
  });

  it('records them on a version registered before the field existed, changes nothing the second time, refuses another list', () => {
    const { protocolVersions: _omitted, ...old } = entry;
    const before = registerRelease(registry, 'r', 'ledger', '3.2.0', { distribution: {}, entry: old }).text;
    const recorded = registerRelease(before, 'r', 'ledger', '3.2.0', { distribution: {}, entry });
    expect(recorded.changed).toBe(true);
    expect(recorded.text.startsWith('# the acme registry\n')).toBe(true);
    expect(parseRegistry(recorded.text, 'r').plugins.ledger!.versions['3.2.0']).toEqual(entry);
    expect(registerRelease(recorded.text, 'r', 'ledger', '3.2.0', { distribution: {}, entry })).toEqual({ text: recorded.text, changed: false });
    // A release run by an older fctl-kit, which does not know the field, changes nothing either.
    expect(registerRelease(recorded.text, 'r', 'ledger', '3.2.0', { distribution: {}, entry: old })).toEqual({ text: recorded.text, changed: false });
    expect(() => registerRelease(recorded.text, 'r', 'ledger', '3.2.0', { distribution: {}, entry: { ...entry, protocolVersions: [2] } })).toThrow(
      'plugins.ledger.versions.3.2.0 is already registered with another protocolVersions: released versions are immutable (release a new version)',
    );
  });
});

describe('which versions a core can use', () => {
  const document = parseRegistry(
    `plugins:
  ledger:
    repo: acme/ledger
    versions:
      3.0.0: { compatibleWith: ">=3.0.0 <4.0.0" }
      3.1.0: { compatibleWith: ">=3.0.0 <4.0.0", protocolVersions: [1] }
      3.2.0: { compatibleWith: ">=3.0.0 <4.0.0", protocolVersions: [1, 2] }
      4.0.0: { compatibleWith: ">=3.0.0 <5.0.0", protocolVersions: [2] }
      5.0.0: { compatibleWith: ">=3.0.0 <6.0.0", protocolVersions: [2, 3] }
      6.0.0-rc.1: { compatibleWith: ">=3.0.0-0 <7.0.0", protocolVersions: [3] }
`,
    'registry.yaml',
  );
  const versions = document.plugins.ledger!.versions;
  const index = indexRegistry(document);

  it('speakableVersions: usable highest first (unknown protocols kept, and listed), each skipped one with why', () => {
    expect(speakableVersions('ledger', versions, [1])).toEqual({
      usable: ['3.2.0', '3.1.0', '3.0.0'],
      unknown: ['3.0.0'],
      skipped: [
        { version: '6.0.0-rc.1', protocolVersions: [3], reason: 'ledger 6.0.0-rc.1 speaks protocol version 3; this fctl speaks 1' },
        { version: '5.0.0', protocolVersions: [2, 3], reason: 'ledger 5.0.0 speaks protocol versions 2, 3; this fctl speaks 1' },
        { version: '4.0.0', protocolVersions: [2], reason: 'ledger 4.0.0 speaks protocol version 2; this fctl speaks 1' },
      ],
    });
    expect(speakableVersions('ledger', versions, [1, 2])).toMatchObject({ usable: ['5.0.0', '4.0.0', '3.2.0', '3.1.0', '3.0.0'], skipped: [{ version: '6.0.0-rc.1' }] });
    expect(speakableVersions('ledger', versions, [2, 1], { core: 'fctl 0.2.0' }).skipped).toEqual([
      { version: '6.0.0-rc.1', protocolVersions: [3], reason: 'ledger 6.0.0-rc.1 speaks protocol version 3; fctl 0.2.0 speaks 2, 1' },
    ]);
    expect(speakableVersions('ledger', versions, [1, 2, 3]).skipped).toEqual([]);
    expect(speakableVersions('ledger', {}, [1])).toEqual({ usable: [], unknown: [], skipped: [] });
  });

  it('refuses a core protocol list that is not a non-empty list of positive integers', () => {
    for (const speaks of [[], [0], [1.5], ['1'], [Number.NaN]] as unknown as number[][]) {
      expect(() => speakableVersions('ledger', versions, speaks)).toThrow(/^the protocol versions a core speaks must be a non-empty list of positive integers; got /);
      expect(() => protocolSkip('ledger', '3.2.0', versions['3.2.0']!, speaks)).toThrow(TypeError);
    }
  });

  it('resolution given the core\'s protocols: passes over the versions it cannot speak, saying which, before anything is fetched', () => {
    expect(resolveVersion(index, 'ledger', '3.5.0', { speaks: [1] })).toMatchObject({
      kind: 'found',
      version: '3.2.0',
      skipped: [
        { version: '5.0.0', reason: 'ledger 5.0.0 speaks protocol versions 2, 3; this fctl speaks 1' },
        { version: '4.0.0', reason: 'ledger 4.0.0 speaks protocol version 2; this fctl speaks 1' },
      ],
    });
    expect(resolveVersion(index, 'ledger', '3.5.0', { speaks: [1, 2] })).toMatchObject({ kind: 'found', version: '5.0.0', skipped: [] });
    // Only versions that would have served the stack are named (6.0.0-rc.1 is not offered to a stable stack).
    expect(resolveVersion(index, 'ledger', '5.5.0', { speaks: [1] })).toMatchObject({ kind: 'no-compatible-version', skipped: [{ version: '5.0.0' }] });
    expect(resolveVersion(index, 'ledger', '6.1.0-rc.1', { speaks: [1, 2] })).toMatchObject({ kind: 'no-compatible-version', skipped: [{ version: '6.0.0-rc.1', reason: 'ledger 6.0.0-rc.1 speaks protocol version 3; this fctl speaks 1, 2' }] });
    // Without the core's protocols, resolution is as before.
    expect(resolveVersion(index, 'ledger', '3.5.0')).toEqual({ kind: 'found', name: 'ledger', version: '5.0.0', entry: versions['5.0.0'], plugin: document.plugins.ledger });
  });

  it('an exact --version it cannot speak is not found, with the reason; unknown protocols are found', () => {
    expect(lookupVersion(index, 'ledger', '4.0.0', { speaks: [1] })).toMatchObject({ kind: 'no-compatible-version', skipped: [{ version: '4.0.0', reason: 'ledger 4.0.0 speaks protocol version 2; this fctl speaks 1' }] });
    expect(lookupVersion(index, 'ledger', '3.0.0', { speaks: [1] })).toMatchObject({ kind: 'found', version: '3.0.0', skipped: [] });
    expect(lookupVersion(index, 'ledger', '4.0.0', { speaks: [2] })).toMatchObject({ kind: 'found', version: '4.0.0' });
  });

  it('an exact version named like a property every object has is not a version', () => {
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) expect(lookupVersion(index, 'ledger', name).kind).toBe('no-compatible-version');
  });
});
