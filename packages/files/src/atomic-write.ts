// One way to replace a file: readers see the old content or the new, never half, and a failure at
// any step (a full disk, a read-only directory, a signal) leaves the old file as it was and no
// temporary file behind.
//
// Not write-file-atomic: it ignores the byte count of its single write(2), and on a nearly full disk
// write(2) returns short without an error, so a truncated file would be renamed over the old one.
// FileHandle.writeFile loops until every byte is written or a write fails.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { chmod, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ensureDirectory } from './directories.js';
import { describeFsError, FileError } from './errors.js';

export interface WriteOptions {
  /**
   * Permissions of the new file: default 0600 (state files may hold tokens); "preserve" keeps those
   * of the file it replaces (0644 for a new one), for files the user owns such as a registry document.
   */
  mode?: number | 'preserve';
}

async function modeFor(path: string, mode: WriteOptions['mode']): Promise<number> {
  if (mode !== 'preserve') return mode ?? 0o600;
  const existing = await stat(path).catch(() => undefined);
  return existing ? existing.mode & 0o7777 : 0o644;
}

/** Temporary files are named `<file>.<random>.tmp`, in the directory of the file (rename is atomic only within a file system). */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}

const pendingTemporaries = new Set<string>();
let exitHookInstalled = false;

/** A process that exits (normally or through process.exit in a signal handler) mid-write removes its temporary file. */
function removePendingOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const temporary of pendingTemporaries) {
      try {
        rmSync(temporary, { force: true });
      } catch {
        // best effort at exit
      }
    }
  });
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, options: WriteOptions = {}): Promise<void> {
  const directory = dirname(path);
  try {
    await ensureDirectory(directory);
  } catch (error) {
    throw new FileError(`cannot write ${path}: ${describeFsError(error, directory)}`, error);
  }
  const temporary = temporaryPathFor(path);
  removePendingOnExit();
  pendingTemporaries.add(temporary);
  let handle: FileHandle | undefined;
  try {
    const mode = await modeFor(path, options.mode);
    handle = await open(temporary, 'wx', mode);
    if (options.mode === 'preserve') await chmod(temporary, mode); // open's mode is masked by the umask
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temporary, path);
  } catch (error) {
    await handle?.close().catch(() => {});
    await rm(temporary, { force: true }).catch(() => {});
    throw new FileError(`cannot write ${path}: ${describeFsError(error, directory)}; the previous file is unchanged`, error);
  } finally {
    pendingTemporaries.delete(temporary);
  }
  await syncDirectory(directory);
  await removeAbandonedTemporaries(path);
}

/** A write takes milliseconds: a temporary file this old belongs to a writer that was killed (SIGKILL, power loss). */
const ABANDONED_AFTER_MS = 10 * 60_000;

/** Removes the temporary files that killed writers of `path` left; best effort. */
async function removeAbandonedTemporaries(path: string): Promise<void> {
  const directory = dirname(path);
  const prefix = `${basename(path)}.`;
  // <file>.<12 hex>.tmp from this module; <file>.<pid>.tmp from the writer fctl-kit had before it.
  const temporary = /^(?:[0-9a-f]{12}|\d+)\.tmp$/;
  for (const name of await readdir(directory).catch(() => [] as string[])) {
    if (!name.startsWith(prefix) || !temporary.test(name.slice(prefix.length))) continue;
    const info = await stat(join(directory, name)).catch(() => undefined);
    if (info?.isFile() && Date.now() - info.mtimeMs > ABANDONED_AFTER_MS) await rm(join(directory, name), { force: true }).catch(() => {});
  }
}

export async function writeJsonAtomic(path: string, value: unknown, options: WriteOptions = {}): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, options);
}

/**
 * Makes the rename itself durable: without it a power loss can bring back the old directory entry
 * (or none, for a new file) even though the file's data reached the disk.
 */
export async function syncDirectory(directory: string): Promise<void> {
  if (process.platform === 'win32') return; // directories cannot be opened for fsync there
  let handle: FileHandle | undefined;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a directory. The rename has happened: reporting a failure
    // now would claim the old content is still there.
  } finally {
    await handle?.close().catch(() => {});
  }
}
