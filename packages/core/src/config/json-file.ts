// JSON state files: read here, written by @fctl-kit/files (the one atomic write: temp file, fsync,
// rename, fsync of the directory; nothing left behind on failure).
import { readFile } from 'node:fs/promises';

export { writeJsonAtomic } from '@fctl-kit/files';

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
