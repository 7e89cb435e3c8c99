// decompressXz is fed what a download server sends: the xz files here are made by the xz tool (an
// encoder independent of the build's), then cut, flipped, inflated and glued by the attacker.
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decompressXz, DecompressError, type Decompressed } from '../src/index.js';

const xz = (data: Buffer, ...args: string[]): Buffer => execFileSync('xz', ['-c', '-T1', ...args], { input: data, maxBuffer: 512 * 1024 * 1024 });
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function* chunks(data: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

/** Decompresses `data` fed in `chunkSize` pieces, collecting what is written. */
async function decode(data: Buffer, options: { maxBytes?: number; chunkSize?: number; signal?: AbortSignal } = {}): Promise<{ result: Decompressed; output: Buffer }> {
  const written: Buffer[] = [];
  const result = await decompressXz(chunks(data, options.chunkSize ?? 64 * 1024), (chunk) => void written.push(Buffer.from(chunk)), {
    source: 'https://example.test/fctl-plugin-ledger-linux-amd64.xz',
    maxBytes: options.maxBytes ?? 64 * 1024 * 1024,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { result, output: Buffer.concat(written) };
}

/** Something like a binary: random stretches between repeated ones. */
const original = Buffer.concat(Array.from({ length: 40 }, (_, i) => (i % 2 ? randomBytes(20_000) : Buffer.alloc(50_000, i))));
const compressed = xz(original, '-6');

describe('decompressXz', () => {
  it('decodes what the xz tool writes, hashing both sides, whatever the chunking', async () => {
    for (const chunkSize of [1 << 20, 64 * 1024, 4093, 13]) {
      const { result, output } = await decode(compressed, { chunkSize });
      expect(output.equals(original), `chunks of ${chunkSize}`).toBe(true);
      expect(result).toEqual({
        compressed: { size: compressed.length, sha256: sha256(compressed) },
        decompressed: { size: original.length, sha256: sha256(original) },
      });
    }
  }, 60_000);

  it('decodes an empty file compressed, and one exactly at the bound', async () => {
    const empty = await decode(xz(Buffer.alloc(0)));
    expect(empty.result.decompressed).toEqual({ size: 0, sha256: sha256(Buffer.alloc(0)) });
    const { output } = await decode(compressed, { maxBytes: original.length });
    expect(output.equals(original)).toBe(true);
  });

  it('stops an xz bomb at the bound: nothing over it is written, and the rest is not decoded', async () => {
    const bomb = xz(Buffer.alloc(256 * 1024 * 1024), '-0'); // 256 MiB of zeros in a few dozen KiB
    expect(bomb.length).toBeLessThan(1024 * 1024);
    let written = 0;
    let fed = 0;
    async function* counted() {
      for await (const chunk of chunks(bomb, 1024)) {
        fed += chunk.byteLength;
        yield chunk;
      }
    }
    const failure = await decompressXz(counted(), (chunk) => void (written += chunk.byteLength), { source: 'bomb.xz', maxBytes: 1024 * 1024 }).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(DecompressError);
    expect((failure as Error).message).toBe('bomb.xz decompresses to more than 1048576 bytes, the most expected: refused (an xz bomb, or not the file it should be)');
    expect(written).toBeLessThanOrEqual(1024 * 1024);
    expect(fed, 'it stopped reading the input').toBeLessThan(bomb.length);
    // The decoder is free again: the next file decodes.
    expect((await decode(compressed)).output.equals(original)).toBe(true);
  }, 60_000);

  it('refuses a truncated stream, wherever it is cut', async () => {
    for (const cut of [7, 12, 100, Math.floor(compressed.length / 2), compressed.length - 13, compressed.length - 12, compressed.length - 1]) {
      const truncated = compressed.subarray(0, cut);
      await expect(decode(truncated), `cut at ${cut}`).rejects.toThrow(/fctl-plugin-ledger-linux-amd64\.xz (ends before its xz stream does \(truncated\)|is not a valid xz stream \(corrupt\))/);
    }
  }, 60_000);

  it('refuses corrupt data: a flipped byte in the header, the data, the index or the footer', async () => {
    for (const at of [8, 20, Math.floor(compressed.length / 2), compressed.length - 20, compressed.length - 8, compressed.length - 1]) {
      const corrupt = Buffer.from(compressed);
      corrupt[at]! ^= 0x55;
      await expect(decode(corrupt), `byte ${at}`).rejects.toThrow(DecompressError);
    }
  }, 60_000);

  it('decodes concatenated streams as one file, as the xz tool does, hashing all of it', async () => {
    const second = xz(Buffer.from('a second stream\n'));
    const glued = Buffer.concat([compressed, Buffer.alloc(8), second]); // stream padding between them is allowed
    const { result, output } = await decode(glued, { chunkSize: 777 });
    const expected = Buffer.concat([original, Buffer.from('a second stream\n')]);
    expect(execFileSync('xz', ['-dc'], { input: glued, maxBuffer: 64 * 1024 * 1024 }).equals(expected)).toBe(true);
    expect(output.equals(expected)).toBe(true);
    expect(result).toEqual({ compressed: { size: glued.length, sha256: sha256(glued) }, decompressed: { size: expected.length, sha256: sha256(expected) } });
    // The bound holds across streams.
    await expect(decode(glued, { maxBytes: original.length })).rejects.toThrow(/decompresses to more than \d+ bytes/);
  }, 60_000);

  it('refuses bytes after the last stream that are not stream padding', async () => {
    for (const [what, tail] of [
      ['3 zero bytes (padding comes in fours)', Buffer.alloc(3)],
      ['"YZ" (a footer magic alone)', Buffer.from('YZ')],
      ['random bytes', randomBytes(10_000)],
      ['a truncated second stream', xz(randomBytes(5000)).subarray(0, 200)],
    ] as const) {
      await expect(decode(Buffer.concat([compressed, tail])), what).rejects.toThrow(/fctl-plugin-ledger-linux-amd64\.xz (ends before its xz stream does|is not a valid xz stream|has bytes after the end of its xz stream)/);
    }
  }, 60_000);

  it('refuses a header asking for a 4 GiB dictionary, without allocating it', async () => {
    const small = Buffer.from(xz(Buffer.from('hello\n'.repeat(100))));
    // The block header (after the 12-byte stream header): size byte, flags, LZMA2 filter (0x21, 1, dictionary), padding, CRC32.
    const header = small.subarray(12, 12 + (small[12]! + 1) * 4);
    const props = header.indexOf(Buffer.from([0x21, 0x01])) + 2;
    header[props] = 40; // 4 GiB - 1, the largest LZMA2 dictionary
    header.writeUInt32LE(crc32(header.subarray(0, -4)), header.length - 4);
    // The xz tool reads the claim: over a 100 MiB limit.
    expect(spawnSync('xz', ['-dc', '--memlimit=100MiB'], { input: small, encoding: 'utf8' }).stderr).toMatch(/Memory usage limit reached/);
    const before = process.memoryUsage().rss;
    await expect(decode(small)).rejects.toThrow(/is not a valid xz stream \(corrupt\)/);
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
  });

  it('refuses an empty file and one that is not xz', async () => {
    await expect(decode(Buffer.alloc(0))).rejects.toThrow('https://example.test/fctl-plugin-ledger-linux-amd64.xz is empty: not an xz stream');
    await expect(decode(execFileSync('gzip', ['-c'], { input: original }))).rejects.toThrow(/is not an xz stream \(it does not start with the xz magic bytes\)/);
    await expect(decode(Buffer.from([0xfd, 0x37]))).rejects.toThrow(/is not an xz stream/);
    await expect(decode(original)).rejects.toThrow(/is not an xz stream/);
  });

  it('passes on what the writer or the input throws, and the decoder is free afterwards', async () => {
    const full = new Error('disk full');
    await expect(decompressXz(chunks(compressed, 4096), () => Promise.reject(full), { source: 'x.xz', maxBytes: 1 << 30 })).rejects.toBe(full);
    async function* failing() {
      yield compressed.subarray(0, 1000);
      throw new Error('connection reset');
    }
    await expect(decompressXz(failing(), () => {}, { source: 'x.xz', maxBytes: 1 << 30 })).rejects.toThrow(/connection reset/);
    const controller = new AbortController();
    let pieces = 0;
    const aborted = decompressXz(chunks(compressed, 1024), () => void (++pieces === 2 && controller.abort(new Error('cancelled by the user'))), { source: 'x.xz', maxBytes: 1 << 30, signal: controller.signal });
    await expect(aborted).rejects.toThrow('cancelled by the user');
    expect((await decode(compressed)).output.equals(original)).toBe(true);
  }, 60_000);
});
