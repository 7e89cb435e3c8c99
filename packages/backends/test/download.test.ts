// downloadFile through the url backend against a real HTTP server on 127.0.0.1 that fails on
// purpose: transient failures are retried and end with the right bytes; the others fail at once
// with a message that says what happened.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pipeline, Readable } from 'node:stream';
import { createGunzip, gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backendNamed, downloadFile, type Decoding, type ReleaseRef, type SourceFiles } from '../src/index.js';
import { startReleaseServer, type ReleaseServer } from '../../../test/support/release-server.js';

const payload = randomBytes(256 * 1024);
const digest = createHash('sha256').update(payload).digest('hex');
const file = 'fctl-plugin-ledger-linux-amd64';
let server: ReleaseServer;
let work: string;
let release: ReleaseRef;
/** The files of the release where a url source's template says. */
const at = (template: string): SourceFiles => backendNamed('url').files({ backend: 'url', url: template }, release, {});
let served: SourceFiles;
const fast = { maxBytes: 1024 * 1024, minRetryDelayMs: 5, idleTimeoutMs: 300, retries: 3 };

beforeAll(async () => {
  server = await startReleaseServer(new Map([[`/ledger/3.2.0/${file}`, payload]]));
  work = mkdtempSync(join(tmpdir(), 'download-'));
  release = { name: 'ledger', version: '3.2.0', platform: { os: 'linux', arch: 'amd64' } };
  served = at(`${server.url}/{name}/{version}/{file}`);
});
afterAll(async () => {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
});
beforeEach(() => {
  server.faults.clear();
  server.requests.clear();
});

const destination = () => join(work, `${Math.random()}.part`);
const requests = () => server.requests.get(`/ledger/3.2.0/${file}`);

describe('downloadFile', () => {
  it.each([
    ['a 500', { kind: 'status', status: 500 }],
    ['a reset in the middle of the body', { kind: 'reset-mid-body' }],
    ['a body cut short of its Content-Length', { kind: 'truncate' }],
    ['a stalled body', { kind: 'stall' }],
  ] as const)('retries after %s and ends with the right bytes', async (_, fault) => {
    server.faults.set(`/ledger/3.2.0/${file}`, [fault, fault]);
    const retries: string[] = [];
    const to = destination();
    const result = await downloadFile(served, file, to, { ...fast, onRetry: (m) => retries.push(m) });
    expect(result).toEqual({ size: payload.length, sha256: digest });
    expect(readFileSync(to).equals(payload)).toBe(true);
    expect(requests()).toBe(3);
    expect(retries).toHaveLength(2);
  });

  it('does not retry when the local disk refuses the bytes (a full disk is not a network fault)', async () => {
    // /dev/full answers every write with ENOSPC.
    const failure = await downloadFile(served, file, '/dev/full', fast).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe(`cannot write ${file} to /dev/full: ENOSPC`);
    expect(requests()).toBe(1);
  });

  it('waits as long as Retry-After says on a 429', async () => {
    server.faults.set(`/ledger/3.2.0/${file}`, [{ kind: 'status', status: 429, headers: { 'retry-after': '1' } }]);
    const retries: string[] = [];
    const started = Date.now();
    await downloadFile(served, file, destination(), { ...fast, onRetry: (m) => retries.push(m) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000); // a lower bound the server imposed, not a speed assertion
    expect(retries).toEqual([expect.stringMatching(/answered 429 Too Many Requests; retrying after 1 s \(Retry-After\)/)]);
  });

  it('does not wait for a Retry-After longer than it allows', async () => {
    server.faults.set(`/ledger/3.2.0/${file}`, [{ kind: 'status', status: 503, headers: { 'retry-after': '3600' } }]);
    await expect(downloadFile(served, file, destination(), fast)).rejects.toThrow(/answered 503 Service Unavailable; the server asks to retry after 3600 s/);
    expect(requests()).toBe(1);
  });

  it('gives up after the last attempt with the last failure', async () => {
    server.faults.set(`/ledger/3.2.0/${file}`, Array(4).fill({ kind: 'status', status: 502 }));
    await expect(downloadFile(served, file, destination(), fast)).rejects.toThrow(`${server.url}/ledger/3.2.0/${file} answered 502 Bad Gateway`);
    expect(requests()).toBe(4);
  });

  it('does not retry a 404 or a 403', async () => {
    await expect(downloadFile(served, 'checksums.txt', destination(), fast)).rejects.toThrow(`${server.url}/ledger/3.2.0/checksums.txt answered 404 Not Found`);
    expect(server.requests.get('/ledger/3.2.0/checksums.txt')).toBe(1);
    server.faults.set(`/ledger/3.2.0/${file}`, [{ kind: 'status', status: 403 }]);
    await expect(downloadFile(served, file, destination(), fast)).rejects.toThrow('answered 403 Forbidden');
    expect(requests()).toBe(1);
  });

  it('refuses a file over the size limit, announced or not', async () => {
    await expect(downloadFile(served, file, destination(), { ...fast, maxBytes: 1000 })).rejects.toThrow(
      `${server.url}/ledger/3.2.0/${file} is ${payload.length} bytes, over the limit of 1000`,
    );
    const local = join(work, 'big');
    writeFileSync(local, payload);
    const fromDir = at(`${work}/{file}`);
    await expect(downloadFile(fromDir, 'big', destination(), { ...fast, maxBytes: 1000 })).rejects.toThrow(`${local} is ${payload.length} bytes, over the limit of 1000`);
  });

  it('reads from a local directory (air-gapped) through the same interface', async () => {
    writeFileSync(join(work, file), payload);
    expect(await downloadFile(at(`file://${work}/{file}`), file, destination(), fast)).toEqual({ size: payload.length, sha256: digest });
    await expect(downloadFile(at(`${work}/{file}`), 'missing', destination(), fast)).rejects.toThrow(`${join(work, 'missing')} does not exist`);
  });

  it('refuses plain http to anything but loopback, and templates without {file}', async () => {
    await expect(downloadFile(at('http://downloads.example.com/{file}'), file, destination(), fast)).rejects.toThrow(
      'refusing plain http for plugin "ledger" (downloads.example.com): use https (http is allowed only to loopback)',
    );
    await expect(downloadFile(at('https://example.com/x'), file, destination(), fast)).rejects.toThrow('has no {file} placeholder');
  });

  it('stops when the caller aborts', async () => {
    server.faults.set(`/ledger/3.2.0/${file}`, [{ kind: 'stall', afterBytes: 10 }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('interrupted')), 100);
    await expect(downloadFile(served, file, destination(), { ...fast, idleTimeoutMs: 10_000, signal: controller.signal })).rejects.toThrow('interrupted');
  });

  it('reports progress up to the full size', async () => {
    const seen: number[] = [];
    await downloadFile(served, file, destination(), { ...fast, onProgress: (p) => seen.push(p.received) });
    expect(seen[0]).toBe(0);
    expect(seen.at(-1)).toBe(payload.length);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  describe('decoding on the way (a compressed file)', () => {
    // A decoder as the installer's xz one behaves: bounded, naming the source, hashing what it hands on.
    const gzip = (maxBytes: number): Decoding => ({
      format: 'gzip',
      maxBytes,
      async decode(body, write, options) {
        const hash = createHash('sha256');
        let size = 0;
        try {
          for await (const chunk of pipeline(Readable.from(body), createGunzip(), () => {}) as AsyncIterable<Buffer>) {
            size += chunk.length;
            if (size > options.maxBytes) throw new Error(`${options.source} decompresses to more than the limit of ${options.maxBytes} bytes`);
            hash.update(chunk);
            await write(chunk);
          }
        } catch (error) {
          if ((error as { code?: string }).code?.startsWith('Z_')) throw new Error(`${options.source} is not valid gzip: ${(error as Error).message}`);
          throw error;
        }
        return { size, sha256: hash.digest('hex') };
      },
    });
    const compressed = gzipSync(payload);
    const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    beforeAll(() => {
      server.files.set('/ledger/3.2.0/good.gz', compressed);
      server.files.set('/ledger/3.2.0/bomb.gz', gzipSync(Buffer.alloc(64 * 1024 * 1024)));
      server.files.set('/ledger/3.2.0/corrupt.gz', Buffer.concat([compressed.subarray(0, 100), Buffer.alloc(1000, 7), compressed.subarray(1100)]));
    });

    it('writes the decoded bytes and hashes both what was received and what was written', async () => {
      const to = destination();
      const seen: number[] = [];
      const result = await downloadFile(served, 'good.gz', to, { ...fast, decoding: gzip(payload.length), onProgress: (p) => seen.push(p.received) });
      expect(result).toEqual({ size: compressed.length, sha256: sha(compressed), decoded: { size: payload.length, sha256: digest } });
      expect(readFileSync(to).equals(payload)).toBe(true);
      expect(seen.at(-1)).toBe(compressed.length);
    });

    it('refuses a small file that decodes past the limit (a bomb), without retrying', async () => {
      await expect(downloadFile(served, 'bomb.gz', destination(), { ...fast, decoding: gzip(1024 * 1024) })).rejects.toThrow(
        `${server.url}/ledger/3.2.0/bomb.gz decompresses to more than the limit of 1048576 bytes`,
      );
      expect(server.requests.get('/ledger/3.2.0/bomb.gz')).toBe(1);
    });

    it('refuses bytes that do not decode, without retrying', async () => {
      await expect(downloadFile(served, 'corrupt.gz', destination(), { ...fast, decoding: gzip(payload.length) })).rejects.toThrow(`${server.url}/ledger/3.2.0/corrupt.gz is not valid gzip: `);
      expect(server.requests.get('/ledger/3.2.0/corrupt.gz')).toBe(1);
    });

    it('retries a compressed body cut short (the cut, not the decoder, is reported)', async () => {
      server.faults.set('/ledger/3.2.0/good.gz', [{ kind: 'truncate' }]);
      const retries: string[] = [];
      const result = await downloadFile(served, 'good.gz', destination(), { ...fast, decoding: gzip(payload.length), onRetry: (m) => retries.push(m) });
      expect(result.decoded).toEqual({ size: payload.length, sha256: digest });
      expect(retries.join('\n')).toMatch(/cut short|failed mid-transfer/);
      expect(retries.join('\n')).not.toMatch(/not valid gzip/);
    });
  });
});
