// fctl's own requests through the one HTTP layer, attacked end to end: the real fctl, a real
// registry and release server on 127.0.0.1, a real proxy (tinyproxy). The registry fetch is
// retried on transient failures, its redirects are checked hop by hop, a registry cannot send the
// user's GitHub token to a host of its choosing, proxies are honoured, and a profile's insecure-TLS
// flag covers its stack only.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from '@fctl-kit/artifacts';
import { newFctl, type Fctl } from '../support/fctl.js';
import { startLedger, type RunningLedger } from '../support/ledger-service.js';
import { makeRelease, type MadeRelease } from '../support/releases.js';
import { startReleaseServer, type ReleaseServer } from '../support/release-server.js';
import { startTinyproxy, type Tinyproxy } from '../support/tinyproxy.js';
import { makeLoopbackCertificate, type TestCertificate } from '../support/tls-cert.js';

const keys = generateSigningKey();
let work: string;
let release: MadeRelease;
let server: ReleaseServer;
let ledger: RunningLedger;
let proxy: Tinyproxy;

function registryYaml(base: string, extra: string[] = []): string {
  return [
    'plugins:',
    '  ledger:',
    ...extra,
    '    distribution: url',
    `    url: ${base}/{name}/{version}/{file}`,
    '    publicKey: |',
    ...keys.publicKey.trim().split('\n').map((line) => `      ${line}`),
    '    versions:',
    '      3.2.0:',
    '        compatibleWith: ">=3.0.0 <4.0.0"',
    `        checksumsSha256: ${release.checksumsSha256}`,
    '',
  ].join('\n');
}

function serveRelease(target: ReleaseServer): void {
  for (const name of readdirSync(release.dir)) target.files.set(`/ledger/3.2.0/${name}`, readFileSync(join(release.dir, name)));
  target.files.set('/registry.yaml', Buffer.from(registryYaml(target.url)));
}

async function fctlFor(registry: string, env: NodeJS.ProcessEnv = {}, stackUrl = ledger.url, profileArgs: string[] = []): Promise<Fctl> {
  const fctl = newFctl({ FCTL_REGISTRY: registry, FCTL_DOWNLOAD_RETRY_DELAY_MS: '5', ...env });
  const added = await fctl.run(['profile', 'add', 'main', '--stack-url', stackUrl, '--use', ...profileArgs]);
  if (added.code !== 0) throw new Error(added.stderr);
  return fctl;
}

const installed = async (fctl: Fctl) => JSON.parse((await fctl.run(['plugin', 'list', '-o', 'json'])).stdout) as Array<{ version: string }>;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'http-registry-'));
  release = await makeRelease(join(work, 'release'), '3.2.0', { signingKey: keys.privateKey });
  [server, ledger, proxy] = await Promise.all([startReleaseServer(), startLedger('3.2.0'), startTinyproxy()]);
  serveRelease(server);
}, 120_000);
afterAll(async () => {
  await Promise.all([server?.stop(), ledger?.stop(), proxy?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the registry fetch is retried when there is no cached copy', () => {
  it.each([
    ['500', [{ kind: 'status', status: 500 }]],
    ['503 twice', [{ kind: 'status', status: 503 }, { kind: 'status', status: 503 }]],
    ['429 with Retry-After', [{ kind: 'status', status: 429, headers: { 'retry-after': '1' } }]],
    ['a reset mid-body', [{ kind: 'reset-mid-body' }]],
    ['a body cut short', [{ kind: 'truncate' }]],
  ] as const)('after %s, the install works', async (_, faults) => {
    server.faults.set('/registry.yaml', faults.map((f) => ({ ...f })));
    const fctl = await fctlFor(`${server.url}/registry.yaml`);
    const result = await fctl.run(['--debug', 'plugin', 'install', 'ledger'], { timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('Plugin "ledger" installed (version: 3.2.0');
    expect(result.stderr.match(/registry: GET \S+\/registry\.yaml.*; retrying/g)).toHaveLength(faults.length);
    expect(server.faults.get('/registry.yaml')).toEqual([]);
  }, 60_000);

  it('a failure that persists names the URL and what happened, never a bare "terminated"', async () => {
    server.faults.set('/registry.yaml', Array(6).fill({ kind: 'reset-mid-body' }));
    const fctl = await fctlFor(`${server.url}/registry.yaml`);
    const result = await fctl.run(['plugin', 'install', 'ledger'], { timeoutMs: 60_000 });
    server.faults.delete('/registry.yaml');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^Error: cannot reach the plugin registry ${server.url}/registry\\.yaml \\(the connection closed after \\d+ of \\d+ bytes: the response was cut short`));
    expect(result.stderr).not.toMatch(/terminated/);
    expect(await installed(fctl)).toEqual([]);
  }, 60_000);

  it('an oversized registry is refused with the limit', async () => {
    server.files.set('/huge.yaml', Buffer.alloc(17 * 1024 * 1024, 0x20));
    const fctl = await fctlFor(`${server.url}/huge.yaml`);
    const result = await fctl.run(['plugin', 'install', 'ledger'], { timeoutMs: 60_000 });
    server.files.delete('/huge.yaml');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^Error: the plugin registry ${server.url}/huge\\.yaml: the response is 17825792 bytes, over the limit of \\d+\\n$`));
  }, 60_000);
});

describe('oversized downloads', () => {
  it('a checksums.txt over its limit is refused before it is read, and fctl exits (the unread body does not hold it)', async () => {
    const own = await startReleaseServer();
    try {
      serveRelease(own);
      own.files.set('/ledger/3.2.0/checksums.txt', Buffer.alloc(8 * 1024 * 1024, 0x61));
      const fctl = await fctlFor(`${own.url}/registry.yaml`);
      const result = await fctl.run(['plugin', 'install', 'ledger'], { timeoutMs: 60_000 });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`${own.url}/ledger/3.2.0/checksums.txt is 8388608 bytes, over the limit of 1048576`);
      expect(await installed(fctl)).toEqual([]);
    } finally {
      await own.stop();
    }
  }, 60_000);
});

describe('redirects of the registry are checked hop by hop', () => {
  it('a 302 to plain http beyond loopback is refused, even with a cached copy, and nothing is fetched there', async () => {
    const fctl = await fctlFor(`${server.url}/registry.yaml`, { HTTP_PROXY: proxy.url });
    // A first install caches the registry; then the registry starts redirecting.
    expect((await fctl.run(['plugin', 'install', 'ledger'])).code).toBe(0);
    expect((await fctl.run(['plugin', 'remove', 'ledger'])).code).toBe(0);
    server.faults.set('/registry.yaml', Array(5).fill({ kind: 'status', status: 302, headers: { location: 'http://registry.example.com/registry.yaml' } }));
    const result = await fctl.run(['plugin', 'install', 'ledger']);
    server.faults.delete('/registry.yaml');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `Error: the plugin registry ${server.url}/registry.yaml: redirected to http://registry.example.com/registry.yaml, refusing plain http to registry.example.com: use https (http is allowed only to loopback)\n`,
    );
    expect(proxy.requests().some((target) => target.includes('example.com'))).toBe(false);
    expect(await installed(fctl)).toEqual([]);
  }, 60_000);

  it('a 302 to 0.0.0.0 (which reaches this machine) is refused before the server there is asked', async () => {
    server.files.set('/unpinned.yaml', Buffer.from(registryYaml(server.url)));
    server.faults.set('/registry.yaml', [{ kind: 'status', status: 302, headers: { location: `http://0.0.0.0:${new URL(server.url).port}/unpinned.yaml` } }]);
    const fctl = await fctlFor(`${server.url}/registry.yaml`);
    const result = await fctl.run(['plugin', 'install', 'ledger']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('refusing plain http to 0.0.0.0');
    expect(server.requests.get('/unpinned.yaml')).toBeUndefined();
  }, 60_000);

  it('a 302 to file: is refused', async () => {
    server.faults.set('/registry.yaml', [{ kind: 'status', status: 302, headers: { location: `file://${join(work, 'registry.yaml')}` } }]);
    const fctl = await fctlFor(`${server.url}/registry.yaml`);
    const result = await fctl.run(['plugin', 'install', 'ledger']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`redirected to file://${join(work, 'registry.yaml')}, refusing the URL scheme file`);
  }, 60_000);

  it('a redirect loop is refused as one', async () => {
    server.faults.set('/registry.yaml', Array(10).fill({ kind: 'status', status: 302, headers: { location: '/loop.yaml' } }));
    server.faults.set('/loop.yaml', Array(10).fill({ kind: 'status', status: 302, headers: { location: '/registry.yaml' } }));
    const fctl = await fctlFor(`${server.url}/registry.yaml`);
    const result = await fctl.run(['plugin', 'install', 'ledger']);
    server.faults.delete('/registry.yaml');
    server.faults.delete('/loop.yaml');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`Error: the plugin registry ${server.url}/registry.yaml: a redirect loop (back to ${server.url}/registry.yaml)\n`);
  }, 60_000);
});

describe('the GitHub token goes only where the user says', () => {
  let api: { url: string; requests: IncomingMessage[]; stop(): Promise<void> };
  beforeAll(async () => {
    const requests: IncomingMessage[] = [];
    const apiServer = createServer((request, response) => {
      requests.push(request);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"assets":[]}');
    });
    await new Promise<void>((resolve) => apiServer.listen(0, '127.0.0.1', resolve));
    api = { url: `http://127.0.0.1:${(apiServer.address() as AddressInfo).port}`, requests, stop: () => new Promise((resolve) => apiServer.close(() => resolve())) };
  });
  afterAll(async () => {
    await api?.stop();
  });

  function privateRegistry(): string {
    const yaml = registryYaml(server.url, ['    repo: acme/ledger-enterprise', `    githubApiUrl: ${api.url}`]).replace('distribution: url', 'distribution: private-releases');
    server.files.set('/private.yaml', Buffer.from(yaml));
    return `${server.url}/private.yaml`;
  }

  it('a registry naming its own githubApiUrl for private-releases never receives the token, and says how to configure it', async () => {
    const fctl = await fctlFor(privateRegistry(), { GITHUB_TOKEN: 'ghp_userSecretToken' });
    const result = await fctl.run(['plugin', 'install', 'ledger']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `plugin "ledger" is distributed privately through the GitHub API at ${api.url}, but your GitHub token is only sent to https://api.github.com: a registry cannot choose where your token goes (set FCTL_GITHUB_API_URL=${api.url} if that GitHub Enterprise server is yours)`,
    );
    expect(result.stderr).not.toContain('ghp_userSecretToken');
    expect(api.requests).toEqual([]);
  }, 60_000);

  it('nor when the user configured another GitHub Enterprise API', async () => {
    const fctl = await fctlFor(privateRegistry(), { GITHUB_TOKEN: 'ghp_userSecretToken', FCTL_GITHUB_API_URL: 'https://ghe.example.com/api/v3' });
    const result = await fctl.run(['plugin', 'install', 'ledger']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`but your GitHub token is only sent to https://ghe.example.com/api/v3`);
    expect(api.requests).toEqual([]);
  }, 60_000);

  it('the API the user names does receive it', async () => {
    const fctl = await fctlFor(privateRegistry(), { GITHUB_TOKEN: 'ghp_userSecretToken', FCTL_GITHUB_API_URL: api.url });
    const result = await fctl.run(['plugin', 'install', 'ledger']);
    // The stub API lists no assets: the install stops there, after the token went to the API the user chose.
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('acme/ledger-enterprise v3.2.0 has no asset');
    expect(api.requests.map((r) => [r.url, r.headers.authorization])).toContainEqual(['/repos/acme/ledger-enterprise/releases/tags/v3.2.0', 'Bearer ghp_userSecretToken']);
  }, 60_000);
});

describe('proxies and TLS', () => {
  let certificate: TestCertificate;
  let secure: ReleaseServer;
  beforeAll(async () => {
    certificate = makeLoopbackCertificate();
    secure = await startReleaseServer(new Map(), { tls: certificate });
    serveRelease(secure);
  });
  afterAll(async () => {
    await secure?.stop();
  });

  it('HTTPS_PROXY carries the registry fetch and the downloads (the plain-http stack goes direct)', async () => {
    const before = proxy.requests().length;
    const fctl = await fctlFor(`${secure.url}/registry.yaml`, { HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: certificate.certificateFile });
    const result = await fctl.run(['plugin', 'install', 'ledger'], { timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(0);
    const passed = proxy.requests().slice(before);
    expect(passed.length).toBeGreaterThan(0);
    expect(new Set(passed)).toEqual(new Set([`127.0.0.1:${new URL(secure.url).port}`]));
    expect(secure.requests.get('/registry.yaml')).toBeGreaterThan(0);
  }, 60_000);

  it('NO_PROXY sends the hosts it names directly', async () => {
    const before = proxy.requests().length;
    const fctl = await fctlFor(`${secure.url}/registry.yaml`, { HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1', NODE_EXTRA_CA_CERTS: certificate.certificateFile });
    const result = await fctl.run(['plugin', 'install', 'ledger'], { timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(proxy.requests().slice(before)).toEqual([]);
  }, 60_000);

  it('TLS is verified: a registry with an unknown certificate is refused', async () => {
    const fctl = await fctlFor(`${secure.url}/registry.yaml`);
    const result = await fctl.run(['plugin', 'install', 'ledger']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^Error: cannot reach the plugin registry ${secure.url}/registry\\.yaml \\(TLS verification failed`));
  }, 60_000);

  it("a profile's insecure-TLS flag covers its stack, not the registry", async () => {
    const stackCertificate = makeLoopbackCertificate();
    const stack = createTlsServer({ cert: stackCertificate.cert, key: stackCertificate.key }, (request, response) => {
      if (request.url === '/versions') return void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ versions: [{ name: 'ledger', version: 'v3.2.0' }] }));
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => stack.listen(0, '127.0.0.1', resolve));
    const stackUrl = `https://127.0.0.1:${(stack.address() as AddressInfo).port}`;
    try {
      // The stack is not verified (the profile says so); the registry is (its CA is trusted here).
      const trusting = await fctlFor(`${secure.url}/registry.yaml`, { NODE_EXTRA_CA_CERTS: certificate.certificateFile }, stackUrl, ['--insecure-skip-tls-verify']);
      const ok = await trusting.run(['plugin', 'install', 'ledger'], { timeoutMs: 60_000 });
      expect(ok.code, ok.stderr).toBe(0);
      // Without the CA, the registry is refused even though the profile skips verification for its stack.
      const untrusting = await fctlFor(`${secure.url}/registry.yaml`, {}, stackUrl, ['--insecure-skip-tls-verify']);
      const refused = await untrusting.run(['plugin', 'install', 'ledger']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`cannot reach the plugin registry ${secure.url}/registry.yaml (TLS verification failed`);
      // And without the flag, the stack itself is refused.
      const strict = await fctlFor(`${secure.url}/registry.yaml`, { NODE_EXTRA_CA_CERTS: certificate.certificateFile }, stackUrl);
      const stackRefused = await strict.run(['plugin', 'install', 'ledger']);
      expect(stackRefused.code).toBe(1);
      expect(stackRefused.stderr).toContain('TLS verification failed');
    } finally {
      await new Promise((resolve) => stack.close(resolve));
    }
  }, 60_000);
});
