import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileError, writeFileAtomic, writeJsonAtomic } from '../src/index.js';
import { mountSmallFileSystem, type SmallFileSystem } from './mounts.js';

describe('writeFileAtomic on an ordinary directory', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'atomic-write-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the directory and a file readable only by its owner, with nothing else beside it', async () => {
    const path = join(dir, 'nested', 'state.json');
    await writeJsonAtomic(path, { a: 1 });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ a: 1 });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['state.json']);
  });

  it('leaves one complete version when many writers race, and no temporary file', async () => {
    const path = join(dir, 'race.txt');
    const texts = Array.from({ length: 30 }, (_, i) => `${String(i).repeat(5000)}\n`);
    await Promise.all(texts.map((text) => writeFileAtomic(path, text)));
    expect(texts).toContain(readFileSync(path, 'utf8'));
    expect(readdirSync(dir).filter((name) => name.startsWith('race'))).toEqual(['race.txt']);
  });

  it('removes the temporary files of writers killed long ago, and no others', async () => {
    const path = join(dir, 'killed.json');
    const old = new Date(Date.now() - 3600_000);
    const abandoned = [`killed.json.${'a1'.repeat(6)}.tmp`, 'killed.json.4242.tmp'];
    const kept = [`killed.json.${'b2'.repeat(6)}.tmp`, `other.json.${'c3'.repeat(6)}.tmp`, 'killed.json.notes.tmp'];
    for (const name of [...abandoned, ...kept]) writeFileSync(join(dir, name), 'partial');
    for (const name of [...abandoned, `other.json.${'c3'.repeat(6)}.tmp`, 'killed.json.notes.tmp']) utimesSync(join(dir, name), old, old);
    await writeJsonAtomic(path, { b: 2 });
    const names = readdirSync(dir);
    for (const name of abandoned) expect(names).not.toContain(name);
    for (const name of kept) expect(names).toContain(name); // fresh (a live writer's), another file's, or not ours
  });

  it('fails naming the file when its directory cannot be created, and leaves nothing', async () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'x');
    const error = await writeFileAtomic(join(blocker, 'state.json'), 'y').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileError);
    expect((error as Error).message).toContain(join(blocker, 'state.json'));
    expect(readFileSync(blocker, 'utf8')).toBe('x');
  });
});

describe('writeFileAtomic on a real full or read-only file system', () => {
  let fs: SmallFileSystem;
  let dir: string;
  const old = `${JSON.stringify({ profiles: { a: 'x'.repeat(100) } }, null, 2)}\n`;
  beforeAll(() => {
    fs = mountSmallFileSystem(256);
    dir = join(fs.dir, 'config');
    mkdirSync(dir);
  });
  afterAll(() => fs?.unmount());

  it('on ENOSPC keeps the previous file byte for byte and leaves no temporary file, even after a short write', async () => {
    const path = join(dir, 'config.json');
    await writeFileAtomic(path, old);
    fs.fill();
    try {
      // Larger than anything the full device could take, and also a short write if a few blocks were free.
      for (const size of [10, 64 * 1024, 1024 * 1024]) {
        const error = await writeFileAtomic(path, 'y'.repeat(size)).catch((e: unknown) => e);
        expect(error, `size ${size}`).toBeInstanceOf(FileError);
        expect((error as FileError).code).toBe('ENOSPC');
        expect((error as Error).message).toContain(`cannot write ${path}: no space left on the device (ENOSPC)`);
        expect(readFileSync(path, 'utf8')).toBe(old);
        expect(readdirSync(dir)).toEqual(['config.json']);
      }
    } finally {
      fs.unfill();
    }
  });

  it('on a nearly full device (the data fits only partly) still refuses rather than committing a truncated file', async () => {
    const path = join(dir, 'partial.json');
    await writeFileAtomic(path, old);
    fs.fill();
    fs.unfill();
    // Leave about 16 KiB free, then try to write 200 KiB.
    const filler = join(fs.dir, '.filler');
    const free = () => Number(execFileSync('df', ['--output=avail', '-k', fs.dir], { encoding: 'utf8' }).trim().split('\n')[1]);
    writeFileSync(filler, Buffer.alloc(Math.max(0, (free() - 16) * 1024), 1));
    try {
      const error = await writeFileAtomic(path, 'z'.repeat(200 * 1024)).catch((e: unknown) => e);
      expect((error as FileError).code).toBe('ENOSPC');
      expect(readFileSync(path, 'utf8')).toBe(old);
      expect(readdirSync(dir).sort()).toEqual(['config.json', 'partial.json']);
    } finally {
      fs.unfill();
    }
  });

  it('on a read-only file system says so, naming the directory, and changes nothing', async () => {
    const path = join(dir, 'config.json');
    fs.readOnly();
    try {
      const error = await writeFileAtomic(path, 'new').catch((e: unknown) => e);
      expect((error as FileError).code).toBe('EROFS');
      expect((error as Error).message).toContain(`the directory ${dir} is on a read-only file system (EROFS)`);
      expect(readFileSync(path, 'utf8')).toBe(old);
    } finally {
      fs.writable();
    }
  });
});
