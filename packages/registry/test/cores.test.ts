import { describe, expect, it } from 'vitest';
import { lintRegistry, parseRegistry, registerCoreRelease } from '../src/index.js';

const pin = (c: string) => c.repeat(64);
const url = { backend: 'url', url: 'https://dl.example.com/fctl/{version}/{file}' };
const oci = { backend: 'oci', repository: 'registry.example.com/fctl/core' };

const withCores = (cores: unknown) => JSON.stringify({ plugins: {}, cores });

describe('the cores section', () => {
  it('is optional, and loads released fctl versions with their pins, protocols and sources', () => {
    expect(parseRegistry('plugins: {}\n', 'r').cores).toBeUndefined();
    const document = parseRegistry(
      withCores({ sources: [url], versions: { '0.1.0': { checksumsSha256: pin('a'), protocolVersions: [1] }, '0.2.0': { checksumsSha256: pin('b'), protocolVersions: [1, 2], sources: [oci], deprecated: 'upgrade' } } }),
      'r',
    );
    expect(document.cores!.versions['0.2.0']).toEqual({ checksumsSha256: pin('b'), protocolVersions: [1, 2], sources: [oci], deprecated: 'upgrade' });
  });

  it.each([
    [{ versions: { 'v0.1.0': { checksumsSha256: pin('a'), protocolVersions: [1], sources: [url] } } }, 'cores.versions: "v0.1.0" is not a semver version like 0.2.0'],
    [{ versions: { '0.1.0': { checksumsSha256: pin('a'), protocolVersions: [2, 1], sources: [url] } } }, 'cores.versions.0.1.0.protocolVersions must be a non-empty list of distinct protocol versions (integers from 1 to 1000000), in ascending order; got [2, 1]'],
    [{ versions: { '0.1.0': { checksumsSha256: pin('a'), protocolVersions: [1, 1], sources: [url] } } }, 'it lists a version twice'],
    [{ versions: { '0.1.0': { checksumsSha256: pin('a'), sources: [url] } } }, "must have required property 'protocolVersions'"],
    [{ versions: { '0.1.0': { protocolVersions: [1], sources: [url] } } }, "must have required property 'checksumsSha256'"],
    [{ versions: { '0.1.0': { checksumsSha256: pin('a'), protocolVersions: [1] } } }, 'cores.versions.0.1.0 has no sources, and cores has none'],
    [{ versions: { '0.1.0': { checksumsSha256: pin('a'), protocolVersions: [1], sources: [url], compatibleWith: '*' } } }, 'cores.versions.0.1.0 has an unknown field "compatibleWith"'],
    [{ versions: { '0.1.0': { checksumsSha256: pin('a'), protocolVersions: [1], sources: [{ backend: 'url' }] } } }, 'cores.versions.0.1.0.sources.0'],
  ])('refuses %j', (cores, message) => {
    expect(() => parseRegistry(withCores(cores), 'r')).toThrow(message);
  });

  it('lint warns when no key signs the cores', () => {
    const document = parseRegistry(withCores({ sources: [url], versions: { '0.1.0': { checksumsSha256: pin('a'), protocolVersions: [1] } } }), 'r');
    expect(lintRegistry(document)).toEqual([{ level: 'warning', message: 'cores: no publicKey; released cores are verified by their checksumsSha256 pins alone' }]);
  });
});

describe('registering a core release', () => {
  const generated = '# The registry\nplugins: {}\n';
  const first = { checksumsSha256: pin('a'), protocolVersions: [1, 2], sources: [url] };

  it('creates the section, keeps comments, places versions in semver order and writes protocols on one line', () => {
    const { text } = registerCoreRelease(generated, 'registry.yaml', '0.2.0', first);
    expect(text).toBe(`# The registry\nplugins: {}\ncores:\n  versions:\n    0.2.0:\n      checksumsSha256: ${pin('a')}\n      protocolVersions: [ 1, 2 ]\n      sources:\n        - backend: url\n          url: https://dl.example.com/fctl/{version}/{file}\n`);
    const second = registerCoreRelease(text, 'registry.yaml', '0.1.0', { checksumsSha256: pin('b'), protocolVersions: [1], sources: [url] }).text;
    expect(Object.keys(parseRegistry(second, 'r').cores!.versions)).toEqual(['0.1.0', '0.2.0']);
  });

  it('records the public key when it creates the section', () => {
    const key = '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n';
    expect(parseRegistry(registerCoreRelease(generated, 'r', '0.2.0', first, { publicKey: key }).text, 'r').cores!.publicKey).toBe(key);
  });

  it('is immutable: the same release again only appends new sources; another pin or protocol list is refused', () => {
    const { text } = registerCoreRelease(generated, 'r', '0.2.0', first);
    expect(registerCoreRelease(text, 'r', '0.2.0', first)).toEqual({ text, changed: false });
    const mirrored = registerCoreRelease(text, 'r', '0.2.0', { ...first, sources: [oci] });
    expect(mirrored.changed).toBe(true);
    expect(parseRegistry(mirrored.text, 'r').cores!.versions['0.2.0']!.sources).toEqual([url, oci]);
    expect(() => registerCoreRelease(text, 'r', '0.2.0', { ...first, checksumsSha256: pin('c') })).toThrow(
      'cores.versions.0.2.0 is already registered with another checksumsSha256: released versions are immutable (release a new version)',
    );
    expect(() => registerCoreRelease(text, 'r', '0.2.0', { ...first, protocolVersions: [2] })).toThrow('already registered with another protocolVersions');
    expect(() => registerCoreRelease(text, 'r', 'v0.3.0', first)).toThrow('"v0.3.0" is not a semver version');
  });
});
