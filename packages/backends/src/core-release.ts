// A release of fctl itself (packages/binaries' buildCore): fctl-OS-ARCH[.exe] per platform,
// checksums.txt listing them, and its signatures. It is published through the same backends as a
// plugin release, under the release name "fctl" (url: <to>/fctl/<version>/; oci: the tag is the
// version), and downloaded through the same sources (the registry's `cores` section).
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { CHECKSUMS_FILE, type Platform } from '@fctl-kit/artifacts';
import { publishWith, type PublishRun } from './backends.js';
import type { PublishConfig, PublishContext, ReleaseArtifacts } from './distribution-backend.js';
import { checkPublishable, hashBuildFile, MAX_CHECKSUMS_BYTES, parseBuildChecksums, PublishError, readSmallBuildFile, SIGNING_FILES } from './publish.js';
import { releaseVersionProblem } from './release-names.js';

/** The release name of fctl itself: where backends put it (a plugin cannot be named fctl: it is fctl's own command). */
export const CORE_RELEASE_NAME = 'fctl';

const CORE_BINARY = /^fctl-(linux|darwin|windows)-(amd64|arm64)(\.exe)?$/;

/** The platform of a core binary's file name, or undefined when it is not one. */
export function corePlatformOf(file: string): Platform | undefined {
  const match = CORE_BINARY.exec(file);
  if (!match || (match[1] === 'windows') !== Boolean(match[3])) return undefined;
  return { os: match[1] as Platform['os'], arch: match[2] as Platform['arch'] };
}

/** `fctl-linux-amd64`, `fctl-windows-amd64.exe`: a core release's binary for a platform. */
export const coreBinaryName = (platform: Platform): string => `fctl-${platform.os}-${platform.arch}${platform.os === 'windows' ? '.exe' : ''}`;

/**
 * Reads a core build directory: every file checksums.txt lists must be a core binary, hashed and
 * matching its line; then checksums.txt and the signatures that are there, last.
 */
export async function readCoreRelease(dir: string, version: string): Promise<ReleaseArtifacts> {
  const problem = releaseVersionProblem(version);
  if (problem) throw new PublishError(`the core release ${dir}: ${problem}`);
  const checksums = await readSmallBuildFile(dir, CHECKSUMS_FILE, MAX_CHECKSUMS_BYTES).catch((error: Error) => {
    if (/does not exist$/.test(error.message)) throw new PublishError(`${dir} has no ${CHECKSUMS_FILE}: is it the output of buildCore?`);
    throw error;
  });
  const listed = parseBuildChecksums(dir, checksums.toString('utf8'));
  if (!listed.length) throw new PublishError(`${join(dir, CHECKSUMS_FILE)} lists no binary`);
  const binaries = await Promise.all(
    listed.map(async ({ name, expected }) => {
      const platform = corePlatformOf(name);
      if (!platform) throw new PublishError(`${join(dir, CHECKSUMS_FILE)} lists ${name}, which is not a core binary (fctl-OS-ARCH[.exe])`);
      const { size, sha256 } = await hashBuildFile(dir, name);
      if (sha256 !== expected) throw new PublishError(`${name} has sha256 ${sha256}, but checksums.txt says ${expected}`);
      return { name, kind: 'binary' as const, ...platform, size, sha256 };
    }),
  );
  const signing = [];
  for (const file of SIGNING_FILES) {
    if (file.name !== CHECKSUMS_FILE && !(await lstat(join(dir, file.name)).then(() => true, () => false))) continue;
    if (file.name !== CHECKSUMS_FILE) await readSmallBuildFile(dir, file.name, file.maxBytes);
    signing.push({ name: file.name, kind: file.kind, ...(await hashBuildFile(dir, file.name)) });
  }
  const release: ReleaseArtifacts = { dir, name: CORE_RELEASE_NAME, version, files: [...binaries, ...signing] };
  checkPublishable(release);
  return release;
}

/** Publishes a core build to each backend in turn, as plugin releases are: the runs, with the registry source of each. */
export async function publishCoreRelease(dir: string, version: string, configs: readonly PublishConfig[], context: PublishContext, options: { dryRun?: boolean } = {}): Promise<PublishRun[]> {
  const release = await readCoreRelease(dir, version);
  const runs: PublishRun[] = [];
  for (const config of configs) runs.push(await publishWith(config, release, context, options));
  return runs;
}
