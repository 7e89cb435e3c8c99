// Every request is bounded: a server that accepts and never answers, one that stops mid-body, one
// that never completes a TLS handshake, one that never reads an upload, one that trickles forever.
// Each fails with a named timeout (and the variable that changes it) instead of hanging.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpRequestError, request, requestBuffered, resolveTimeouts } from '../src/index.js';
import { startDeafServer, startServer, startSilentServer, type TestServer } from './servers.js';

const env = {};
const short = { connectMs: 1000, responseMs: 500, stallMs: 500 };
let server: TestServer;

beforeAll(async () => {
  server = await startServer((request, response) => {
    if (request.url === '/stall') {
      response.writeHead(200, { 'content-length': '1000' });
      response.write('x'.repeat(100));
      return; // never ends
    }
    if (request.url === '/trickle') {
      response.writeHead(200);
      const timer = setInterval(() => (response.destroyed ? clearInterval(timer) : response.write('x')), 100);
      return;
    }
    response.writeHead(200).end('ok');
  });
});
afterAll(async () => {
  await server?.stop();
});

async function failure(promise: Promise<unknown>): Promise<HttpRequestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HttpRequestError);
  return error as HttpRequestError;
}

describe('timeouts', () => {
  it('a server that accepts the connection and never answers: the response timeout, then retries, then a named error', async () => {
    const silent = await startSilentServer();
    try {
      const error = await failure(request(`http://127.0.0.1:${silent.port}/registry.yaml`, { env, timeouts: short, retries: 2, retryDelayMs: 10 }));
      expect(error.timeout).toBe('response');
      expect(error.message).toBe(`GET http://127.0.0.1:${silent.port}/registry.yaml: no response within 500 ms of sending the request (response timeout, FCTL_HTTP_RESPONSE_TIMEOUT)`);
      expect(silent.connections()).toBe(3);
    } finally {
      await silent.stop();
    }
  }, 30_000);

  it('a PUT is not retried unless the caller says it is idempotent', async () => {
    const silent = await startSilentServer();
    try {
      await failure(request(`http://127.0.0.1:${silent.port}/x`, { env, method: 'PUT', body: 'a', timeouts: short, retryDelayMs: 10 }));
      expect(silent.connections()).toBe(1);
      await failure(request(`http://127.0.0.1:${silent.port}/x`, { env, method: 'PUT', body: 'a', idempotent: true, retries: 1, timeouts: short, retryDelayMs: 10 }));
      expect(silent.connections()).toBe(3);
    } finally {
      await silent.stop();
    }
  }, 30_000);

  it('a body that stops mid-way: the stall timeout names how far it got', async () => {
    const response = await request(`${server.url}/stall`, { env, timeouts: short });
    expect(response.status).toBe(200);
    const error = await failure(response.bytes());
    expect(error.timeout).toBe('stall');
    expect(error.message).toBe(`GET ${server.url}/stall: the response stalled: no data for 500 ms after 100 of 1000 bytes (stall timeout, FCTL_HTTP_STALL_TIMEOUT)`);
  }, 30_000);

  it('a buffered read retries a stalled body, then gives up with the stall named', async () => {
    const before = server.seen.filter((s) => s.path === '/stall').length;
    const error = await failure(requestBuffered(`${server.url}/stall`, { env, timeouts: short, retries: 1, retryDelayMs: 10 }));
    expect(error.timeout).toBe('stall');
    expect(server.seen.filter((s) => s.path === '/stall').length - before).toBe(2);
  }, 30_000);

  it('a TLS handshake that never completes: the connect timeout', async () => {
    const silent = await startSilentServer();
    try {
      const error = await failure(request(`https://127.0.0.1:${silent.port}/`, { env, timeouts: short, retries: 0 }));
      expect(error.timeout).toBe('connect');
      expect(error.message).toBe(`GET https://127.0.0.1:${silent.port}/: no connection within 1 s (connect timeout, FCTL_HTTP_CONNECT_TIMEOUT)`);
    } finally {
      await silent.stop();
    }
  }, 30_000);

  it('an upload the server never reads fails instead of hanging', async () => {
    const deaf = await startDeafServer();
    try {
      // 64 MiB: far more than the socket buffers hold, so the upload itself stalls.
      const chunk = Buffer.alloc(1024 * 1024, 1);
      const body = async function* () {
        for (let i = 0; i < 64; i++) yield chunk;
      };
      const error = await failure(request(`http://127.0.0.1:${deaf.port}/upload`, { env, method: 'PUT', body, headers: { 'content-length': String(64 * chunk.length) }, timeouts: short }));
      expect(error.kind).toBe('timeout');
      expect(error.message).toMatch(new RegExp(`^PUT http://127.0.0.1:${deaf.port}/upload: `));
    } finally {
      await deaf.stop();
    }
  }, 30_000);

  it('the overall deadline bounds a response that trickles forever', async () => {
    const response = await request(`${server.url}/trickle`, { env, timeouts: { ...short, deadlineMs: 1000 } });
    const error = await failure(response.bytes());
    expect(error.timeout).toBe('deadline');
    expect(error.transient).toBe(false);
    expect(error.message).toBe(`GET ${server.url}/trickle: no complete response within 1 s (the overall deadline, FCTL_HTTP_TIMEOUT)`);
  }, 30_000);

  it('the overall deadline also bounds the retries', async () => {
    const silent = await startSilentServer();
    try {
      const error = await failure(request(`http://127.0.0.1:${silent.port}/`, { env, timeouts: { ...short, deadlineMs: 1500 }, retries: 100, retryDelayMs: 10 }));
      expect(error.timeout).toBe('deadline');
      expect(silent.connections()).toBeLessThan(100);
    } finally {
      await silent.stop();
    }
  }, 30_000);

  it('the environment overrides the caller, and refuses a duration without a unit', async () => {
    expect(resolveTimeouts({ responseMs: 5000 }, { FCTL_HTTP_RESPONSE_TIMEOUT: '2s' }).responseMs).toBe(2000);
    expect(resolveTimeouts({ responseMs: 5000 }, {}).responseMs).toBe(5000);
    expect(resolveTimeouts({}, {})).toEqual({ connectMs: 10_000, responseMs: 30_000, stallMs: 30_000, deadlineMs: 1_800_000 });
    expect(() => resolveTimeouts({}, { FCTL_HTTP_TIMEOUT: '10' })).toThrow('FCTL_HTTP_TIMEOUT takes a duration with a unit, like 30s, 2m or 500ms; got "10"');
    const silent = await startSilentServer();
    try {
      const error = await failure(request(`http://127.0.0.1:${silent.port}/`, { env: { FCTL_HTTP_RESPONSE_TIMEOUT: '300ms' }, timeouts: { responseMs: 60_000 }, retries: 0 }));
      expect(error.message).toContain('no response within 300 ms');
    } finally {
      await silent.stop();
    }
  }, 30_000);

  it('an abort by the caller is the caller’s own error, not a timeout', async () => {
    const silent = await startSilentServer();
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('interrupted')), 100);
      await expect(request(`http://127.0.0.1:${silent.port}/`, { env, signal: controller.signal })).rejects.toThrow('interrupted');
    } finally {
      await silent.stop();
    }
  }, 30_000);
});
