// JSON state files: read here, written by @fctl-kit/files (the one atomic write: temp file, fsync,
// rename, fsync of the directory; nothing left behind on failure).
import { readFile } from 'node:fs/promises';
import { withFileLock, writeJsonAtomic } from '@fctl-kit/files';

export { writeJsonAtomic };

/** Read, change, write under the file's lock: two fctl processes changing one file both keep their change. */
export function updateJsonFile<T>(path: string, fallback: T, check: (value: unknown) => T, change: (value: T) => void): Promise<T> {
  return withFileLock(path, async () => {
    const value = await readJsonFile(path, fallback, check);
    change(value);
    await writeJsonAtomic(path, value);
    return value;
  });
}

export async function readJsonFile<T>(path: string, fallback: T, check: (value: unknown) => T): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not valid JSON (${(error as Error).message}); fix or remove it`);
  }
  return check(value);
}
