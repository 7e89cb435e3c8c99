// The registry as an attacker or an accident shapes it, seen through the real fctl: keys given twice
// (JSON.parse alone keeps the last: an unpinned entry would replace a pinned one), a YAML document
// too large to parse in reasonable time, and the parsed-registry cache, which is local state and may
// be damaged or stale.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountSmallFileSystem } from '../../packages/files/test/mounts.js';
import { newFctl } from '../support/fctl.js';
import { makeRelease } from '../support/releases.js';

let work: string;
let pinned: string;
const urlOf = () => `${join(work, 'releases')}/{version}/{file}`;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'registry-limits-'));
  pinned = (await makeRelease(join(work, 'releases', '3.2.0'), '3.2.0')).checksumsSha256;
}, 120_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A YAML registry of `count` plugins (5 versions each) plus ledger, whose releases are real. */
function yamlRegistry(count: number, extra = ''): string {
  const lines = ['plugins:', '  ledger:', '    distribution: url', `    url: ${urlOf()}`, '    versions:', '      3.2.0:', '        compatibleWith: ">=3.0.0 <4.0.0"', `        checksumsSha256: ${pinned}`];
  for (let p = 0; p < count; p++) {
    lines.push(`  plugin-${p}:`, `    repo: acme/plugin-${p}`, '    versions:');
    for (let v = 1; v <= 5; v++) lines.push(`      ${v}.0.0:`, `        compatibleWith: ">=${v}.0.0 <${v + 1}.0.0"`);
  }
  return `${lines.join('\n')}\n${extra}`;
}

describe('a key given twice in the registry', () => {
  const unpinned = '{"compatibleWith": ">=3.0.0 <4.0.0"}';
  const pinnedEntry = `{"compatibleWith": ">=3.0.0 <4.0.0", "checksumsSha256": "${'0'.repeat(64)}"}`;
  const documents: Array<[string, string, string]> = [
    [
      'JSON: the plugin twice, the second unpinned',
      'registry.json',
      `{"plugins": {\n "ledger": {"distribution": "url", "url": "URL", "versions": {"3.2.0": ${pinnedEntry}}},\n "ledger": {"distribution": "url", "url": "URL", "versions": {"3.2.0": ${unpinned}}}}}`,
    ],
    ['JSON: the version twice', 'registry.json', `{"plugins": {"ledger": {"distribution": "url", "url": "URL", "versions": {\n"3.2.0": ${pinnedEntry},\n"3.2.0": ${unpinned}}}}}`],
    ['YAML: the version twice', 'registry.yaml', `plugins:\n  ledger:\n    distribution: url\n    url: URL\n    versions:\n      3.2.0: ${pinnedEntry}\n      3.2.0: ${unpinned}\n`],
    ['YAML: a field twice', 'registry.yaml', `plugins:\n  ledger:\n    distribution: url\n    url: URL\n    versions:\n      3.2.0:\n        checksumsSha256: "${'0'.repeat(64)}"\n        checksumsSha256: "${pinned}"\n        compatibleWith: "*"\n`],
  ];
  for (const [what, file, text] of documents) {
    it(`${what}: install is refused, naming the place, and nothing is installed`, async () => {
      const path = join(work, `dup-${createHash('sha256').update(what).digest('hex').slice(0, 8)}-${file}`);
      writeFileSync(path, text.replaceAll('URL', urlOf()));
      const fctl = newFctl({ FCTL_REGISTRY: path });
      const result = await fctl.run(['plugin', 'install', 'ledger', '--version', '3.2.0']);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`the registry ${path.replaceAll('.', '\\.')} is invalid: plugins\\.ledger(\\.versions\\.3\\.2\\.0(\\.checksumsSha256)?)? is given twice \\(line \\d+, column \\d+\\)`));
      const list = await fctl.run(['plugin', 'list', '-o', 'json']);
      expect(JSON.parse(list.stdout)).toEqual([]);
      rmSync(fctl.configDir, { recursive: true, force: true });
    });
  }
});

describe('a large YAML registry', () => {
  it('over the YAML limit: refused at once with the limit and the advice to use JSON', async () => {
    const path = join(work, 'huge.yaml');
    writeFileSync(path, yamlRegistry(10, `# ${'x'.repeat(5 * 1024 * 1024)}\n`));
    const fctl = newFctl({ FCTL_REGISTRY: path });
    const result = await fctl.run(['plugin', 'install', 'ledger', '--version', '3.2.0'], { timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain(`the registry ${path} is ${5 * 1024 * 1024 + Buffer.byteLength(yamlRegistry(10)) + 3} bytes of YAML, over the YAML limit of 4194304 (JSON, which parses much faster, may have up to 16777216)`);
    rmSync(fctl.configDir, { recursive: true, force: true });
  }, 90_000);

  it('one YAML mapping of 40,000 keys is parsed (duplicates checked in linear time) and a mistyped command still ends', async () => {
    const lines = ['plugins:', '  wide:', '    repo: acme/wide', '    versions:'];
    for (let v = 0; v < 40_000; v++) lines.push(`      1.0.${v}: {compatibleWith: "*"}`);
    const path = join(work, 'wide.yaml');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const fctl = newFctl({ FCTL_REGISTRY: path });
    const result = await fctl.run(['nosuch'], { timeoutMs: 90_000 });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain("unknown command 'nosuch'");
    rmSync(fctl.configDir, { recursive: true, force: true });
  }, 120_000);
});

describe('the parsed-registry cache', () => {
  let path: string;
  beforeAll(() => {
    path = join(work, 'registry.yaml');
    writeFileSync(path, yamlRegistry(1000));
  });
  const cacheFiles = (configDir: string) => readdirSync(join(configDir, 'cache')).filter((name) => name.startsWith('registry-index-'));

  it('is written by the first run and used by the next', async () => {
    const fctl = newFctl({ FCTL_REGISTRY: path });
    const first = await fctl.run(['--debug', 'nosuch'], { timeoutMs: 60_000 });
    expect(first.code, first.stderr).toBe(2);
    expect(first.stderr).not.toContain('from the cache');
    expect(cacheFiles(fctl.configDir)).toHaveLength(1);
    const second = await fctl.run(['--debug', 'nosuch'], { timeoutMs: 60_000 });
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`registry: parsed ${path} from the cache`);
    const install = await fctl.run(['plugin', 'install', 'ledger', '--version', '3.2.0']);
    expect(install.code, install.stderr).toBe(0);
    rmSync(fctl.configDir, { recursive: true, force: true });
  }, 120_000);

  it('never serves a document that has changed since', async () => {
    const changing = join(work, 'changing.yaml');
    writeFileSync(changing, yamlRegistry(5));
    const fctl = newFctl({ FCTL_REGISTRY: changing });
    expect((await fctl.run(['plugin', 'install', 'ledger', '--version', '3.2.0'])).code).toBe(0);
    expect((await fctl.run(['plugin', 'remove', 'ledger'])).code).toBe(0);
    // The same plugins, but ledger's pin now names other bytes: served from a stale cache, the old
    // pin would let the install succeed.
    writeFileSync(changing, yamlRegistry(5).replace(pinned, 'f'.repeat(64)));
    const result = await fctl.run(['plugin', 'install', 'ledger', '--version', '3.2.0']);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain('f'.repeat(64));
    rmSync(fctl.configDir, { recursive: true, force: true });
  }, 60_000);

  const damages: Array<[string, (text: string) => string]> = [
    ['truncated', (text) => text.slice(0, text.length / 2)],
    ['not JSON at all', () => '\u0000\u0001garbage'],
    ['a value changed (the digest no longer matches)', (text) => text.replace('"acme/plugin-1"', '"evil/plugin-1"')],
    [
      'a document that breaks the registry rules, with a digest recomputed to match',
      (text) => {
        const cache = JSON.parse(text);
        cache.document.plugins.ledger.versions['not-a-version'] = { compatibleWith: '*' };
        cache.digest = createHash('sha256').update(JSON.stringify(cache.document)).digest('hex');
        return JSON.stringify(cache);
      },
    ],
    ['an older format', (text) => JSON.stringify({ ...JSON.parse(text), format: 0 })],
    ['checked by older rules', (text) => JSON.stringify({ ...JSON.parse(text), rules: 1 })],
  ];
  for (const [what, damage] of damages) {
    it(`${what}: counts as no cache; the document is parsed again and the cache rewritten`, async () => {
      const fctl = newFctl({ FCTL_REGISTRY: path });
      expect((await fctl.run(['nosuch'], { timeoutMs: 60_000 })).code).toBe(2);
      const [file] = cacheFiles(fctl.configDir);
      const cachePath = join(fctl.configDir, 'cache', file!);
      const good = readFileSync(cachePath, 'utf8');
      writeFileSync(cachePath, damage(good));
      const result = await fctl.run(['--debug', 'plugin', 'install', 'ledger', '--version', '3.2.0'], { timeoutMs: 60_000 });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).not.toContain('from the cache');
      expect(readFileSync(cachePath, 'utf8')).toBe(good);
      rmSync(fctl.configDir, { recursive: true, force: true });
    }, 120_000);
  }

  it('that cannot be written (a read-only configuration directory) costs only the parse', async () => {
    const fs = mountSmallFileSystem(256);
    try {
      const configDir = join(fs.dir, 'config');
      mkdirSync(configDir);
      fs.readOnly();
      const fctl = newFctl({ FCTL_REGISTRY: path, FCTL_CONFIG_DIR: configDir });
      const result = await fctl.run(['--debug', 'nosuch'], { timeoutMs: 60_000 });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain('cannot cache the parse');
      expect(result.stderr).toContain("unknown command 'nosuch'");
    } finally {
      fs.unmount();
    }
  }, 90_000);
});

describe('a hostile registry document (deep, aliased, several documents, huge keys)', () => {
  const deep = (n: number, open: string, close: string) => `${open.repeat(n)}1${close.repeat(n)}`;
  const laughs = [
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ...'bcdefghi'.split('').map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
    'plugins: { x: { repo: o/r, versions: *i } }',
  ].join('\n');
  // [what, file name, text, the message install must print]
  const documents: Array<[string, string, string, string]> = [
    ['YAML lists 1,500 deep', 'deep-1500.yaml', `plugins: ${deep(1_500, '[', ']')}`, 'nests mappings and lists more than 32 deep'],
    ['YAML mappings 100,000 deep', 'deep-100000.yaml', `plugins: ${deep(100_000, '{a: ', '}')}`, 'nests mappings and lists more than 32 deep'],
    ['YAML lists 1,000,000 deep', 'deep-1000000.yaml', `plugins: ${deep(1_000_000, '[', ']')}`, 'nests mappings and lists more than 32 deep'],
    ['YAML block lists 100,000 deep', 'block.yaml', `plugins:\n  ${'- '.repeat(100_000)}x`, 'nests mappings and lists more than 32 deep'],
    ['JSON objects 1,000,000 deep', 'deep.json', `{"plugins": {}, "junk": ${deep(1_000_000, '{"k":', '}')}}`, 'nests objects and lists more than 32 deep'],
    ['a billion laughs', 'laughs.yaml', laughs, 'uses YAML aliases (*name), which are not allowed'],
    ['a second document', 'two.yaml', 'plugins: {}\n---\nplugins:\n  x: {repo: e/r, versions: {}}\n', 'holds more than one YAML document (---)'],
    ['a YAML 1.1 tag', 'binary.yaml', 'plugins: !!binary aGVsbG8=\n', 'is not valid YAML or JSON (line 1, column 10): Unresolved tag: tag:yaml.org,2002:binary'],
    ['a 3 MB key', 'key.yaml', `plugins:\n  ${'k'.repeat(3_000_000)}: {}\n`, 'is not valid YAML or JSON'],
  ];
  for (const [what, file, text, message] of documents) {
    it(`${what}: install exits 1 naming the registry and the problem; a mistyped command still ends as unknown (no V8 abort)`, async () => {
      const path = join(work, `hostile-${file}`);
      writeFileSync(path, text);
      const fctl = newFctl({ FCTL_REGISTRY: path });
      const install = await fctl.run(['plugin', 'install', 'x'], { timeoutMs: 90_000 });
      expect({ code: install.code, signal: install.signal }, install.stderr).toEqual({ code: 1, signal: null });
      expect(install.stderr).toContain(`Error: the registry ${path} `);
      expect(install.stderr).toContain(message);
      expect(install.stderr).not.toMatch(/RangeError|Maximum call stack|Allocation failed|\n\s+at /);
      // An unknown command only asks the registry whether it lists the name: an unusable registry is
      // said under --debug, and the command ends as unknown (exit 2), never as a crash.
      const unknown = await fctl.run(['--debug', 'unknowncmd'], { timeoutMs: 90_000 });
      expect({ code: unknown.code, signal: unknown.signal }, unknown.stderr).toEqual({ code: 2, signal: null });
      expect(unknown.stderr).toContain("unknown command 'unknowncmd'");
      expect(unknown.stderr).toContain(`registry unavailable to look up "unknowncmd": the registry ${path} `);
      expect(unknown.stderr).toContain(message);
      rmSync(fctl.configDir, { recursive: true, force: true });
    }, 200_000);
  }
});
