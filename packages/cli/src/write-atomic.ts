// A file written beside and renamed over the old one: readers see the old text or the new, never half.
import { rename, writeFile } from 'node:fs/promises';

export async function writeAtomic(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}
