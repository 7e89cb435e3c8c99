// Publishing a build directory: what is published (the files checksums.txt lists, the checksums and
// their signature), and the summary every backend returns. Publishing is idempotent: a file already
// there with the same bytes is skipped; one with other bytes is refused, never overwritten.
import { readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { CHECKSUMS_FILE, SIGNATURE_FILE } from './release-files.js';

export interface BuildRelease {
  dir: string;
  name: string;
  version: string;
  /** From the build's manifest.json, for registry entries and artifact annotations. */
  service?: string;
  compatibleWith?: string;
  files: Array<{ name: string; size: number; sha256: string }>;
}

export interface PublishStep {
  file: string;
  action: 'upload' | 'skip';
  bytes: number;
  /** Why it was skipped. */
  reason?: string;
}

export interface PublishSummary {
  backend: string;
  name: string;
  version: string;
  /** Where the release now lives (no credentials). */
  location: string;
  /** For the registry entry: the url template, OCI reference, or GitHub repository. */
  registry: Record<string, string>;
  dryRun: boolean;
  steps: PublishStep[];
  bytesUploaded: number;
}

/** Called just before each file is uploaded (never on a dry run), for progress on a terminal. */
export type OnUpload = (file: string, bytes: number) => void;

export class PublishError extends Error {
  override name = 'PublishError';
}

export async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Reads a build directory (as `fctl-kit build` writes it): its manifest, and the files to publish,
 * each hashed once and checked against checksums.txt (a build that does not match is refused).
 */
export async function readBuildRelease(dir: string): Promise<BuildRelease> {
  const manifestText = await readFile(join(dir, 'manifest.json'), 'utf8').catch(() => {
    throw new PublishError(`${dir} has no manifest.json: is it the output of fctl-kit build?`);
  });
  const manifest = JSON.parse(manifestText) as { name?: string; version?: string; service?: string; compatibleWith?: string };
  if (!manifest.name || !manifest.version || manifest.version === 'dev') throw new PublishError(`${dir}/manifest.json has no released name and version`);
  const checksums = await readFile(join(dir, CHECKSUMS_FILE), 'utf8').catch(() => {
    throw new PublishError(`${dir} has no ${CHECKSUMS_FILE}`);
  });
  const listed = checksums.split('\n').filter(Boolean).map((line) => {
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!match) throw new PublishError(`${dir}/${CHECKSUMS_FILE} has a line that is not "<sha256>  <file name>"`);
    return { name: match[2]!, expected: match[1]! };
  });
  const hasSignature = await stat(join(dir, SIGNATURE_FILE)).then(() => true, () => false);
  const all = [...listed, { name: CHECKSUMS_FILE }, ...(hasSignature ? [{ name: SIGNATURE_FILE }] : [])];
  const files = await Promise.all(
    all.map(async (file: { name: string; expected?: string }) => {
      const path = join(dir, file.name);
      const sha256 = await sha256Of(path);
      if (file.expected && sha256 !== file.expected) throw new PublishError(`${file.name} has sha256 ${sha256}, but checksums.txt says ${file.expected}`);
      return { name: file.name, size: (await stat(path)).size, sha256 };
    }),
  );
  return {
    dir,
    name: manifest.name,
    version: manifest.version,
    ...(manifest.service ? { service: manifest.service } : {}),
    ...(manifest.compatibleWith ? { compatibleWith: manifest.compatibleWith } : {}),
    files,
  };
}

/**
 * Order of publication: binaries and other files first, checksums.txt and its signature last, so
 * that a release whose checksums are visible is complete.
 */
export function publicationOrder(release: BuildRelease): BuildRelease['files'] {
  const last = [CHECKSUMS_FILE, SIGNATURE_FILE];
  return [...release.files.filter((f) => !last.includes(f.name)), ...release.files.filter((f) => last.includes(f.name))];
}
