// The release section of fctl-plugin.json as `fctl-kit release` reads it: paths resolved from the
// plugin directory, refusals naming the file and the place, and hostile files loaded in a row in a
// child process that must neither abort nor hang.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { loadInChild } from '../../../test/support/loader-in-child.js';
import { BACKEND_KINDS } from '@fctl-kit/backends';
import { readReleaseConfig, ReleaseConfigError } from '../src/release-config.js';

const base = { name: 'ledger', service: 'ledger', version: { source: 'git-tag' } };

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function pluginDir(config: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'release-config-'));
  made.push(dir);
  writeFileSync(join(dir, 'fctl-plugin.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return dir;
}

describe('the release section', () => {
  it('resolves local paths from the plugin directory and keeps URLs, repositories and OCI references as written', async () => {
    const dir = pluginDir({
      ...base,
      release: {
        backends: [
          { backend: 'url', to: '../site', publicBase: 'https://dl.example.com' },
          { backend: 'url', to: 'HTTPS://upload.example.com/fctl' },
          { backend: 'oci', to: 'registry.example.com/fctl/ledger' },
          { backend: 'github-releases', repo: 'acme/ledger', apiUrl: 'https://ghe.example.com/api/v3' },
        ],
        registry: { file: 'registry.yaml' },
      },
    });
    expect(await readReleaseConfig(dir)).toEqual({
      backends: [
        { backend: 'url', to: join(dir, '..', 'site'), publicBase: 'https://dl.example.com' },
        { backend: 'url', to: 'HTTPS://upload.example.com/fctl' },
        { backend: 'oci', to: 'registry.example.com/fctl/ledger' },
        { backend: 'github-releases', repo: 'acme/ledger', apiUrl: 'https://ghe.example.com/api/v3' },
      ],
      registry: { file: join(dir, 'registry.yaml') },
    });
    const github = pluginDir({ ...base, release: { backends: [{ backend: 'oci', to: 'r/x' }], registry: { github: { repo: 'acme/registry', path: 'r.yaml' } } } });
    expect((await readReleaseConfig(github)).registry).toEqual({ github: { repo: 'acme/registry', path: 'r.yaml' } });
    expect(await readReleaseConfig(pluginDir({ ...base, release: { backends: [{ backend: 'oci', to: 'r/x' }] } }))).toEqual({ backends: [{ backend: 'oci', to: 'r/x' }] });
  });

  it('says how to write a missing section', async () => {
    const dir = pluginDir(base);
    await expect(readReleaseConfig(dir)).rejects.toThrow(new RegExp(`^${join(dir, 'fctl-plugin.json')} has no "release" section: name the backends`));
  });

  it.each([
    [{ backends: [{ backend: 'url', to: 'x', publicbase: 'y' }] }, 'release.backends[0] has unknown setting "publicbase" (known: backend, to, publicBase)'],
    [{ backends: [{ backend: 'ftp', to: 'x' }] }, `release.backends[0].backend must be one of ${BACKEND_KINDS.join(', ')}; got "ftp"`],
    [{ backends: [{ backend: 'url' }] }, 'release.backends[0].to is missing'],
    [{ backends: [{ backend: 'oci', to: 7 }] }, 'release.backends[0].to must be a non-empty string; got 7'],
    [{ backends: [] }, 'release.backends must list at least 1 item'],
    [{ backends: [{ backend: 'oci', to: 'x' }], registry: { file: 'a', github: { repo: 'a/b', path: 'p' } } }, 'release.registry must be { "file": "<path>" } or { "github": { "repo": "owner/name", "path": "<path>" } }'],
    [{ backends: [{ backend: 'oci', to: 'x' }], registry: { github: { repo: 'nope', path: 'p' } } }, 'release.registry.github.repo must be owner/name; got "nope"'],
    [[], 'release must be an object; got a list'],
  ])('refuses %j naming the file and the place', async (release, problem) => {
    const dir = pluginDir({ ...base, release });
    await expect(readReleaseConfig(dir)).rejects.toThrow(new ReleaseConfigError(`${join(dir, 'fctl-plugin.json')}: ${problem}`));
  });
});

describe('hostile release sections, loaded one after another in a child process', () => {
  it('each ends in a release configuration or a ReleaseConfigError naming the file', { timeout: 300_000 }, async () => {
    const work = mkdtempSync(join(tmpdir(), 'release-config-attack-'));
    onTestFinished(() => rmSync(work, { recursive: true, force: true }));
    const REGEX_SYNTAX = '(a+)+$[^\\]*(?<x>.)\\k<x>{1,}|.*?\\';
    const texts = [
      `{"name":"ledger","service":"ledger","version":{"source":"git-tag"},"release":{"backends":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`,
      `{"name":"ledger","service":"ledger","version":{"source":"git-tag"},"release":${'{"backends":'.repeat(100_000)}1${'}'.repeat(100_000)}}`,
      JSON.stringify({ ...base, release: { backends: [{ backend: 'url', to: 'x'.repeat(10 * 1024 * 1024) }] } }),
      JSON.stringify({ ...base, release: { backends: [{ backend: 'url', to: REGEX_SYNTAX, publicBase: REGEX_SYNTAX }], registry: { github: { repo: 'a.b/c-d', path: REGEX_SYNTAX, base: REGEX_SYNTAX, apiUrl: REGEX_SYNTAX } } } }),
      JSON.stringify({ ...base, release: { [`${'k'.repeat(500_000)}`]: 1 } }),
      ...fc.sample(
        fc.oneof(
          fc.anything({ maxDepth: 5 }).map((release) => JSON.stringify({ ...base, release })),
          fc.record({ backends: fc.array(fc.record({ backend: fc.constantFrom('url', 'oci', 'github-releases', 'private-releases', 'x'), to: fc.anything(), repo: fc.anything(), publicBase: fc.anything() }, { requiredKeys: [] })), registry: fc.anything() }, { requiredKeys: [] }).map((release) => JSON.stringify({ ...base, release })),
        ),
        { numRuns: 300, seed: 11 },
      ),
    ];
    const dirs = texts.map((text, index) => {
      const dir = join(work, String(index));
      mkdirSync(dir);
      writeFileSync(join(dir, 'fctl-plugin.json'), text ?? '');
      return dir;
    });
    const run = await loadInChild(join(import.meta.dirname, '..', 'src', 'release-config.ts'), 'readReleaseConfig', dirs, work, 240_000);
    expect({ code: run.code, signal: run.signal }, run.stderr).toEqual({ code: 0, signal: null });
    expect(run.outcomes.map((outcome) => outcome.arg)).toEqual(dirs);
    for (const outcome of run.outcomes) {
      if (outcome.ok) {
        expect(JSON.parse(outcome.value).backends.length).toBeGreaterThan(0);
        continue;
      }
      expect(outcome.error, outcome.message).toBe('ReleaseConfigError');
      expect(outcome.message).toContain(join(outcome.arg, 'fctl-plugin.json'));
      expect(outcome.message.length).toBeLessThan(1000);
    }
    expect(run.outcomes.slice(0, 3).every((outcome) => !outcome.ok)).toBe(true);
    const regex = run.outcomes[3]!;
    expect(regex.ok && JSON.parse(regex.value).registry.github.path, JSON.stringify(regex)).toBe(REGEX_SYNTAX);
  });
});
