import { describe, expect, it } from 'vitest';
import { addVersion, deprecateVersion, lintRegistry, parseRegistry, registerRelease, retireVersions } from '../src/index.js';

const original = `# The fctl plugin registry: reviewed in pull requests.
plugins:
  # Ledger: released from formancehq/ledger
  ledger:
    repo: formancehq/ledger
    versions:
      # first v3 plugin
      3.2.0:
        compatibleWith: ">=3.0.0 <3.3.0"
      3.4.0:
        compatibleWith: ">=3.4.0 <4.0.0"
  payments:
    repo: formancehq/payments
    versions:
      1.0.0:
        compatibleWith: ^1.0.0
`;

describe('editing a registry', () => {
  it('adds a version in semver order, keeping comments and everything else', () => {
    const text = addVersion(original, 'registry.yaml', 'ledger', '3.3.0', { compatibleWith: '>=3.3.0 <3.4.0', checksumsSha256: 'a'.repeat(64) });
    expect(text).toBe(original.replace('      3.4.0:\n', `      3.3.0:\n        compatibleWith: ">=3.3.0 <3.4.0"\n        checksumsSha256: ${'a'.repeat(64)}\n      3.4.0:\n`));
    expect(Object.keys(parseRegistry(text, 'x').plugins.ledger!.versions)).toEqual(['3.2.0', '3.3.0', '3.4.0']);
  });

  it('refuses to add a version twice, a version that is not semver, an invalid range, or to an unknown plugin', () => {
    expect(() => addVersion(original, 'r', 'ledger', '3.2.0', { compatibleWith: '*' })).toThrow('plugins.ledger already has version 3.2.0; versions are immutable once released');
    expect(() => addVersion(original, 'r', 'ledger', 'v3.5.0', { compatibleWith: '*' })).toThrow('"v3.5.0" is not a semver version like 3.2.0');
    expect(() => addVersion(original, 'r', 'ledger', '3.5.0', { compatibleWith: '>=three' })).toThrow('is not a semver range');
    expect(() => addVersion(original, 'r', 'wallets', '1.0.0', { compatibleWith: '*' })).toThrow('the registry has no plugin "wallets"');
  });

  it('deprecates a version', () => {
    const text = deprecateVersion(original, 'r', 'ledger', '3.2.0', 'Ledger v3.2 reaches end-of-life on 2027-03-01');
    expect(text).toBe(original.replace('        compatibleWith: ">=3.0.0 <3.3.0"\n', '        compatibleWith: ">=3.0.0 <3.3.0"\n        deprecated: Ledger v3.2 reaches end-of-life on 2027-03-01\n'));
    expect(() => deprecateVersion(original, 'r', 'ledger', '9.0.0', 'x')).toThrow('plugins.ledger has no version 9.0.0');
  });

  it('retires one version, or every version below another', () => {
    expect(retireVersions(original, 'r', 'ledger', { version: '3.2.0' })).toEqual({
      text: original.replace('      # first v3 plugin\n      3.2.0:\n        compatibleWith: ">=3.0.0 <3.3.0"\n', ''),
      removed: ['3.2.0'],
    });
    expect(retireVersions(original, 'r', 'ledger', { below: '4.0.0' }).removed).toEqual(['3.2.0', '3.4.0']);
    expect(() => retireVersions(original, 'r', 'ledger', { below: '3.0.0' })).toThrow('plugins.ledger has no version below 3.0.0');
  });

  it('writes the first release into the generated `plugins: {}` in block style, keeping the comment', () => {
    const generated = '# The fctl plugin registry: which plugin versions exist and the service versions they serve.\nplugins: {}\n';
    const { text } = registerRelease(generated, 'registry.yaml', 'ledger', '3.2.0', {
      distribution: { distribution: 'github-releases', repo: 'formancehq/ledger' },
      entry: { compatibleWith: '>=3.0.0 <4.0.0', checksumsSha256: 'a'.repeat(64), sources: [{ backend: 'github-releases', repo: 'formancehq/ledger' }] },
    });
    expect(text).toBe(
      `# The fctl plugin registry: which plugin versions exist and the service versions they serve.
plugins:
  ledger:
    distribution: github-releases
    repo: formancehq/ledger
    versions:
      3.2.0:
        compatibleWith: ">=3.0.0 <4.0.0"
        checksumsSha256: ${'a'.repeat(64)}
        sources:
          - backend: github-releases
            repo: formancehq/ledger
`,
    );
  });

  it('fills an empty flow `versions: {}` in block style, and leaves flow collections the author filled as they are', () => {
    const handWritten = '# mine\nplugins:\n  ledger:\n    repo: formancehq/ledger\n    versions: {}\n  payments: { repo: formancehq/payments, versions: { 1.0.0: { compatibleWith: ^1.0.0 } } }\n';
    expect(addVersion(handWritten, 'r', 'ledger', '3.2.0', { compatibleWith: '>=3.0.0' })).toBe(
      '# mine\nplugins:\n  ledger:\n    repo: formancehq/ledger\n    versions:\n      3.2.0:\n        compatibleWith: ">=3.0.0"\n  payments: { repo: formancehq/payments, versions: { 1.0.0: { compatibleWith: ^1.0.0 } } }\n',
    );
  });

  it('refuses to edit a document that is invalid already', () => {
    expect(() => deprecateVersion('plugins:\n  Bad: {}\n', 'r', 'Bad', '1.0.0', 'x')).toThrow('plugin name "Bad" is not allowed');
  });
});

describe('lintRegistry', () => {
  it('reports reserved names as errors, and overlapping ranges or versions outside their range as warnings', () => {
    const document = parseRegistry(
      `plugins:
  plugin:
    repo: o/r
    versions: {}
  ledger:
    repo: o/r
    versions:
      3.2.0: { compatibleWith: ">=3.0.0 <3.5.0" }
      3.3.0: { compatibleWith: ">=3.3.0 <4.0.0" }
      3.4.0: { compatibleWith: ">=4.0.0" }
`,
      'r',
    );
    expect(lintRegistry(document)).toEqual([
      { level: 'error', message: 'plugins.plugin: "plugin" is a command of fctl itself and cannot be a plugin name' },
      { level: 'warning', message: 'plugins.ledger.versions.3.4.0: the version is outside its own compatibleWith range ">=4.0.0"' },
      { level: 'warning', message: 'plugins.ledger: the ranges of 3.2.0 (>=3.0.0 <3.5.0) and 3.3.0 (>=3.3.0 <4.0.0) overlap; 3.3.0 wins where both match' },
    ]);
  });

  it('reports completion, a built-in command of fctl, as a reserved name', () => {
    const document = parseRegistry('plugins:\n  completion:\n    repo: o/r\n    versions: {}\n', 'r');
    expect(lintRegistry(document)).toEqual([
      { level: 'error', message: 'plugins.completion: "completion" is a command of fctl itself and cannot be a plugin name' },
    ]);
  });

  describe('registering a release (fctl-kit release)', () => {
    const entry = { compatibleWith: '>=3.5.0 <4.0.0', checksumsSha256: 'b'.repeat(64) };

    it('adds the version to a known plugin, keeping its distribution and the comments', () => {
      const result = registerRelease(original, 'r', 'ledger', '3.5.0', { distribution: { distribution: 'url', url: 'https://dl.example.com/{name}/{version}/{file}' }, entry });
      expect(result.changed).toBe(true);
      expect(result.text).toBe(addVersion(original, 'r', 'ledger', '3.5.0', entry));
    });

    it('adds a plugin the registry does not have yet, with its distribution', () => {
      const result = registerRelease(original, 'r', 'wallets', '2.0.0', { distribution: { distribution: 'oci', oci: 'registry.example.com/fctl/wallets', publicKey: undefined }, entry });
      expect(result.changed).toBe(true);
      expect(result.text.startsWith(original)).toBe(true);
      expect(parseRegistry(result.text, 'r').plugins.wallets).toEqual({ distribution: 'oci', oci: 'registry.example.com/fctl/wallets', versions: { '2.0.0': entry } });
    });

    it('changes nothing when the same release is registered again, and refuses other content for a registered version', () => {
      const once = registerRelease(original, 'r', 'ledger', '3.5.0', { distribution: {}, entry }).text;
      expect(registerRelease(once, 'r', 'ledger', '3.5.0', { distribution: {}, entry })).toEqual({ text: once, changed: false });
      expect(() => registerRelease(once, 'r', 'ledger', '3.5.0', { distribution: {}, entry: { ...entry, checksumsSha256: 'c'.repeat(64) } })).toThrow(
        'plugins.ledger.versions.3.5.0 is already registered with another checksumsSha256: released versions are immutable (release a new version)',
      );
      expect(() => registerRelease(original, 'r', 'ledger', 'v3.5.0', { distribution: {}, entry })).toThrow('"v3.5.0" is not a semver version like 3.2.0');
    });
  });
});
