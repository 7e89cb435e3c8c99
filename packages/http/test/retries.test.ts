// Retries of idempotent requests on 408/429/5xx, resets and cut-short bodies, with backoff and a
// bounded Retry-After; failures named by method and URL (never a bare "terminated"); size limits.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpRequestError, request, requestBuffered } from '../src/index.js';
import { startServer, type TestServer } from './servers.js';

type Fault = { status: number; headers?: Record<string, string> } | 'reset' | 'truncate' | 'close-before-headers';

const env = {};
const fast = { env, retryDelayMs: 10 };
const faults: Fault[] = [];
let server: TestServer;
const BODY = 'registry body '.repeat(1000);

beforeAll(async () => {
  server = await startServer((request, response) => {
    const fault = request.url?.startsWith('/faulty') ? faults.shift() : undefined;
    if (fault === 'close-before-headers') return void request.socket.destroy();
    if (typeof fault === 'object') return void response.writeHead(fault.status, fault.headers).end(`status ${fault.status}`);
    if (request.url === '/big') return void response.writeHead(200, { 'content-length': String(2048) }).end('y'.repeat(2048));
    if (request.url === '/big-chunked') {
      response.writeHead(200);
      for (let i = 0; i < 8; i++) response.write('z'.repeat(1024));
      return void response.end();
    }
    response.writeHead(200, { 'content-length': String(BODY.length) });
    if (fault === 'reset') return void response.write(BODY.slice(0, 100), () => request.socket.destroy());
    if (fault === 'truncate') return void response.write(BODY.slice(0, 100), () => request.socket.end());
    response.end(BODY);
  });
});
afterAll(async () => {
  await server?.stop();
});
beforeEach(() => {
  faults.length = 0;
});

const hits = (path: string) => server.seen.filter((s) => s.path === path).length;

describe('retries', { timeout: 20_000 }, () => {
  it.each<[string, Fault[]]>([
    ['500', [{ status: 500 }]],
    ['503 twice', [{ status: 503 }, { status: 503 }]],
    ['408', [{ status: 408 }]],
    ['429 with Retry-After', [{ status: 429, headers: { 'retry-after': '1' } }]],
    ['a reset mid-body', ['reset']],
    ['a body cut short', ['truncate']],
    ['a connection closed before the headers', ['close-before-headers']],
  ])('after %s, a GET succeeds', async (name, queued) => {
    faults.push(...queued);
    const path = `/faulty/${encodeURIComponent(name)}`;
    const messages: string[] = [];
    const response = await requestBuffered(`${server.url}${path}`, { ...fast, onRetry: (m) => messages.push(m) });
    expect(response.status).toBe(200);
    expect(response.text()).toBe(BODY);
    expect(hits(path)).toBe(queued.length + 1);
    expect(messages).toHaveLength(queued.length);
    for (const message of messages) expect(message).toMatch(new RegExp(`^GET ${server.url}${path.replace(/[%]/g, '.')}`));
  }, 30_000);

  it('says it waits for Retry-After', async () => {
    faults.push({ status: 429, headers: { 'retry-after': '1' } });
    const messages: string[] = [];
    await requestBuffered(`${server.url}/faulty/ra`, { ...fast, onRetry: (m) => messages.push(m) });
    expect(messages).toEqual([`GET ${server.url}/faulty/ra answered 429 Too Many Requests; retrying after 1 s (Retry-After) (3 attempts left)`]);
  }, 30_000);

  it('does not wait for a Retry-After beyond the cap: the 429 is returned at once', async () => {
    faults.push({ status: 429, headers: { 'retry-after': '3600' } });
    const response = await requestBuffered(`${server.url}/faulty/long`, fast);
    expect(response.status).toBe(429);
    expect(hits('/faulty/long')).toBe(1);
  });

  it('returns the last answer when the failure persists', async () => {
    faults.push(...Array(10).fill({ status: 503 }));
    const response = await requestBuffered(`${server.url}/faulty/down`, { ...fast, retries: 2 });
    expect(response.status).toBe(503);
    expect(response.statusText).toBe('Service Unavailable');
    expect(hits('/faulty/down')).toBe(3);
  }, 30_000);

  it('does not retry a 404, nor a POST', async () => {
    expect((await requestBuffered(`${server.url}/missing-${Date.now()}`, fast)).status).toBe(200);
    faults.push({ status: 404 });
    expect((await requestBuffered(`${server.url}/faulty/404`, fast)).status).toBe(404);
    expect(hits('/faulty/404')).toBe(1);
    faults.push({ status: 503 });
    expect((await requestBuffered(`${server.url}/faulty/post`, { ...fast, method: 'POST', body: 'x' })).status).toBe(503);
    expect(hits('/faulty/post')).toBe(1);
  });

  it('a streamed GET retries statuses, then hands the body to the caller', async () => {
    faults.push({ status: 502 });
    const response = await request(`${server.url}/faulty/stream`, fast);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(BODY);
    expect(hits('/faulty/stream')).toBe(2);
  });
});

describe('failures are named', { timeout: 20_000 }, () => {
  it.each<[Fault, RegExp]>([
    ['reset', /^GET http:\/\/127\.0\.0\.1:\d+\/faulty\/named: the connection closed after 100 of 14000 bytes: the response was cut short( \(UND_ERR_SOCKET\))?$/],
    ['truncate', /^GET http:\/\/127\.0\.0\.1:\d+\/faulty\/named: the connection closed after 100 of 14000 bytes: the response was cut short( \(UND_ERR_SOCKET\))?$/],
  ])('%s: the URL (without its query) and what happened, never a bare "terminated"', async (fault, message) => {
    faults.push(...Array(5).fill(fault));
    const error = (await requestBuffered(`${server.url}/faulty/named?token=secret`, { ...fast, retries: 1 }).catch((e: unknown) => e)) as HttpRequestError;
    expect(error).toBeInstanceOf(HttpRequestError);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('secret');
    expect(error.kind).toBe('network');
  }, 30_000);

  it('a connection refused, not retried', async () => {
    const gone = await startServer((_, response) => response.end());
    await gone.stop();
    const messages: string[] = [];
    const error = (await request(`http://127.0.0.1:${gone.port}/x`, { ...fast, onRetry: (m) => messages.push(m) }).catch((e: unknown) => e)) as HttpRequestError;
    expect(error.message).toBe(`GET http://127.0.0.1:${gone.port}/x: cannot connect (ECONNREFUSED)`);
    expect(error.kind).toBe('connect');
    expect(messages).toEqual([]);
  });
});

describe('size limits', { timeout: 20_000 }, () => {
  it('an announced length over the limit is refused before reading', async () => {
    const error = (await requestBuffered(`${server.url}/big`, { ...fast, maxBytes: 1024 }).catch((e: unknown) => e)) as HttpRequestError;
    expect(error.kind).toBe('too-large');
    expect(error.message).toBe(`GET ${server.url}/big: the response is 2048 bytes, over the limit of 1024`);
  });

  it('a chunked body is counted as it arrives', async () => {
    const error = (await requestBuffered(`${server.url}/big-chunked`, { ...fast, maxBytes: 4096 }).catch((e: unknown) => e)) as HttpRequestError;
    expect(error.kind).toBe('too-large');
    expect(error.message).toBe(`GET ${server.url}/big-chunked: the response exceeds the limit of 4096 bytes`);
    const streamed = await request(`${server.url}/big-chunked`, { ...fast, maxBytes: 4096 });
    await expect(streamed.bytes()).rejects.toThrow('exceeds the limit of 4096 bytes');
  });
});

describe('an unread body', { timeout: 20_000 }, () => {
  it('is released by discard(), and by return() on its iterator even if never started: the connection closes', async () => {
    let closed = 0;
    const big = await startServer((request, response) => {
      request.socket.on('close', () => closed++);
      response.writeHead(200, { 'content-length': String(64 * 1024 * 1024) });
      response.write(Buffer.alloc(4 * 1024 * 1024));
    });
    try {
      const first = await request(`${big.url}/a`, fast);
      await first.discard();
      const second = await request(`${big.url}/b`, fast);
      await (second.body as AsyncGenerator<Uint8Array>).return(undefined);
      const third = await request(`${big.url}/c`, fast);
      for await (const chunk of third.body) if (chunk.byteLength > 0) break;
      await expect.poll(() => closed, { timeout: 10_000 }).toBe(3);
    } finally {
      await big.stop();
    }
  }, 30_000);
});
