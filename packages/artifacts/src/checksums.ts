// checksums.txt in the format `sha256sum -c` reads: "<hex>  <name>", one line per file, sorted.
// The text comes from a release directory or a download: untrusted until parsed here.
import { basename, join } from 'node:path';
import { CHECKSUMS_FILE, isReleaseFileName } from './release-files.js';
import { sha256File } from './sha256.js';

export class ChecksumError extends Error {
  override name = 'ChecksumError';
}

export function formatChecksums(entries: ReadonlyArray<{ name: string; sha256: string }>): string {
  return [...entries]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(({ name, sha256 }) => {
      if (!isReleaseFileName(name)) throw new ChecksumError(`${JSON.stringify(name)} cannot be listed in ${CHECKSUMS_FILE}: not a release file name`);
      if (!/^[0-9a-f]{64}$/.test(sha256)) throw new ChecksumError(`${JSON.stringify(sha256)} is not a sha256 (64 lowercase hex digits)`);
      return `${sha256}  ${name}\n`;
    })
    .join('');
}

/** The entries of checksums.txt text, file name to sha256; throws ChecksumError naming the line. */
export function parseChecksums(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const [index, line] of text.split('\n').entries()) {
    if (!line) continue;
    const match = /^([0-9a-f]{64}) [ *](.*)$/s.exec(line);
    if (!match) throw new ChecksumError(`${CHECKSUMS_FILE} line ${index + 1} is not "<sha256>  <file name>"`);
    const [, sha256, name] = match as unknown as [string, string, string];
    if (!isReleaseFileName(name)) {
      throw new ChecksumError(`${CHECKSUMS_FILE} line ${index + 1} names ${JSON.stringify(name)}, which is not a release file name (one file name of letters, digits, ".", "_", "+" and "-", starting with a letter or digit, no directories)`);
    }
    if (entries.has(name)) throw new ChecksumError(`${CHECKSUMS_FILE} lists ${name} twice`);
    entries.set(name, sha256);
  }
  return entries;
}

/** Checks `file` against checksums.txt text; throws ChecksumError naming the problem. */
export async function verifyFileChecksum(checksumsText: string, file: string, name = basename(file)): Promise<void> {
  const expected = parseChecksums(checksumsText).get(name);
  if (!expected) throw new ChecksumError(`${CHECKSUMS_FILE} has no entry for ${name}`);
  const actual = await sha256File(file);
  if (actual !== expected) throw new ChecksumError(`${name} has sha256 ${actual}, but ${CHECKSUMS_FILE} says ${expected}`);
}

/** checksums.txt text for the files `names` of `directory`. */
export async function checksumsOf(directory: string, names: readonly string[]): Promise<string> {
  const entries = await Promise.all(names.map(async (name) => ({ name, sha256: await sha256File(join(directory, name)) })));
  return formatChecksums(entries);
}
