// The manifest cache as local state an attacker or an accident may change: whatever its files hold,
// a lookup answers a valid manifest of exactly the requested build or a miss, and never throws;
// writes that cannot happen cost nothing but a miss.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Manifest } from '@fctl-kit/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import { ManifestCache } from '../src/store/manifest-cache.js';
import { ServiceVersionMemory } from '../src/store/service-versions.js';

const manifest: Manifest = {
  name: 'ledger',
  service: 'ledger',
  version: '3.2.0',
  protocolVersion: 1,
  description: 'Ledger',
  commands: [{ use: 'transactions', short: 'Transactions', commands: [{ use: 'list', short: 'List' }] }],
} as Manifest;

let dir: string;
let plugin: string;
let cache: ManifestCache;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const debugLines: string[] = [];

/** A plugin file whose mtime lies well in the past, so that its record is not racily clean. */
function writePlugin(content: string): void {
  writeFileSync(plugin, content);
  const past = Math.floor(Date.now() / 1000) - 60; // whole seconds: set exactly, restorable exactly
  utimesSync(plugin, past, past);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'manifest-cache-'));
  plugin = join(dir, 'fctl-plugin-ledger');
  writePlugin('#!/bin/sh\necho plugin v1\n');
  debugLines.length = 0;
  cache = new ManifestCache(join(dir, 'config'), (line) => debugLines.push(line), [1]);
  return () => rmSync(dir, { recursive: true, force: true });
});

async function remembered(): Promise<string> {
  const looked = await cache.lookup(plugin);
  expect(looked?.cached).toBeUndefined();
  await cache.remember(looked!.file, 1, manifest);
  return looked!.file.sha256;
}

describe('ManifestCache', () => {
  it('answers the manifest a started plugin reported, for the same file, without hashing it again', async () => {
    const sha256 = await remembered();
    expect(sha256).toBe(sha(readFileSync(plugin, 'utf8')));
    const looked = await cache.lookup(plugin);
    expect(looked?.cached?.manifest).toEqual(manifest);
    expect(looked?.file.fromRecord).toBe(true);
  });

  it('a file that changed is hashed again and misses (a linked dev build re-read after a rebuild)', async () => {
    await remembered();
    writePlugin('#!/bin/sh\necho plugin v2, same length!!\n');
    const looked = await cache.lookup(plugin);
    expect(looked?.file.fromRecord).toBe(false);
    expect(looked?.cached).toBeUndefined();
  });

  it("a rebuild's lookup removes the previous build's entry, so that a dev loop's entries do not pile up", async () => {
    const first = await remembered();
    expect(existsSync(cache.entryPath(first))).toBe(true);
    writePlugin('#!/bin/sh\necho rebuilt\n');
    const looked = await cache.lookup(plugin);
    await cache.remember(looked!.file, 1, manifest);
    expect(existsSync(cache.entryPath(first))).toBe(false);
    expect(existsSync(cache.entryPath(looked!.file.sha256))).toBe(true);
  });

  it('a change that keeps size and mtime is still seen (ctime and inode are part of the identity)', async () => {
    await remembered();
    const before = readFileSync(plugin, 'utf8');
    const { mtimeNs, size } = statSync(plugin, { bigint: true });
    const after = before.replace('v1', 'v9');
    writeFileSync(plugin, after);
    const seconds = Number(mtimeNs / 1_000_000_000n);
    utimesSync(plugin, seconds, seconds); // the same mtime back; ctime moves on regardless
    expect(statSync(plugin, { bigint: true })).toMatchObject({ size, mtimeNs });
    const looked = await cache.lookup(plugin);
    expect(looked?.file.sha256).toBe(sha(after));
    expect(looked?.cached).toBeUndefined();
  });

  it('a record made within the racy window of the file mtime is not trusted: the file is hashed again', async () => {
    writeFileSync(plugin, 'fresh build'); // mtime now
    const first = await cache.lookup(plugin);
    await cache.remember(first!.file, 1, manifest);
    const second = await cache.lookup(plugin);
    expect(second?.file.fromRecord).toBe(false);
    expect(second?.cached?.manifest).toEqual(manifest); // same bytes: still a hit
  });

  it('an entry whose content names another build is a miss (copied or renamed over this one)', async () => {
    const sha256 = await remembered();
    const other = 'ab'.repeat(32);
    writeFileSync(cache.entryPath(other), readFileSync(cache.entryPath(sha256)));
    expect(await cache.read(other)).toBeUndefined();
    expect(debugLines.join('\n')).toContain('it is the entry of another build');
  });

  it('a file record pointing the path at another sha256 is not believed once the file is seen to differ', async () => {
    const sha256 = await remembered();
    const record = JSON.parse(readFileSync(cache.fileRecordPath(plugin), 'utf8'));
    writeFileSync(cache.fileRecordPath(plugin), JSON.stringify({ ...record, identity: { ...record.identity, size: '1' } }));
    const looked = await cache.lookup(plugin);
    expect(looked?.file.fromRecord).toBe(false);
    expect(looked?.file.sha256).toBe(sha256);
  });

  it('hand-edited, damaged or hostile entries are misses, never errors', async () => {
    const sha256 = await remembered();
    const path = cache.entryPath(sha256);
    const good = JSON.parse(readFileSync(path, 'utf8'));
    const hostile: unknown[] = [
      '',
      '{"format":1,',
      'null',
      '[]',
      JSON.stringify({ ...good, format: 2 }),
      JSON.stringify({ ...good, offered: [1, 2] }),
      JSON.stringify({ ...good, protocolVersion: 7 }),
      JSON.stringify({ ...good, manifest: { ...manifest, description: 'edited' } }), // digest no longer matches
      JSON.stringify({ ...good, manifest: { name: 'ledger' }, digest: sha(JSON.stringify({ name: 'ledger' })) }), // fails checkManifest
      JSON.stringify({ ...good, manifest: { ...manifest, commands: [{ use: 'help', short: 'x' }, { use: 'help', short: 'y' }] } }),
      `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
      `${JSON.stringify(good)}${' '.repeat(3 * 1024 * 1024)}`, // over the size bound
    ];
    for (const text of hostile) {
      writeFileSync(path, text as string);
      await expect(cache.read(sha256)).resolves.toBeUndefined();
      await expect(cache.lookup(plugin)).resolves.toMatchObject({ cached: undefined });
    }
    writeFileSync(path, JSON.stringify(good));
    expect((await cache.read(sha256))?.manifest).toEqual(manifest);
  });

  it('a cache directory that cannot be written costs a miss, not a failure', async () => {
    await mkdir(join(dir, 'config', 'cache'), { recursive: true });
    await writeFile(join(dir, 'config', 'cache', 'manifests'), 'not a directory'); // every write fails, as read-only would (tests run as root)
    const looked = await cache.lookup(plugin);
    await expect(cache.remember(looked!.file, 1, manifest)).resolves.toBeUndefined();
    await expect(cache.recordInstalled(plugin, looked!.file.sha256, 1, manifest)).resolves.toBeUndefined();
    expect((await cache.lookup(plugin))?.cached).toBeUndefined();
    expect(debugLines.some((line) => line.includes('not written'))).toBe(true);
  });

  it('other protocol offers keep their own entries (an older and a newer fctl sharing a config)', async () => {
    const sha256 = await remembered();
    const newer = new ManifestCache(join(dir, 'config'), () => {}, [1, 2]);
    expect(await newer.read(sha256)).toBeUndefined();
    await newer.recordInstalled(plugin, sha256, 2, { ...manifest, protocolVersion: 2 } as Manifest);
    expect((await newer.read(sha256))?.protocolVersion).toBe(2);
    expect((await cache.read(sha256))?.protocolVersion).toBe(1);
  });

  it('two writers at once leave one valid entry', async () => {
    const looked = await cache.lookup(plugin);
    const other = new ManifestCache(join(dir, 'config'), () => {}, [1]);
    await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? cache : other).remember(looked!.file, 1, manifest)));
    expect((await cache.read(looked!.file.sha256))?.manifest).toEqual(manifest);
  });

  it('a file that is gone is no lookup at all', async () => {
    rmSync(plugin);
    expect(await cache.lookup(plugin)).toBeUndefined();
  });
});

describe('ServiceVersionMemory', () => {
  it('remembers what each stack last reported, and forgets nothing else', async () => {
    const memory = new ServiceVersionMemory(join(dir, 'config'));
    expect(await memory.get('http://a', 'ledger')).toBeUndefined();
    await memory.set('http://a', 'ledger', '3.2.0');
    await memory.set('http://b', 'ledger', '2.8.0');
    await memory.set('http://a', 'payments', '1.0.0');
    expect(await memory.get('http://a', 'ledger')).toBe('3.2.0');
    expect(await memory.get('http://b', 'ledger')).toBe('2.8.0');
    expect(await memory.get('http://a', 'payments')).toBe('1.0.0');
    expect(await memory.get('http://a', 'constructor')).toBeUndefined();
  });

  it('a damaged or hostile file is no memory, and is replaced by the next answer', async () => {
    const memory = new ServiceVersionMemory(join(dir, 'config'));
    await mkdir(join(dir, 'config', 'cache'), { recursive: true });
    for (const text of ['{', 'null', '{"format":1,"stacks":{}}', JSON.stringify({ format: 1, stacks: [{ url: 'http://a', services: { ledger: 'latest', __proto__: '1.0.0' } }] }), 'x'.repeat(300 * 1024)]) {
      writeFileSync(memory.path, text);
      expect(await memory.get('http://a', 'ledger')).toBeUndefined();
    }
    await memory.set('http://a', 'ledger', '3.2.0');
    expect(await memory.get('http://a', 'ledger')).toBe('3.2.0');
  });
});

describe('ManifestCache.forget (fctl plugin remove)', () => {
  const other = () => join(dir, 'fctl-plugin-wallets');

  it('drops every entry of the removed build, whatever versions were offered, and its file record; other builds keep theirs', async () => {
    const removed = await remembered();
    const offeredBoth = new ManifestCache(join(dir, 'config'), () => {}, [1, 2]);
    await offeredBoth.recordInstalled(plugin, removed, 2, manifest);
    writeFileSync(other(), '#!/bin/sh\necho wallets\n');
    const kept = sha(readFileSync(other(), 'utf8'));
    await cache.recordInstalled(other(), kept, 1, { ...manifest, name: 'wallets', service: 'wallets' } as Manifest);
    expect(existsSync(offeredBoth.entryPath(removed))).toBe(true);

    await cache.forget([{ path: plugin, sha256: removed }]);

    const names = readdirSync(cache.directory);
    expect(names.filter((name) => name.startsWith(removed))).toEqual([]);
    expect(existsSync(cache.fileRecordPath(plugin))).toBe(false);
    expect(existsSync(cache.entryPath(kept))).toBe(true);
    expect(existsSync(cache.fileRecordPath(other()))).toBe(true);
    expect((await cache.lookup(other()))?.cached?.manifest.name).toBe('wallets');
  });

  it('keeps the entries of bytes still installed elsewhere', async () => {
    const sha256 = await remembered();
    await cache.forget([{ path: plugin, sha256 }], new Set([sha256]));
    expect(existsSync(cache.entryPath(sha256))).toBe(true);
    expect(existsSync(cache.fileRecordPath(plugin))).toBe(false);
  });

  it('never fails: a missing cache directory, hand-edited or corrupt entries, a directory where an entry was, a bogus sha256', async () => {
    await expect(cache.forget([{ path: plugin, sha256: sha('x') }])).resolves.toBeUndefined();
    const sha256 = await remembered();
    writeFileSync(cache.entryPath(sha256), '{not json');
    writeFileSync(cache.fileRecordPath(plugin), '\u0000garbage');
    writeFileSync(join(cache.directory, `${sha256}.p9.json`), '[]');
    mkdirSync(join(cache.directory, `${sha256}.p1-2.json`), { recursive: true });
    writeFileSync(join(cache.directory, `${sha('y')}.p1.json`), 'other build, also corrupt');
    await expect(cache.forget([{ path: plugin, sha256 }, { path: '/nowhere', sha256: '../../etc' }])).resolves.toBeUndefined();
    expect(readdirSync(cache.directory).filter((name) => name.startsWith(sha256))).toEqual([]);
    expect(existsSync(join(cache.directory, `${sha('y')}.p1.json`))).toBe(true);
  });
});
