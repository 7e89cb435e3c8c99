import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRegistryDocument, MAX_REGISTRY_BYTES, MAX_REGISTRY_DEPTH, MAX_YAML_REGISTRY_BYTES, parseRegistry, RegistryError } from '../src/index.js';

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
    expect(invalid('plugins:\n  a: &x\n    repo: o/a\n    versions: {}\n  b: *x\n')).toBe('the registry registry.yaml uses YAML aliases (*name), which are not allowed (line 5, column 6)');
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
    ['plugins:\n  ledger: {}\n  ledger: {}\n', 'plugins.ledger is given twice (line 3, column 3); each key may appear only once'],
    ['plugins: [\n', 'is not valid YAML or JSON'],
    ['- a\n- b\n', 'the document must be object'],
    ['plugins: !custom {}\n', 'is not valid YAML or JSON (line 1, column 10): Unresolved tag: !custom'],
    ['plugins: !!binary aGVsbG8=\n', 'is not valid YAML or JSON (line 1, column 10): Unresolved tag: tag:yaml.org,2002:binary'],
    ['plugins:\n  a: !!set {x}\n', 'is not valid YAML or JSON (line 2, column 6): Unresolved tag: tag:yaml.org,2002:set'],
    ['plugins: {}\n---\nplugins:\n  evil: {repo: e/r, versions: {}}\n', 'the registry registry.yaml holds more than one YAML document (---) (line 2, column 1)'],
    ['plugins: {}\n---\n', 'the registry registry.yaml holds more than one YAML document (---)'],
    ['plugins: {}\n...\nplugins: {}\n', 'the registry registry.yaml holds more than one YAML document (---)'],
  ])('rejects %j with a clear message', (text, message) => {
    expect(invalid(text)).toContain(message);
  });
});

describe('nesting depth', () => {
  it.each([
    ['YAML flow lists 1,500 deep', `plugins: ${'['.repeat(1_500)}${']'.repeat(1_500)}\n`, `the registry registry.yaml nests mappings and lists more than ${MAX_REGISTRY_DEPTH} deep`],
    ['JSON lists 100,000 deep', `{"plugins": {"a": ${'['.repeat(100_000)}${']'.repeat(100_000)}}}`, `the registry registry.yaml nests objects and lists more than ${MAX_REGISTRY_DEPTH} deep`],
    ['JSON objects 100,000 deep beside plugins', `{"plugins": {}, "x": ${'{"k":'.repeat(100_000)}1${'}'.repeat(100_000)}}`, `the registry registry.yaml nests objects and lists more than ${MAX_REGISTRY_DEPTH} deep`],
  ])('refuses %s before anything walks it', (_what, text, message) => {
    expect(invalid(text)).toMatch(new RegExp(`^${message.replaceAll('.', '\\.')}( \\(line 1, column \\d+\\))?$`));
  });

  const nested = (depth: number) => {
    let value: unknown = {};
    for (let level = 1; level < depth; level++) value = [value];
    return value;
  };
  it('accepts the depth of a real registry and refuses an already parsed value nested too deep (a cached parse is checked too)', () => {
    expect(checkRegistryDocument(JSON.parse(JSON.stringify(parseRegistry(example, 'r.yaml'))), 'r.json').plugins.ledger?.repo).toBe('formancehq/ledger');
    expect(() => checkRegistryDocument({ plugins: {}, junk: nested(MAX_REGISTRY_DEPTH) }, 'cache.json')).toThrow(`the registry cache.json nests objects and lists more than ${MAX_REGISTRY_DEPTH} deep`);
    expect(() => checkRegistryDocument({ plugins: {}, junk: nested(MAX_REGISTRY_DEPTH - 1) }, 'cache.json')).toThrow('has an unknown field "junk"');
  });
});

describe('a key given twice', () => {
  const entry = { compatibleWith: '>=3.0.0 <4.0.0', checksumsSha256: 'ab'.repeat(32) };
  const pinned = `{"compatibleWith": ">=3.0.0 <4.0.0", "checksumsSha256": "${'ab'.repeat(32)}"}`;
  // The second of each pair is what JSON.parse alone would keep: the unpinned entry, or the plugin without its pin.
  const cases: Array<[string, string, string, string]> = [
    [
      'a plugin name',
      `{"plugins": {\n  "ledger": {"repo": "o/r", "versions": {"3.2.0": ${pinned}}},\n  "ledger": {"repo": "evil/r", "versions": {"3.2.0": {"compatibleWith": "*"}}}\n}}`,
      `plugins:\n  ledger:\n    repo: o/r\n    versions:\n      3.2.0: ${pinned}\n  ledger:\n    repo: evil/r\n    versions: {}\n`,
      'plugins.ledger is given twice',
    ],
    [
      'a version',
      `{"plugins": {"ledger": {"repo": "o/r", "versions": {\n"3.2.0": ${pinned},\n"3.2.0": {"compatibleWith": "*"}}}}}`,
      `plugins:\n  ledger:\n    repo: o/r\n    versions:\n      3.2.0: ${pinned}\n      "3.2.0": {compatibleWith: "*"}\n`,
      'plugins.ledger.versions.3.2.0 is given twice',
    ],
    [
      'a field of a version',
      `{"plugins": {"ledger": {"repo": "o/r", "versions": {"3.2.0": {"checksumsSha256": "${entry.checksumsSha256}",\n "compatibleWith": "*", "compatibleWith": ">=0.0.0"}}}}}`,
      `plugins:\n  ledger:\n    repo: o/r\n    versions:\n      3.2.0:\n        compatibleWith: "*"\n        compatibleWith: ">=0.0.0"\n`,
      'plugins.ledger.versions.3.2.0.compatibleWith is given twice',
    ],
    [
      'a key written with an escape (the same key once decoded)',
      `{"plugins": {"ledger": {"repo": "o/r", "versions": {}}, "led\\u0067er": {"repo": "o/r", "versions": {}}}}`,
      `plugins:\n  ledger: {repo: o/r, versions: {}}\n  "led\\x67er": {repo: o/r, versions: {}}\n`,
      'plugins.ledger is given twice',
    ],
  ];
  for (const [what, json, yamlText, place] of cases) {
    it(`refuses ${what} in JSON, naming the place`, () => {
      expect(JSON.parse(json)).toBeTruthy(); // valid JSON: the fast path is taken
      expect(invalid(json)).toMatch(new RegExp(`^the registry registry.yaml is invalid: ${place.replaceAll('.', '\\.')} \\(line \\d+, column \\d+\\); each key may appear only once$`));
    });
    it(`refuses ${what} in YAML, naming the place`, () => {
      expect(invalid(yamlText)).toContain(`is invalid: ${place} (line `);
    });
  }

  it('names the line and column of the second occurrence', () => {
    expect(invalid('{"plugins": {\n  "a": {"repo": "o/r", "versions": {}},\n  "a": {"repo": "o/r", "versions": {}}}}')).toContain('plugins.a is given twice (line 3, column 3)');
  });

  it('quotes a repeated key that holds control characters instead of printing them', () => {
    const message = invalid('{"plugins": {"x": {"repo": "o/r", "versions": {"\\u001b[31m\\u009b": {"compatibleWith": "*"}, "\\u001b[31m\\u009b": {"compatibleWith": "*"}}}}}');
    expect(message).toContain('plugins.x.versions."\\u001b[31m\\u009b" is given twice');
    expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it('accepts equal keys in different objects, and equal values', () => {
    const text = `{"plugins": {"a": {"repo": "o/r", "versions": {"1.0.0": {"compatibleWith": "*"}}}, "b": {"repo": "o/r", "versions": {"1.0.0": {"compatibleWith": "*"}}}}}`;
    expect(Object.keys(parseRegistry(text, 'r.json').plugins)).toEqual(['a', 'b']);
  });

  it('scans strings of megabytes, escaped quotes included, without overflowing the stack (no backtracking regular expression)', () => {
    for (const long of ['x'.repeat(8 << 20), '\\"'.repeat(2 << 20)]) {
      expect(invalid(JSON.stringify({ plugins: { a: { repo: 'o/r', description: long, versions: {} } } }))).toContain('plugins.a.description must NOT have more than 1000 characters');
      expect(invalid(`{"plugins": {"a": {"repo": "o/r", "description": ${JSON.stringify(long)}, "versions": {}}, "a": {"repo": "o/r", "versions": {}}}}`)).toContain('plugins.a is given twice');
    }
  }, 30_000);

  it('treats a ":" inside a string as text, not as a key', () => {
    const text = `{"plugins": {"a": {"repo": "o/r", "description": "k\\": v\\" :: \\"x\\":", "versions": {"1.0.0": {"compatibleWith": "*"}}}}}`;
    expect(parseRegistry(text, 'r.json').plugins.a?.description).toBe('k": v" :: "x":');
  });
});

describe('the YAML size limit', () => {
  it('refuses YAML over MAX_YAML_REGISTRY_BYTES, saying JSON may be larger', () => {
    const big = `plugins: {}\n#${'x'.repeat(MAX_YAML_REGISTRY_BYTES)}\n`;
    expect(invalid(big)).toContain(`bytes of YAML, over the YAML limit of ${MAX_YAML_REGISTRY_BYTES} (JSON, which parses much faster, may have up to ${MAX_REGISTRY_BYTES})`);
  });

  it('accepts JSON of the same size', () => {
    const plugins = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`p${i}`, { repo: 'o/r', description: 'd'.repeat(1000), versions: {} }]));
    const json = JSON.stringify({ plugins }).replace('{"plugins"', `{"plugins"${' '.repeat(MAX_YAML_REGISTRY_BYTES)}`);
    expect(Object.keys(parseRegistry(json, 'big.json').plugins)).toHaveLength(200);
  });
});
