// checksums.txt in the format `sha256sum -c` reads: "<hex>  <name>", one line per file, sorted.
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { sha256File } from './runtime-cache.js';

export function formatChecksums(entries: ReadonlyArray<{ name: string; sha256: string }>): string {
  return [...entries]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(({ name, sha256 }) => `${sha256}  ${name}\n`)
    .join('');
}

export class ChecksumError extends Error {}

export function parseChecksums(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const [index, line] of text.split('\n').entries()) {
    if (!line) continue;
    const match = /^([0-9a-f]{64}) [ *]([^/\\]+)$/.exec(line);
    if (!match) throw new ChecksumError(`checksums.txt line ${index + 1} is not "<sha256>  <file name>"`);
    if (entries.has(match[2]!)) throw new ChecksumError(`checksums.txt lists ${match[2]} twice`);
    entries.set(match[2]!, match[1]!);
  }
  return entries;
}

/** Checks `file` against checksums.txt text; throws ChecksumError naming the problem. */
export async function verifyFileChecksum(checksumsText: string, file: string, name = basename(file)): Promise<void> {
  const expected = parseChecksums(checksumsText).get(name);
  if (!expected) throw new ChecksumError(`checksums.txt has no entry for ${name}`);
  const actual = await sha256File(file);
  if (actual !== expected) throw new ChecksumError(`${name} has sha256 ${actual}, but checksums.txt says ${expected}`);
}

export async function checksumsOf(directory: string, names: readonly string[]): Promise<string> {
  const entries = await Promise.all(names.map(async (name) => ({ name, sha256: await sha256File(join(directory, name)) })));
  return formatChecksums(entries);
}

export const readText = (path: string) => readFile(path, 'utf8');
