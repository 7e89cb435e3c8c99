import { describe, expect, it } from 'vitest';
import { binaryFileName, currentPlatform, isReleaseFileName, platformId, platformOf, PLATFORMS } from '../src/index.js';

describe('release file names', () => {
  it('name binaries fctl-plugin-<name>-<os>-<arch>, with .exe on windows only', () => {
    expect(PLATFORMS.map((platform) => binaryFileName('ledger', platform))).toEqual([
      'fctl-plugin-ledger-linux-amd64',
      'fctl-plugin-ledger-linux-arm64',
      'fctl-plugin-ledger-darwin-amd64',
      'fctl-plugin-ledger-darwin-arm64',
      'fctl-plugin-ledger-windows-amd64.exe',
      'fctl-plugin-ledger-windows-arm64.exe',
    ]);
    for (const platform of PLATFORMS) expect(isReleaseFileName(binaryFileName('ledger', platform))).toBe(true);
  });

  it('refuse a plugin name that would make a path', () => {
    for (const name of ['../../x', 'a/b', 'a\\b', 'x\n', 'x y']) expect(() => binaryFileName(name, { os: 'linux', arch: 'amd64' })).toThrow('is not a plugin name');
  });

  it('are what every release file must be: one portable name', () => {
    for (const name of ['checksums.txt', 'checksums.txt.sig', 'manifest.json', 'fctl-plugin-ledger.cjs.map', 'a+b_c-1.2']) expect(isReleaseFileName(name)).toBe(true);
    for (const name of ['../x', 'x/y', '.x', 'x.', 'aux', 'LPT1.txt', 'a b', 'é']) expect(isReleaseFileName(name)).toBe(false);
  });
});

describe('platforms', () => {
  it("map Node's names to the release's, and refuse the others", () => {
    expect(currentPlatform('win32', 'x64')).toEqual({ os: 'windows', arch: 'amd64' });
    expect(currentPlatform('darwin', 'arm64')).toEqual({ os: 'darwin', arch: 'arm64' });
    expect(currentPlatform('linux', 'x64')).toEqual({ os: 'linux', arch: 'amd64' });
    expect(platformOf('freebsd', 'x64')).toBeUndefined();
    expect(() => currentPlatform('linux', 'ia32')).toThrow('fctl plugins are published for linux, darwin and windows on amd64 and arm64, not for linux-ia32');
    expect(platformId({ os: 'windows', arch: 'arm64' })).toBe('windows-arm64');
    expect(PLATFORMS).toHaveLength(6);
  });
});
