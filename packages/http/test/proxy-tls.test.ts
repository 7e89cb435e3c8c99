// Proxies from the environment, through a real tinyproxy on 127.0.0.1 whose log says what passed
// through it; TLS verification on, and the insecure option honoured only by the request that asks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpRequestError, layerFetch, request, requestBuffered } from '../src/index.js';
import { startTinyproxy, type Tinyproxy } from '../../../test/support/tinyproxy.js';
import { makeLoopbackCertificate } from '../../../test/support/tls-cert.js';
import { startServer, type TestServer } from './servers.js';

let proxy: Tinyproxy;
let plain: TestServer;
let secure: TestServer;

beforeAll(async () => {
  proxy = await startTinyproxy();
  plain = await startServer((request, response) => response.writeHead(200).end(`plain ${request.url}`));
  secure = await startServer((request, response) => response.writeHead(200).end(`secure ${request.url}`), makeLoopbackCertificate());
}, 30_000);
afterAll(async () => {
  await Promise.all([proxy?.stop(), plain?.stop(), secure?.stop()]);
});

describe('proxies', { timeout: 20_000 }, () => {
  it('HTTP_PROXY carries http requests, loopback included', async () => {
    const before = proxy.requests().length;
    const response = await requestBuffered(`${plain.url}/via-proxy`, { env: { HTTP_PROXY: proxy.url } });
    expect(response.text()).toBe('plain /via-proxy');
    expect(proxy.requests().slice(before)).toEqual([`127.0.0.1:${plain.port}`]);
  });

  it('HTTPS_PROXY carries https requests (a CONNECT tunnel: the proxy never sees the path or headers)', async () => {
    const before = proxy.requests().length;
    const response = await requestBuffered(`${secure.url}/tunnel`, { env: { HTTPS_PROXY: proxy.url }, insecureTls: true, headers: { authorization: 'Bearer t0ken' } });
    expect(response.text()).toBe('secure /tunnel');
    expect(proxy.requests().slice(before)).toEqual([`127.0.0.1:${secure.port}`]);
    expect(proxy.log()).not.toContain('t0ken');
    expect(secure.seen.at(-1)!.headers.authorization).toBe('Bearer t0ken');
  });

  // A server of its own for each of the next tests: a tunnel to a server is kept open and reused.
  it('the lowercase variables work too', async () => {
    const own = await startServer((_, response) => response.end('own'));
    try {
      const before = proxy.requests().length;
      await requestBuffered(`${own.url}/lowercase`, { env: { http_proxy: proxy.url } });
      expect(proxy.requests().slice(before)).toEqual([`127.0.0.1:${own.port}`]);
    } finally {
      await own.stop();
    }
  });

  it('NO_PROXY sends the hosts it names directly', async () => {
    const before = proxy.requests().length;
    for (const noProxy of ['127.0.0.1', `127.0.0.1:${plain.port}`, 'localhost,127.0.0.1']) {
      const response = await requestBuffered(`${plain.url}/direct`, { env: { HTTP_PROXY: proxy.url, NO_PROXY: noProxy } });
      expect(response.text()).toBe('plain /direct');
    }
    expect(proxy.requests().slice(before)).toEqual([]);
    // A NO_PROXY naming another host or port does not exempt this one.
    const own = await startServer((_, response) => response.end('own'));
    try {
      await requestBuffered(`${own.url}/still-proxied`, { env: { HTTP_PROXY: proxy.url, NO_PROXY: `example.com,127.0.0.1:1` } });
      expect(proxy.requests().slice(before)).toEqual([`127.0.0.1:${own.port}`]);
    } finally {
      await own.stop();
    }
  });

  it('a fetch-compatible function (for octokit) goes through the same proxy', async () => {
    const own = await startServer((request, response) => response.end(`own ${request.url}`));
    try {
      const before = proxy.requests().length;
      const response = await layerFetch({ env: { HTTP_PROXY: proxy.url } })(`${own.url}/octokit`, { headers: { accept: 'text/plain' } });
      expect(await response.text()).toBe('own /octokit');
      expect(response.url).toBe(`${own.url}/octokit`);
      expect(proxy.requests().slice(before)).toEqual([`127.0.0.1:${own.port}`]);
    } finally {
      await own.stop();
    }
  });

  it('a proxy that cannot be reached is named', async () => {
    const gone = await startServer((_, response) => response.end());
    await gone.stop();
    const error = (await request(`${plain.url}/x`, { env: { HTTP_PROXY: `http://127.0.0.1:${gone.port}` }, retries: 0 }).catch((e: unknown) => e)) as HttpRequestError;
    expect(error).toBeInstanceOf(HttpRequestError);
    expect(error.message).toMatch(new RegExp(`^GET ${plain.url}/x: (cannot connect \\(ECONNREFUSED\\)|the proxy refused the connection)`));
  });
});

describe('TLS', { timeout: 20_000 }, () => {
  it('is verified: a self-signed server is refused with the reason', async () => {
    const error = (await request(`${secure.url}/`, { env: {}, retries: 0 }).catch((e: unknown) => e)) as HttpRequestError;
    expect(error).toBeInstanceOf(HttpRequestError);
    expect(error.kind).toBe('connect');
    expect(error.message).toMatch(new RegExp(`^GET ${secure.url}/: TLS verification failed \\((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\\)`));
  });

  it('the insecure option applies to the request that passes it, and to no other', async () => {
    expect((await requestBuffered(`${secure.url}/insecure`, { env: {}, insecureTls: true })).text()).toBe('secure /insecure');
    // The next request to the same server, without the option, is verified again (no shared connection).
    const error = (await request(`${secure.url}/verified`, { env: {}, retries: 0 }).catch((e: unknown) => e)) as HttpRequestError;
    expect(error.message).toContain('TLS verification failed');
    expect(secure.seen.map((s) => s.path)).not.toContain('/verified');
  });
});
