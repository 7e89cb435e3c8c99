// fctl plugin remove, and a version replaced by another build, drop the gone builds' manifest cache entries (help and completion must not
// describe a plugin that is gone), keeps other plugins' entries, and a damaged cache never makes it fail.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Manifest } from '@fctl-kit/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../src/cli/run.js';
import { ManifestCache } from '../src/store/manifest-cache.js';
import { PluginStore } from '../src/store/plugin-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function installedState() {
  const configDir = mkdtempSync(join(tmpdir(), 'plugin-remove-'));
  dirs.push(configDir);
  const plugins: Array<{ name: string; versions: Record<string, unknown> }> = [];
  const builds: Record<string, { path: string; sha256: string }> = {};
  for (const name of ['ledger', 'wallets']) {
    const directory = join(configDir, 'plugins', name, `1.0.0-${name.padEnd(12, '0').slice(0, 12)}`);
    mkdirSync(directory, { recursive: true });
    const path = join(directory, `fctl-plugin-${name}`);
    const content = `#!/bin/sh\necho ${name}\n`;
    writeFileSync(path, content, { mode: 0o755 });
    const sha256 = createHash('sha256').update(content).digest('hex');
    builds[name] = { path, sha256 };
    plugins.push({
      name,
      versions: { '1.0.0': { compatibleWith: '>=1.0.0', path, sha256, source: `path:${path}`, installedAt: '2026-12-01T00:00:00.000Z', service: name, description: name } },
    });
  }
  writeFileSync(join(configDir, 'plugins.json'), JSON.stringify({ plugins }));
  return { configDir, builds };
}

const manifestOf = (name: string): Manifest => ({ name, service: name, version: '1.0.0', protocolVersion: 1, description: name, commands: [{ use: 'list', short: 'List' }] }) as Manifest;

async function fctl(configDir: string, ...argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (chunk) => (err += chunk));
  stdout.resume();
  const env = { FCTL_CONFIG_DIR: configDir, PATH: process.env.PATH, HOME: configDir, FCTL_REGISTRY_REFRESH: 'never' };
  const code = await run(argv, { io: { stdout, stderr, stdin: new PassThrough(), env }, version: '1.0.0', interrupted: new AbortController().signal });
  return { code, stderr: err };
}

describe('fctl plugin remove and the manifest cache', () => {
  it('leaves no entry for the removed build, under any offered versions; other plugins keep theirs', async () => {
    const { configDir, builds } = installedState();
    for (const offered of [[1], [1, 2]]) {
      const cache = new ManifestCache(configDir, () => {}, offered);
      for (const name of ['ledger', 'wallets']) await cache.recordInstalled(builds[name]!.path, builds[name]!.sha256, 1, manifestOf(name));
    }
    const directory = new ManifestCache(configDir).directory;
    expect(readdirSync(directory).filter((n) => n.startsWith(builds.ledger!.sha256))).toHaveLength(2);

    const removed = await fctl(configDir, 'plugin', 'remove', 'ledger');
    expect(removed.stderr).toContain('Removed plugin "ledger"');
    expect(removed.code).toBe(0);

    expect(readdirSync(directory).filter((n) => n.startsWith(builds.ledger!.sha256))).toEqual([]);
    expect(existsSync(new ManifestCache(configDir).fileRecordPath(builds.ledger!.path))).toBe(false);
    expect(readdirSync(directory).filter((n) => n.startsWith(builds.wallets!.sha256))).toHaveLength(2);
    expect((await new ManifestCache(configDir, () => {}, [1]).lookup(builds.wallets!.path))?.cached?.manifest.name).toBe('wallets');
  });

  it('a hand-edited or corrupt cache does not make remove fail', async () => {
    const { configDir, builds } = installedState();
    const cache = new ManifestCache(configDir, () => {}, [1]);
    await cache.recordInstalled(builds.ledger!.path, builds.ledger!.sha256, 1, manifestOf('ledger'));
    writeFileSync(cache.entryPath(builds.ledger!.sha256), '{"format": 1, "manifest": ');
    writeFileSync(cache.fileRecordPath(builds.ledger!.path), '\u0000\u0001');
    mkdirSync(join(cache.directory, `${builds.ledger!.sha256}.p1-2.json`));
    const removed = await fctl(configDir, 'plugin', 'remove', 'ledger');
    expect(removed.code).toBe(0);
    expect(readdirSync(cache.directory).filter((n) => n.startsWith(builds.ledger!.sha256))).toEqual([]);
  });

  it('a cache that is a file, not a directory, does not make remove fail', async () => {
    const { configDir } = installedState();
    mkdirSync(join(configDir, 'cache'), { recursive: true });
    writeFileSync(join(configDir, 'cache', 'manifests'), 'not a directory');
    expect((await fctl(configDir, 'plugin', 'remove', 'ledger')).code).toBe(0);
  });
});

describe('replacing an installed version and the manifest cache', () => {
  function build(configDir: string, label: string) {
    const path = join(configDir, `build-${label}`, 'fctl-plugin-ledger');
    mkdirSync(join(configDir, `build-${label}`), { recursive: true });
    const content = `#!/bin/sh\necho ${label}\n`;
    writeFileSync(path, content, { mode: 0o755 });
    return { path, sha256: createHash('sha256').update(content).digest('hex') };
  }
  const entriesOf = (cache: ManifestCache, sha256: string) => (existsSync(cache.directory) ? readdirSync(cache.directory).filter((n) => n.startsWith(sha256)) : []);

  it('drops the replaced build entries and keeps the new one', async () => {
    const configDir = mkdtempSync(join(tmpdir(), 'plugin-replace-'));
    dirs.push(configDir);
    const store = new PluginStore(configDir);
    const cache = store.manifestCache();
    const [first, second] = [build(configDir, 'a'), build(configDir, 'b')];
    await store.link(first.path, manifestOf('ledger'), { compatibleWith: '>=1.0.0', protocolVersion: 1 });
    expect(entriesOf(cache, first.sha256)).toHaveLength(1);

    await store.link(second.path, manifestOf('ledger'), { compatibleWith: '>=1.0.0', protocolVersion: 1 });
    expect(entriesOf(cache, first.sha256)).toEqual([]);
    expect(existsSync(cache.fileRecordPath(first.path))).toBe(false);
    expect((await cache.lookup(second.path))?.cached?.manifest.name).toBe('ledger');
  });

  it('keeps the entries of bytes still installed as another version', async () => {
    const configDir = mkdtempSync(join(tmpdir(), 'plugin-replace-'));
    dirs.push(configDir);
    const store = new PluginStore(configDir);
    const cache = store.manifestCache();
    const [first, second] = [build(configDir, 'a'), build(configDir, 'b')];
    await store.link(first.path, { ...manifestOf('ledger'), version: '2.0.0' }, { compatibleWith: '>=2.0.0', protocolVersion: 1 });
    await store.link(first.path, manifestOf('ledger'), { compatibleWith: '>=1.0.0', protocolVersion: 1 });
    await store.link(second.path, manifestOf('ledger'), { compatibleWith: '>=1.0.0', protocolVersion: 1 });
    expect(entriesOf(cache, first.sha256)).toHaveLength(1);
    expect((await cache.lookup(first.path))?.cached).toBeDefined();
  });

  it('a new build at the same path drops the old bytes entries', async () => {
    const configDir = mkdtempSync(join(tmpdir(), 'plugin-replace-'));
    dirs.push(configDir);
    const store = new PluginStore(configDir);
    const cache = store.manifestCache();
    const first = build(configDir, 'a');
    await store.link(first.path, manifestOf('ledger'), { compatibleWith: '>=1.0.0', protocolVersion: 1 });
    writeFileSync(first.path, '#!/bin/sh\necho rebuilt\n');
    await store.link(first.path, manifestOf('ledger'), { compatibleWith: '>=1.0.0', protocolVersion: 1 });
    expect(entriesOf(cache, first.sha256)).toEqual([]);
    expect((await cache.lookup(first.path))?.cached?.manifest.name).toBe('ledger');
  });
});
