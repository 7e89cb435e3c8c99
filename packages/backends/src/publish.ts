// Publishing a build directory: what is published (the files artifacts.json lists, each checked
// against checksums.txt, the checksums and their signatures), and the summary every backend returns.
// Publishing is idempotent: a file already there with the same bytes is skipped; one with other
// bytes is refused, never overwritten.
import { lstat, open, type FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { constants, createReadStream, openSync, type ReadStream } from 'node:fs';
import { join } from 'node:path';
import { pluginNameProblem, rangeProblem, releaseFileNameProblem, releaseVersionProblem, serviceNameProblem } from './release-names.js';
import {
  ARTIFACTS_FILE,
  ArtifactListError,
  CHECKSUMS_FILE,
  ChecksumError,
  MAX_ARTIFACT_LIST_BYTES,
  parseArtifactList,
  parseChecksums,
  SIGNATURE_FILE,
  SIGSTORE_BUNDLE_FILE,
  type ArtifactEntry,
  type ArtifactKind,
  type ArtifactList,
} from '@fctl-kit/artifacts';
import type { ReleaseArtifacts } from './distribution-backend.js';

type ReleaseFile = ReleaseArtifacts['files'][number];

/**
 * Where a server cannot create-if-absent (an OCI tag, a PUT server ignoring If-None-Match), a
 * publish that checked just before this one wrote writes just after: what was written is read back
 * once that write would have landed. Longer than a racing publish takes from its check to its write.
 */
export const RACE_SETTLE_MS = 1000;

/** Called just before each file is uploaded (never on a dry run), for progress on a terminal. */
export type OnUpload = (file: string, bytes: number) => void;

export class PublishError extends Error {
  override name = 'PublishError';
}

const MAX_MANIFEST_BYTES = 1024 * 1024;
export const MAX_CHECKSUMS_BYTES = 1024 * 1024;
const MAX_SIGNATURE_BYTES = 16 * 1024;

/**
 * Opens `name` in a build directory for reading: a regular file in it, never a symbolic link (which
 * would publish a file from elsewhere) nor a FIFO or device (which would hang or never end).
 */
export async function openBuildFile(dir: string, name: string): Promise<FileHandle> {
  const problem = releaseFileNameProblem(name);
  if (problem) throw new PublishError(`${dir}: ${problem}`);
  const path = join(dir, name);
  const handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ELOOP') throw new PublishError(`${path} is a symbolic link: the files of a build directory must be regular files in it`);
    if (error.code === 'ENOENT') throw new PublishError(`${path} does not exist`);
    throw new PublishError(`cannot read ${path}: ${error.message}`);
  });
  const info = await handle.stat();
  if (!info.isFile()) {
    await handle.close();
    throw new PublishError(`${path} is not a regular file`);
  }
  return handle;
}

/** Streams a file of the build for an upload, never through a symbolic link put there since it was checked. */
export function buildFileStream(release: ReleaseArtifacts, name: string): ReadStream {
  const path = join(release.dir, name);
  return createReadStream(path, { fd: openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0)) });
}

export async function readSmallBuildFile(dir: string, name: string, maxBytes: number): Promise<Buffer> {
  const handle = await openBuildFile(dir, name);
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw new PublishError(`${join(dir, name)} is ${size} bytes, over the limit of ${maxBytes}`);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

export async function hashBuildFile(dir: string, name: string): Promise<{ size: number; sha256: string }> {
  const handle = await openBuildFile(dir, name);
  try {
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of handle.createReadStream({ autoClose: false })) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    return { size, sha256: hash.digest('hex') };
  } finally {
    await handle.close();
  }
}

/** The bytes of one file of `release`, read again and checked against what readBuildRelease hashed. */
export async function readReleaseFile(release: ReleaseArtifacts, name: string): Promise<Buffer> {
  const file = release.files.find((f) => f.name === name);
  if (!file) throw new PublishError(`${name} is not a file of the build ${release.dir}`);
  const handle = await openBuildFile(release.dir, name);
  const bytes = await handle.readFile().finally(() => handle.close());
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== file.sha256) throw new PublishError(`${join(release.dir, name)} changed while publishing (sha256 ${sha256}, was ${file.sha256})`);
  return bytes;
}

/**
 * Everything a publisher writes is named from the release: its name, version and file names must
 * be what an installer accepts, checked before anything is uploaded by every backend.
 */
export function checkPublishable(release: Pick<ReleaseArtifacts, 'dir' | 'name' | 'version' | 'files'>): void {
  const problem =
    pluginNameProblem(release.name) ??
    releaseVersionProblem(release.version) ??
    release.files.map((file) => releaseFileNameProblem(file.name)).find(Boolean);
  if (problem) throw new PublishError(`the build ${release.dir} cannot be published: ${problem}`);
}

function parseManifest(dir: string, text: Buffer): { name?: unknown; version?: unknown; service?: unknown; compatibleWith?: unknown } {
  let manifest: unknown;
  try {
    manifest = JSON.parse(text.toString('utf8'));
  } catch (error) {
    throw new PublishError(`${join(dir, 'manifest.json')} is not JSON: ${(error as Error).message}`);
  }
  if (!manifest || typeof manifest !== 'object' || Array.isArray(manifest)) throw new PublishError(`${join(dir, 'manifest.json')} is not a JSON object`);
  return manifest as Record<string, unknown>;
}

/** checksums.txt and what signs it: published, never listed in checksums.txt, last. */
export const SIGNING_FILES: ReadonlyArray<{ name: string; kind: ArtifactKind; maxBytes: number }> = [
  { name: CHECKSUMS_FILE, kind: 'checksums', maxBytes: MAX_CHECKSUMS_BYTES },
  { name: SIGNATURE_FILE, kind: 'signature', maxBytes: MAX_SIGNATURE_BYTES },
  { name: SIGSTORE_BUNDLE_FILE, kind: 'sigstore-bundle', maxBytes: MAX_SIGNATURE_BYTES },
];

async function readArtifactList(dir: string): Promise<ArtifactList> {
  const text = await readSmallBuildFile(dir, ARTIFACTS_FILE, MAX_ARTIFACT_LIST_BYTES).catch((error: Error) => {
    if (/does not exist$/.test(error.message)) {
      throw new PublishError(`${dir} has no ${ARTIFACTS_FILE}, the typed list of the build's files: rebuild it with this fctl-kit (fctl-kit build writes it; an older one did not)`);
    }
    throw error;
  });
  try {
    return parseArtifactList(text, join(dir, ARTIFACTS_FILE));
  } catch (error) {
    throw error instanceof ArtifactListError ? new PublishError(error.message) : error;
  }
}

/**
 * The files artifacts.json and checksums.txt list must be the same, with the same sha256: every
 * hashed entry of one is in the other (artifacts.json itself, which cannot hash itself, only in
 * checksums.txt), and every file checksums.txt lists is typed by artifacts.json.
 */
function crossCheck(dir: string, list: ArtifactList, checksums: Map<string, string>): void {
  const where = join(dir, ARTIFACTS_FILE);
  for (const entry of list.artifacts) {
    const expected = checksums.get(entry.name);
    if (entry.sha256 === undefined) {
      if (entry.kind === 'artifact-list' && expected === undefined) throw new PublishError(`${join(dir, CHECKSUMS_FILE)} does not list ${ARTIFACTS_FILE}: nothing would sign the list of files`);
      continue;
    }
    if (expected === undefined) throw new PublishError(`${where} lists ${entry.name}, but ${CHECKSUMS_FILE} does not`);
    if (expected !== entry.sha256) throw new PublishError(`${where} gives ${entry.name} sha256 ${entry.sha256}, but ${CHECKSUMS_FILE} says ${expected}`);
  }
  const typed = new Set(list.artifacts.map((entry) => entry.name));
  for (const name of checksums.keys()) {
    if (!typed.has(name)) throw new PublishError(`${join(dir, CHECKSUMS_FILE)} lists ${name}, but ${where} does not (every published file is typed there)`);
  }
}

export function parseBuildChecksums(dir: string, text: string): Array<{ name: string; expected: string }> {
  let entries: Map<string, string>;
  try {
    entries = parseChecksums(text);
  } catch (error) {
    throw error instanceof ChecksumError ? new PublishError(`${dir}: ${error.message}`) : error;
  }
  return [...entries].map(([name, expected]) => {
    const problem = releaseFileNameProblem(name);
    if (problem) throw new PublishError(`${join(dir, CHECKSUMS_FILE)}: ${problem}`);
    if (SIGNING_FILES.some((file) => file.name === name)) throw new PublishError(`${join(dir, CHECKSUMS_FILE)} lists ${name}, which cannot be checksummed by itself`);
    return { name, expected };
  });
}

/**
 * Reads a build directory (as `fctl-kit build` writes it): its manifest, and the files to publish
 * as artifacts.json types them, each hashed once and checked against checksums.txt and artifacts.json
 * (a build that does not match is refused); checksums.txt and its signatures last.
 * Everything in it is untrusted: names, versions and file names are checked as an installer checks
 * them, and only regular files in the directory itself are read.
 */
export async function readBuildRelease(dir: string): Promise<ReleaseArtifacts> {
  const manifestText = await readSmallBuildFile(dir, 'manifest.json', MAX_MANIFEST_BYTES).catch((error: Error) => {
    if (/does not exist$/.test(error.message)) throw new PublishError(`${dir} has no manifest.json: is it the output of fctl-kit build?`);
    throw error;
  });
  const manifest = parseManifest(dir, manifestText);
  if (manifest.version === 'dev') throw new PublishError(`${join(dir, 'manifest.json')} has version "dev": a development build is not published`);
  const identity =
    pluginNameProblem(manifest.name) ??
    releaseVersionProblem(manifest.version) ??
    (manifest.service === undefined ? undefined : serviceNameProblem(manifest.service)) ??
    (manifest.compatibleWith === undefined ? undefined : rangeProblem(manifest.compatibleWith));
  if (identity) throw new PublishError(`${join(dir, 'manifest.json')}: ${identity}`);
  const checksums = await readSmallBuildFile(dir, CHECKSUMS_FILE, MAX_CHECKSUMS_BYTES).catch((error: Error) => {
    if (/does not exist$/.test(error.message)) throw new PublishError(`${dir} has no ${CHECKSUMS_FILE}`);
    throw error;
  });
  const listed = new Map(parseBuildChecksums(dir, checksums.toString('utf8')).map(({ name, expected }) => [name, expected]));
  const list = await readArtifactList(dir);
  if (list.name !== manifest.name || list.version !== manifest.version) {
    throw new PublishError(`${join(dir, ARTIFACTS_FILE)} is for ${list.name} ${list.version}, but manifest.json for ${String(manifest.name)} ${String(manifest.version)}`);
  }
  crossCheck(dir, list, listed);
  // The signatures that are there are published (a build may be signed after it was built); one
  // artifacts.json names must be there.
  const signing: ArtifactEntry[] = [];
  for (const file of SIGNING_FILES) {
    const present = file.name === CHECKSUMS_FILE || (await lstat(join(dir, file.name)).then(() => true, () => false));
    if (!present) {
      if (list.artifacts.some((entry) => entry.name === file.name)) throw new PublishError(`${join(dir, ARTIFACTS_FILE)} lists ${file.name}, but ${join(dir, file.name)} does not exist`);
      continue;
    }
    if (file.name !== CHECKSUMS_FILE) await readSmallBuildFile(dir, file.name, file.maxBytes);
    signing.push({ name: file.name, kind: file.kind });
  }
  const all = [...list.artifacts.filter((entry) => !SIGNING_FILES.some((file) => file.name === entry.name)), ...signing];
  const files = await Promise.all(
    all.map(async (entry): Promise<ReleaseFile> => {
      const { size, sha256 } = await hashBuildFile(dir, entry.name);
      const expected = listed.get(entry.name);
      if (expected && sha256 !== expected) throw new PublishError(`${entry.name} has sha256 ${sha256}, but checksums.txt says ${expected}`);
      if (entry.size !== undefined && size !== entry.size) throw new PublishError(`${join(dir, entry.name)} is ${size} bytes, but ${ARTIFACTS_FILE} says ${entry.size}`);
      return { ...entry, size, sha256 };
    }),
  );
  const release: ReleaseArtifacts = {
    dir,
    name: manifest.name as string,
    version: manifest.version as string,
    ...(manifest.service !== undefined ? { service: manifest.service as string } : {}),
    ...(manifest.compatibleWith !== undefined ? { compatibleWith: manifest.compatibleWith as string } : {}),
    files,
  };
  checkPublishable(release);
  return release;
}

/**
 * Order of publication: binaries and other files first, checksums.txt and its signature last, so
 * that a release whose checksums are visible is complete.
 */
export function publicationOrder(release: ReleaseArtifacts): ReleaseArtifacts['files'] {
  const last = (file: ReleaseFile) => SIGNING_FILES.some((signing) => signing.name === file.name);
  return [...release.files.filter((f) => !last(f)), ...SIGNING_FILES.flatMap((signing) => release.files.filter((f) => f.name === signing.name))];
}
