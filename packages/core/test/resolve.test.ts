import { describe, expect, it } from 'vitest';
import { createPlugin } from '@fctl-kit/plugin-sdk';
import { compatibleVersions, resolveService } from '../src/resolve/resolve.js';
import type { InstalledVersion, StoredPlugin } from '../src/store/plugin-store.js';

const entry = (compatibleWith: string): InstalledVersion => ({
  compatibleWith,
  path: `/plugins/${compatibleWith}`,
  sha256: '0'.repeat(64),
  source: 'path:/x',
  installedAt: '2026-01-01T00:00:00.000Z',
  service: 'ledger',
  description: 'Ledger',
});

const stored: StoredPlugin = {
  name: 'ledger',
  versions: { '3.2.0': entry('>=3.0.0 <4.0.0'), '3.3.0': entry('>=3.3.0 <4.0.0'), '4.0.0': entry('>=4.0.0') },
};
const builtin = { service: 'ledger', covers: '<3.0.0', plugin: createPlugin({ name: 'ledger', description: 'built-in' }) };

describe('resolveService', () => {
  it('picks the highest installed version whose range contains the service version', () => {
    expect(resolveService('ledger', '3.3.1', stored, [builtin])).toMatchObject({ kind: 'plugin', version: '3.3.0' });
    expect(resolveService('ledger', '3.1.0', stored, [builtin])).toMatchObject({ kind: 'plugin', version: '3.2.0' });
    expect(resolveService('ledger', '5.1.0', stored, [builtin])).toMatchObject({ kind: 'plugin', version: '4.0.0' });
  });

  it('falls back to built-in commands, then to missing', () => {
    expect(resolveService('ledger', '2.8.0', stored, [builtin])).toMatchObject({ kind: 'builtin' });
    expect(resolveService('ledger', '2.8.0', stored, [])).toEqual({ kind: 'missing' });
    expect(resolveService('ledger', '3.0.0', undefined, [builtin])).toEqual({ kind: 'missing' });
  });

  it('prefers a plugin over a built-in that also covers the version', () => {
    const everything: StoredPlugin = { name: 'ledger', versions: { '2.9.0': entry('>=2.0.0') } };
    expect(resolveService('ledger', '2.8.0', everything, [builtin])).toMatchObject({ kind: 'plugin', version: '2.9.0' });
  });

  it('ranks a dev build first, and matches prerelease service versions', () => {
    const withDev: StoredPlugin = { name: 'ledger', versions: { ...stored.versions, dev: entry('>=3.0.0 <4.0.0') } };
    expect(compatibleVersions(withDev, '3.3.0')).toEqual(['dev', '3.3.0', '3.2.0']);
    expect(compatibleVersions(stored, '3.3.0-rc.1')).toEqual(['3.2.0']);
  });
});
