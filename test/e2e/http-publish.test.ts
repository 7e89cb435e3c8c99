// fctl-kit publish through the one HTTP layer, end to end with the real fctl-kit: servers on
// 127.0.0.1 that accept and never answer, or stop mid-body, make `publish` (url PUT and OCI) fail
// with a named timeout instead of hanging (the timeouts shortened with FCTL_HTTP_*_TIMEOUT); and
// HTTPS_PROXY / HTTP_PROXY / NO_PROXY are honoured for url, OCI and GitHub (octokit) publishing,
// through a real tinyproxy whose log shows what passed.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from '@fctl-kit/artifacts';
import { fctlKit as runFctlKit } from '../support/exec.js';
import { GithubEmulator } from '../support/github-emulator.js';
import { startOciRegistry, type OciRegistry } from '../support/oci-registry.js';
import { makeRelease } from '../support/releases.js';
import { startReleaseServer, type ReleaseServer } from '../support/release-server.js';
import { startTinyproxy, type Tinyproxy } from '../support/tinyproxy.js';
import { makeLoopbackCertificate, type TestCertificate } from '../support/tls-cert.js';

const TOKEN = 'ghp_httpPublishTokenNeverPrinted0001';
const keys = generateSigningKey();
const short = { FCTL_HTTP_CONNECT_TIMEOUT: '2s', FCTL_HTTP_RESPONSE_TIMEOUT: '1s', FCTL_HTTP_STALL_TIMEOUT: '1s' };
let work: string;
let release: string;
let proxy: Tinyproxy;

const fctlKit = (args: string[], env: NodeJS.ProcessEnv = {}) => runFctlKit(args, { cwd: work, env: { HTTP_PROXY: '', HTTPS_PROXY: '', NO_PROXY: '', ...env } });

interface Listening {
  port: number;
  connections: () => number;
  stop(): Promise<void>;
}

async function listening(server: Server | ReturnType<typeof createTcpServer>): Promise<Listening> {
  const sockets = new Set<Socket>();
  let connections = 0;
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Accepts connections and reads what comes; never answers. */
const silentServer = () => listening(createTcpServer((socket) => socket.on('data', () => {}).on('error', () => {})));

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'http-publish-'));
  release = (await makeRelease(join(work, 'release', '3.2.0'), '3.2.0', { signingKey: keys.privateKey })).dir;
  proxy = await startTinyproxy();
}, 60_000);
afterAll(async () => {
  await proxy?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('publishing never hangs on a server that stops answering', () => {
  it('url: a server that accepts and never answers fails the publish with the response timeout named', async () => {
    const silent = await silentServer();
    try {
      const result = await fctlKit(['publish', release, '--to', `http://127.0.0.1:${silent.port}/releases`], short);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^Error: GET http://127\\.0\\.0\\.1:${silent.port}/releases/ledger/3\\.2\\.0/\\S+: no response within 1 s of sending the request \\(response timeout, FCTL_HTTP_RESPONSE_TIMEOUT\\)\\n$`));
      // The GET of what is already published is idempotent: retried, then given up.
      expect(silent.connections()).toBe(4);
    } finally {
      await silent.stop();
    }
  }, 60_000);

  it('url: a PUT the server reads and never answers is named too', async () => {
    let puts = 0;
    const server = createServer((request, response) => {
      if (request.method === 'PUT') {
        puts++;
        request.resume(); // reads the upload, never answers
        return;
      }
      response.writeHead(404).end();
    });
    const running = await listening(server);
    try {
      const result = await fctlKit(['publish', release, '--to', `http://127.0.0.1:${running.port}/releases`], short);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^Error: PUT http://127\\.0\\.0\\.1:${running.port}/releases/ledger/3\\.2\\.0/\\S+: no response within 1 s of sending the request \\(response timeout, FCTL_HTTP_RESPONSE_TIMEOUT\\)\\n$`));
      // The PUT of a release file is idempotent (same bytes, same path): retried, then given up.
      expect(puts).toBe(4);
    } finally {
      await running.stop();
    }
  }, 60_000);

  it('url: a server that stops in the middle of a body fails with the stall timeout named', async () => {
    // Answers as if each file were published, then stops halfway through it.
    const server = createServer((request, response) => {
      const size = readFileSync(join(release, decodeURIComponent(request.url!.split('/').pop()!))).length;
      response.writeHead(200, { 'content-length': String(size) });
      response.write('x'.repeat(Math.floor(size / 2)));
    });
    const running = await listening(server);
    try {
      const result = await fctlKit(['publish', release, '--to', `http://127.0.0.1:${running.port}/releases`], short);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^Error: GET http://127\\.0\\.0\\.1:${running.port}/releases/ledger/3\\.2\\.0/\\S+: the response stalled: no data for 1 s after (\\d+) of \\d+ bytes \\(stall timeout, FCTL_HTTP_STALL_TIMEOUT\\)\\n$`));
    } finally {
      await running.stop();
    }
  }, 60_000);

  it('oci: a registry that accepts and never answers fails the publish with the response timeout named', async () => {
    const silent = await silentServer();
    try {
      const result = await fctlKit(['publish', release, '--backend', 'oci', '--to', `127.0.0.1:${silent.port}/fctl/ledger`], short);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`Error: GET http://127.0.0.1:${silent.port}/v2/fctl/ledger/manifests/3.2.0: no response within 1 s of sending the request (response timeout, FCTL_HTTP_RESPONSE_TIMEOUT)\n`);
    } finally {
      await silent.stop();
    }
  }, 60_000);

  it('oci: a registry that stops in the middle of a manifest fails with the stall timeout named', async () => {
    const server = createServer((_, response) => {
      response.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'content-length': '5000' });
      response.write('{"schemaVersion":2,');
    });
    const running = await listening(server);
    try {
      const result = await fctlKit(['publish', release, '--backend', 'oci', '--to', `127.0.0.1:${running.port}/fctl/ledger`], short);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^Error: reading the manifest 3\\.2\\.0: GET http://127\\.0\\.0\\.1:${running.port}/v2/fctl/ledger/manifests/3\\.2\\.0: the response stalled: no data for 1 s after 19 of 5000 bytes \\(stall timeout, FCTL_HTTP_STALL_TIMEOUT\\)\\n$`));
    } finally {
      await running.stop();
    }
  }, 60_000);
});

describe('publishing honours the proxy variables', () => {
  let certificate: TestCertificate;
  let secure: ReleaseServer;
  let oci: OciRegistry;
  let github: GithubEmulator;
  beforeAll(async () => {
    certificate = makeLoopbackCertificate();
    [secure, oci, github] = await Promise.all([startReleaseServer(new Map(), { tls: certificate }), startOciRegistry(), new GithubEmulator(TOKEN).start()]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([secure?.stop(), oci?.stop(), github?.stop()]);
  });

  const published = (server: ReleaseServer, root: string) =>
    ['checksums.txt', 'checksums.txt.sig'].every((name) => server.files.get(`${root}/ledger/3.2.0/${name}`)?.equals(readFileSync(join(release, name))));

  it('url over https: every request goes through HTTPS_PROXY', async () => {
    const before = proxy.requests().length;
    const result = await fctlKit(['publish', release, '--to', `${secure.url}/proxied`], { HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: certificate.certificateFile });
    expect(result.code, result.stderr).toBe(0);
    expect(published(secure, '/proxied')).toBe(true);
    const passed = proxy.requests().slice(before);
    expect(passed.length).toBeGreaterThan(0);
    expect(new Set(passed)).toEqual(new Set([`127.0.0.1:${new URL(secure.url).port}`]));
  }, 60_000);

  it('url: NO_PROXY sends the hosts it names directly', async () => {
    const before = proxy.requests().length;
    const result = await fctlKit(['publish', release, '--to', `${secure.url}/direct`], { HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1', NODE_EXTRA_CA_CERTS: certificate.certificateFile });
    expect(result.code, result.stderr).toBe(0);
    expect(published(secure, '/direct')).toBe(true);
    expect(proxy.requests().slice(before)).toEqual([]);
  }, 60_000);

  it('oci: through HTTP_PROXY to a plain-http loopback registry', async () => {
    const before = proxy.requests().length;
    const result = await fctlKit(['publish', release, '--backend', 'oci', '--to', `${oci.host}/fctl/ledger`], { HTTP_PROXY: proxy.url });
    expect(result.code, result.stderr).toBe(0);
    expect(proxy.requests().slice(before)).toContain(oci.host);
  }, 60_000);

  it('github: octokit’s requests go through the layer and its proxy', async () => {
    github.addRepository('acme/proxied');
    const before = proxy.requests().length;
    const result = await fctlKit(['publish', release, '--backend', 'github-releases', '--repo', 'acme/proxied', '--api-url', github.url], { HTTP_PROXY: proxy.url, GITHUB_TOKEN: TOKEN, FCTL_KIT_GITHUB_RETRIES: '0' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    expect(proxy.requests().slice(before)).toContain(`127.0.0.1:${new URL(github.url).port}`);
    expect(proxy.log()).not.toContain(TOKEN);
    expect(github.repositories.get('acme/proxied')!.releases[0]!.draft).toBe(false);
  }, 60_000);
});
