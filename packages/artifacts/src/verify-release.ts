// Verifying a release directory (or one downloaded file) the way an installer must: the signature
// of checksums.txt first (when a public key is known), then each file's sha256.
import { readFile } from 'node:fs/promises';
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

/** The signature of `directory`/checksums.txt by the publisher's key; returns the checksums text. */
export async function verifyDirectorySignature(directory: string, publicKeyPem: string): Promise<string> {
  const checksumsText = await readFile(join(directory, CHECKSUMS_FILE), 'utf8');
  const signature = await readFile(join(directory, SIGNATURE_FILE), 'utf8').catch(() => undefined);
  await verifyChecksumsSignature(checksumsText, signature, publicKeyPem);
  return checksumsText;
}

/** Verifies every file listed in `directory`/checksums.txt; returns the names checked. */
export async function verifyReleaseDirectory(directory: string, publicKeyPem?: string): Promise<string[]> {
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
  for (const name of names) await verifyFileChecksum(checksumsText, join(directory, name), name).catch(asVerificationError);
  return names;
}
