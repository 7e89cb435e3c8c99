import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { certificateTable, peChecksum, removeAuthenticode } from '../src/index.js';
import { HEAVY_TEST_MS, lockedRuntimePath } from './runtimes.js';

const checksumOf = (file: Buffer) => file.readUInt32LE(file.readUInt32LE(0x3c) + 24 + 64);
const binaries: Record<string, Buffer> = {};
beforeAll(async () => {
  for (const target of ['windows-amd64', 'windows-arm64']) binaries[target] = await readFile(await lockedRuntimePath(target));
}, 300_000);

describe.each(['windows-amd64', 'windows-arm64'])('removing the Authenticode signature of the official %s node.exe', (target) => {
  it('computes the same PE checksum as Microsoft stored in the signed file', () => {
    const file = binaries[target]!;
    expect(certificateTable(file).size).toBeGreaterThan(0);
    expect(peChecksum(file)).toBe(checksumOf(file));
  }, HEAVY_TEST_MS);

  it('cuts the certificate table, clears its directory entry and fixes the checksum', () => {
    const file = binaries[target]!;
    const { offset } = certificateTable(file);
    const stripped = removeAuthenticode(file);
    expect(stripped.length).toBe(offset);
    expect(certificateTable(stripped)).toEqual({ offset: 0, size: 0 });
    expect(checksumOf(stripped)).toBe(peChecksum(stripped));
    expect(stripped.subarray(0x400, offset).equals(file.subarray(0x400, offset))).toBe(true);
    expect(removeAuthenticode(stripped).equals(stripped)).toBe(true);
  }, HEAVY_TEST_MS);
});

it('refuses a file that is not PE', () => {
  expect(() => removeAuthenticode(Buffer.from('\x7fELF'.padEnd(128, '\0')))).toThrow(/no MZ header/);
}, HEAVY_TEST_MS);
