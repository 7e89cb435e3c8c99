// A release directory as an attacker would hand it over: a binary changed, checksums.txt changed
// to match it (a consistent forgery), the signature missing or from another key, or checksums.txt
// naming a file outside the directory.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checksumsOf,
  generateSigningKey,
  loadPrivateKey,
  ReleaseVerificationError,
  sha256File,
  signBlob,
  verifyChecksumsSignature,
  verifyDirectorySignature,
  verifyReleaseDirectory,
} from '../src/index.js';

const publisher = generateSigningKey();
const binary = 'fctl-plugin-ledger-linux-amd64';

async function release(options: { sign?: string } = { sign: publisher.privateKey }): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'release-'));
  writeFileSync(join(dir, binary), 'the plugin');
  writeFileSync(join(dir, 'manifest.json'), '{}\n');
  const text = await checksumsOf(dir, [binary, 'manifest.json']);
  writeFileSync(join(dir, 'checksums.txt'), text);
  if (options.sign) writeFileSync(join(dir, 'checksums.txt.sig'), `${signBlob(Buffer.from(text), loadPrivateKey(options.sign, 'key'))}\n`);
  return dir;
}

async function forge(dir: string, options: { resign?: string } = {}): Promise<void> {
  writeFileSync(join(dir, binary), 'a forged plugin');
  const text = await checksumsOf(dir, [binary, 'manifest.json']);
  writeFileSync(join(dir, 'checksums.txt'), text);
  if (options.resign) writeFileSync(join(dir, 'checksums.txt.sig'), `${signBlob(Buffer.from(text), loadPrivateKey(options.resign, 'key'))}\n`);
}

describe('verifyReleaseDirectory', () => {
  it('checks the signature, then every listed file, and returns what it checked', async () => {
    expect(await verifyReleaseDirectory(await release(), publisher.publicKey)).toEqual([binary, 'manifest.json']);
  });

  it('refuses a listed file that is a symbolic link, even to a file with the right sha256, or a FIFO', async () => {
    const linked = await release();
    const elsewhere = join(mkdtempSync(join(tmpdir(), 'elsewhere-')), binary);
    copyFileSync(join(linked, binary), elsewhere);
    rmSync(join(linked, binary));
    symlinkSync(elsewhere, join(linked, binary));
    await expect(verifyReleaseDirectory(linked, publisher.publicKey)).rejects.toThrow(`${binary} in ${linked} is not a regular file (a symbolic link): refused`);
    const fifo = await release();
    rmSync(join(fifo, 'manifest.json'));
    execFileSync('mkfifo', [join(fifo, 'manifest.json')]);
    // Refused before anything opens it: opening a FIFO would wait forever for a writer.
    await expect(verifyReleaseDirectory(fifo, publisher.publicKey)).rejects.toThrow(`manifest.json in ${fifo} is not a regular file (not a file): refused`);
    const linkedChecksums = await release();
    const copy = join(mkdtempSync(join(tmpdir(), 'elsewhere-')), 'checksums.txt');
    copyFileSync(join(linkedChecksums, 'checksums.txt'), copy);
    rmSync(join(linkedChecksums, 'checksums.txt'));
    symlinkSync(copy, join(linkedChecksums, 'checksums.txt'));
    await expect(verifyReleaseDirectory(linkedChecksums)).rejects.toThrow('checksums.txt in');
  });

  it('refuses a changed binary', async () => {
    const dir = await release();
    writeFileSync(join(dir, binary), 'changed');
    await expect(verifyReleaseDirectory(dir, publisher.publicKey)).rejects.toThrow(new RegExp(`^${binary} has sha256 [0-9a-f]{64}, but checksums.txt says`));
  });

  it('refuses a consistent forgery (binary and checksums.txt changed), unsigned or signed by another key', async () => {
    const unsigned = await release();
    await forge(unsigned);
    await expect(verifyReleaseDirectory(unsigned, publisher.publicKey)).rejects.toThrow("the signature of checksums.txt does not verify with the publisher's public key");
    const resigned = await release();
    await forge(resigned, { resign: generateSigningKey().privateKey });
    await expect(verifyReleaseDirectory(resigned, publisher.publicKey)).rejects.toThrow(ReleaseVerificationError);
  });

  it('refuses a release without a signature when the publisher signs', async () => {
    const dir = await release({});
    await expect(verifyDirectorySignature(dir, publisher.publicKey)).rejects.toThrow('neither checksums.txt.sig nor checksums.txt.sigstore.json is there, and the publisher signs its checksums');
  });

  it('never reads a file outside the directory that checksums.txt names', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'outside-'));
    writeFileSync(join(outside, 'secret'), 'not part of the release');
    const dir = mkdtempSync(join(outside, 'release-'));
    writeFileSync(join(dir, 'checksums.txt'), `${await sha256File(join(outside, 'secret'))}  ../secret\n`);
    await expect(verifyReleaseDirectory(dir)).rejects.toThrow(new ReleaseVerificationError('checksums.txt line 1 names "../secret", which is not a release file name (one file name of letters, digits, ".", "_", "+" and "-", starting with a letter or digit, no directories)'));
  });

  it('without a key checks the sha256 of every file only', async () => {
    const dir = await release({});
    expect(await verifyReleaseDirectory(dir)).toHaveLength(2);
  });
});

describe('verifyChecksumsSignature', () => {
  it('accepts the signature with surrounding whitespace, refuses one for other text', async () => {
    const text = 'x\n';
    const signature = signBlob(Buffer.from(text), loadPrivateKey(publisher.privateKey, 'key'));
    await expect(verifyChecksumsSignature(text, `\n${signature}\n`, publisher.publicKey)).resolves.toBeUndefined();
    await expect(verifyChecksumsSignature('y\n', signature, publisher.publicKey)).rejects.toThrow(ReleaseVerificationError);
    await expect(verifyChecksumsSignature(text, undefined, publisher.publicKey)).rejects.toThrow(/missing/);
  });
});
