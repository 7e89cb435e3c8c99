// Hand-made build directories (tests that write checksums.txt themselves, hostile ones included)
// need the artifacts.json `fctl-kit build` writes: this types each file checksums.txt lists, writes
// artifacts.json and lists it in checksums.txt, leaving every other line as it was (a hostile line
// stays hostile, at its place). Sign checksums.txt after calling it.
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACT_LIST_FORMAT, ARTIFACTS_FILE, formatArtifactList, type ArtifactEntry, type ArtifactKind } from '@fctl-kit/artifacts';

const LINE = /^([0-9a-f]{64}) [ *](.*)$/s;
const BINARY = /^fctl-plugin-[a-z0-9-]+-(linux|darwin|windows)-(amd64|arm64)(\.exe)?(\.xz)?$/;

function kindOf(name: string): ArtifactKind {
  if (BINARY.test(name)) return name.endsWith('.xz') ? 'compressed-binary' : 'binary';
  if (name === 'manifest.json') return 'manifest';
  if (name.endsWith('.map')) return 'source-map';
  if (name.endsWith('.yaml')) return 'scenarios';
  return 'bundle';
}

function entryFor(dir: string, name: string, sha256: string, kind: ArtifactKind): ArtifactEntry {
  const info = (() => {
    try {
      return lstatSync(join(dir, name));
    } catch {
      return undefined;
    }
  })();
  const size = info?.isFile() ? info.size : 0;
  const platform = BINARY.exec(name);
  const typed = platform ? { os: platform[1] as 'linux', arch: platform[2] as 'amd64' } : {};
  if (kind === 'compressed-binary') return { name, kind, ...typed, size, sha256, compression: 'xz', contains: name.slice(0, -'.xz'.length) };
  return { name, kind, ...typed, size, sha256 };
}

/**
 * Writes `dir`/artifacts.json for the manifest's name and version (or `identity`) and the files
 * checksums.txt lists (kinds guessed from names unless given), and adds artifacts.json to
 * checksums.txt. Returns the new checksums.txt text.
 */
export function writeArtifactList(dir: string, options: { kinds?: Record<string, ArtifactKind>; identity?: { name: string; version: string } } = {}): string {
  const manifest = (() => {
    try {
      return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { name?: unknown; version?: unknown };
    } catch {
      return {};
    }
  })();
  const name = options.identity?.name ?? (typeof manifest?.name === 'string' ? manifest.name : 'ledger');
  const version = options.identity?.version ?? (typeof manifest?.version === 'string' ? manifest.version : '3.2.0');
  const lines = readFileSync(join(dir, 'checksums.txt'), 'utf8').split('\n').filter((line) => line && !line.endsWith(`  ${ARTIFACTS_FILE}`));
  const artifacts = lines.flatMap((line) => {
    const match = LINE.exec(line);
    if (!match) return [];
    const [, sha256, file] = match as unknown as [string, string, string];
    return [entryFor(dir, file, sha256, options.kinds?.[file] ?? kindOf(file))];
  });
  const list = formatArtifactList({
    format: ARTIFACT_LIST_FORMAT,
    name,
    version,
    artifacts: [...artifacts, { name: ARTIFACTS_FILE, kind: 'artifact-list' }, { name: 'checksums.txt', kind: 'checksums' }],
  });
  writeFileSync(join(dir, ARTIFACTS_FILE), list);
  const checksums = [...lines, `${createHash('sha256').update(list).digest('hex')}  ${ARTIFACTS_FILE}`].map((line) => `${line}\n`).join('');
  writeFileSync(join(dir, 'checksums.txt'), checksums);
  return checksums;
}
