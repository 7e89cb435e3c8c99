// The broker against real loopback servers (and a real proxy): credentials added by the host only,
// never shown back; credential and framing headers from the plugin refused; redirects followed and
// each hop scoped again; bodies bounded while streaming; timeout, cancel, the in-flight bound; TLS
// and proxy from the profile and environment; servers that fail in each way.
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCoreMessageFor, type HttpError, type HttpRequest, type HttpResponse } from '@fctl-kit/protocol';
import { createBroker, MAX_BROKER_REDIRECTS, type BrokerOptions, type HttpBroker } from '../src/broker/index.js';
import { startServer, type TestServer } from '../../http/test/servers.js';
import { startTinyproxy, type Tinyproxy } from '../../../test/support/tinyproxy.js';
import { makeLoopbackCertificate } from '../../../test/support/tls-cert.js';

const TOKEN = 'eyJhbGciOi.sekret-token-value.xyz';
const never = new AbortController().signal;
let nextId = 0;

function request(url: string, extra: Partial<HttpRequest> = {}): HttpRequest {
  return { type: 'http.request', id: `r${++nextId}`, execute: '1', method: 'GET', url, headers: [], ...extra };
}

type Route = (request: IncomingMessage, response: ServerResponse) => void;
const routes = new Map<string, Route>();
let stack: TestServer;
let foreign: TestServer;
const lines: string[] = [];
let broker: HttpBroker;

/** A broker whose every answer is checked as a protocol v2 message from the core (as the host checks it before writing). */
function checkedBroker(options: BrokerOptions): HttpBroker {
  const inner = createBroker(options);
  return { limits: inner.limits, handle: async (request, signal) => checkCoreMessageFor(2, await inner.handle(request, signal)) as HttpResponse | HttpError };
}

const make = (options: Partial<BrokerOptions> = {}) =>
  checkedBroker({ serviceUrl: stack.url, servicePrefix: '/api/ledger', token: TOKEN, env: {}, debug: (line) => lines.push(line), ...options });

beforeAll(async () => {
  stack = await startServer((request, response) => {
    const path = (request.url ?? '').split('?')[0]!;
    const route = routes.get(path);
    if (route) route(request, response);
    else response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: request.url }));
  });
  foreign = await startServer((_, response) => response.end('foreign'));
  broker = make();
});
afterAll(async () => {
  await Promise.all([stack?.stop(), foreign?.stop()]);
});

const seenAt = (path: string) => stack.seen.filter((seen) => seen.path.split('?')[0] === path);
const errorOf = (answer: HttpResponse | HttpError) => (answer.type === 'http.error' ? answer.error : undefined);
const bodyText = (answer: HttpResponse | HttpError) => {
  if (answer.type !== 'http.response' || !answer.body) return '';
  return answer.body.encoding === 'utf8' ? answer.body.data : Buffer.from(answer.body.data, 'base64').toString('latin1');
};

describe('broker: credentials', () => {
  it('the host adds Authorization: Bearer <token> to requests to the stack; the plugin gets the answer', async () => {
    const answer = await broker.handle(request('/api/ledger/v2/_info', { headers: [['accept', 'application/json'], ['x-request-id', 'abc']] }), never);
    expect(answer).toMatchObject({ type: 'http.response', status: 200, body: { encoding: 'utf8', data: '{"path":"/api/ledger/v2/_info"}' } });
    const seen = seenAt('/api/ledger/v2/_info').at(-1)!;
    expect(seen.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen.headers.accept).toBe('application/json');
    expect(seen.headers['x-request-id']).toBe('abc');
  });

  it('without a token no Authorization is sent', async () => {
    await make({ token: undefined }).handle(request('/api/ledger/no-token'), never);
    expect(seenAt('/api/ledger/no-token').at(-1)!.headers.authorization).toBeUndefined();
  });

  it('credential headers from the plugin are refused in any case and spelling, and nothing is sent', async () => {
    const before = stack.seen.length;
    for (const name of ['Authorization', 'authorization', 'AUTHORIZATION', 'Proxy-Authorization', 'Cookie', 'cookie2', 'api-key', 'X-Api-Key', 'x_api_key', 'apikey', 'X-Auth-Token', 'x-auth-user', 'Private-Token', 'x-csrf-token', 'X-Amz-Security-Token', 'x-session-id', 'x-client-secret', 'x-jwt']) {
      const answer = await broker.handle(request('/api/ledger/x', { headers: [[name, 'Bearer mine']] }), never);
      expect(errorOf(answer), name).toMatchObject({ kind: 'refused', code: 'credential_header' });
    }
    expect(stack.seen.length).toBe(before);
  });

  it('framing and hop-by-hop headers are refused; Accept-Encoding is dropped (the host decodes bodies)', async () => {
    const before = stack.seen.length;
    for (const name of ['Host', 'Content-Length', 'Transfer-Encoding', 'Connection', 'Upgrade', 'TE', 'Expect', 'Keep-Alive', 'Trailer']) {
      expect(errorOf(await broker.handle(request('/api/ledger/x', { headers: [[name, 'x']] }), never)), name).toMatchObject({ kind: 'refused', code: 'reserved_header' });
    }
    expect(stack.seen.length).toBe(before);
    await broker.handle(request('/api/ledger/encodings', { headers: [['Accept-Encoding', 'gzip'], ['x-multi', 'a'], ['X-Multi', 'b']] }), never);
    const seen = seenAt('/api/ledger/encodings').at(-1)!;
    expect(seen.headers['accept-encoding']).toBeUndefined();
    expect(seen.headers['x-multi']).toBe('a, b');
  });

  it('headers some servers route by (X-Original-URL, X-Forwarded-Prefix, Forwarded...) are refused: they would lead around the prefix', async () => {
    // This stack honours X-Original-URL, as IIS and Symfony do: sent, it would answer /api/auth.
    routes.set('/api/ledger/rewritten', (req, res) => res.end(`served ${req.headers['x-original-url'] ?? req.url}`));
    const before = stack.seen.length;
    for (const name of ['X-Original-URL', 'x-rewrite-url', 'X-Forwarded-Host', 'X-Forwarded-Prefix', 'x-forwarded-proto', 'Forwarded', 'X-Host']) {
      expect(errorOf(await broker.handle(request('/api/ledger/rewritten', { headers: [[name, '/api/auth/keys']] }), never)), name).toMatchObject({ kind: 'refused', code: 'routing_header' });
    }
    expect(stack.seen.length).toBe(before);
  });

  it('a header name or value that could split the request is refused', async () => {
    expect(errorOf(await broker.handle(request('/api/ledger/x', { headers: [['x-a', 'b\r\nX-Injected: 1']] }), never))).toMatchObject({ kind: 'refused', code: 'invalid_header' });
    expect(errorOf(await broker.handle(request('/api/ledger/x', { headers: [['x a', 'b']] }), never))).toMatchObject({ kind: 'refused', code: 'invalid_header' });
  });

  it('the token never comes back: echoing headers removed, body occurrences redacted, Set-Cookie removed, WWW-Authenticate kept; never in a debug line', async () => {
    routes.set('/api/ledger/echo', (req, res) => {
      res.setHeader('x-echo', req.headers.authorization ?? '');
      res.setHeader('x-token-hint', 'nothing');
      res.setHeader('authorization', req.headers.authorization ?? '');
      res.setHeader('set-cookie', ['session=abc', 'other=def']);
      res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
      res.setHeader('x-kept', 'yes');
      res.writeHead(401, { 'content-type': 'text/plain' }).end(`you sent ${req.headers.authorization}; again: ${req.headers.authorization}`);
    });
    lines.length = 0;
    const answer = (await broker.handle(request(`/api/ledger/echo?${TOKEN}=${TOKEN}`), never)) as HttpResponse;
    expect(answer.status).toBe(401);
    expect(bodyText(answer)).toBe('you sent Bearer [redacted]; again: Bearer [redacted]');
    const names = answer.headers.map(([name]) => name);
    expect(names).toContain('x-kept');
    expect(names).toContain('www-authenticate');
    for (const gone of ['x-echo', 'authorization', 'set-cookie', 'x-token-hint']) expect(names).not.toContain(gone);
    expect(JSON.stringify(answer)).not.toContain(TOKEN);
    expect(lines.join('\n')).not.toContain(TOKEN);
    expect(lines).toHaveLength(1);
  });

  it('hop-by-hop response headers are removed', async () => {
    routes.set('/api/ledger/hop', (_, res) => {
      res.setHeader('connection', 'keep-alive, x-private');
      res.setHeader('keep-alive', 'timeout=5');
      res.setHeader('x-private', 'hop');
      res.write('chunked');
      res.end();
    });
    const answer = (await broker.handle(request('/api/ledger/hop'), never)) as HttpResponse;
    const names = answer.headers.map(([name]) => name);
    for (const gone of ['connection', 'keep-alive', 'transfer-encoding', 'x-private']) expect(names).not.toContain(gone);
    expect(bodyText(answer)).toBe('chunked');
  });
});

describe('broker: redirects', () => {
  it('followed by the host within the prefix (at most 5), the token on each hop; the plugin sees the final response', async () => {
    for (let hop = 1; hop <= MAX_BROKER_REDIRECTS; hop++) {
      routes.set(`/api/ledger/hop${hop}`, (_, res) => res.writeHead(302, { location: hop === MAX_BROKER_REDIRECTS ? '/api/ledger/landed' : `hop${hop + 1}` }).end());
    }
    lines.length = 0;
    const answer = await broker.handle(request('/api/ledger/hop1'), never);
    expect(answer).toMatchObject({ type: 'http.response', status: 200, body: { data: '{"path":"/api/ledger/landed"}' } });
    for (let hop = 2; hop <= MAX_BROKER_REDIRECTS; hop++) expect(seenAt(`/api/ledger/hop${hop}`).at(-1)!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seenAt('/api/ledger/landed').at(-1)!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(lines[0]).toMatch(/^→ GET \/api\/ledger\/hop1  200 after 5 redirects \d+ ms$/);
  });

  it('one more than 5 is refused (too_many_redirects); a loop ends the same way', async () => {
    routes.set('/api/ledger/loop', (_, res) => res.writeHead(307, { location: '/api/ledger/loop' }).end());
    expect(errorOf(await broker.handle(request('/api/ledger/loop'), never))).toMatchObject({ kind: 'refused', code: 'too_many_redirects' });
    expect(seenAt('/api/ledger/loop')).toHaveLength(MAX_BROKER_REDIRECTS + 1);
  });

  it('a redirect to another origin is refused and the other origin gets no request (so no token)', async () => {
    for (const location of [`${foreign.url}/api/ledger/x`, `//127.0.0.1:${foreign.port}/api/ledger/x`, `http://127.0.0.1:${foreign.port}\\@127.0.0.1:${stack.port}/api/ledger/x`, `http://user:pw@127.0.0.1:${stack.port}/api/ledger/x`]) {
      routes.set('/api/ledger/away', (_, res) => res.writeHead(302, { location }).end());
      const answer = await broker.handle(request('/api/ledger/away'), never);
      expect(errorOf(answer), location).toMatchObject({ kind: 'refused', code: expect.stringMatching(/^redirect_(other_origin|backslash|userinfo)$/) });
    }
    expect(foreign.seen).toHaveLength(0);
  });

  it('a refused redirect that carries the token (the server put it in the Location) names neither the token in the error nor in the debug line', async () => {
    routes.set('/api/ledger/leaky', (req, res) => res.writeHead(302, { location: `${foreign.url}/steal/${(req.headers.authorization ?? '').slice(7)}` }).end());
    lines.length = 0;
    const answer = await broker.handle(request('/api/ledger/leaky'), never);
    expect(errorOf(answer)).toMatchObject({ kind: 'refused', code: 'redirect_other_origin' });
    expect(JSON.stringify(answer)).not.toContain(TOKEN);
    expect(lines.join('\n')).not.toContain(TOKEN);
    expect(foreign.seen).toHaveLength(0);
    // Nor when the token sits where a message would quote it, far enough in to be cut short.
    routes.set('/api/ledger/leaky-path', (req, res) => res.writeHead(302, { location: `/api/ledger/${'x'.repeat(60)}/%2e%2e/${(req.headers.authorization ?? '').slice(7)}` }).end());
    const dotted = await broker.handle(request('/api/ledger/leaky-path'), never);
    expect(errorOf(dotted)).toMatchObject({ kind: 'refused', code: 'redirect_dot_segment', message: 'the server redirected through a "." or ".." segment; the redirect was not followed' });
    expect(JSON.stringify(dotted)).not.toContain(TOKEN.slice(0, 8));
  });

  it('a redirect outside the prefix, or through a dot segment in any spelling, is refused before the hop is sent', async () => {
    const cases: [string, string][] = [
      ['/api/auth/keys', 'redirect_outside_prefix'],
      ['/api/ledgerX/x', 'redirect_outside_prefix'],
      ['../auth/keys', 'redirect_dot_segment'],
      ['/api/ledger/%2e%2e/auth/keys', 'redirect_dot_segment'],
      ['/api/ledger/%252e%252e/auth/keys', 'redirect_dot_segment'],
      ['/api/ledger/..;/auth/keys', 'redirect_dot_segment'],
      ['ftp://127.0.0.1/api/ledger/', 'redirect_other_origin'],
    ];
    for (const [location, code] of cases) {
      routes.set('/api/ledger/out', (_, res) => res.writeHead(301, { location }).end());
      const answer = await broker.handle(request('/api/ledger/out'), never);
      expect(errorOf(answer), location).toMatchObject({ kind: 'refused', code });
    }
    expect(stack.seen.filter((seen) => !seen.path.startsWith('/api/ledger/'))).toEqual([]);
    expect(seenAt('/api/ledger/x')).toHaveLength(0);
  });

  it('303 turns a POST into a GET without body; 307 repeats the POST with its body', async () => {
    routes.set('/api/ledger/see-other', (_, res) => res.writeHead(303, { location: '/api/ledger/after-303' }).end());
    routes.set('/api/ledger/temporary', (_, res) => res.writeHead(307, { location: '/api/ledger/after-307' }).end());
    const body = { encoding: 'utf8' as const, data: '{"postings":[]}' };
    await broker.handle(request('/api/ledger/see-other', { method: 'POST', body, headers: [['content-type', 'application/json']] }), never);
    expect(seenAt('/api/ledger/after-303').at(-1)).toMatchObject({ method: 'GET', body: Buffer.alloc(0) });
    await broker.handle(request('/api/ledger/temporary', { method: 'POST', body }), never);
    expect(seenAt('/api/ledger/after-307').at(-1)!.method).toBe('POST');
    expect(seenAt('/api/ledger/after-307').at(-1)!.body.toString()).toBe('{"postings":[]}');
  });
});

describe('broker: bodies', () => {
  it('utf8 and base64 request bodies arrive as their bytes', async () => {
    await broker.handle(request('/api/ledger/text', { method: 'POST', body: { encoding: 'utf8', data: 'héllo ✓' } }), never);
    expect(seenAt('/api/ledger/text').at(-1)!.body.toString('utf8')).toBe('héllo ✓');
    const bytes = Buffer.from([0, 255, 1, 254, 10]);
    await broker.handle(request('/api/ledger/binary', { method: 'PUT', body: { encoding: 'base64', data: bytes.toString('base64') } }), never);
    expect(seenAt('/api/ledger/binary').at(-1)!.body).toEqual(bytes);
  });

  it('a request body over maxRequestBodyBytes (decoded) is refused with kind limit and not sent; at the limit it is sent', async () => {
    const small = make({ maxRequestBodyBytes: 16 });
    expect(small.limits).toEqual({ maxInFlight: 8, maxRequestBodyBytes: 16, maxResponseBodyBytes: 32 * 1024 * 1024 });
    const before = stack.seen.length;
    expect(errorOf(await small.handle(request('/api/ledger/big', { method: 'POST', body: { encoding: 'utf8', data: 'é'.repeat(9) } }), never))).toMatchObject({ kind: 'limit', code: 'request_body_too_large' });
    expect(errorOf(await small.handle(request('/api/ledger/big', { method: 'POST', body: { encoding: 'base64', data: Buffer.alloc(17).toString('base64') } }), never))).toMatchObject({ kind: 'limit', code: 'request_body_too_large' });
    expect(stack.seen.length).toBe(before);
    expect(await small.handle(request('/api/ledger/at-limit', { method: 'POST', body: { encoding: 'base64', data: Buffer.alloc(16).toString('base64') } }), never)).toMatchObject({ status: 200 });
  });

  it('malformed base64 and lone surrogates are refused', async () => {
    for (const data of ['abc', 'ab=c', 'YW Jj', 'YWJj\n']) {
      expect(errorOf(await broker.handle(request('/api/ledger/x', { method: 'POST', body: { encoding: 'base64', data } }), never)), data).toMatchObject({ kind: 'refused', code: 'invalid_body' });
    }
    expect(errorOf(await broker.handle(request('/api/ledger/x', { method: 'POST', body: { encoding: 'utf8', data: 'a\ud800b' } }), never))).toMatchObject({ kind: 'refused', code: 'invalid_body' });
  });

  it('response bodies: utf8 when valid and not longer, base64 for binary or escape-heavy text, none when empty or HEAD', async () => {
    routes.set('/api/ledger/bytes', (_, res) => res.end(Buffer.from([0xff, 0xfe, 0x00, 0x41])));
    routes.set('/api/ledger/escapes', (_, res) => res.end('\u0001'.repeat(30)));
    routes.set('/api/ledger/empty', (_, res) => res.writeHead(204).end());
    expect(await broker.handle(request('/api/ledger/bytes'), never)).toMatchObject({ body: { encoding: 'base64', data: Buffer.from([0xff, 0xfe, 0x00, 0x41]).toString('base64') } });
    expect(await broker.handle(request('/api/ledger/escapes'), never)).toMatchObject({ body: { encoding: 'base64', data: Buffer.from('\u0001'.repeat(30)).toString('base64') } });
    const empty = (await broker.handle(request('/api/ledger/empty'), never)) as HttpResponse;
    expect(empty.status).toBe(204);
    expect(empty.body).toBeUndefined();
    const head = (await broker.handle(request('/api/ledger/v2', { method: 'HEAD' }), never)) as HttpResponse;
    expect(head).toMatchObject({ status: 200 });
    expect(head.body).toBeUndefined();
  });

  it('a gzip response is decoded for the plugin (Content-Encoding and Content-Length removed)', async () => {
    routes.set('/api/ledger/gzip', (_, res) => res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'application/json' }).end(gzipSync('{"ok":true}')));
    const answer = (await broker.handle(request('/api/ledger/gzip'), never)) as HttpResponse;
    expect(answer.body).toEqual({ encoding: 'utf8', data: '{"ok":true}' });
    expect(answer.headers.map(([name]) => name)).not.toContain('content-encoding');
    expect(answer.headers.map(([name]) => name)).not.toContain('content-length');
  });

  it('a response body over the limit is abandoned while streaming (the server sees the connection closed before it wrote everything)', async () => {
    const total = 256 * 1024 * 1024;
    let written = 0;
    let closed: Promise<void> = Promise.resolve();
    routes.set('/api/ledger/huge', (_, res) => {
      closed = new Promise((resolve) => res.on('close', () => resolve()));
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const pump = () => {
        while (written < total && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const answer = await make({ maxResponseBodyBytes: 1024 * 1024 }).handle(request('/api/ledger/huge'), never);
    expect(errorOf(answer)).toMatchObject({ kind: 'limit', code: 'response_body_too_large' });
    await closed;
    expect(written).toBeLessThan(total);
  });

  it('an announced Content-Length over the limit, and a gzip bomb counted decoded, are refused with kind limit', async () => {
    routes.set('/api/ledger/announced', (_, res) => res.writeHead(200, { 'content-length': String(2 * 1024 * 1024) }).end(Buffer.alloc(2 * 1024 * 1024)));
    routes.set('/api/ledger/bomb', (_, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(Buffer.alloc(16 * 1024 * 1024))));
    const small = make({ maxResponseBodyBytes: 1024 * 1024 });
    expect(errorOf(await small.handle(request('/api/ledger/announced'), never))).toMatchObject({ kind: 'limit', code: 'response_body_too_large' });
    expect(errorOf(await small.handle(request('/api/ledger/bomb'), never))).toMatchObject({ kind: 'limit', code: 'response_body_too_large' });
  });

  it('more than 100 response headers: kind limit', async () => {
    routes.set('/api/ledger/many-headers', (_, res) => {
      for (let i = 0; i < 120; i++) res.setHeader(`x-h${i}`, 'v');
      res.end('x');
    });
    expect(errorOf(await broker.handle(request('/api/ledger/many-headers'), never))).toMatchObject({ kind: 'limit', code: 'response_headers_too_large' });
  });
});

describe('broker: time, cancel and the in-flight bound', () => {
  it('a stalling server: request.timeoutMs gives kind timeout and the connection is closed', async () => {
    let closed!: Promise<void>;
    routes.set('/api/ledger/stall', (req) => {
      closed = new Promise((resolve) => req.socket.on('close', () => resolve()));
    });
    const answer = await broker.handle(request('/api/ledger/stall', { timeoutMs: 200 }), never);
    expect(errorOf(answer)).toMatchObject({ kind: 'timeout', code: 'timeout' });
    await closed;
  });

  it('aborting the execute signal gives kind cancelled, and the server side connection is closed', async () => {
    let arrived!: () => void;
    const arrival = new Promise<void>((resolve) => (arrived = resolve));
    let closed!: Promise<void>;
    routes.set('/api/ledger/cancel', (req) => {
      closed = new Promise((resolve) => req.socket.on('close', () => resolve()));
      arrived();
    });
    const execute = new AbortController();
    const pending = broker.handle(request('/api/ledger/cancel'), execute.signal);
    await arrival;
    execute.abort();
    expect(errorOf(await pending)).toMatchObject({ kind: 'cancelled', code: 'cancelled' });
    await closed;
  });

  it('an execute signal aborted by its deadline (a TimeoutError) gives kind timeout', async () => {
    routes.set('/api/ledger/deadline', () => {});
    expect(errorOf(await broker.handle(request('/api/ledger/deadline'), AbortSignal.timeout(150)))).toMatchObject({ kind: 'timeout', code: 'timeout' });
  });

  it('an already aborted signal: cancelled, nothing sent', async () => {
    const execute = new AbortController();
    execute.abort();
    const before = stack.seen.length;
    expect(errorOf(await broker.handle(request('/api/ledger/x'), execute.signal))).toMatchObject({ kind: 'cancelled', code: 'cancelled' });
    expect(stack.seen.length).toBe(before);
  });

  it('the (max+1)th concurrent request gets limit too_many_in_flight (not queued); once one is answered a new one is accepted', async () => {
    const held: ServerResponse[] = [];
    let arrivedTwo!: () => void;
    const two = new Promise<void>((resolve) => (arrivedTwo = resolve));
    routes.set('/api/ledger/hold', (_, res) => {
      held.push(res);
      if (held.length === 2) arrivedTwo();
    });
    const bounded = make({ maxInFlight: 2 });
    expect(bounded.limits.maxInFlight).toBe(2);
    const first = bounded.handle(request('/api/ledger/hold'), never);
    const second = bounded.handle(request('/api/ledger/hold'), never);
    await two;
    expect(errorOf(await bounded.handle(request('/api/ledger/hold'), never))).toMatchObject({ kind: 'limit', code: 'too_many_in_flight' });
    expect(seenAt('/api/ledger/hold')).toHaveLength(2);
    // The two may reach the server in either order: answer one, whichever it is.
    held[0]!.end('one');
    expect(bodyText(await Promise.race([first, second]))).toBe('one');
    expect(await bounded.handle(request('/api/ledger/v2/after'), never)).toMatchObject({ status: 200 });
    held[1]!.end('two');
    expect([bodyText(await first), bodyText(await second)].sort()).toEqual(['one', 'two']);
  });
});

/** A TCP server that answers each connection with `raw` bytes, then closes. */
async function rawServer(raw: string): Promise<{ url: string; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('data', () => socket.end(raw));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => (sockets.forEach((socket) => socket.destroy()), server.close(() => resolve()))),
  };
}

describe('broker: failing servers', () => {
  it('connection refused: unavailable connect', async () => {
    const gone = await startServer((_, res) => res.end());
    await gone.stop();
    const answer = await checkedBroker({ serviceUrl: gone.url, servicePrefix: '/api/ledger', token: TOKEN, env: {} }).handle(request('/api/ledger/x'), never);
    expect(errorOf(answer)).toMatchObject({ kind: 'unavailable', code: 'connect' });
    expect(JSON.stringify(answer)).not.toContain(TOKEN);
  });

  it('the server closes in the middle of the body: unavailable network', async () => {
    routes.set('/api/ledger/cut', (_, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('only a part', () => res.socket?.destroy());
    });
    expect(errorOf(await broker.handle(request('/api/ledger/cut'), never))).toMatchObject({ kind: 'unavailable', code: 'network' });
  });

  it('a status outside 200-599 or an answer that is not HTTP: unavailable, named', async () => {
    for (const [raw, code] of [
      ['HTTP/1.1 600 Odd\r\ncontent-length: 0\r\n\r\n', 'invalid_response'],
      ['HTTP/1.1 199 Odd\r\ncontent-length: 0\r\n\r\n', 'invalid_response'],
      ['garbage\r\n\r\n', 'invalid_response'],
    ] as const) {
      const server = await rawServer(raw);
      try {
        const answer = await checkedBroker({ serviceUrl: server.url, servicePrefix: '/api/ledger', env: {} }).handle(request('/api/ledger/x'), never);
        expect(answer.type, raw).toBe('http.error');
        const error = errorOf(answer)!;
        expect(error.kind, raw).toBe('unavailable');
        expect(['invalid_response', 'network'], `${raw}: ${error.code} ${error.message}`).toContain(error.code);
        expect(error.message.length).toBeGreaterThan(10);
        if (raw.startsWith('HTTP/1.1 600')) expect(error).toMatchObject({ code, message: expect.stringContaining('600') });
      } finally {
        await server.stop();
      }
    }
  });
});

describe('broker: TLS and proxy from the profile and environment', { timeout: 30_000 }, () => {
  let proxy: Tinyproxy;
  let secure: TestServer;
  let tunnelled: TestServer;
  beforeAll(async () => {
    const certificate = makeLoopbackCertificate();
    proxy = await startTinyproxy();
    secure = await startServer((req, res) => res.end(`secure ${req.url}`), certificate);
    tunnelled = await startServer((req, res) => res.end(`tunnelled ${req.url}`), certificate);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([proxy?.stop(), secure?.stop(), tunnelled?.stop()]);
  });

  it('TLS is verified unless the profile says insecureTls, and then only for that broker', async () => {
    const verified = checkedBroker({ serviceUrl: secure.url, servicePrefix: '/api/ledger', token: TOKEN, env: {} });
    expect(errorOf(await verified.handle(request('/api/ledger/v'), never))).toMatchObject({ kind: 'unavailable', code: 'tls' });
    const insecure = checkedBroker({ serviceUrl: secure.url, servicePrefix: '/api/ledger', token: TOKEN, env: {}, insecureTls: true });
    expect(bodyText(await insecure.handle(request('/api/ledger/i'), never))).toBe('secure /api/ledger/i');
    expect(errorOf(await verified.handle(request('/api/ledger/v2'), never))).toMatchObject({ kind: 'unavailable', code: 'tls' });
    expect(secure.seen.map((seen) => seen.path)).toEqual(['/api/ledger/i']);
  });

  it('HTTPS_PROXY from env carries the request through a real proxy (a CONNECT tunnel: the proxy never sees the token)', async () => {
    const before = proxy.requests().length;
    const viaProxy = checkedBroker({ serviceUrl: tunnelled.url, servicePrefix: '/api/ledger', token: TOKEN, env: { HTTPS_PROXY: proxy.url }, insecureTls: true });
    expect(bodyText(await viaProxy.handle(request('/api/ledger/p'), never))).toBe('tunnelled /api/ledger/p');
    expect(proxy.requests().slice(before)).toEqual([`127.0.0.1:${tunnelled.port}`]);
    expect(tunnelled.seen.at(-1)!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(proxy.log()).not.toContain(TOKEN);
  });
});
