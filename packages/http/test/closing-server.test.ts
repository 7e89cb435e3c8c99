// A server that closes the connection right after its response (HTTP/1.0 servers, werkzeug, some
// CDNs) while the reader is slower than the network: undici 7's HTTP/1 parser, paused under
// backpressure, asserted on the socket's end and took the whole process down (nodejs/undici#5360).
// The layer keeps reading the socket into its own buffer so the parser is never paused at that end.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const bodies = new Map([256 * 1024, 1024 * 1024, 8 * 1024 * 1024].map((size) => [`/${size}`, randomBytes(size)]));
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((socket) => {
    socket.once('data', (request) => {
      const body = bodies.get(/^GET (\S+)/.exec(request.toString('latin1'))?.[1] ?? '')!;
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
      socket.end(body);
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function readSlowly(path: string, delayMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@fctl-kit/source', join(import.meta.dirname, 'support', 'slow-reader-child.mts'), `${url}${path}`, String(delayMs)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('a server closing the connection after its response', { timeout: 120_000 }, () => {
  it('is read to the end by a consumer slower than the network, every time', async () => {
    for (const [path, body] of bodies) {
      for (const delayMs of [0, 2]) {
        const run = await readSlowly(path, delayMs);
        expect(run.stderr, `${path}, ${delayMs} ms per chunk`).not.toContain('AssertionError');
        expect(run.code, run.stderr).toBe(0);
        expect(JSON.parse(run.stdout)).toEqual({ received: body.length, sha256: createHash('sha256').update(body).digest('hex') });
      }
    }
  });
});
