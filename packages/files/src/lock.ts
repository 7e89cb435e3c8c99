// One way to take a file lock across processes: proper-lockfile's lock directory (`<path>.lock`,
// kept fresh while held, taken over once stale), with our own waiting loop so that only contention
// is waited for. A directory that refuses writes fails at once, and a lock whose mtime lies in the
// future (a clock jump, a copied or hand-made lock) counts as stale instead of blocking every caller.
import { rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureDirectory } from './directories.js';
import { describeFsError, FileError, PERMISSION_CODES } from './errors.js';

export interface LockOptions {
  /** A lock not refreshed for this long belongs to a dead process and is taken over (ms, at least 2000). */
  staleMs?: number;
  /** How often the holder refreshes its lock (ms). */
  updateMs?: number;
  /** How long to wait for another holder before giving up (ms). */
  waitMs?: number;
}

const DEFAULTS = { staleMs: 10_000, updateMs: 2_000, waitMs: 120_000 } satisfies Required<LockOptions>;

/** Clock differences between processes on one machine are small; a lock further ahead than this was not made by a live holder. */
const FUTURE_TOLERANCE_MS = 5_000;

export const lockPathFor = (path: string) => `${path}.lock`;

/** Runs `work` holding the lock of `path` (the lock itself is `<path>.lock`; `path` need not exist). */
export async function withFileLock<T>(path: string, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const { staleMs, updateMs, waitMs } = { ...DEFAULTS, ...options };
  const lockPath = lockPathFor(path);
  const directory = dirname(lockPath);
  try {
    await ensureDirectory(directory);
  } catch (error) {
    throw new FileError(`cannot lock ${path}: ${describeFsError(error, directory)}`, error);
  }
  // Loaded when a lock is taken, not when a program that may lock starts.
  const { default: lockfile } = await import('proper-lockfile');
  let compromised: Error | undefined;
  const deadline = Date.now() + waitMs;
  let delay = 50;
  let release: () => Promise<void>;
  for (;;) {
    try {
      release = await lockfile.lock(path, {
        realpath: false,
        lockfilePath: lockPath,
        stale: staleMs,
        update: updateMs,
        retries: 0,
        onCompromised: (error) => {
          compromised = error;
        },
      });
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code && PERMISSION_CODES.has(code)) throw new FileError(`cannot lock ${path}: ${describeFsError(error, directory)}`, error);
      if ((code === 'ENOTDIR' || (code === 'ELOCKED' && (await isFromTheFuture(lockPath)))) && Date.now() < deadline) {
        // Not a lock any live holder keeps (those are directories refreshed with the current time).
        await removeUnlessRefreshed(lockPath).catch((removal: unknown) => {
          throw new FileError(`cannot lock ${path}: ${lockPath} is not a valid lock and cannot be removed: ${describeFsError(removal, directory)}`, removal);
        });
        continue;
      }
      if (code !== 'ELOCKED') throw new FileError(`cannot lock ${path}: ${describeFsError(error, directory)}`, error);
      if (Date.now() >= deadline) {
        throw new FileError(
          `cannot lock ${path}: another process has held ${lockPath} for over ${Math.round(waitMs / 1000)} s; if no fctl is running, delete ${lockPath}`,
          error,
        );
      }
      await sleep(delay);
      delay = Math.min(delay * 1.5, 500);
    }
  }
  try {
    const result = await work();
    if (compromised) throw new FileError(`the lock ${lockPath} was taken over while held (${compromised.message}); check the result`, compromised);
    return result;
  } finally {
    await release().catch(() => {});
  }
}

async function isFromTheFuture(lockPath: string): Promise<boolean> {
  const info = await stat(lockPath).catch(() => undefined);
  return info !== undefined && (!info.isDirectory() || info.mtimeMs > Date.now() + FUTURE_TOLERANCE_MS);
}

/** Checked again just before removal, so a lock a live process has just created in its place is left alone. */
async function removeUnlessRefreshed(lockPath: string): Promise<void> {
  if (await isFromTheFuture(lockPath)) await rm(lockPath, { recursive: true, force: true });
}
