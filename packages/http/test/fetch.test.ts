// The fetch-compatible function octokit is given: the same URL policy and credential rule as every
// other request, web Response objects octokit can read, and octokit itself driven through it.
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpRequestError, layerFetch } from '../src/index.js';
import { startServer, type TestServer } from './servers.js';

let server: TestServer;
const fetch = layerFetch({ env: {} });

beforeAll(async () => {
  server = await startServer((request, response) => {
    const url = new URL(request.url!, 'http://x');
    if (url.pathname === '/no-content') return void response.writeHead(204).end();
    if (url.pathname === '/elsewhere') return void response.writeHead(302, { location: `${server.url.replace('127.0.0.1', 'localhost')}/landing` }).end();
    if (url.pathname === '/to-file') return void response.writeHead(302, { location: 'file:///etc/passwd' }).end();
    if (url.pathname === '/repos/acme/ledger') return void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ default_branch: 'main', full_name: 'acme/ledger' }));
    response.writeHead(200, { 'content-type': 'application/json', 'x-seen': request.method ?? '' }).end(JSON.stringify({ path: url.pathname }));
  });
});
afterAll(async () => {
  await server?.stop();
});

describe('layerFetch', { timeout: 20_000 }, () => {
  it('returns web Responses: status, headers, url, JSON body; none for 204 and HEAD', async () => {
    const response = await fetch(`${server.url}/json`, { method: 'POST', body: JSON.stringify({ a: 1 }), headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-seen')).toBe('POST');
    expect(response.url).toBe(`${server.url}/json`);
    expect(await response.json()).toMatchObject({ path: '/json' });
    expect(server.seen.at(-1)!.body.toString()).toBe('{"a":1}');
    const empty = await fetch(`${server.url}/no-content`);
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
    const head = await fetch(`${server.url}/json`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBeNull();
  });

  it('drops the Authorization header on a redirect to another origin, and refuses a redirect to file:', async () => {
    const from = server.seen.length;
    const response = await fetch(`${server.url}/elsewhere`, { headers: { authorization: 'token ghp_secret' } });
    expect(response.url).toBe(`${server.url.replace('127.0.0.1', 'localhost')}/landing`);
    expect(server.seen.slice(from).map((s) => [s.path, s.headers.authorization])).toEqual([
      ['/elsewhere', 'token ghp_secret'],
      ['/landing', undefined],
    ]);
    await expect(fetch(`${server.url}/to-file`)).rejects.toBeInstanceOf(HttpRequestError);
  });

  it('returns the redirect itself when asked to (redirect: manual)', async () => {
    const response = await fetch(`${server.url}/elsewhere`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toContain('/landing');
  });

  it('carries octokit: its requests reach the server through the layer, with its token', async () => {
    const octokit = new Octokit({ baseUrl: server.url, auth: 'ghp_octokitToken', request: { fetch } });
    const { data } = await octokit.rest.repos.get({ owner: 'acme', repo: 'ledger' });
    expect(data.default_branch).toBe('main');
    expect(server.seen.at(-1)!.headers.authorization).toBe('token ghp_octokitToken');
  });
});
