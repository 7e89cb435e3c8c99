// The Mach-O ad-hoc signer, checked against Apple's own signatures of the official darwin Node
// binaries (the oracle), and by a verifier that re-hashes every page.
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { adhocSign, MachOError, parseMachO, parseSignature, removeSignature, verifyAdhocSignature } from '../src/index.js';
import { HEAVY_TEST_MS, lockedRuntimePath } from './runtimes.js';

const PAGE = 4096;
const binaries: Record<string, Buffer> = {};
beforeAll(async () => {
  for (const target of ['darwin-arm64', 'darwin-amd64']) binaries[target] = await readFile(await lockedRuntimePath(target));
}, 300_000);

function codeDirectoryOf(file: Buffer) {
  const { codeSignature } = parseMachO(file);
  const signature = parseSignature(file.subarray(codeSignature!.dataoff, codeSignature!.dataoff + codeSignature!.datasize));
  return signature.codeDirectories.find((cd) => cd.hashType === 2)!;
}

describe.each(['darwin-arm64', 'darwin-amd64'])('signing the official %s Node binary', (target) => {
  it("reproduces Apple's page hash for every page whose bytes did not change", () => {
    const apple = binaries[target]!;
    const appleCd = codeDirectoryOf(apple);
    const resigned = adhocSign(removeSignature(apple), 'node');
    const ours = codeDirectoryOf(resigned);
    expect(ours.codeLimit).toBe(appleCd.codeLimit);
    expect(ours.pageHashes).toHaveLength(appleCd.pageHashes.length);
    const changedPages: number[] = [];
    const differentHashes: number[] = [];
    for (let page = 0; page < appleCd.pageHashes.length; page++) {
      const start = page * PAGE;
      const end = Math.min(start + PAGE, appleCd.codeLimit);
      if (!apple.subarray(start, end).equals(resigned.subarray(start, end))) changedPages.push(page);
      if (!appleCd.pageHashes[page]!.equals(ours.pageHashes[page]!)) differentHashes.push(page);
    }
    // Only the header page changes (the signature's size and __LINKEDIT's size are in it).
    expect(changedPages).toEqual([0]);
    expect(differentHashes).toEqual(changedPages);
  }, HEAVY_TEST_MS);

  it('produces a signature whose every page hash and load command checks out', () => {
    const signed = adhocSign(binaries[target]!, `fctl-plugin-test-${target}`);
    const report = verifyAdhocSignature(signed);
    expect(report.problems).toEqual([]);
    expect(report.identifier).toBe(`fctl-plugin-test-${target}`);
    expect(report.pages).toBe(Math.ceil(report.codeLimit / PAGE));
    const cd = codeDirectoryOf(signed);
    expect(cd).toMatchObject({ version: 0x20400, flags: 0x2, hashType: 2, pageSizeLog2: 12, nSpecialSlots: 2 });
    expect(cd.execSegment).toMatchObject({ base: 0, flags: 1 });
  }, HEAVY_TEST_MS);

  it('adds LC_CODE_SIGNATURE to a binary that has none, as after SEA injection', () => {
    const unsigned = removeSignature(binaries[target]!);
    const before = parseMachO(unsigned);
    expect(before.codeSignature).toBeUndefined();
    const signed = adhocSign(unsigned, 'x');
    const after = parseMachO(signed);
    expect(after.ncmds).toBe(before.ncmds + 1);
    expect(after.codeSignature?.dataoff).toBe(Math.ceil(unsigned.length / 16) * 16);
    expect(verifyAdhocSignature(signed).problems).toEqual([]);
  }, HEAVY_TEST_MS);
});

describe('verifyAdhocSignature', () => {
  it('finds a changed byte in the page that holds it', () => {
    const signed = adhocSign(binaries['darwin-arm64']!, 'x');
    signed.writeUInt8(signed.readUInt8(5 * PAGE + 17) ^ 0xff, 5 * PAGE + 17);
    expect(verifyAdhocSignature(signed).problems).toEqual(['page 5 hash mismatch']);
  }, HEAVY_TEST_MS);
  it('reports an unsigned binary', () => {
    expect(verifyAdhocSignature(removeSignature(binaries['darwin-arm64']!)).problems).toEqual(['no LC_CODE_SIGNATURE load command']);
  }, HEAVY_TEST_MS);
});

describe('parseMachO', () => {
  it('refuses what it cannot sign', () => {
    expect(() => parseMachO(Buffer.from('#!/bin/sh\necho hi\n'.padEnd(64)))).toThrow(MachOError);
    const fat = Buffer.alloc(64);
    fat.writeUInt32BE(0xcafebabe, 0);
    expect(() => parseMachO(fat)).toThrow(/universal \(fat\)/);
  }, HEAVY_TEST_MS);
});
