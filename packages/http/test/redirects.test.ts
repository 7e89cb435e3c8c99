// The URL policy on every redirect hop and the credential rule, attacked with real servers on
// 127.0.0.1: a redirect to plain http beyond loopback, to file:, loops, and redirects to another
// origin that must not receive the credentials.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpRequestError, request, requestBuffered, urlPolicyViolation } from '../src/index.js';
import { startTinyproxy, type Tinyproxy } from '../../../test/support/tinyproxy.js';
import { startServer, type TestServer } from './servers.js';

const env = {};
let target: TestServer;
let redirector: TestServer;

beforeAll(async () => {
  target = await startServer((request, response) => response.writeHead(200, { 'content-type': 'text/plain' }).end(`target ${request.url}`));
  redirector = await startServer((request, response) => {
    const url = new URL(request.url!, 'http://x');
    const to = url.searchParams.get('to');
    if (to) return void response.writeHead(Number(url.searchParams.get('status') ?? 302), { location: to }).end();
    if (url.pathname === '/loop-a') return void response.writeHead(302, { location: '/loop-b' }).end();
    if (url.pathname === '/loop-b') return void response.writeHead(302, { location: '/loop-a' }).end();
    const chain = /^\/chain\/(\d+)$/.exec(url.pathname);
    if (chain) return void response.writeHead(302, { location: `/chain/${Number(chain[1]) + 1}` }).end();
    response.writeHead(200).end(`redirector ${request.url}`);
  });
});
afterAll(async () => {
  await Promise.all([target?.stop(), redirector?.stop()]);
});

const redirect = (to: string, status = 302) => `${redirector.url}/go?to=${encodeURIComponent(to)}&status=${status}`;

async function failure(promise: Promise<unknown>): Promise<HttpRequestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HttpRequestError);
  return error as HttpRequestError;
}

describe('the URL policy', { timeout: 20_000 }, () => {
  it('allows https anywhere, http to loopback and to the one origin the user configured', () => {
    expect(urlPolicyViolation(new URL('https://registry.example.com/r.yaml'))).toBeUndefined();
    for (const url of ['http://127.0.0.1:8080/x', 'http://localhost/x', 'http://[::1]:1/x', 'http://127.10.0.3/x']) expect(urlPolicyViolation(new URL(url))).toBeUndefined();
    expect(urlPolicyViolation(new URL('http://stack.internal:8080/versions'), { plainHttpOrigin: 'http://stack.internal:8080' })).toBeUndefined();
    expect(urlPolicyViolation(new URL('http://other.internal:8080/versions'), { plainHttpOrigin: 'http://stack.internal:8080' })).toMatch(/refusing plain http to other\.internal:8080/);
  });

  it('refuses plain http beyond loopback and every other scheme', () => {
    expect(urlPolicyViolation(new URL('http://registry.example.com/r.yaml'))).toBe('refusing plain http to registry.example.com: use https (http is allowed only to loopback)');
    // Addresses that reach this machine without being spelled as loopback are refused too.
    for (const url of ['http://0.0.0.0:1/x', 'http://[::ffff:7f00:1]:1/x', 'http://localhost.example.com/x']) expect(urlPolicyViolation(new URL(url))).toMatch(/refusing plain http/);
    for (const url of ['file:///etc/passwd', 'ftp://example.com/x', 'data:text/plain,x', 'gopher://127.0.0.1/x']) expect(urlPolicyViolation(new URL(url))).toMatch(/refusing the URL scheme/);
  });

  it('refuses a first request that breaks it before sending anything', async () => {
    const error = await failure(request('file:///etc/passwd', { env }));
    expect(error.kind).toBe('policy');
    expect(error.message).toBe('GET file:///etc/passwd: refusing the URL scheme file: only https (and http to loopback) is fetched');
  });
});

describe('every redirect hop is checked', { timeout: 20_000 }, () => {
  let proxy: Tinyproxy;
  beforeAll(async () => {
    proxy = await startTinyproxy();
  }, 30_000);
  afterAll(async () => {
    await proxy?.stop();
  });

  it('a loopback URL answering 302 to plain http on a non-loopback host is refused, and nothing is fetched there', async () => {
    // Through a real proxy, so that any attempt to reach the other host would show in its log.
    const error = await failure(request(redirect('http://registry.example.com/registry.yaml'), { env: { HTTP_PROXY: proxy.url } }));
    expect(error.kind).toBe('policy');
    expect(error.message).toBe(`GET ${redirector.url}/go: redirected to http://registry.example.com/registry.yaml, refusing plain http to registry.example.com: use https (http is allowed only to loopback)`);
    expect(proxy.requests()).toEqual([`127.0.0.1:${redirector.port}`]);
  });

  it('a 302 to 0.0.0.0 (which reaches this machine) is refused before the server there is asked', async () => {
    const before = target.seen.length;
    const error = await failure(request(redirect(`http://0.0.0.0:${target.port}/secret`), { env }));
    expect(error.message).toContain(`redirected to http://0.0.0.0:${target.port}/secret, refusing plain http to 0.0.0.0:${target.port}`);
    expect(target.seen.length).toBe(before);
  });

  it.each([301, 302, 303, 307, 308])('a %i to file: is refused', async (status) => {
    const error = await failure(request(redirect('file:///etc/passwd', status), { env }));
    expect(error.kind).toBe('policy');
    expect(error.message).toContain('redirected to file:///etc/passwd, refusing the URL scheme file');
  });

  it('a redirect loop is named as one', async () => {
    const error = await failure(request(`${redirector.url}/loop-a`, { env }));
    expect(error.kind).toBe('redirect');
    expect(error.message).toBe(`GET ${redirector.url}/loop-a: a redirect loop (back to ${redirector.url}/loop-a)`);
  });

  it('the number of redirects is bounded', async () => {
    const error = await failure(request(`${redirector.url}/chain/0`, { env }));
    expect(error.message).toBe(`GET ${redirector.url}/chain/0: more than 5 redirects (the last to ${redirector.url}/chain/5)`);
    const allowed = await requestBuffered(`${redirector.url}/chain/0`, { env, maxRedirects: 10 }).catch((e: Error) => e);
    expect((allowed as Error).message).toContain('more than 10 redirects');
  });

  it('follows allowed redirects and reports where the response came from', async () => {
    const response = await requestBuffered(redirect(`${target.url}/file?x=1`), { env });
    expect(response.status).toBe(200);
    expect(response.text()).toBe('target /file?x=1');
    expect(response.url.href).toBe(`${target.url}/file?x=1`);
  });

  it('303 turns a PUT into a GET without body; 307 and 308 resend method and body', async () => {
    const base = target.seen.length;
    await requestBuffered(redirect(`${target.url}/after-303`, 303), { env, method: 'PUT', body: 'payload', idempotent: true });
    expect(target.seen.slice(base).map((s) => [s.method, s.path, s.body.toString()])).toEqual([['GET', '/after-303', '']]);
    for (const status of [307, 308]) {
      const from = target.seen.length;
      await requestBuffered(redirect(`${target.url}/after-${status}`, status), { env, method: 'PUT', body: () => Buffer.from('payload'), idempotent: true });
      expect(target.seen.slice(from).map((s) => [s.method, s.path, s.body.toString()])).toEqual([['PUT', `/after-${status}`, 'payload']]);
    }
  });
});

describe('credentials', { timeout: 20_000 }, () => {
  const secret = { authorization: 'Bearer s3cr3t-token', 'x-registry-key': 'k3y' };

  it('go to the origin they are for, and are dropped when a redirect changes the origin', async () => {
    // 127.0.0.1 and localhost are different origins, though the same server.
    const other = target.url.replace('127.0.0.1', 'localhost');
    const from = target.seen.length;
    const response = await requestBuffered(redirect(`${other}/download`), { env, headers: { accept: 'text/plain' }, credentials: { headers: secret } });
    expect(response.status).toBe(200);
    const first = redirector.seen.at(-1)!;
    expect(first.headers.authorization).toBe('Bearer s3cr3t-token');
    expect(first.headers['x-registry-key']).toBe('k3y');
    const [second] = target.seen.slice(from);
    expect(second!.path).toBe('/download');
    expect(second!.headers.authorization).toBeUndefined();
    expect(second!.headers['x-registry-key']).toBeUndefined();
    expect(second!.headers.accept).toBe('text/plain');
  });

  it('an Authorization or Cookie passed as a plain header is a credential too', async () => {
    const other = target.url.replace('127.0.0.1', 'localhost');
    const from = target.seen.length;
    await requestBuffered(redirect(`${other}/plain`), { env, headers: { authorization: 'Basic dXNlcjpwYXNz', cookie: 'session=1' } });
    const [second] = target.seen.slice(from);
    expect(second!.headers.authorization).toBeUndefined();
    expect(second!.headers.cookie).toBeUndefined();
  });

  it('stay dropped when a later redirect comes back to their origin', async () => {
    const from = redirector.seen.length;
    const bounce = redirector.url.replace('127.0.0.1', 'localhost') + `/go?to=${encodeURIComponent(`${redirector.url}/landing`)}`;
    await requestBuffered(redirect(bounce), { env, credentials: { headers: secret } });
    const hops = redirector.seen.slice(from);
    expect(hops.map((h) => [h.path.split('?')[0], h.headers.authorization])).toEqual([
      ['/go', 'Bearer s3cr3t-token'],
      ['/go', undefined],
      ['/landing', undefined],
    ]);
  });

  it('are sent only to the origins named with them', async () => {
    const from = target.seen.length;
    await requestBuffered(`${target.url}/not-for-you`, { env, credentials: { headers: secret, origins: ['https://api.github.com'] } });
    expect(target.seen.slice(from)[0]!.headers.authorization).toBeUndefined();
    await requestBuffered(`${target.url}/for-you`, { env, credentials: { headers: secret, origins: [target.url] } });
    expect(target.seen.at(-1)!.headers.authorization).toBe('Bearer s3cr3t-token');
  });

  it('never appear in an error message', async () => {
    const error = await failure(request(`${redirector.url.replace('http://', 'http://user:pa55@')}/go?to=${encodeURIComponent('file:///x')}&token=abc`, { env, credentials: { headers: secret } }));
    expect(error.message).not.toMatch(/pa55|abc|s3cr3t|k3y/);
    expect(error.url).toBe(`${redirector.url}/go`);
  });
});
