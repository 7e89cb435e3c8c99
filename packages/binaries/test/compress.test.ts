// The build's xz encoder: what `xz -d` and fctl's decoder read back, the same bytes whatever the
// number of threads (the build is reproducible on any machine), every preset including 0.
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decompressXz } from '@fctl-kit/artifacts';
import { compressFile, parseCompression } from '../src/compress.js';

let work: string;
let input: string;
// Long enough for several blocks at preset 0 (1 MiB blocks): the multi-threaded encoder's cuts matter.
const original = Buffer.concat(Array.from({ length: 12 }, (_, i) => (i % 3 ? Buffer.alloc(300_000, i) : randomBytes(300_000))));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'compress-'));
  input = join(work, 'fctl-plugin-ledger-linux-amd64');
  writeFileSync(input, original);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('compressFile', () => {
  it('writes xz that the xz tool and fctl decode to the input, the same bytes on 1, 2 or 4 threads', async () => {
    const outputs: Buffer[] = [];
    for (const threads of [1, 2, 4]) {
      const output = join(work, `t${threads}.xz`);
      await compressFile(input, output, 0, threads);
      outputs.push(readFileSync(output));
    }
    expect(outputs[1]!.equals(outputs[0]!)).toBe(true);
    expect(outputs[2]!.equals(outputs[0]!)).toBe(true);
    expect(execFileSync('xz', ['-dc'], { input: outputs[0], maxBuffer: 64 * 1024 * 1024 }).equals(original)).toBe(true);
    execFileSync('xz', ['-t', join(work, 't1.xz')]); // integrity check (CRC64) passes
    async function* one() {
      yield outputs[0]!;
    }
    const decoded = await decompressXz(one(), () => {}, { source: 't1.xz', maxBytes: original.length });
    expect(decoded.decompressed).toEqual({ size: original.length, sha256: sha256(original) });
  }, 120_000);

  it('compresses more at a higher preset (preset 0 is not read as the default)', async () => {
    const text = join(work, 'text');
    writeFileSync(text, Array.from({ length: 30_000 }, (_, i) => `entry ${i}: ${(i * 7919) % 10007} ${(i * 31) % 97}\n`).join(''));
    const fast = join(work, 'p0.xz');
    const small = join(work, 'p6.xz');
    await compressFile(text, fast, 0, 2);
    await compressFile(text, small, 6, 2);
    expect(readFileSync(small).length).toBeLessThan(readFileSync(fast).length);
    expect(execFileSync('xz', ['-lvv', '--robot', small], { encoding: 'utf8' })).toMatch(/CRC64/);
  }, 120_000);

  it('refuses a preset that is not 0 to 9', async () => {
    await expect(compressFile(input, join(work, 'x.xz'), 10)).rejects.toThrow('an xz preset is 0 to 9, not 10');
    expect(() => parseCompression('fast')).toThrow('--compression must be an xz preset 0 (fastest) to 9 (smallest) or "none"; got "fast"');
    expect(parseCompression('none')).toBe('none');
    expect(parseCompression('9')).toEqual({ preset: 9 });
  });
});
