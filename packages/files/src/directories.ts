// mkdir -p that reports the real cause: Node's recursive mkdir answers ENOENT when a missing
// ancestor cannot be created on a read-only file system, which would hide the EROFS.
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function ensureDirectory(directory: string): Promise<void> {
  try {
    await mkdir(directory, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    let missing = directory;
    while (dirname(missing) !== missing && !(await stat(dirname(missing)).catch(() => undefined))) missing = dirname(missing);
    await mkdir(missing); // throws the real cause
    throw error;
  }
}
