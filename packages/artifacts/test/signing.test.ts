import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { formatChecksums, generateSigningKey, loadPrivateKey, loadPublicKey, signBlob, signingKeyFrom, SigningKeyError, verifyBlob } from '../src/index.js';

const { privateKey, publicKey } = generateSigningKey();
const payload = Buffer.from(formatChecksums([{ name: 'b', sha256: 'b'.repeat(64) }, { name: 'a', sha256: 'a'.repeat(64) }]));

describe('ECDSA P-256 signatures of checksums.txt', () => {
  it('verify with the matching public key only, and not after any change', () => {
    const signature = signBlob(payload, loadPrivateKey(privateKey, 'test'));
    expect(verifyBlob(payload, signature, publicKey)).toBe(true);
    expect(verifyBlob(Buffer.concat([payload, Buffer.from('\n')]), signature, publicKey)).toBe(false);
    expect(verifyBlob(payload, signature, generateSigningKey().publicKey)).toBe(false);
    expect(verifyBlob(payload, 'bm90IGEgc2lnbmF0dXJl', publicKey)).toBe(false);
    expect(verifyBlob(payload, '', publicKey)).toBe(false);
  });

  it('are deterministic (RFC 6979): the same checksums and key give the same signature', () => {
    const key = loadPrivateKey(privateKey, 'test');
    expect(signBlob(payload, key)).toBe(signBlob(Buffer.from(payload), key));
    expect(signBlob(payload, loadPrivateKey(generateSigningKey().privateKey, 'other'))).not.toBe(signBlob(payload, key));
    // RFC 6979 appendix A.2.5, P-256 with SHA-256, message "sample".
    const d = Buffer.from('C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721', 'hex');
    const point = Buffer.from(p256.getPublicKey(d, false));
    const jwk = { kty: 'EC', crv: 'P-256', d: d.toString('base64url'), x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') };
    const signature = p256.Signature.fromBytes(Buffer.from(signBlob(Buffer.from('sample'), createPrivateKey({ key: jwk, format: 'jwk' })), 'base64'), 'der');
    expect(signature.r.toString(16).toUpperCase()).toBe('EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716');
    expect(signature.s.toString(16).toUpperCase()).toBe('F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8');
  });

  it('are base64 DER, as cosign sign-blob writes them: openssl verifies them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sig-'));
    writeFileSync(join(dir, 'checksums.txt'), payload);
    writeFileSync(join(dir, 'sig.der'), Buffer.from(signBlob(payload, loadPrivateKey(privateKey, 'test')), 'base64'));
    writeFileSync(join(dir, 'key.pub'), publicKey);
    const out = execFileSync('openssl', ['dgst', '-sha256', '-verify', join(dir, 'key.pub'), '-signature', join(dir, 'sig.der'), join(dir, 'checksums.txt')], { encoding: 'utf8' });
    expect(out.trim()).toBe('Verified OK');
  }, 30_000);

  it('never verify with a public key that is not P-256, even for a valid signature by that key', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const p384Pem = p384.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const byP384 = sign('sha256', payload, { key: p384.privateKey, dsaEncoding: 'der' }).toString('base64');
    expect(verifyBlob(payload, byP384, p384Pem)).toBe(false);
    expect(() => loadPublicKey(p384Pem)).toThrow(SigningKeyError);
    expect(verifyBlob(payload, signBlob(payload, loadPrivateKey(privateKey, 'test')), 'not a key')).toBe(false);
  });

  it('load the key from FCTL_KIT_SIGNING_KEY or a file, and never echo key material in errors', async () => {
    expect(await signingKeyFrom({ env: {} })).toBeUndefined();
    expect((await signingKeyFrom({ env: { FCTL_KIT_SIGNING_KEY: privateKey } }))?.asymmetricKeyType).toBe('ec');
    const secret = 'MHcCAQEEIN0tASecretLookingValue';
    const error = await signingKeyFrom({ env: { FCTL_KIT_SIGNING_KEY: secret } }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(SigningKeyError);
    expect(String(error)).not.toContain(secret);
    const rsa = execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'], { encoding: 'utf8' });
    expect(() => loadPrivateKey(rsa, 'rsa.pem')).toThrow('rsa.pem is not an ECDSA P-256 key');
  }, 30_000);
});
