// fctl-plugin.json through its generated validator: what a valid file gives, each kind of refusal with
// the file and the place, and hostile files (deep nesting, huge keys and strings, regular-expression
// syntax everywhere, fuzzed text) loaded in a row in a child process that must neither abort nor hang.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadInChild } from '../../../test/support/loader-in-child.js';
import { BACKEND_KINDS } from '@fctl-kit/backends';
import { goMainPackage, MAX_PLUGIN_CONFIG_BYTES, parsePluginConfig, pluginLanguage, readPluginConfig, VersionError } from '../src/plugin-config.js';

const base = { name: 'ledger', service: 'ledger', version: { source: 'git-tag' } };
const parse = (value: unknown) => parsePluginConfig(JSON.stringify(value), 'p/fctl-plugin.json');
const REGEX_SYNTAX = '(a+)+$[^\\]*(?<x>.)\\k<x>{1,}|.*?\\u{1F600}\\';

describe('fctl-plugin.json', () => {
  it('gives the file as written, with or without a release section', () => {
    expect(parse(base)).toEqual(base);
    const full = {
      $schema: '../../node_modules/@fctl-kit/plugin-config/schema/fctl-plugin.schema.json',
      ...base,
      version: { source: 'package-json', path: '../../package.json' },
      release: {
        backends: [
          { backend: 'url', to: '../../dist', publicBase: 'https://dl.example.com' },
          { backend: 'oci', to: 'registry.example.com/fctl/ledger' },
          { backend: 'private-releases', repo: 'acme/ledger', apiUrl: 'https://ghe.example.com/api/v3' },
        ],
        registry: { github: { repo: 'acme/registry', path: 'registry.yaml', base: 'main' } },
      },
    };
    expect(parse(full)).toEqual(full);
  });

  it('says the language (TypeScript by default) and, for Go, the main package (the plugin directory by default)', () => {
    expect(pluginLanguage(parse(base))).toBe('typescript');
    const go = parse({ ...base, language: 'go' });
    expect([pluginLanguage(go), goMainPackage(go)]).toEqual(['go', '.']);
    expect(goMainPackage(parse({ ...base, language: 'go', go: { main: './plugin' } }))).toBe('./plugin');
    expect(() => parse({ ...base, language: 'rust' })).toThrow(/language/);
    expect(() => parse({ ...base, language: 'go', go: { mian: '.' } })).toThrow('go has unknown setting "mian" (known: main)');
  });

  it.each([
    ['an unknown setting', { ...base, relase: {} }, 'has unknown setting "relase" (known: $schema, name, service, version, language, go, release)'],
    ['a misspelt nested setting', { ...base, release: { backends: [{ backend: 'url', to: 'x', publicbase: 'y' }] } }, 'release.backends[0] has unknown setting "publicbase" (known: backend, to, publicBase)'],
    ['a missing setting', { name: 'ledger', version: { source: 'git-tag' } }, 'service is missing'],
    ['a missing nested setting', { ...base, version: { source: 'file' } }, 'version.path is missing'],
    ['a wrong type', { ...base, release: { backends: 'url' } }, 'release.backends must be a list; got "url"'],
    ['a list for an object', { ...base, version: ['git-tag'] }, 'version must be an object; got a list'],
    ['an unknown version source', { ...base, version: { source: 'svn' } }, 'version.source must be one of git-tag, package-json, file; got "svn"'],
    ['an unknown backend', { ...base, release: { backends: [{ backend: 'oci', to: 'x' }, { backend: 'ftp' }] } }, `release.backends[1].backend must be one of ${BACKEND_KINDS.join(', ')}; got "ftp"`],
    ['a backend without its kind', { ...base, release: { backends: [{ to: 'x' }] } }, 'release.backends[0].backend is missing'],
    ['a setting of another backend', { ...base, release: { backends: [{ backend: 'oci', to: 'x', repo: 'a/b' }] } }, 'release.backends[0] has unknown setting "repo" (known: backend, to)'],
    ['no backend', { ...base, release: { backends: [] } }, 'release.backends must list at least 1 item'],
    ['a repository that is not owner/name', { ...base, release: { backends: [{ backend: 'github-releases', repo: 'ledger' }] } }, 'release.backends[0].repo must be owner/name; got "ledger"'],
    ['a blank path', { ...base, version: { source: 'file', path: '  ' } }, 'version.path must be a non-empty string; got "  "'],
    ['a name that is not a command', { ...base, name: 'Ledger' }, 'name must use a-z, 0-9 and "-" (at most 63 characters, not starting with "-"); got "Ledger"'],
    ['two registries', { ...base, release: { backends: [{ backend: 'oci', to: 'x' }], registry: { file: 'r.yaml', github: { repo: 'a/b', path: 'r.yaml' } } } }, 'release.registry must be { "file": "<path>" } or { "github": { "repo": "owner/name", "path": "<path>" } }'],
    ['an incomplete registry repository', { ...base, release: { backends: [{ backend: 'oci', to: 'x' }], registry: { github: { repo: 'a/b' } } } }, 'release.registry.github.path is missing'],
    ['a document that is not an object', [base], 'must be an object; got a list'],
    ['control characters in a key', { ...base, 'x\u001b]0;owned\u0007\u009b2J': 1 }, 'has unknown setting "x\\u001b]0;owned\\u0007\\u009b2J" (known: $schema, name, service, version, language, go, release)'],
  ])('refuses %s, naming the file and the place', (_what, value, problem) => {
    expect(() => parse(value)).toThrow(new VersionError(`p/fctl-plugin.json: ${problem}`));
  });

  it('shows a long value shortened, never whole', () => {
    const error = (() => {
      try {
        parse({ ...base, name: 'x'.repeat(100_000) });
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error?.message.length).toBeLessThan(300);
    expect(error?.message).toContain('p/fctl-plugin.json: name must use a-z');
  });

  it('refuses a file that is not JSON, a missing file, and one over the size limit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plugin-config-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    await expect(readPluginConfig(dir)).rejects.toThrow(`cannot read ${join(dir, 'fctl-plugin.json')}: ENOENT`);
    writeFileSync(join(dir, 'fctl-plugin.json'), '{"name": "ledger",');
    await expect(readPluginConfig(dir)).rejects.toThrow(`cannot read ${join(dir, 'fctl-plugin.json')}: `);
    writeFileSync(join(dir, 'fctl-plugin.json'), JSON.stringify({ ...base, pad: 'x'.repeat(MAX_PLUGIN_CONFIG_BYTES) }));
    await expect(readPluginConfig(dir)).rejects.toThrow(new RegExp(`^cannot read ${join(dir, 'fctl-plugin.json')}: it is \\d+ bytes, over the limit of ${MAX_PLUGIN_CONFIG_BYTES}$`));
  });
});

describe('hostile fctl-plugin.json files, loaded one after another in a child process', () => {
  it('each ends in the config or a clear error naming the file: no abort, no hang, no bare TypeError', { timeout: 300_000 }, async () => {
    const work = mkdtempSync(join(tmpdir(), 'plugin-config-attack-'));
    onTestFinished(() => rmSync(work, { recursive: true, force: true }));
    const deep = (n: number, open: string, close: string, inner = '1') => `${open.repeat(n)}${inner}${close.repeat(n)}`;
    const texts: string[] = [
      deep(100_000, '[', ']'),
      `{"name":"ledger","service":"ledger","version":{"source":"git-tag"},"release":${deep(100_000, '{"a":', '}')}}`,
      `{"name":"ledger","service":"ledger","version":${deep(100_000, '[', ']')}}`,
      deep(1_000_000, '[', ''),
      `{"${'k'.repeat(900_000)}":1}`,
      JSON.stringify({ ...base, name: 'x'.repeat(10 * 1024 * 1024) }),
      JSON.stringify({ ...base, release: { backends: Array.from({ length: 30_000 }, () => ({ backend: 'oci', to: 'x' })) } }),
      JSON.stringify({ ...base, __proto__: { polluted: true }, constructor: { prototype: { polluted: true } } }).replace('"name"', '"__proto__":{"polluted":true},"name"'),
      '\ufeff' + JSON.stringify(base),
      '\u0000\u0001\u00ff\ud800',
      '',
      'null',
      '1e999999',
      JSON.stringify({
        ...base,
        version: { source: 'file', path: REGEX_SYNTAX },
        release: {
          backends: [{ backend: 'url', to: REGEX_SYNTAX, publicBase: REGEX_SYNTAX }, { backend: 'oci', to: REGEX_SYNTAX }, { backend: 'github-releases', repo: 'a.b-c/d_e.f', apiUrl: REGEX_SYNTAX }],
          registry: { file: REGEX_SYNTAX },
        },
      }),
    ];
    const regexSyntaxIndex = texts.length - 1;
    const fuzz = fc.sample(
      fc.oneof(
        fc.string({ maxLength: 300 }),
        fc.json({ maxDepth: 6 }),
        fc.record({ name: fc.anything(), service: fc.anything(), version: fc.anything(), release: fc.anything() }, { requiredKeys: [] }).map((value) => JSON.stringify(value)),
        fc.anything({ maxDepth: 4 }).map((release) => JSON.stringify({ ...base, release })),
      ),
      { numRuns: 300, seed: 11 },
    );
    const dirs = [...texts, ...fuzz].map((text, index) => {
      const dir = join(work, String(index));
      mkdirSync(dir);
      writeFileSync(join(dir, 'fctl-plugin.json'), text ?? 'undefined');
      return dir;
    });
    const run = await loadInChild(join(import.meta.dirname, '..', 'src', 'plugin-config.ts'), 'readPluginConfig', dirs, work, 240_000);
    expect({ code: run.code, signal: run.signal }, run.stderr).toEqual({ code: 0, signal: null });
    expect(run.outcomes.map((outcome) => outcome.arg)).toEqual(dirs);
    for (const outcome of run.outcomes) {
      if (outcome.ok) continue;
      expect(outcome.error, outcome.message).toBe('VersionError');
      expect(outcome.message).toContain(join(outcome.arg, 'fctl-plugin.json'));
      expect(outcome.message.length).toBeLessThan(1000);
    }
    const deepOutcomes = run.outcomes.slice(0, 4);
    expect(deepOutcomes.every((outcome) => !outcome.ok)).toBe(true);
    const regex = run.outcomes[regexSyntaxIndex]!;
    expect(regex.ok, JSON.stringify(regex)).toBe(true);
    if (regex.ok) expect(JSON.parse(regex.value).release.registry.file).toBe(REGEX_SYNTAX);
  });
});
