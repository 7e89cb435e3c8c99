import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRegistry, RegistryError } from '../src/index.js';

const example = `# The fctl plugin registry
plugins:
  ledger:
    repo: formancehq/ledger
    type: stack
    distribution: github-releases
    versions:
      3.2.0:
        compatibleWith: ">=3.0.0 <3.3.0"
        deprecated: Ledger v3.x reaches end-of-life on 2027-03-01
      3.3.0:
        compatibleWith: ">=3.3.0 <4.0.0"
        checksumsSha256: ${'ab'.repeat(32)}
  payments:
    distribution: url
    url: https://downloads.example.com/{name}/{version}/{file}
    versions:
      3.1.0:
        compatibleWith: ^3.1.0
`;

const invalid = (text: string) => {
  try {
    parseRegistry(text, 'registry.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(RegistryError);
    return (error as Error).message;
  }
  throw new Error('accepted');
};

describe('parseRegistry', () => {
  it('reads the RFC format in YAML, and the same content as JSON', () => {
    const document = parseRegistry(example, 'registry.yaml');
    expect(document.plugins.ledger?.versions['3.2.0']).toEqual({ compatibleWith: '>=3.0.0 <3.3.0', deprecated: 'Ledger v3.x reaches end-of-life on 2027-03-01' });
    expect(parseRegistry(JSON.stringify(document), 'registry.json')).toEqual(document);
  });

  it('reads YAML flow style that is not JSON, and refuses JSON that breaks the rules like YAML', () => {
    expect(parseRegistry('{plugins: {ledger: {repo: o/r, versions: {3.2.0: {compatibleWith: "*"}}}}}', 'flow.yaml').plugins.ledger?.repo).toBe('o/r');
    expect(() => parseRegistry('{"plugins": {"Bad": {"versions": {}}}}', 'registry.json')).toThrow('plugin name "Bad" is not allowed');
  });

  it('is what the published JSON Schema accepts', () => {
    const schema = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'schema', 'registry.schema.json'), 'utf8'));
    const validate = new Ajv({ strict: false }).compile(schema);
    expect(validate(parseRegistry(example, 'registry.yaml'))).toBe(true);
    expect(validate({ plugins: { Ledger: { versions: {} } } })).toBe(false);
  });

  it('rejects YAML aliases, which can expand without bound', () => {
    expect(invalid('plugins:\n  a: &x\n    repo: o/a\n    versions: {}\n  b: *x\n')).toBe('the registry registry.yaml uses YAML aliases (*name), which are not allowed');
  });

  it('rejects documents over the size limit before parsing them', () => {
    expect(() => parseRegistry(`plugins: {}\n#${'x'.repeat(100)}`, 'big.yaml', 64)).toThrow('the registry big.yaml is 113 bytes, over the limit of 64');
  });

  it.each([
    ['plugins:\n  Ledger_2:\n    repo: o/r\n    versions: {}\n', 'plugin name "Ledger_2" is not allowed: names use only a-z, 0-9 and "-"'],
    ['plugins:\n  ledger:\n    repo: o/r\n    versions:\n      v3.2.0:\n        compatibleWith: "*"\n', 'plugins.ledger.versions: "v3.2.0" is not a semver version like 3.2.0'],
    ['plugins:\n  ledger:\n    repo: o/r\n    versions:\n      3.2.0:\n        compatibleWith: ">=three"\n', 'plugins.ledger.versions.3.2.0.compatibleWith: ">=three" is not a semver range'],
    ['plugins:\n  ledger:\n    versions: {}\n', 'plugins.ledger: distribution github-releases needs "repo" (owner/name)'],
    ['plugins:\n  ledger:\n    distribution: oci\n    versions: {}\n', 'plugins.ledger: distribution oci needs "oci"'],
    ['plugins:\n  ledger:\n    distribution: url\n    versions:\n      1.0.0:\n        compatibleWith: "*"\n', 'plugins.ledger.versions.1.0.0: distribution url needs "url" here or on the plugin'],
    ['plugins:\n  ledger:\n    distribution: ftp\n    repo: o/r\n    versions: {}\n', 'plugins.ledger.distribution must be one of github-releases, private-releases, oci, url'],
    ['plugins:\n  ledger:\n    repo: o/r\n    binaries: x\n    versions: {}\n', 'plugins.ledger has an unknown field "binaries"'],
    ['plugins:\n  ledger:\n    repo: o/r\n    versions:\n      1.0.0:\n        compatibleWith: "*"\n        checksumsSha256: abc\n', 'plugins.ledger.versions.1.0.0.checksumsSha256 must match pattern'],
    ['plugins:\n  ledger: {}\n  ledger: {}\n', 'is not valid YAML or JSON: Map keys must be unique'],
    ['plugins: [\n', 'is not valid YAML or JSON'],
    ['- a\n- b\n', 'the document must be object'],
    ['plugins: !custom {}\n', 'is not valid YAML or JSON: Unresolved tag: !custom'],
  ])('rejects %j with a clear message', (text, message) => {
    expect(invalid(text)).toContain(message);
  });
});
