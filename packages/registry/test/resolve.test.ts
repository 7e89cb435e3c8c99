import { describe, expect, it } from 'vitest';
import { indexRegistry, lookupVersion, parseRegistry, resolveVersion } from '../src/index.js';

const index = indexRegistry(
  parseRegistry(
    `plugins:
  ledger:
    repo: formancehq/ledger
    versions:
      3.2.0: { compatibleWith: ">=3.0.0 <3.3.0" }
      3.3.0: { compatibleWith: ">=3.3.0 <4.0.0" }
      3.3.1: { compatibleWith: ">=3.3.0 <4.0.0" }
      4.0.0-rc.1: { compatibleWith: ">=4.0.0-0 <5.0.0" }
      4.0.0: { compatibleWith: ">=4.0.0 <5.0.0" }
`,
    'registry.yaml',
  ),
);
const pick = (service: string) => {
  const resolution = resolveVersion(index, 'ledger', service);
  return resolution.kind === 'found' ? resolution.version : resolution.kind;
};

describe('resolveVersion', () => {
  it('picks the highest version whose compatibleWith contains the service version', () => {
    expect(pick('3.1.0')).toBe('3.2.0');
    expect(pick('3.2.9')).toBe('3.2.0');
    expect(pick('3.3.0')).toBe('3.3.1');
    expect(pick('4.2.0')).toBe('4.0.0');
  });

  it('serves prerelease service versions, and offers prerelease plugins only to them', () => {
    expect(pick('3.3.0-rc.2')).toBe('3.2.0'); // >=3.0.0 <3.3.0 contains 3.3.0-rc.2 (a prerelease sorts before 3.3.0)
    expect(pick('4.0.0-rc.1')).toBe('4.0.0-rc.1');
    expect(pick('4.0.1')).toBe('4.0.0');
  });

  it('says when the plugin has no version for the service version (retired or not released)', () => {
    expect(resolveVersion(index, 'ledger', '2.9.0')).toMatchObject({ kind: 'no-compatible-version', versions: ['4.0.0', '4.0.0-rc.1', '3.3.1', '3.3.0', '3.2.0'] });
    expect(resolveVersion(index, 'ledger', '5.0.0').kind).toBe('no-compatible-version');
    expect(resolveVersion(index, 'ledger', 'not-a-version').kind).toBe('no-compatible-version');
    expect(resolveVersion(index, 'payments', '1.0.0')).toEqual({ kind: 'unknown-plugin', name: 'payments' });
  });

  it('looks up an exact version for --version', () => {
    expect(lookupVersion(index, 'ledger', '3.3.0')).toMatchObject({ kind: 'found', version: '3.3.0', entry: { compatibleWith: '>=3.3.0 <4.0.0' } });
    expect(lookupVersion(index, 'ledger', '3.4.0').kind).toBe('no-compatible-version');
  });
});
