import { describe, expect, it } from 'vitest';
import { legacySource, MAX_SOURCES, parseRegistry, registerRelease, sourcesOf } from '../src/index.js';

const pin = 'a'.repeat(64);

const mirrored = `plugins:
  ledger:
    publicKey: |
      -----BEGIN PUBLIC KEY-----
      MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE
      -----END PUBLIC KEY-----
    sources:
      - backend: github-releases
        repo: formancehq/ledger
    versions:
      2.0.0:
        compatibleWith: ^2.0.0
      2.1.0:
        compatibleWith: ^2.1.0
        checksumsSha256: ${pin}
        sources:
          - backend: oci
            repository: registry.example.com/fctl/ledger
          - backend: url
            url: https://dl.example.com/fctl/{name}/{version}/{file}
`;

describe('registry sources (mirrors)', () => {
  it('gives a version its own sources in order, else its plugin\'s', () => {
    const ledger = parseRegistry(mirrored, 'r').plugins.ledger!;
    expect(sourcesOf(ledger, ledger.versions['2.1.0']!)).toEqual([
      { backend: 'oci', repository: 'registry.example.com/fctl/ledger' },
      { backend: 'url', url: 'https://dl.example.com/fctl/{name}/{version}/{file}' },
    ]);
    expect(sourcesOf(ledger, ledger.versions['2.0.0']!)).toEqual([{ backend: 'github-releases', repo: 'formancehq/ledger' }]);
  });

  it('still loads a document written before sources: its distribution fields are the one source', () => {
    const cases: Array<[string, unknown]> = [
      ['    repo: formancehq/ledger\n', { backend: 'github-releases', repo: 'formancehq/ledger' }],
      ['    repo: formancehq/ledger\n    githubUrl: https://ghe.example.com\n', { backend: 'github-releases', repo: 'formancehq/ledger', githubUrl: 'https://ghe.example.com' }],
      ['    distribution: private-releases\n    repo: o/r\n    githubApiUrl: https://ghe.example.com/api/v3\n', { backend: 'private-releases', repo: 'o/r', githubApiUrl: 'https://ghe.example.com/api/v3' }],
      ['    distribution: oci\n    oci: registry.example.com/fctl/ledger\n', { backend: 'oci', repository: 'registry.example.com/fctl/ledger' }],
      ['    distribution: url\n    url: https://dl.example.com/{file}\n', { backend: 'url', url: 'https://dl.example.com/{file}' }],
    ];
    for (const [fields, expected] of cases) {
      const plugin = parseRegistry(`plugins:\n  ledger:\n${fields}    versions:\n      1.0.0:\n        compatibleWith: "*"\n`, 'r').plugins.ledger!;
      expect(sourcesOf(plugin, plugin.versions['1.0.0']!)).toEqual([expected]);
      expect(legacySource(plugin, plugin.versions['1.0.0']!)).toEqual(expected);
    }
  });

  it('does not ask for the legacy fields of a plugin whose versions all have sources', () => {
    const text = `plugins:\n  ledger:\n    versions:\n      1.0.0:\n        compatibleWith: "*"\n        sources:\n          - backend: url\n            url: https://dl.example.com/{file}\n`;
    expect(() => parseRegistry(text, 'r')).not.toThrow();
    // One version without sources falls back to the legacy fields, which must then be complete.
    expect(() => parseRegistry(`${text}      1.1.0:\n        compatibleWith: "*"\n`, 'r')).toThrow('plugins.ledger: distribution github-releases needs "repo"');
  });

  it('keeps a source of a kind it does not know (a newer fctl may use it), and refuses malformed source lists', () => {
    const entry = (sources: string) => `plugins:\n  ledger:\n    versions:\n      1.0.0:\n        compatibleWith: "*"\n        sources: ${sources}\n`;
    const kept = parseRegistry(entry('[{ backend: carrier-pigeon, coop: "7" }]'), 'r').plugins.ledger!;
    expect(sourcesOf(kept, kept.versions['1.0.0']!)).toEqual([{ backend: 'carrier-pigeon', coop: '7' }]);
    expect(() => parseRegistry(entry('[]'), 'r')).toThrow(/sources must NOT have fewer than 1 items/);
    expect(() => parseRegistry(entry('[{ repo: o/r }]'), 'r')).toThrow(/must have required property 'backend'/);
    expect(() => parseRegistry(entry('[{ backend: "Not A Kind" }]'), 'r')).toThrow(/backend must match pattern/);
    expect(() => parseRegistry(entry('[{ backend: 7 }]'), 'r')).toThrow(/backend must be string/);
    expect(() => parseRegistry(entry('{ backend: url }'), 'r')).toThrow(/sources must be array/);
    const many = `[${Array.from({ length: MAX_SOURCES + 1 }, () => '{ backend: url, url: "https://x.example/{file}" }').join(', ')}]`;
    expect(() => parseRegistry(entry(many), 'r')).toThrow(`sources must NOT have more than ${MAX_SOURCES} items`);
  });

  it("holds a source of a known kind to its backend's schema (composed from the backends by npm run schemas)", () => {
    const entry = (sources: string) => `plugins:\n  ledger:\n    versions:\n      1.0.0:\n        compatibleWith: "*"\n        sources: ${sources}\n`;
    expect(() => parseRegistry(entry('[{ backend: url }]'), 'r')).toThrow("plugins.ledger.versions.1.0.0.sources.0 must have required property 'url'");
    expect(() => parseRegistry(entry('[{ backend: url, url: "https://x.example/no-placeholder" }]'), 'r')).toThrow('sources.0.url must match pattern');
    expect(() => parseRegistry(entry('[{ backend: oci, repository: r.example/x, token: secret }]'), 'r')).toThrow('sources.0 has an unknown field "token"');
    expect(() => parseRegistry(entry('[{ backend: github-releases, repo: "not a repo" }]'), 'r')).toThrow('sources.0.repo must match pattern');
    expect(() => parseRegistry(entry('[{ backend: oci, repository: r.example/x }, { backend: url, url: "https://x.example/{file}" }]'), 'r')).not.toThrow();
  });

  describe('registering a release', () => {
    const base = `plugins:\n  ledger:\n    repo: formancehq/ledger\n    versions: {}\n`;
    const sources = [
      { backend: 'oci', repository: 'registry.example.com/fctl/ledger' },
      { backend: 'github-releases', repo: 'formancehq/ledger' },
    ];
    const entry = { compatibleWith: '^2.1.0', checksumsSha256: pin, sources };

    it('records every source the release was published to, in order', () => {
      const { text, changed } = registerRelease(base, 'r', 'ledger', '2.1.0', { distribution: {}, entry });
      expect(changed).toBe(true);
      expect(parseRegistry(text, 'r').plugins.ledger!.versions['2.1.0']).toEqual(entry);
      expect(registerRelease(text, 'r', 'ledger', '2.1.0', { distribution: {}, entry })).toEqual({ text, changed: false });
    });

    it('appends a mirror published to since, and keeps the sources already recorded first', () => {
      const once = registerRelease(base, 'r', 'ledger', '2.1.0', { distribution: {}, entry: { ...entry, sources: [sources[1]!] } }).text;
      const again = registerRelease(once, 'r', 'ledger', '2.1.0', { distribution: {}, entry });
      expect(again.changed).toBe(true);
      expect(parseRegistry(again.text, 'r').plugins.ledger!.versions['2.1.0']!.sources).toEqual([sources[1], sources[0]]);
    });

    it('still refuses another checksums pin for a registered version, mirrors or not', () => {
      const once = registerRelease(base, 'r', 'ledger', '2.1.0', { distribution: {}, entry }).text;
      expect(() => registerRelease(once, 'r', 'ledger', '2.1.0', { distribution: {}, entry: { ...entry, checksumsSha256: 'b'.repeat(64) } })).toThrow('already registered with another checksumsSha256');
    });

    it('adds a new plugin with only what is not per version (its key), its sources on the version', () => {
      const { text } = registerRelease('plugins: {}\n', 'r', 'wallets', '1.0.0', { distribution: {}, entry: { compatibleWith: '^1.0.0', sources: [sources[0]!] } });
      expect(parseRegistry(text, 'r').plugins.wallets).toEqual({ versions: { '1.0.0': { compatibleWith: '^1.0.0', sources: [sources[0]] } } });
    });
  });
});
