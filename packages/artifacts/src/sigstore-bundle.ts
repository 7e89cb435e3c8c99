// checksums.txt.sigstore.json: the signature of checksums.txt as a Sigstore bundle (v0.3, the form
// cosign 3 verifies with `verify-blob --bundle --key`), beside the legacy checksums.txt.sig.
// Key-based and offline: the verification material is only a public-key hint, the content a
// message signature (SHA2_256 digest of checksums.txt + the same DER signature as the .sig); no
// certificate, no transparency-log entry, no timestamp. The reader accepts exactly that shape: a
// bundle claiming a log entry, a timestamp or a certificate is refused (fctl checks none of them, and
// a claim it does not check should not look checked), as is any field it does not know.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';

export const SIGSTORE_BUNDLE_FILE = 'checksums.txt.sigstore.json';
export const SIGSTORE_BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
/** The same media type as cosign's own key-based bundles spell it. */
const MEDIA_TYPE_V03_ALIAS = 'application/vnd.dev.sigstore.bundle+json;version=0.3';
/** Ours are ~400 bytes; anything near this is not a key-based message-signature bundle. */
export const MAX_SIGSTORE_BUNDLE_BYTES = 16 * 1024;

export class SigstoreBundleError extends Error {
  override name = 'SigstoreBundleError';
}

/**
 * The key hint: base64 of the SHA-256 of the public key's DER SubjectPublicKeyInfo (RFC 6962's key
 * id, as cosign writes it). Unauthenticated by design: it names a key, it never selects or vouches
 * for one; the key the verifier is given is what verifies.
 */
export function publicKeyHint(key: KeyObject | string): string {
  const publicKey = typeof key !== 'string' && key.type === 'public' ? key : createPublicKey(key);
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
}

/** The bundle's JSON text for a signature (base64 DER) of `data` by `key` (private or public). */
export function formatSigstoreBundle(data: Uint8Array, signatureBase64: string, key: KeyObject): string {
  const bundle = {
    mediaType: SIGSTORE_BUNDLE_MEDIA_TYPE,
    verificationMaterial: { publicKey: { hint: publicKeyHint(key) } },
    messageSignature: {
      messageDigest: { algorithm: 'SHA2_256', digest: createHash('sha256').update(data).digest('base64') },
      signature: signatureBase64.trim(),
    },
  };
  return `${JSON.stringify(bundle, null, 2)}\n`;
}

export interface SigstoreBundleContent {
  /** SHA-256 of the signed file, as the bundle states it. */
  digest: Buffer;
  /** The signature, base64 DER, as checksums.txt.sig would hold it. */
  signature: string;
  hint?: string;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Reads a bundle strictly: v0.3, a public-key hint, a SHA2_256 message signature, nothing else (an
 * empty tlogEntries list or timestampVerificationData, which protobuf writers may emit, is fine).
 * Errors name `source` and the offending field.
 */
export function parseSigstoreBundle(text: string, source: string = SIGSTORE_BUNDLE_FILE): SigstoreBundleContent {
  const fail = (why: string): never => {
    throw new SigstoreBundleError(`${source}: ${why}`);
  };
  if (Buffer.byteLength(text) > MAX_SIGSTORE_BUNDLE_BYTES) fail(`is larger than ${MAX_SIGSTORE_BUNDLE_BYTES} bytes: not a key-based Sigstore bundle`);
  let bundle: unknown;
  try {
    bundle = JSON.parse(text);
  } catch (error) {
    fail(`is not JSON (${(error as Error).message})`);
  }
  const only = (value: unknown, where: string, allowed: string[]): Json => {
    if (!isObject(value)) return fail(`${where} is not an object`);
    const unknown = Object.keys(value).find((key) => !allowed.includes(key));
    if (unknown !== undefined) fail(`${where === 'the bundle' ? 'the bundle has' : `${where} has`} the field ${JSON.stringify(unknown.slice(0, 64))}, which a key-based message-signature bundle does not carry: refused`);
    return value;
  };
  const base64 = (value: unknown, where: string): Buffer => {
    if (typeof value !== 'string' || !value || !STRICT_BASE64.test(value)) return fail(`${where} is not base64`);
    return Buffer.from(value, 'base64');
  };
  const top = only(bundle, 'the bundle', ['mediaType', 'verificationMaterial', 'messageSignature', 'dsseEnvelope']);
  const mediaType = top.mediaType;
  if (mediaType !== SIGSTORE_BUNDLE_MEDIA_TYPE && mediaType !== MEDIA_TYPE_V03_ALIAS) {
    fail(`mediaType is ${typeof mediaType === 'string' ? JSON.stringify(mediaType.slice(0, 100)) : 'missing'}; only a v0.3 bundle (${SIGSTORE_BUNDLE_MEDIA_TYPE}) is accepted`);
  }
  if (top.dsseEnvelope !== undefined) fail('holds a DSSE envelope; the signature of checksums.txt is a message signature');
  const material = only(top.verificationMaterial, 'verificationMaterial', ['publicKey', 'tlogEntries', 'timestampVerificationData', 'certificate', 'x509CertificateChain']);
  if (material.certificate !== undefined || material.x509CertificateChain !== undefined) fail("verificationMaterial holds a certificate; this release is verified with the publisher's public key only");
  if (material.tlogEntries !== undefined && !(Array.isArray(material.tlogEntries) && material.tlogEntries.length === 0)) {
    fail('verificationMaterial.tlogEntries claims transparency-log entries, which are not checked here: refused rather than ignored');
  }
  if (material.timestampVerificationData !== undefined) {
    const timestamps = only(material.timestampVerificationData, 'verificationMaterial.timestampVerificationData', ['rfc3161Timestamps']);
    if (timestamps.rfc3161Timestamps !== undefined && !(Array.isArray(timestamps.rfc3161Timestamps) && timestamps.rfc3161Timestamps.length === 0)) {
      fail('verificationMaterial.timestampVerificationData claims signed timestamps, which are not checked here: refused rather than ignored');
    }
  }
  const publicKey = only(material.publicKey, 'verificationMaterial.publicKey', ['hint']);
  if (publicKey.hint !== undefined && typeof publicKey.hint !== 'string') fail('verificationMaterial.publicKey.hint is not a string');
  const message = only(top.messageSignature, 'messageSignature', ['messageDigest', 'signature']);
  const digest = only(message.messageDigest, 'messageSignature.messageDigest', ['algorithm', 'digest']);
  if (digest.algorithm !== 'SHA2_256') fail(`messageSignature.messageDigest.algorithm is ${JSON.stringify(String(digest.algorithm).slice(0, 40))}, not SHA2_256`);
  const digestBytes = base64(digest.digest, 'messageSignature.messageDigest.digest');
  if (digestBytes.length !== 32) fail('messageSignature.messageDigest.digest is not a SHA-256 digest (32 bytes)');
  base64(message.signature, 'messageSignature.signature');
  return { digest: digestBytes, signature: message.signature as string, ...(publicKey.hint !== undefined ? { hint: publicKey.hint as string } : {}) };
}
