// checksums.txt.sigstore.json as an attacker would hand it over: a bundle for another checksums.txt,
// re-signed by another key (with its own hint or with the publisher's), an older or unknown bundle
// version, claims of transparency-log entries, timestamps or certificates nothing here checks,
// oversized or deeply nested JSON, fields nobody asked for. Each is refused with an error naming
// the file and the field; the bundle the build writes verifies (and openssl agrees on its key id).
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  formatChecksums,
  generateSigningKey,
  loadPrivateKey,
  MAX_SIGSTORE_BUNDLE_BYTES,
  parseSigstoreBundle,
  publicKeyHint,
  ReleaseVerificationError,
  signBlob,
  signChecksums,
  SIGSTORE_BUNDLE_MEDIA_TYPE,
  SigstoreBundleError,
  verifyBlob,
  verifyDirectorySignature,
  verifyReleaseDirectory,
  verifySignedChecksums,
} from '../src/index.js';

const publisher = generateSigningKey();
const publisherKey = loadPrivateKey(publisher.privateKey, 'publisher');
const other = generateSigningKey();
const otherKey = loadPrivateKey(other.privateKey, 'other');
const checksums = formatChecksums([{ name: 'fctl-plugin-ledger-linux-amd64', sha256: 'a'.repeat(64) }]);
const forged = formatChecksums([{ name: 'fctl-plugin-ledger-linux-amd64', sha256: 'b'.repeat(64) }]);

type Json = Record<string, any>;
const files = (text: string, key = publisherKey) => Object.fromEntries(signChecksums(text, key).map((file) => [file.name, file.contents]));
const bundleOf = (text: string, key = publisherKey): Json => JSON.parse(files(text, key)['checksums.txt.sigstore.json']!);
const edited = (change: (bundle: Json) => void, text = checksums): string => {
  const bundle = bundleOf(text);
  change(bundle);
  return JSON.stringify(bundle);
};
const verifyBundle = (bundle: string, text = checksums, key = publisher.publicKey) => verifySignedChecksums(text, { bundle }, key);

describe('signChecksums: both forms of one signature', () => {
  it('writes checksums.txt.sig and a v0.3 bundle with a key hint and a message signature over checksums.txt', () => {
    const written = signChecksums(checksums, publisherKey);
    expect(written.map((file) => file.name)).toEqual(['checksums.txt.sig', 'checksums.txt.sigstore.json']);
    const signature = written[0]!.contents;
    expect(signature).toBe(`${signBlob(Buffer.from(checksums), publisherKey)}\n`);
    expect(verifyBlob(Buffer.from(checksums), signature, publisher.publicKey)).toBe(true);
    const bundle = JSON.parse(written[1]!.contents);
    expect(bundle).toEqual({
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { publicKey: { hint: publicKeyHint(publisher.publicKey) } },
      messageSignature: {
        messageDigest: { algorithm: 'SHA2_256', digest: execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: checksums }).toString('base64') },
        signature: signature.trim(),
      },
    });
    expect(SIGSTORE_BUNDLE_MEDIA_TYPE).toBe(bundle.mediaType);
    // Deterministic, like the .sig: a rebuild writes the same bytes.
    expect(signChecksums(checksums, publisherKey)).toEqual(written);
  });

  it("hints the key by RFC 6962's key id: base64 SHA-256 of the public key's DER SubjectPublicKeyInfo (as openssl computes it)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'hint-'));
    writeFileSync(join(dir, 'key.pub'), publisher.publicKey);
    const der = execFileSync('openssl', ['pkey', '-pubin', '-in', join(dir, 'key.pub'), '-outform', 'DER']);
    const keyId = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der }).toString('base64');
    expect(publicKeyHint(publisher.publicKey)).toBe(keyId);
    expect(publicKeyHint(publisherKey)).toBe(keyId);
    expect(publicKeyHint(other.publicKey)).not.toBe(keyId);
  }, 30_000);
});

describe('verifySignedChecksums: either form, each checked against the publisher key', () => {
  it('accepts the bundle alone, the .sig alone, or both, and says which were verified', async () => {
    const signed = files(checksums);
    await expect(verifyBundle(signed['checksums.txt.sigstore.json']!)).resolves.toEqual(['checksums.txt.sigstore.json']);
    await expect(verifySignedChecksums(checksums, { signature: signed['checksums.txt.sig']! }, publisher.publicKey)).resolves.toEqual(['checksums.txt.sig']);
    await expect(verifySignedChecksums(checksums, { signature: signed['checksums.txt.sig']!, bundle: signed['checksums.txt.sigstore.json']! }, publisher.publicKey)).resolves.toEqual([
      'checksums.txt.sig',
      'checksums.txt.sigstore.json',
    ]);
    await expect(verifySignedChecksums(checksums, {}, publisher.publicKey)).rejects.toThrow('neither checksums.txt.sig nor checksums.txt.sigstore.json is there');
  });

  it('refuses a bundle for another checksums.txt (its digest names other bytes)', async () => {
    const error = await verifyBundle(files(checksums)['checksums.txt.sigstore.json']!, forged).catch((e: Error) => e);
    expect(error).toBeInstanceOf(ReleaseVerificationError);
    expect((error as Error).message).toMatch(/^checksums\.txt\.sigstore\.json signs a file with sha256 [0-9a-f]{64}, not this checksums\.txt \(sha256 [0-9a-f]{64}\)$/);
  });

  it('refuses a bundle whose digest was changed to the forged checksums.txt but whose signature was not', async () => {
    const digest = bundleOf(forged).messageSignature.messageDigest.digest;
    await expect(verifyBundle(edited((b) => (b.messageSignature.messageDigest.digest = digest)), forged)).rejects.toThrow(
      "the signature in checksums.txt.sigstore.json does not verify checksums.txt with the publisher's public key",
    );
  });

  it('refuses a forgery re-signed by another key, whether its hint names that key or the publisher', async () => {
    const byOther = bundleOf(forged, otherKey);
    await expect(verifyBundle(JSON.stringify(byOther), forged)).rejects.toThrow(
      `checksums.txt.sigstore.json names the key "${publicKeyHint(other.publicKey)}", but the publisher's key is ${publicKeyHint(publisher.publicKey)}`,
    );
    byOther.verificationMaterial.publicKey.hint = publicKeyHint(publisher.publicKey);
    await expect(verifyBundle(JSON.stringify(byOther), forged)).rejects.toThrow("the signature in checksums.txt.sigstore.json does not verify checksums.txt with the publisher's public key");
  });

  it('never lets the hint choose the key: a valid signature with a hint naming another key is refused, and one without a hint verifies with the key given', async () => {
    await expect(verifyBundle(edited((b) => (b.verificationMaterial.publicKey.hint = publicKeyHint(other.publicKey))))).rejects.toThrow('names the key');
    await expect(verifyBundle(edited((b) => (b.verificationMaterial.publicKey.hint = 'trust-me')))).rejects.toThrow('names the key "trust-me"');
    await expect(verifyBundle(edited((b) => (b.verificationMaterial.publicKey = {})))).resolves.toEqual(['checksums.txt.sigstore.json']);
    await expect(verifyBundle(edited((b) => (b.verificationMaterial.publicKey = {})), checksums, other.publicKey)).rejects.toThrow('does not verify');
  });

  it('refuses a valid .sig paired with a bad bundle (every form present must verify)', async () => {
    const signed = files(checksums);
    await expect(
      verifySignedChecksums(checksums, { signature: signed['checksums.txt.sig']!, bundle: edited((b) => (b.messageSignature.signature = signBlob(Buffer.from(forged), publisherKey))) }, publisher.publicKey),
    ).rejects.toThrow('the signature in checksums.txt.sigstore.json does not verify');
  });

  it('refuses a key that is not P-256, even for a bundle that key signed and hinted', async () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const p384Pem = p384.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const bundle = edited((b) => {
      b.verificationMaterial.publicKey.hint = publicKeyHint(p384Pem);
      b.messageSignature.signature = sign('sha256', Buffer.from(checksums), { key: p384.privateKey, dsaEncoding: 'der' }).toString('base64');
    });
    await expect(verifyBundle(bundle, checksums, p384Pem)).rejects.toThrow("the publisher's public key is not an ECDSA P-256 public key (PEM)");
  });
});

describe('parseSigstoreBundle: exactly a key-based v0.3 message-signature bundle', () => {
  const refuses = (text: string, message: string | RegExp) => {
    const error = (() => {
      try {
        parseSigstoreBundle(text);
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(SigstoreBundleError);
    expect(error!.message.startsWith('checksums.txt.sigstore.json: ')).toBe(true);
    if (typeof message === 'string') expect(error!.message).toContain(message);
    else expect(error!.message).toMatch(message);
  };

  it('refuses v0.1 and v0.2 bundles and unknown media types', () => {
    for (const mediaType of ['application/vnd.dev.sigstore.bundle+json;version=0.1', 'application/vnd.dev.sigstore.bundle+json;version=0.2', 'application/vnd.dev.sigstore.bundle.v0.4+json', ' application/vnd.dev.sigstore.bundle.v0.3+json', 42]) {
      refuses(edited((b) => (b.mediaType = mediaType)), 'only a v0.3 bundle (application/vnd.dev.sigstore.bundle.v0.3+json) is accepted');
    }
    refuses(edited((b) => delete b.mediaType), 'mediaType is missing');
    // cosign's own spelling of v0.3 is the same version.
    expect(parseSigstoreBundle(edited((b) => (b.mediaType = 'application/vnd.dev.sigstore.bundle+json;version=0.3'))).signature).toBe(bundleOf(checksums).messageSignature.signature);
  });

  it('refuses what is not JSON, or not an object, or lacks the signature', () => {
    refuses('', 'is not JSON');
    refuses('{"mediaType": ', 'is not JSON');
    refuses('null', 'the bundle is not an object');
    refuses('[]', 'the bundle is not an object');
    refuses(edited((b) => delete b.messageSignature), 'messageSignature is not an object');
    refuses(edited((b) => delete b.verificationMaterial), 'verificationMaterial is not an object');
    refuses(edited((b) => delete b.verificationMaterial.publicKey), 'verificationMaterial.publicKey is not an object');
    refuses(edited((b) => delete b.messageSignature.signature), 'messageSignature.signature is not base64');
  });

  it('refuses digests that are not SHA2_256 of 32 bytes, and signatures or digests that are not strict base64', () => {
    refuses(edited((b) => (b.messageSignature.messageDigest.algorithm = 'SHA2_512')), 'messageSignature.messageDigest.algorithm is "SHA2_512", not SHA2_256');
    refuses(edited((b) => (b.messageSignature.messageDigest.digest = Buffer.alloc(20).toString('base64'))), 'not a SHA-256 digest (32 bytes)');
    refuses(edited((b) => (b.messageSignature.messageDigest.digest = 42)), 'messageSignature.messageDigest.digest is not base64');
    refuses(edited((b) => (b.messageSignature.signature = `${b.messageSignature.signature}!`)), 'messageSignature.signature is not base64');
    // Unpadded, and base64url: lenient decoders take both; this reader does not.
    refuses(edited((b) => (b.messageSignature.signature = 'AAAAAA')), 'messageSignature.signature is not base64');
    refuses(edited((b) => (b.messageSignature.signature = 'MEUC-_8=')), 'messageSignature.signature is not base64');
    refuses(edited((b) => (b.messageSignature.signature = { bytes: 'AAAA' })), 'messageSignature.signature is not base64');
    refuses(edited((b) => (b.verificationMaterial.publicKey.hint = 7)), 'verificationMaterial.publicKey.hint is not a string');
  });

  it('refuses claims nothing here checks: transparency-log entries, signed timestamps, certificates, a DSSE envelope', () => {
    const entry = { logIndex: '1', logId: { keyId: 'AAAA' }, kindVersion: { kind: 'hashedrekord', version: '0.0.1' }, integratedTime: '1700000000', canonicalizedBody: 'AAAA' };
    refuses(edited((b) => (b.verificationMaterial.tlogEntries = [entry])), 'verificationMaterial.tlogEntries claims transparency-log entries, which are not checked here: refused rather than ignored');
    refuses(edited((b) => (b.verificationMaterial.tlogEntries = {})), 'tlogEntries claims');
    refuses(edited((b) => (b.verificationMaterial.timestampVerificationData = { rfc3161Timestamps: [{ signedTimestamp: 'AAAA' }] })), 'claims signed timestamps');
    refuses(edited((b) => (b.verificationMaterial.certificate = { rawBytes: 'AAAA' })), 'verificationMaterial holds a certificate');
    refuses(edited((b) => (b.verificationMaterial.x509CertificateChain = { certificates: [] })), 'verificationMaterial holds a certificate');
    refuses(edited((b) => (b.dsseEnvelope = { payload: 'AAAA', payloadType: 'application/vnd.in-toto+json', signatures: [] })), 'holds a DSSE envelope');
    // What protobuf writers emit for "none" is none.
    expect(() => parseSigstoreBundle(edited((b) => Object.assign(b.verificationMaterial, { tlogEntries: [], timestampVerificationData: {} })))).not.toThrow();
    expect(() => parseSigstoreBundle(edited((b) => (b.verificationMaterial.timestampVerificationData = { rfc3161Timestamps: [] })))).not.toThrow();
  });

  it('refuses fields it does not know, at every level, including __proto__', () => {
    refuses(edited((b) => (b.extra = true)), 'the bundle has the field "extra"');
    refuses(edited((b) => (b.verificationMaterial.publicKey.rawBytes = 'AAAA')), 'verificationMaterial.publicKey has the field "rawBytes"');
    refuses(edited((b) => (b.messageSignature.messageDigest.length = 32)), 'messageSignature.messageDigest has the field "length"');
    refuses(JSON.stringify(bundleOf(checksums)).replace(/^\{/, '{"__proto__":{"isAdmin":true},'), 'the bundle has the field "__proto__"');
  });

  it('refuses oversized JSON before parsing it, and deeply nested JSON without overflowing the stack', () => {
    const padded = `${JSON.stringify(bundleOf(checksums))}${' '.repeat(MAX_SIGSTORE_BUNDLE_BYTES)}`;
    refuses(padded, `is larger than ${MAX_SIGSTORE_BUNDLE_BYTES} bytes`);
    refuses(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`, 'is larger than');
    const depth = 7_000;
    refuses(edited((b) => (b.verificationMaterial.tlogEntries = 'NESTED')).replace('"NESTED"', `${'['.repeat(depth)}${']'.repeat(depth)}`), 'tlogEntries claims');
    refuses(edited((b) => (b.messageSignature.signature = 'NESTED')).replace('"NESTED"', `${'{"a":'.repeat(2_000)}1${'}'.repeat(2_000)}`), 'messageSignature.signature is not base64');
  });
});

describe('verifyDirectorySignature with a Sigstore bundle', () => {
  const directory = (written: Record<string, string>): string => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-release-'));
    writeFileSync(join(dir, 'fctl-plugin-ledger-linux-amd64'), 'the plugin');
    for (const [name, contents] of Object.entries(written)) writeFileSync(join(dir, name), contents);
    return dir;
  };
  const releaseText = () => {
    const dir = mkdtempSync(join(tmpdir(), 'text-'));
    writeFileSync(join(dir, 'b'), 'the plugin');
    return formatChecksums([{ name: 'fctl-plugin-ledger-linux-amd64', sha256: execFileSync('sha256sum', [join(dir, 'b')], { encoding: 'utf8' }).slice(0, 64) }]);
  };

  it('verifies a release signed only by its bundle, and checks both forms when both are there', async () => {
    const text = releaseText();
    const signed = files(text);
    const bundleOnly = directory({ 'checksums.txt': text, 'checksums.txt.sigstore.json': signed['checksums.txt.sigstore.json']! });
    await expect(verifyReleaseDirectory(bundleOnly, publisher.publicKey)).resolves.toEqual(['fctl-plugin-ledger-linux-amd64']);
    const both = directory({ 'checksums.txt': text, ...signed });
    await expect(verifyDirectorySignature(both, publisher.publicKey)).resolves.toBe(text);
    writeFileSync(join(both, 'checksums.txt.sigstore.json'), JSON.stringify(bundleOf(forged)));
    await expect(verifyDirectorySignature(both, publisher.publicKey)).rejects.toThrow('checksums.txt.sigstore.json signs a file with sha256');
  });

  it('refuses a forged checksums.txt whatever the bundle beside it says', async () => {
    const text = releaseText();
    const dir = directory({ 'checksums.txt': forged, 'checksums.txt.sigstore.json': files(text)['checksums.txt.sigstore.json']! });
    await expect(verifyReleaseDirectory(dir, publisher.publicKey)).rejects.toThrow(ReleaseVerificationError);
    writeFileSync(join(dir, 'checksums.txt.sigstore.json'), files(forged, otherKey)['checksums.txt.sigstore.json']!);
    await expect(verifyReleaseDirectory(dir, publisher.publicKey)).rejects.toThrow('names the key');
  });

  it('refuses a bundle that is a symlink, a FIFO, a directory or too big, without following, waiting or reading it', async () => {
    const text = releaseText();
    const elsewhere = mkdtempSync(join(tmpdir(), 'elsewhere-'));
    writeFileSync(join(elsewhere, 'bundle.json'), files(text)['checksums.txt.sigstore.json']!);
    const linked = directory({ 'checksums.txt': text });
    symlinkSync(join(elsewhere, 'bundle.json'), join(linked, 'checksums.txt.sigstore.json'));
    await expect(verifyDirectorySignature(linked, publisher.publicKey)).rejects.toThrow('checksums.txt.sigstore.json in');
    await expect(verifyDirectorySignature(linked, publisher.publicKey)).rejects.toThrow('a symbolic link');
    const fifo = directory({ 'checksums.txt': text });
    execFileSync('mkfifo', [join(fifo, 'checksums.txt.sigstore.json')]);
    await expect(verifyDirectorySignature(fifo, publisher.publicKey)).rejects.toThrow('is not a regular file');
    const folder = directory({ 'checksums.txt': text });
    mkdirSync(join(folder, 'checksums.txt.sigstore.json'));
    await expect(verifyDirectorySignature(folder, publisher.publicKey)).rejects.toThrow('is not a regular file');
    const big = directory({ 'checksums.txt': text, 'checksums.txt.sigstore.json': ' '.repeat(MAX_SIGSTORE_BUNDLE_BYTES + 1) });
    await expect(verifyDirectorySignature(big, publisher.publicKey)).rejects.toThrow(`${join(big, 'checksums.txt.sigstore.json')} is ${MAX_SIGSTORE_BUNDLE_BYTES + 1} bytes, more than a signature file can be`);
    const bigSig = directory({ 'checksums.txt': text, 'checksums.txt.sig': 'A'.repeat(20_000) });
    await expect(verifyDirectorySignature(bigSig, publisher.publicKey)).rejects.toThrow('more than a signature file can be');
    expect(readFileSync(join(elsewhere, 'bundle.json'), 'utf8')).toContain('messageSignature');
  });
});
