// Detached signatures of checksums.txt: ECDSA P-256 over SHA-256, the signature DER-encoded and
// base64'd, the format `cosign sign-blob --key` produces and `cosign verify-blob --key` accepts;
// signChecksums also wraps it in a Sigstore bundle (sigstore-bundle.ts) for cosign 3's `--bundle`.
// Signing is deterministic (RFC 6979, by @noble/curves; OpenSSL through node:crypto draws a random
// nonce): the same checksums and key give the same signature, so a rebuild is byte-identical and a
// re-run release finds its signature already published instead of a different one.
import { createPrivateKey, createPublicKey, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { readFile } from 'node:fs/promises';
import { SIGNATURE_FILE } from './release-files.js';
import { formatSigstoreBundle, SIGSTORE_BUNDLE_FILE } from './sigstore-bundle.js';

export interface KeyPairPem {
  privateKey: string;
  publicKey: string;
}

export function generateSigningKey(): KeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

export class SigningKeyError extends Error {}

/** Loads a P-256 private key (PEM); the key text never appears in errors. */
export function loadPrivateKey(pem: string, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new SigningKeyError(`${source} does not hold a PEM private key`);
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new SigningKeyError(`${source} is not an ECDSA P-256 key`);
  }
  return key;
}

/** From FCTL_KIT_SIGNING_KEY (the PEM itself) or a file; undefined when neither is given. */
export async function signingKeyFrom(options: { file?: string; env?: NodeJS.ProcessEnv }): Promise<KeyObject | undefined> {
  if (options.file) return loadPrivateKey(await readFile(options.file, 'utf8'), options.file);
  const fromEnv = (options.env ?? process.env).FCTL_KIT_SIGNING_KEY;
  return fromEnv ? loadPrivateKey(fromEnv, 'FCTL_KIT_SIGNING_KEY') : undefined;
}

export function signBlob(data: Uint8Array, key: KeyObject): string {
  const secret = Buffer.from(key.export({ format: 'jwk' }).d!, 'base64url');
  return Buffer.from(p256.sign(data, secret, { prehash: true, lowS: false, format: 'der' })).toString('base64');
}

export interface SignatureFile {
  name: typeof SIGNATURE_FILE | typeof SIGSTORE_BUNDLE_FILE;
  contents: string;
}

/**
 * What signs a release's checksums.txt, both forms of one signature: checksums.txt.sig (base64 DER,
 * cosign 2's `--signature`) and checksums.txt.sigstore.json (a Sigstore bundle, cosign 3's `--bundle`).
 */
export function signChecksums(checksumsText: string | Uint8Array, key: KeyObject): SignatureFile[] {
  const data = typeof checksumsText === 'string' ? Buffer.from(checksumsText) : checksumsText;
  const signature = signBlob(data, key);
  return [
    { name: SIGNATURE_FILE, contents: `${signature}\n` },
    { name: SIGSTORE_BUNDLE_FILE, contents: formatSigstoreBundle(data, signature, key) },
  ];
}

export function loadPublicKey(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new SigningKeyError('not an ECDSA P-256 public key');
  return key;
}

/** True when `signatureBase64` is a valid signature of `data` by `publicKeyPem`. */
export function verifyBlob(data: Uint8Array, signatureBase64: string, publicKeyPem: string): boolean {
  const signature = Buffer.from(signatureBase64.trim(), 'base64');
  if (!signature.length) return false;
  try {
    return verify('sha256', data, { key: loadPublicKey(publicKeyPem), dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}
