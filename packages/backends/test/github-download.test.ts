// The download side of the GitHub backends, against real servers on 127.0.0.1: private-releases sends
// the token only to the API the user chose, never to the storage redirect; github-releases sends no
// token at all; a registry's URLs and repo are refused before any request when they are not usable.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownloadError } from '../src/distribution-backend.js';
import { githubReleases, privateReleases } from '../src/github/backend.js';

const TOKEN = 'ghp_unitTokenThatMustStayOnTheApi0001';
const ref = { name: 'ledger', version: '3.2.0', platform: { os: 'linux', arch: 'amd64' } } as const;
const seen: Array<{ server: string; path: string; headers: IncomingHttpHeaders }> = [];
let api: Server;
let storage: Server;
const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

async function listen(name: string, handler: (path: string) => [number, Record<string, string>, string]): Promise<Server> {
  const server = createServer((request, response) => {
    seen.push({ server: name, path: request.url ?? '', headers: request.headers });
    const [status, headers, body] = handler(request.url ?? '');
    response.writeHead(status, headers).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function read(body: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

beforeAll(async () => {
  storage = await listen('storage', (path) => (path === '/objects/7?signed=1' ? [200, {}, 'the binary'] : [404, {}, '']));
  api = await listen('api', (path) => {
    if (path === '/repos/acme/ledger/releases/tags/v3.2.0') return [200, { 'content-type': 'application/json' }, JSON.stringify({ assets: [{ id: 7, name: 'checksums.txt' }, { id: 'x', name: 'bad' }] })];
    if (path === '/repos/acme/ledger/releases/assets/7') return [302, { location: `${urlOf(storage)}/objects/7?signed=1` }, ''];
    if (path === '/acme/ledger/releases/download/v3.2.0/checksums.txt') return [200, {}, 'public bytes'];
    return [404, {}, ''];
  });
});
afterAll(async () => {
  await Promise.all([api, storage].map((server) => server && new Promise((resolve) => server.close(resolve))));
});

describe('private-releases downloads', () => {
  it('the token goes to the API the user chose (FCTL_GITHUB_API_URL), the storage redirect gets none', async () => {
    seen.length = 0;
    const files = privateReleases.files({ backend: 'private-releases', repo: 'acme/ledger', githubApiUrl: `${urlOf(api)}/` }, ref, { GITHUB_TOKEN: TOKEN, FCTL_GITHUB_API_URL: urlOf(api) });
    const opened = await files.open('checksums.txt', AbortSignal.timeout(30_000));
    expect(await read(opened.body)).toBe('the binary');
    expect(seen.map((r) => [r.server, r.path, r.headers.authorization])).toEqual([
      ['api', '/repos/acme/ledger/releases/tags/v3.2.0', `Bearer ${TOKEN}`],
      ['api', '/repos/acme/ledger/releases/assets/7', `Bearer ${TOKEN}`],
      ['storage', '/objects/7?signed=1', undefined],
    ]);
    // An asset whose id is not a number in GitHub's answer is not an asset.
    await expect(files.open('bad', AbortSignal.timeout(30_000))).rejects.toThrow('acme/ledger v3.2.0 has no asset bad');
    expect(files.describe('checksums.txt')).not.toContain(TOKEN);
  });

  it('without FCTL_GITHUB_API_URL the token is only for api.github.com: a registry naming another API is refused, no request made', async () => {
    seen.length = 0;
    const files = privateReleases.files({ backend: 'private-releases', repo: 'acme/ledger', githubApiUrl: urlOf(api) }, ref, { GITHUB_TOKEN: TOKEN });
    const error = await files.open('checksums.txt', AbortSignal.timeout(30_000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownloadError);
    expect((error as DownloadError).transient).toBe(false);
    expect((error as Error).message).toBe(
      `plugin "ledger" is distributed privately through the GitHub API at ${urlOf(api)}, but your GitHub token is only sent to https://api.github.com: a registry cannot choose where your token goes (set FCTL_GITHUB_API_URL=${urlOf(api)} if that GitHub Enterprise server is yours)`,
    );
    expect(seen).toEqual([]);
  });

  it('no token: a clear error, no request', async () => {
    seen.length = 0;
    const files = privateReleases.files({ backend: 'private-releases', repo: 'acme/ledger', githubApiUrl: urlOf(api) }, ref, { FCTL_GITHUB_API_URL: urlOf(api) });
    await expect(files.open('checksums.txt', AbortSignal.timeout(30_000))).rejects.toThrow('plugin "ledger" is distributed privately: set GITHUB_TOKEN (or FCTL_GITHUB_TOKEN_FILE) to a token that can read acme/ledger');
    expect(seen).toEqual([]);
  });
});

describe('github-releases downloads', () => {
  it('the RFC 0002 URL, with no token even when one is set', async () => {
    seen.length = 0;
    const files = githubReleases.files({ backend: 'github-releases', repo: 'acme/ledger', githubUrl: urlOf(api) }, ref, { GITHUB_TOKEN: TOKEN });
    expect(await read((await files.open('checksums.txt', AbortSignal.timeout(30_000))).body)).toBe('public bytes');
    expect(seen.map((r) => [r.path, r.headers.authorization])).toEqual([['/acme/ledger/releases/download/v3.2.0/checksums.txt', undefined]]);
  });

  it('a registry githubUrl that is not a URL, or plain http off loopback, is refused before any request', async () => {
    seen.length = 0;
    for (const [githubUrl, message] of [
      ['not a url', /githubUrl is not a URL/],
      ['http://github.example.com', /refusing plain http/],
      ['file:///etc', /unsupported URL scheme file/],
    ] as const) {
      const files = githubReleases.files({ backend: 'github-releases', repo: 'acme/ledger', githubUrl }, ref, {});
      await expect(files.open('checksums.txt', AbortSignal.timeout(30_000))).rejects.toThrow(message);
      expect(() => files.describe('checksums.txt')).not.toThrow();
    }
    expect(seen).toEqual([]);
  });
});
