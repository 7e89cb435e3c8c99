// context.http on protocol v1 behind a proxy: HTTPS_PROXY / HTTP_PROXY / NO_PROXY as the host's HTTP
// layer reads them. A real tinyproxy on loopback (test/support/tinyproxy.ts) logs what passed; a
// hand-made proxy records the CONNECT headers. The token goes only to the stack, inside the tunnel.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTinyproxy, type Tinyproxy } from '../../../test/support/tinyproxy.js';
import { proxyFor } from '../src/http.js';
import { createPlugin, flag } from '../src/index.js';
import { invokeCommand } from '../src/testing.js';

const TOKEN = 'eyJhbGciOi.sekret-proxy-token.xyz';
const PROXY_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];
const saved = Object.fromEntries(PROXY_VARS.map((name) => [name, process.env[name]]));
const setProxyEnv = (vars: Record<string, string>) => {
  for (const name of PROXY_VARS) delete process.env[name];
  Object.assign(process.env, vars);
};
afterEach(() => {
  for (const name of PROXY_VARS) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};

const plugin = createPlugin({ name: 'probe', description: 'probe' });
plugin.command({
  use: 'fetch',
  short: 'fetch',
  flags: { url: flag.string({ description: 'url', required: true }) },
  run: async ({ flags, http }) => {
    try {
      const response = await http.fetch(flags.url);
      return { status: response.status, text: await response.text() };
    } catch (error) {
      const { name, kind, code, message } = error as { name: string; kind?: string; code?: string; message: string };
      return { error: { name, kind, code, message } };
    }
  },
});
const run = (serviceUrl: string, insecureSkipTlsVerify = false) =>
  invokeCommand(plugin, 'fetch', { flags: { url: '/x' }, auth: { serviceUrl, accessToken: TOKEN, insecureSkipTlsVerify } }) as Promise<Record<string, any>>;

let proxy: Tinyproxy;
let stack: Server;
let secure: Server;
let stackUrl: string;
let secureUrl: string;
const seen: Array<{ url: string; authorization?: string }> = [];
const handler = (request: IncomingMessage, response: import('node:http').ServerResponse) => {
  seen.push({ url: request.url!, authorization: request.headers.authorization });
  response.end(`stack ${request.headers.authorization === `Bearer ${TOKEN}`}`);
};

beforeAll(async () => {
  proxy = await startTinyproxy();
  stack = createHttpServer(handler);
  stackUrl = `http://127.0.0.1:${await listen(stack)}`;
  const dir = mkdtempSync(join(tmpdir(), 'sdk-proxy-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  secure = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, handler) as unknown as Server;
  secureUrl = `https://127.0.0.1:${await listen(secure)}`;
}, 30_000);
afterAll(async () => {
  await proxy?.stop();
  await new Promise((resolve) => stack.close(resolve));
  await new Promise((resolve) => secure.close(resolve));
});

describe('context.http on protocol v1 through a proxy (real tinyproxy)', () => {
  it('sends an http stack request through HTTP_PROXY, in a CONNECT tunnel: the proxy never sees the token', async () => {
    setProxyEnv({ HTTP_PROXY: proxy.url });
    const before = proxy.requests().length;
    seen.length = 0;
    expect(await run(stackUrl)).toEqual({ status: 200, text: 'stack true' });
    expect(proxy.requests().slice(before)).toEqual([new URL(stackUrl).host]);
    expect(seen).toEqual([{ url: '/x', authorization: `Bearer ${TOKEN}` }]);
    expect(proxy.log()).not.toContain(TOKEN);
  });

  it('sends an https stack request through HTTPS_PROXY (TLS inside the tunnel, insecure flag honoured)', async () => {
    setProxyEnv({ HTTPS_PROXY: proxy.url });
    const before = proxy.requests().length;
    expect(await run(secureUrl)).toMatchObject({ error: { kind: 'unavailable', code: 'tls' } });
    expect(await run(secureUrl, true)).toEqual({ status: 200, text: 'stack true' });
    expect(proxy.requests().slice(before)).toEqual([new URL(secureUrl).host, new URL(secureUrl).host]);
    expect(proxy.log()).not.toContain(TOKEN);
  });

  it('uses HTTP_PROXY for an https stack when HTTPS_PROXY is unset, as undici does', async () => {
    setProxyEnv({ http_proxy: proxy.url });
    const before = proxy.requests().length;
    expect(await run(secureUrl, true)).toEqual({ status: 200, text: 'stack true' });
    expect(proxy.requests().slice(before)).toEqual([new URL(secureUrl).host]);
  });

  it.each([
    ['the host', '127.0.0.1'],
    ['the host and port', () => new URL(stackUrl).host],
    ['a list with spaces', () => `example.com, 127.0.0.1`],
    ['*', '*'],
  ])('goes direct when NO_PROXY names %s', async (_name, noProxy) => {
    setProxyEnv({ HTTP_PROXY: proxy.url, NO_PROXY: typeof noProxy === 'function' ? noProxy() : noProxy });
    const before = proxy.requests().length;
    seen.length = 0;
    expect(await run(stackUrl)).toEqual({ status: 200, text: 'stack true' });
    expect(proxy.requests().slice(before)).toEqual([]);
    expect(seen).toHaveLength(1);
  });

  it('still proxies when NO_PROXY names another port or a host that only ends the same', async () => {
    setProxyEnv({ HTTP_PROXY: proxy.url, no_proxy: '127.0.0.1:1,27.0.0.1' });
    const before = proxy.requests().length;
    expect(await run(stackUrl)).toEqual({ status: 200, text: 'stack true' });
    expect(proxy.requests().slice(before)).toEqual([new URL(stackUrl).host]);
  });
});

describe('what the proxy is sent (a recording proxy)', () => {
  let recorder: Server;
  let recorderPort: number;
  const connects: Array<{ url: string; headers: Record<string, unknown> }> = [];
  beforeAll(async () => {
    recorder = createHttpServer((request, response) => response.writeHead(500).end());
    recorder.on('connect', (request: IncomingMessage, socket: import('node:net').Socket) => {
      connects.push({ url: request.url!, headers: request.headers });
      socket.end('HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\n\r\n');
    });
    recorderPort = await listen(recorder);
  });
  afterAll(() => new Promise((resolve) => recorder.close(resolve)));

  it('sends Proxy-Authorization only from the proxy URL userinfo, never the token; a refused tunnel names neither', async () => {
    setProxyEnv({ HTTP_PROXY: `http://pr%40xy:pa%3Ass@127.0.0.1:${recorderPort}` });
    connects.length = 0;
    const result = await run(stackUrl);
    expect(result).toMatchObject({ error: { kind: 'unavailable', code: 'connect' } });
    expect(JSON.stringify(result)).not.toContain(TOKEN);
    expect(JSON.stringify(result)).not.toContain('pa');
    expect(connects).toHaveLength(1);
    expect(connects[0]!.url).toBe(new URL(stackUrl).host);
    expect(connects[0]!.headers['proxy-authorization']).toBe(`Basic ${Buffer.from('pr@xy:pa:ss').toString('base64')}`);
    expect(connects[0]!.headers.authorization).toBeUndefined();
    expect(JSON.stringify(connects[0]!.headers)).not.toContain(TOKEN);
  });

  it('sends no Proxy-Authorization when the proxy URL has no userinfo', async () => {
    setProxyEnv({ HTTP_PROXY: `http://127.0.0.1:${recorderPort}` });
    connects.length = 0;
    await run(stackUrl);
    expect(connects[0]!.headers['proxy-authorization']).toBeUndefined();
  });

  it('reports an unreachable proxy as unavailable / connect, without the token or the proxy password', async () => {
    const closed = createHttpServer();
    const port = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    setProxyEnv({ HTTP_PROXY: `http://user:hunter2@127.0.0.1:${port}` });
    const result = await run(stackUrl);
    expect(result).toMatchObject({ error: { kind: 'unavailable', code: 'connect' } });
    expect(JSON.stringify(result)).not.toContain(TOKEN);
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });

  it('refuses a proxy variable that is not a URL without echoing it', async () => {
    setProxyEnv({ HTTP_PROXY: 'not a url hunter2' });
    const result = await run(stackUrl);
    expect(result).toMatchObject({ error: { kind: 'refused', code: 'invalid_proxy' } });
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });
});

describe('proxyFor (the host\'s rules: undici EnvHttpProxyAgent)', () => {
  const target = new URL('https://api.stack.example.com:8443/x');
  it.each([
    [{}, undefined],
    [{ HTTPS_PROXY: 'http://p:1' }, 'http://p:1/'],
    [{ https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:1' }, 'http://lower:1/'],
    [{ https_proxy: '', HTTPS_PROXY: 'http://upper:1' }, undefined],
    [{ HTTPS_PROXY: 'http://p:1', NO_PROXY: 'stack.example.com' }, undefined],
    [{ HTTPS_PROXY: 'http://p:1', NO_PROXY: '.example.com' }, undefined],
    [{ HTTPS_PROXY: 'http://p:1', NO_PROXY: '*.example.com' }, undefined],
    [{ HTTPS_PROXY: 'http://p:1', NO_PROXY: 'API.STACK.example.com:8443' }, undefined],
    [{ HTTPS_PROXY: 'http://p:1', NO_PROXY: 'api.stack.example.com:443' }, 'http://p:1/'],
    [{ HTTPS_PROXY: 'http://p:1', NO_PROXY: 'ample.com' }, 'http://p:1/'],
  ])('%j → %s', (env, expected) => {
    expect(proxyFor(target, env as NodeJS.ProcessEnv)?.href).toBe(expected);
  });
});
