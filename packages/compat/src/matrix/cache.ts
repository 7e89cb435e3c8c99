// The cell cache: a content-addressed directory, one JSON file per key (<root>/<2 hex>/<key>.json),
// written atomically (@fctl-kit/files). Reading never trusts the file: not a regular file (a
// directory, a FIFO, a symbolic link), over the size limit, not JSON, nested too deep, another key
// or an outcome that does not check out is a miss, never a crash; a write that fails is reported,
// not thrown (the cell has run; only the next run pays).
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '@fctl-kit/files';
import { exceedsJsonDepth } from '@fctl-kit/protocol';
import { checkOutcome, type CellOutcome } from './results.js';
import { CacheKeyError } from './cache-key.js';

export const CACHE_ENTRY_FORMAT = 'fctl-kit-compat-cell/1';
export const MAX_CACHE_ENTRY_BYTES = 8 * 1024 * 1024;
const MAX_CACHE_ENTRY_DEPTH = 16;

export type CacheLookup = { hit: true; outcome: CellOutcome } | { hit: false; reason: 'absent' | 'not-a-file' | 'too-large' | 'corrupt' | 'unreadable' };

function checkKey(key: string): string {
  if (typeof key !== 'string' || !/^[0-9a-f]{64}$/.test(key)) throw new CacheKeyError('a cache key is 64 lower-case hex digits (cellCacheKey)');
  return key;
}

export class CellCache {
  constructor(readonly root: string) {}

  pathFor(key: string): string {
    checkKey(key);
    return join(this.root, key.slice(0, 2), `${key}.json`);
  }

  async get(key: string): Promise<CacheLookup> {
    const path = this.pathFor(key);
    let handle;
    try {
      // O_NONBLOCK: opening a FIFO planted at the path must not wait for a writer; O_NOFOLLOW: a
      // symbolic link is not followed out of the cache.
      handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return { hit: false, reason: code === 'ENOENT' || code === 'ENOTDIR' ? 'absent' : code === 'ELOOP' ? 'not-a-file' : 'unreadable' };
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) return { hit: false, reason: 'not-a-file' };
      if (info.size > MAX_CACHE_ENTRY_BYTES) return { hit: false, reason: 'too-large' };
      // The file may grow after the stat: read at most one byte more than the limit.
      const buffer = Buffer.alloc(Math.min(info.size, MAX_CACHE_ENTRY_BYTES) + 1);
      let length = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
        if (bytesRead === 0) break;
        length += bytesRead;
        if (length === buffer.length) break;
      }
      if (length > MAX_CACHE_ENTRY_BYTES || length === buffer.length) return { hit: false, reason: 'too-large' };
      return parseEntry(buffer.subarray(0, length), key);
    } catch {
      return { hit: false, reason: 'unreadable' };
    } finally {
      await handle.close().catch(() => {});
    }
  }

  async put(key: string, outcome: CellOutcome): Promise<{ stored: true } | { stored: false; problem: string }> {
    const path = this.pathFor(key);
    if (outcome.key !== key) return { stored: false, problem: `the outcome is of key ${String(outcome.key)}, not ${key}` };
    try {
      await writeJsonAtomic(path, { format: CACHE_ENTRY_FORMAT, key, outcome: checkOutcome(outcome, 'the outcome') }, { mode: 0o644 });
      return { stored: true };
    } catch (error) {
      return { stored: false, problem: (error as Error).message };
    }
  }
}

function parseEntry(bytes: Buffer, key: string): CacheLookup {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { hit: false, reason: 'corrupt' };
  }
  if (exceedsJsonDepth(value, MAX_CACHE_ENTRY_DEPTH)) return { hit: false, reason: 'corrupt' };
  const entry = value as { format?: unknown; key?: unknown; outcome?: unknown } | null;
  if (typeof entry !== 'object' || entry === null || entry.format !== CACHE_ENTRY_FORMAT || entry.key !== key) return { hit: false, reason: 'corrupt' };
  try {
    const outcome = checkOutcome(entry.outcome, 'the cached outcome');
    // An entry filed under this key must be the outcome of this key.
    if (outcome.key !== key) return { hit: false, reason: 'corrupt' };
    return { hit: true, outcome };
  } catch {
    return { hit: false, reason: 'corrupt' };
  }
}
