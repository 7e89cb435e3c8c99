// context.http on protocol v1: the SDK makes the request itself, with the token, to the stack only.
// Real loopback servers: one is the stack, the other any other origin, which must never be reached.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlugin, flag } from '../src/index.js';
import { invokeCommand } from '../src/testing.js';

interface Seen {
  method: string;
  url: string;
  authorization?: string;
  body: string;
}

const TOKEN = 'sekret-token-1234';
let stack: Server;
let other: Server;
let stackUrl: string;
let otherUrl: string;
const stackSeen: Seen[] = [];
const otherSeen: Seen[] = [];

const record = (into: Seen[]) => async (request: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  into.push({ method: request.method!, url: request.url!, authorization: request.headers.authorization, body: Buffer.concat(chunks).toString() });
};

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};

beforeAll(async () => {
  stack = createHttpServer(async (request, response) => {
    await record(stackSeen)(request);
    const url = request.url!;
    if (url === '/api/redirect-out') return void response.writeHead(302, { location: `${otherUrl}/steal` }).end();
    if (url === '/api/redirect-in') return void response.writeHead(302, { location: '/api/echo?from=redirect' }).end();
    if (url === '/api/redirect-dots') return void response.writeHead(302, { location: '/api/%2e%2e/admin' }).end();
    if (url === '/api/see-other') return void response.writeHead(303, { location: '/api/echo' }).end();
    if (url === '/api/gzip') return void response.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/plain' }).end(gzipSync('unzipped'));
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: url }));
  });
  other = createHttpServer(async (request, response) => {
    await record(otherSeen)(request);
    response.writeHead(200).end('other');
  });
  stackUrl = `http://127.0.0.1:${await listen(stack)}/api`;
  otherUrl = `http://127.0.0.1:${await listen(other)}`;
});
afterAll(async () => {
  await new Promise((resolve) => stack.close(resolve));
  await new Promise((resolve) => other.close(resolve));
});

const plugin = createPlugin({ name: 'probe', description: 'probe' });
plugin.command({
  use: 'fetch',
  short: 'fetch',
  flags: { url: flag.string({ description: 'url', required: true }), method: flag.string({ description: 'method', default: 'GET' }), body: flag.string({ description: 'body' }), header: flag.stringList({ description: 'n=v' }) },
  run: async ({ flags, http }) => {
    try {
      const response = await http.fetch(flags.url, { method: flags.method, body: flags.body, headers: flags.header.map((h) => h.split('=', 2) as [string, string]) });
      return { status: response.status, url: response.url, text: await response.text(), encoding: response.headers.get('content-encoding') };
    } catch (error) {
      const { name, kind, code, message } = error as { name: string; kind?: string; code?: string; message: string };
      return { error: { name, kind, code, message } };
    }
  },
});

const run = (url: string, more: Record<string, unknown> = {}, auth: Record<string, unknown> = {}) =>
  invokeCommand(plugin, 'fetch', { flags: { url, ...more }, auth: { serviceUrl: stackUrl, accessToken: TOKEN, ...auth } }) as Promise<Record<string, any>>;

describe('context.http on protocol v1 (direct, with the token)', () => {
  it('appends a path to serviceUrl and sends the token to the stack', async () => {
    stackSeen.length = 0;
    expect(await run('/api/ledger?x=1')).toMatchObject({ status: 200, url: `${stackUrl}/api/ledger?x=1`, text: JSON.stringify({ path: '/api/api/ledger?x=1' }) });
    expect(stackSeen).toEqual([{ method: 'GET', url: '/api/api/ledger?x=1', authorization: `Bearer ${TOKEN}`, body: '' }]);
  });

  it('sends no authorization without a token', async () => {
    stackSeen.length = 0;
    await run('/x', {}, { accessToken: undefined });
    expect(stackSeen[0]!.authorization).toBeUndefined();
  });

  it.each([
    ['another port', () => `${otherUrl}/steal`, 'other_origin'],
    ['another host name for the same server', () => stackUrl.replace('127.0.0.1', 'localhost'), 'other_origin'],
    ['the same origin outside the stack path', () => `${new URL(stackUrl).origin}/admin`, 'outside_prefix'],
    ['userinfo', () => stackUrl.replace('http://', 'http://user:pw@'), 'userinfo'],
  ])('refuses an absolute URL on %s: nothing is sent anywhere', async (_name, url, code) => {
    stackSeen.length = 0;
    otherSeen.length = 0;
    expect(await run(url())).toMatchObject({ error: { name: 'HttpRequestError', kind: 'refused', code } });
    expect(stackSeen).toEqual([]);
    expect(otherSeen).toEqual([]);
  });

  it.each([
    ['/../admin', 'dot_segment'],
    ['/./x', 'dot_segment'],
    ['/%2e%2e/admin', 'dot_segment'],
    ['/%2E./admin', 'dot_segment'],
    ['/%252e%252e/admin', 'dot_segment'],
    ['/%25252e%25252e/admin', 'dot_segment'],
    ['/%2e%2e/%zz', 'dot_segment'],
    ['/x/%2e%2e%2f%2e%2e%2fadmin', 'dot_segment'],
    ['/a\\b', 'backslash'],
    ['/a%5cb', 'backslash'],
    ['/x#top', 'fragment'],
  ])('refuses the path %s (%s), on both versions: nothing is sent', async (path, code) => {
    stackSeen.length = 0;
    expect(await run(path)).toMatchObject({ error: { kind: 'refused', code } });
    expect(stackSeen).toEqual([]);
  });

  it('percent-encodes what is not printable ASCII (UTF-8; a lone surrogate as U+FFFD)', async () => {
    stackSeen.length = 0;
    await run('/caf\u00e9 x/\ud800');
    expect(stackSeen.map((s) => s.url)).toEqual(['/api/caf%C3%A9%20x/%EF%BF%BD']);
  });

  it('accepts dots that are not segments, and encoded slashes', async () => {
    stackSeen.length = 0;
    expect(await run('/v1.2/..x/a%2Fb?q=../x')).toMatchObject({ status: 200 });
    expect(stackSeen.map((s) => s.url)).toEqual(['/api/v1.2/..x/a%2Fb?q=../x']);
  });

  it('refuses a redirect to another origin without following it: the token never leaves the stack', async () => {
    otherSeen.length = 0;
    expect(await run('/redirect-out')).toMatchObject({ error: { kind: 'refused', code: 'redirect_other_origin' } });
    expect(otherSeen).toEqual([]);
  });

  it('refuses a redirect to a dot-segment path (encoded) without following it', async () => {
    stackSeen.length = 0;
    expect(await run('/redirect-dots')).toMatchObject({ error: { kind: 'refused', code: 'redirect_dot_segment' } });
    expect(stackSeen.map((s) => s.url)).toEqual(['/api/redirect-dots']);
  });

  it('follows a redirect within the stack (the token on each hop), and a 303 as GET without the body', async () => {
    stackSeen.length = 0;
    expect(await run('/redirect-in')).toMatchObject({ status: 200, text: JSON.stringify({ path: '/api/echo?from=redirect' }) });
    expect(stackSeen.map((s) => [s.url, s.authorization])).toEqual([
      ['/api/redirect-in', `Bearer ${TOKEN}`],
      ['/api/echo?from=redirect', `Bearer ${TOKEN}`],
    ]);
    stackSeen.length = 0;
    await run('/see-other', { method: 'POST', body: 'payload' });
    expect(stackSeen.map((s) => [s.method, s.url, s.body])).toEqual([
      ['POST', '/api/see-other', 'payload'],
      ['GET', '/api/echo', ''],
    ]);
  });

  it('refuses credential, routing and reserved headers from the plugin, as fctl\'s broker does (the token is the SDK\'s to add)', async () => {
    stackSeen.length = 0;
    expect(await run('/x', { header: ['authorization=Bearer other'] })).toMatchObject({ error: { kind: 'refused', code: 'credential_header' } });
    expect(await run('/x', { header: ['cookie=a=b'] })).toMatchObject({ error: { kind: 'refused', code: 'credential_header' } });
    expect(await run('/x', { header: ['X-Auth-Token=t'] })).toMatchObject({ error: { kind: 'refused', code: 'credential_header' } });
    expect(await run('/x', { header: ['x-original-url=/admin'] })).toMatchObject({ error: { kind: 'refused', code: 'routing_header' } });
    expect(await run('/x', { header: ['expect=100-continue'] })).toMatchObject({ error: { kind: 'refused', code: 'reserved_header' } });
    expect(stackSeen).toEqual([]);
  });

  it('lets ordinary headers through (x-request-id, idempotency-key)', async () => {
    expect(await run('/x', { header: ['x-request-id=1', 'idempotency-key=k'] })).toMatchObject({ status: 200 });
  });

  it('decodes a gzip response, as fctl does on v2', async () => {
    expect(await run('/gzip')).toMatchObject({ status: 200, text: 'unzipped', encoding: null });
  });

  it('reports an unreachable stack as unavailable / connect', async () => {
    const closed = createHttpServer();
    const port = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    expect(await run('/x', {}, { serviceUrl: `http://127.0.0.1:${port}` })).toMatchObject({ error: { kind: 'unavailable', code: 'connect' } });
  });

  describe('TLS', () => {
    let tls: Server;
    let tlsUrl: string;
    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sdk-tls-'));
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
      tls = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (request, response) => {
        response.writeHead(200).end(`tls ${request.headers.authorization === `Bearer ${TOKEN}`}`);
      }) as unknown as Server;
      tlsUrl = `https://127.0.0.1:${await listen(tls)}`;
    });
    afterAll(() => new Promise((resolve) => tls.close(resolve)));

    it('verifies certificates unless the profile says insecureSkipTlsVerify', async () => {
      expect(await run('/x', {}, { serviceUrl: tlsUrl })).toMatchObject({ error: { kind: 'unavailable', code: 'tls' } });
      expect(await run('/x', {}, { serviceUrl: tlsUrl, insecureSkipTlsVerify: true })).toMatchObject({ status: 200, text: 'tls true' });
    });
  });
});
