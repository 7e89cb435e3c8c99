import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileError, withFileLock } from '../src/index.js';
import { mountSmallFileSystem, type SmallFileSystem } from './mounts.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'file-lock-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('withFileLock', () => {
  it('lets one holder in at a time', async () => {
    const path = join(dir, 'serial');
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        withFileLock(path, async () => {
          most = Math.max(most, ++inside);
          await sleep(20);
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
  }, 30_000);

  it('gives up after waitMs with a message naming the lock to delete', async () => {
    const path = join(dir, 'held');
    let release!: () => void;
    const holding = withFileLock(path, () => new Promise<void>((resolve) => (release = resolve)));
    await sleep(100);
    const error = await withFileLock(path, async () => 'never', { waitMs: 300 }).catch((e: unknown) => e);
    release();
    await holding;
    expect(error).toBeInstanceOf(FileError);
    expect((error as Error).message).toContain(`if no fctl is running, delete ${path}.lock`);
  }, 30_000);

  it('takes over a lock whose mtime lies in the future', async () => {
    const path = join(dir, 'future');
    mkdirSync(`${path}.lock`);
    const future = new Date(Date.now() + 24 * 3600_000);
    utimesSync(`${path}.lock`, future, future);
    expect(await withFileLock(path, async () => 'ran', { waitMs: 1_000 })).toBe('ran');
  });

  it('takes over a plain file where the lock directory belongs', async () => {
    const path = join(dir, 'plain');
    writeFileSync(`${path}.lock`, '');
    expect(await withFileLock(path, async () => 'ran', { waitMs: 1_000 })).toBe('ran');
  });

  it('takes over a stale lock (an old mtime: its holder died)', async () => {
    const path = join(dir, 'stale');
    mkdirSync(`${path}.lock`);
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${path}.lock`, old, old);
    expect(await withFileLock(path, async () => 'ran', { waitMs: 1_000 })).toBe('ran');
  });

  it('does not take over a fresh lock held by someone else', async () => {
    const path = join(dir, 'fresh');
    mkdirSync(`${path}.lock`);
    const error = await withFileLock(path, async () => 'ran', { waitMs: 500 }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('another process has held');
  });
});

describe('withFileLock on a read-only file system', () => {
  let fs: SmallFileSystem;
  beforeAll(() => {
    fs = mountSmallFileSystem(64);
    mkdirSync(join(fs.dir, 'config', 'plugins', '.locks'), { recursive: true });
    fs.readOnly();
  });
  afterAll(() => fs?.unmount());

  it('fails at once (no waiting as for contention), naming the directory', async () => {
    // waitMs far beyond the test timeout: only failing fast can pass.
    const path = join(fs.dir, 'config', 'plugins', '.locks', 'ledger');
    const error = await withFileLock(path, async () => 'ran', { waitMs: 600_000 }).catch((e: unknown) => e);
    expect((error as FileError).code).toBe('EROFS');
    expect((error as Error).message).toBe(`cannot lock ${path}: the directory ${join(fs.dir, 'config', 'plugins', '.locks')} is on a read-only file system (EROFS)`);
  });

  it('fails at once when the lock directory itself would have to be created', async () => {
    const path = join(fs.dir, 'config', 'missing', 'x');
    const error = await withFileLock(path, async () => 'ran', { waitMs: 600_000 }).catch((e: unknown) => e);
    expect((error as FileError).code).toBe('EROFS');
    expect((error as Error).message).toContain(`cannot lock ${path}`);
  });
});
