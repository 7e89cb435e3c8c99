// Verifying a release directory (or one downloaded file) the way an installer must: the signature
// of checksums.txt first (when a public key is known), then each file's sha256.
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChecksumError, parseChecksums, verifyFileChecksum } from './checksums.js';
import { CHECKSUMS_FILE, SIGNATURE_FILE } from './release-files.js';
import { verifyBlob } from './signing.js';

export class ReleaseVerificationError extends Error {
  override name = 'ReleaseVerificationError';
}

export async function verifyChecksumsSignature(checksumsText: string, signatureText: string | undefined, publicKeyPem: string): Promise<void> {
  if (signatureText === undefined) throw new ReleaseVerificationError(`${SIGNATURE_FILE} is missing, and the publisher signs its checksums`);
  if (!verifyBlob(Buffer.from(checksumsText), signatureText, publicKeyPem)) {
    throw new ReleaseVerificationError(`the signature of ${CHECKSUMS_FILE} does not verify with the publisher's public key`);
  }
}

/**
 * A release directory is untrusted: a listed name that is a symlink (to /etc/passwd, to a file
 * elsewhere with the right sha256) or a FIFO is refused, never followed or waited on.
 */
async function checkRegularFile(directory: string, name: string): Promise<void> {
  const info = await lstat(join(directory, name)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (info && !info.isFile()) throw new ReleaseVerificationError(`${name} in ${directory} is not a regular file (${info.isSymbolicLink() ? 'a symbolic link' : 'not a file'}): refused`);
}

/** The signature of `directory`/checksums.txt by the publisher's key; returns the checksums text. */
export async function verifyDirectorySignature(directory: string, publicKeyPem: string): Promise<string> {
  await checkRegularFile(directory, CHECKSUMS_FILE);
  await checkRegularFile(directory, SIGNATURE_FILE);
  const checksumsText = await readFile(join(directory, CHECKSUMS_FILE), 'utf8');
  const signature = await readFile(join(directory, SIGNATURE_FILE), 'utf8').catch(() => undefined);
  await verifyChecksumsSignature(checksumsText, signature, publicKeyPem);
  return checksumsText;
}

/** Verifies every file listed in `directory`/checksums.txt; returns the names checked. */
export async function verifyReleaseDirectory(directory: string, publicKeyPem?: string): Promise<string[]> {
  await checkRegularFile(directory, CHECKSUMS_FILE);
  const checksumsText = publicKeyPem ? await verifyDirectorySignature(directory, publicKeyPem) : await readFile(join(directory, CHECKSUMS_FILE), 'utf8');
  const asVerificationError = (error: unknown): never => {
    throw error instanceof ChecksumError ? new ReleaseVerificationError(error.message) : error;
  };
  let names: string[] = [];
  try {
    names = [...parseChecksums(checksumsText).keys()];
  } catch (error) {
    asVerificationError(error);
  }
  for (const name of names) await checkRegularFile(directory, name);
  for (const name of names) await verifyFileChecksum(checksumsText, join(directory, name), name).catch(asVerificationError);
  return names;
}
