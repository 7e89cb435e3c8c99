import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChecksumError, checksumsOf, formatChecksums, parseChecksums, sha256File, verifyFileChecksum } from '../src/index.js';

const a = 'a'.repeat(64);
const b = 'b'.repeat(64);

describe('checksums.txt', () => {
  it('is sorted "<sha256>  <name>" lines, and parses back (binary-mode "*" lines too)', () => {
    const text = formatChecksums([{ name: 'b', sha256: b }, { name: 'a', sha256: a }]);
    expect(text).toBe(`${a}  a\n${b}  b\n`);
    expect([...parseChecksums(text)]).toEqual([['a', a], ['b', b]]);
    expect([...parseChecksums(`${a} *fctl-plugin-ledger-windows-amd64.exe\n`)]).toEqual([['fctl-plugin-ledger-windows-amd64.exe', a]]);
  });

  it('refuses malformed lines and duplicates, naming the line', () => {
    expect(() => parseChecksums('abc  file\n')).toThrow('checksums.txt line 1 is not "<sha256>  <file name>"');
    expect(() => parseChecksums(`${a.toUpperCase()}  file\n`)).toThrow(/line 1 is not/);
    expect(() => parseChecksums(`${a}  ok\n${a}\tfile\n`)).toThrow(/line 2 is not/);
    expect(() => parseChecksums(`${a}  x\n${b}  x\n`)).toThrow('checksums.txt lists x twice');
  });

  // What a hostile release directory or download would put in checksums.txt to make a reader
  // open, or a publisher write, a file outside the release.
  it.each([
    ['../evil'],
    ['..'],
    ['.'],
    ['/etc/passwd'],
    ['dir/file'],
    ['..\\evil.exe'],
    ['C:evil'],
    ['.hidden'],
    ['-rf'],
    ['name with space'],
    ['file\r'],
    ['file\u0000.exe'],
    ['\u001b[31mred'],
    ['file\u009b'],
    ['trailing.'],
    ['CON'],
    ['nul.txt'],
    ['com1.exe'],
    [''],
    ['x'.repeat(256)],
  ])('refuses the file name %j', (name) => {
    expect(() => parseChecksums(`${a}  ${name}\n`)).toThrow(ChecksumError);
    expect(() => formatChecksums([{ name, sha256: a }])).toThrow(ChecksumError);
  });

  it('says which name it refused, and where', () => {
    expect(() => parseChecksums(`${a}  ok\n${b}  ../../x\n`)).toThrow('checksums.txt line 2 names "../../x", which is not a release file name');
  });

  it('refuses a sha256 that is not 64 lowercase hex digits when writing', () => {
    expect(() => formatChecksums([{ name: 'x', sha256: 'a'.repeat(63) }])).toThrow(ChecksumError);
  });

  it('verifies a file against its entry, and names the file on a mismatch or a missing entry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'checksums-'));
    writeFileSync(join(dir, 'one'), 'one');
    writeFileSync(join(dir, 'two'), 'two');
    const text = await checksumsOf(dir, ['one', 'two']);
    expect(parseChecksums(text).get('one')).toBe(await sha256File(join(dir, 'one')));
    await expect(verifyFileChecksum(text, join(dir, 'one'))).resolves.toBeUndefined();
    writeFileSync(join(dir, 'one'), 'changed');
    await expect(verifyFileChecksum(text, join(dir, 'one'))).rejects.toThrow(/^one has sha256 [0-9a-f]{64}, but checksums.txt says [0-9a-f]{64}$/);
    await expect(verifyFileChecksum(text, join(dir, 'two'), 'three')).rejects.toThrow('checksums.txt has no entry for three');
  });
});

describe('sha256File', () => {
  it('is the sha256 of the bytes, streamed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sha-'));
    writeFileSync(join(dir, 'empty'), '');
    writeFileSync(join(dir, 'big'), Buffer.alloc(3 * 1024 * 1024 + 7, 1));
    expect(await sha256File(join(dir, 'empty'))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const { createHash } = await import('node:crypto');
    expect(await sha256File(join(dir, 'big'))).toBe(createHash('sha256').update(Buffer.alloc(3 * 1024 * 1024 + 7, 1)).digest('hex'));
    await expect(sha256File(join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
  });
});
