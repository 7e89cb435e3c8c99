// Verifying a release directory (or one downloaded file) the way an installer must: the signature
// of checksums.txt first (when a public key is known), then each file's sha256.
import { createHash } from 'node:crypto';
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Stats } from 'node:fs';
import { ChecksumError, parseChecksums, verifyFileChecksum } from './checksums.js';
import { CHECKSUMS_FILE, SIGNATURE_FILE } from './release-files.js';
import { loadPublicKey, verifyBlob } from './signing.js';
import { MAX_SIGSTORE_BUNDLE_BYTES, parseSigstoreBundle, publicKeyHint, SIGSTORE_BUNDLE_FILE } from './sigstore-bundle.js';

export class ReleaseVerificationError extends Error {
  override name = 'ReleaseVerificationError';
}

/** The texts of what signs checksums.txt, as far as they are there. */
export interface ChecksumsSignatures {
  /** checksums.txt.sig */
  signature?: string;
  /** checksums.txt.sigstore.json */
  bundle?: string;
}
export type SignatureFileName = typeof SIGNATURE_FILE | typeof SIGSTORE_BUNDLE_FILE;
/** checksums.txt.sig holds one base64 line; the bundle is bounded by its own limit. */
export const MAX_SIGNATURE_BYTES = 16 * 1024;

/** checksums.txt.sig only (cosign 2's form). */
export async function verifyChecksumsSignature(checksumsText: string, signatureText: string | undefined, publicKeyPem: string): Promise<void> {
  if (signatureText === undefined) throw new ReleaseVerificationError(`${SIGNATURE_FILE} is missing, and the publisher signs its checksums`);
  await verifySignedChecksums(checksumsText, { signature: signatureText }, publicKeyPem);
}

function verifyBundle(checksumsText: string, bundleText: string, publicKeyPem: string): void {
  let bundle;
  try {
    bundle = parseSigstoreBundle(bundleText);
  } catch (error) {
    throw new ReleaseVerificationError((error as Error).message);
  }
  const data = Buffer.from(checksumsText);
  const digest = createHash('sha256').update(data).digest();
  if (!bundle.digest.equals(digest)) {
    throw new ReleaseVerificationError(`${SIGSTORE_BUNDLE_FILE} signs a file with sha256 ${bundle.digest.toString('hex')}, not this ${CHECKSUMS_FILE} (sha256 ${digest.toString('hex')})`);
  }
  let expectedHint: string;
  try {
    expectedHint = publicKeyHint(loadPublicKey(publicKeyPem));
  } catch {
    throw new ReleaseVerificationError("the publisher's public key is not an ECDSA P-256 public key (PEM)");
  }
  // The hint is unauthenticated and never chooses the key; one naming another key means the release
  // was signed for someone else's key (or the publisher rotated keys), which deserves its own message.
  if (bundle.hint !== undefined && bundle.hint !== expectedHint) {
    throw new ReleaseVerificationError(`${SIGSTORE_BUNDLE_FILE} names the key ${JSON.stringify(bundle.hint.slice(0, 100))}, but the publisher's key is ${expectedHint}`);
  }
  if (!verifyBlob(data, bundle.signature, publicKeyPem)) {
    throw new ReleaseVerificationError(`the signature in ${SIGSTORE_BUNDLE_FILE} does not verify ${CHECKSUMS_FILE} with the publisher's public key`);
  }
}

/**
 * Verifies every form of the signature that is there (at least one must be): checksums.txt.sig and
 * checksums.txt.sigstore.json, each with the publisher's key. Returns the files verified.
 */
export async function verifySignedChecksums(checksumsText: string, signatures: ChecksumsSignatures, publicKeyPem: string): Promise<SignatureFileName[]> {
  const verified: SignatureFileName[] = [];
  if (signatures.signature !== undefined) {
    if (!verifyBlob(Buffer.from(checksumsText), signatures.signature, publicKeyPem)) {
      throw new ReleaseVerificationError(`the signature of ${CHECKSUMS_FILE} does not verify with the publisher's public key`);
    }
    verified.push(SIGNATURE_FILE);
  }
  if (signatures.bundle !== undefined) {
    verifyBundle(checksumsText, signatures.bundle, publicKeyPem);
    verified.push(SIGSTORE_BUNDLE_FILE);
  }
  if (!verified.length) throw new ReleaseVerificationError(`neither ${SIGNATURE_FILE} nor ${SIGSTORE_BUNDLE_FILE} is there, and the publisher signs its checksums`);
  return verified;
}

/**
 * A release directory is untrusted: a listed name that is a symlink (to /etc/passwd, to a file
 * elsewhere with the right sha256) or a FIFO is refused, never followed or waited on.
 */
async function checkRegularFile(directory: string, name: string): Promise<Stats | undefined> {
  const info = await lstat(join(directory, name)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (info && !info.isFile()) throw new ReleaseVerificationError(`${name} in ${directory} is not a regular file (${info.isSymbolicLink() ? 'a symbolic link' : 'not a file'}): refused`);
  return info;
}

async function readSignatureFile(directory: string, name: SignatureFileName): Promise<string | undefined> {
  const info = await checkRegularFile(directory, name);
  if (!info) return undefined;
  const limit = name === SIGNATURE_FILE ? MAX_SIGNATURE_BYTES : MAX_SIGSTORE_BUNDLE_BYTES;
  if (info.size > limit) throw new ReleaseVerificationError(`${join(directory, name)} is ${info.size} bytes, more than a signature file can be (${limit}): refused`);
  return readFile(join(directory, name), 'utf8');
}

/**
 * The signature of `directory`/checksums.txt by the publisher's key, in every form that is there
 * (checksums.txt.sig, checksums.txt.sigstore.json; at least one); returns the checksums text.
 */
export async function verifyDirectorySignature(directory: string, publicKeyPem: string): Promise<string> {
  await checkRegularFile(directory, CHECKSUMS_FILE);
  const signature = await readSignatureFile(directory, SIGNATURE_FILE);
  const bundle = await readSignatureFile(directory, SIGSTORE_BUNDLE_FILE);
  const checksumsText = await readFile(join(directory, CHECKSUMS_FILE), 'utf8');
  await verifySignedChecksums(checksumsText, { ...(signature !== undefined ? { signature } : {}), ...(bundle !== undefined ? { bundle } : {}) }, publicKeyPem);
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
