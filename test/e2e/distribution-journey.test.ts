// The distribution journey across every backend, on one real signed build with its compressed
// binary: `fctl-kit publish` to url (a directory served over HTTP), oci (docker-registry),
// github-releases and private-releases (the emulator) and s3 (moto), each dry run's plan being
// what the real run does; one registry version lists all five sources, pinned and keyed. Then for
// each backend in turn every source before it fails (its server stopped, its files deleted, its
// port closed) and a fresh fctl installs from it - saying so, downloading the .xz, never the raw
// binary - and runs the plugin. The files that backend serves, fetched by its own means (HTTP,
// oras, the GitHub API, boto3), pass `sha256sum -c` and the real cosign 3 (bundle, no deprecation
// warning) and cosign 2 (.sig), offline.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentPlatform, generateSigningKey, parseArtifactList, parseChecksums, platformId, sha256File } from '@fctl-kit/artifacts';
import type { PublishAction } from '@fctl-kit/backends';
import { motoVenv, startMoto, type Moto } from '../../packages/backends/test/s3/moto.js';
import { exec, fctlKit as runFctlKit } from '../support/exec.js';
import { newFctl } from '../support/fctl.js';
import { GithubEmulator } from '../support/github-emulator.js';
import { startLedger, type RunningLedger } from '../support/ledger-service.js';
import { startOciRegistry, type OciRegistry } from '../support/oci-registry.js';
import { examplePluginDir, repoRoot } from '../support/paths.js';
import { startRecordingProxy, type RecordingProxy } from '../support/recording-proxy.js';
import { startReleaseServer, type ReleaseServer } from '../support/release-server.js';
import { writePinnedRegistry } from '../support/pinned-registry.js';

const TOKEN = 'ghp_journeyTokenThatMustNeverBePrinted0001';
const cosign2 = join(repoRoot, '.tools', 'cosign', 'v2.6.5', 'cosign');
const cosign3 = join(repoRoot, '.tools', 'cosign', 'v3.1.3', 'cosign');
const oras = join(repoRoot, '.tools', 'bin', 'oras');
const keys = generateSigningKey();
const target = platformId(currentPlatform());
const BINARY = `fctl-plugin-ledger-${target}`;
const XZ = `${BINARY}.xz`;
const BACKENDS = ['url', 'oci', 'github-releases', 'private-releases', 's3'] as const;
type Kind = (typeof BACKENDS)[number];

type Report = { backend: string; dryRun: boolean; actions: PublishAction[]; refusals: string[]; source: Record<string, string> };

let work: string;
let buildDir: string;
let pin: string;
let publicKeyFile: string;
let registryFile: string;
let cosignHome: string;
let refusingProxy: Server;
let site: ReleaseServer;
let oci: OciRegistry;
let ociProxy: RecordingProxy;
let github: GithubEmulator;
let moto: Moto;
let s3Proxy: RecordingProxy;
let ledger: RunningLedger;
const sources: Partial<Record<Kind, Record<string, string>>> = {};
let stopped = { site: false, github: false };

const awsEnv = () => ({ AWS_ACCESS_KEY_ID: moto.keys.id, AWS_SECRET_ACCESS_KEY: moto.keys.secret, AWS_CONFIG_FILE: join(work, 'no-aws-config'), AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-aws-credentials') });
const s3Endpoint = () => `http://${s3Proxy.host}`;
const fctlKit = (args: string[], env: NodeJS.ProcessEnv = {}) => runFctlKit(args, { cwd: work, env: { GITHUB_TOKEN: TOKEN, FCTL_KIT_GITHUB_RETRIES: '0', DOCKER_CONFIG: join(work, 'no-docker-config'), ...awsEnv(), ...env } });

/** The flags of `fctl-kit publish` for each backend. */
const publishArgs = (kind: Kind): string[] => {
  switch (kind) {
    case 'url':
      return ['--to', join(work, 'site'), '--public-base', site.url];
    case 'oci':
      return ['--backend', 'oci', '--to', `${ociProxy.host}/fctl/ledger`];
    case 'github-releases':
      return ['--backend', 'github-releases', '--repo', 'acme/ledger', '--api-url', github.url];
    case 'private-releases':
      return ['--backend', 'private-releases', '--repo', 'acme/ledger-private', '--api-url', github.url];
    case 's3':
      return ['--backend', 's3', '--bucket', 'fctl-releases', '--prefix', 'plugins', '--endpoint', s3Endpoint()];
  }
};

/** Makes `kind`'s source fail, the way it naturally goes away. Idempotent. */
async function breakSource(kind: Kind): Promise<void> {
  switch (kind) {
    case 'url':
      if (!stopped.site) await site.stop();
      stopped.site = true;
      return;
    case 'oci':
      return ociProxy.stop(); // the registry's address is now a closed port
    case 'github-releases':
      github.repositories.get('acme/ledger')!.releases.length = 0; // the release was deleted
      return;
    case 'private-releases':
      if (!stopped.github) await github.stop();
      stopped.github = true;
      return;
    case 's3':
      return s3Proxy.stop();
  }
}

/** A registry whose ledger 3.2.0 lists `versionSources` in order, pinned and keyed. */
function writeRegistry(name: string, versionSources: Array<Record<string, string>>): string {
  return writePinnedRegistry(join(work, name), { publicKey: keys.publicKey, pin, sources: versionSources });
}

/** The names checksums.txt lists, plus the two signature files. */
function releaseFileNames(): string[] {
  const listed = [...parseChecksums(readFileSync(join(buildDir, 'checksums.txt'), 'utf8')).keys()];
  return [...listed, 'checksums.txt', 'checksums.txt.sig', 'checksums.txt.sigstore.json'];
}

async function httpGet(url: string, headers: Record<string, string> = {}): Promise<Buffer> {
  const response = await fetch(url, { headers });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

/** The release files as `kind` serves them, fetched by that backend's own means, into a new directory. */
async function downloadFrom(kind: Kind): Promise<string> {
  const dir = join(work, 'downloaded', kind);
  mkdirSync(dir, { recursive: true });
  const names = releaseFileNames();
  switch (kind) {
    case 'url':
      for (const name of names) writeFileSync(join(dir, name), await httpGet(`${site.url}/ledger/3.2.0/${encodeURIComponent(name)}`));
      break;
    case 'oci': {
      const pulled = await exec(oras, ['pull', '--plain-http', '-o', dir, `${oci.host}/fctl/ledger:3.2.0`], { cwd: work });
      expect(pulled.code, pulled.stderr).toBe(0);
      break;
    }
    case 'github-releases':
      for (const name of names) writeFileSync(join(dir, name), await httpGet(`${github.url}/acme/ledger/releases/download/v3.2.0/${encodeURIComponent(name)}`));
      break;
    case 'private-releases': {
      const auth = { authorization: `Bearer ${TOKEN}` };
      const release = JSON.parse((await httpGet(`${github.url}/repos/acme/ledger-private/releases/tags/v3.2.0`, auth)).toString()) as { assets: Array<{ name: string; url: string }> };
      for (const asset of release.assets) writeFileSync(join(dir, asset.name), await httpGet(asset.url, { ...auth, accept: 'application/octet-stream' }));
      break;
    }
    case 's3': {
      // boto3 (the independent client), straight at moto.
      const script = 'import boto3,json,sys\nc=json.loads(sys.stdin.read())\ns3=boto3.client("s3",endpoint_url=c["endpoint"],region_name="us-east-1",aws_access_key_id=c["id"],aws_secret_access_key=c["secret"])\nfor n in c["names"]: s3.download_file("fctl-releases","plugins/ledger/3.2.0/"+n,c["dir"]+"/"+n)\n';
      execFileSync(join(await motoVenv(), 'bin', 'python'), ['-c', script], { input: JSON.stringify({ endpoint: moto.endpoint, id: moto.keys.id, secret: moto.keys.secret, names, dir }) });
      break;
    }
  }
  return dir;
}

/** cosign with no way out but a proxy that refuses everything, and a HOME of its own. */
function cosign(bin: string, args: string[]) {
  const proxyUrl = `http://127.0.0.1:${(refusingProxy.address() as AddressInfo).port}`;
  return exec(bin, args, { env: { COSIGN_PASSWORD: '', HOME: cosignHome, TUF_ROOT: join(cosignHome, 'tuf'), HTTPS_PROXY: proxyUrl, https_proxy: proxyUrl, HTTP_PROXY: proxyUrl, http_proxy: proxyUrl, NO_PROXY: '', no_proxy: '' } });
}

async function expectVerifiedByStandardTools(dir: string): Promise<void> {
  expect(readdirSync(dir)).toEqual(expect.arrayContaining(releaseFileNames()));
  expect(await sha256File(join(dir, 'checksums.txt'))).toBe(pin);
  const listed = parseChecksums(readFileSync(join(dir, 'checksums.txt'), 'utf8'));
  const checked = execFileSync('sha256sum', ['-c', '--strict', 'checksums.txt'], { cwd: dir, encoding: 'utf8' });
  expect(checked.trim().split('\n').sort()).toEqual([...listed.keys()].map((name) => `${name}: OK`).sort());
  expect(checked).toContain(`${XZ}: OK`);

  const bundle = await cosign(cosign3, ['verify-blob', '--key', publicKeyFile, '--bundle', join(dir, 'checksums.txt.sigstore.json'), '--insecure-ignore-tlog=true', join(dir, 'checksums.txt')]);
  expect(bundle.code, bundle.stderr).toBe(0);
  expect(bundle.stderr).toContain('Verified OK');
  expect(bundle.stderr).not.toMatch(/deprecat/i);
  const signature = await cosign(cosign2, ['verify-blob', '--key', publicKeyFile, '--signature', join(dir, 'checksums.txt.sig'), '--insecure-ignore-tlog=true', join(dir, 'checksums.txt')]);
  expect(signature.code, signature.stderr).toBe(0);
  expect(signature.stderr).toContain('Verified OK');
}

/** The install's requests for the compressed and the raw binary, from the backend's request log. */
function binaryDownloads(kind: Kind, from: number): { xz: number; raw: number } {
  const list = parseArtifactList(readFileSync(join(buildDir, 'artifacts.json')), 'artifacts.json');
  const sha = (name: string) => list.artifacts.find((entry) => entry.name === name)!.sha256;
  const count = (requests: string[], match: (request: string) => boolean) => requests.slice(from).filter(match).length;
  switch (kind) {
    case 'url': {
      const gets = (name: string) => site.requests.get(`/ledger/3.2.0/${name}`) ?? 0;
      return { xz: gets(XZ) - from, raw: gets(BINARY) };
    }
    case 'oci': {
      const blob = (name: string) => (request: string) => request === `GET /v2/fctl/ledger/blobs/sha256:${sha(name)}`;
      return { xz: count(ociProxy.requests, blob(XZ)), raw: count(ociProxy.requests, blob(BINARY)) };
    }
    case 'github-releases':
    case 'private-releases': {
      const repo = kind === 'github-releases' ? 'acme/ledger' : 'acme/ledger-private';
      const assetId = (name: string) => github.repositories.get(repo)!.releases[0]!.assets.find((asset) => asset.name === name)!.id;
      const paths = github.requests.slice(from).filter((r) => r.method === 'GET' && r.status < 400).map((r) => r.path);
      // Public: the release download URL; private: the API's asset URL (each then redirects to storage).
      const url = (name: string) => (kind === 'github-releases' ? `/acme/ledger/releases/download/v3.2.0/${name}` : `/repos/${repo}/releases/assets/${assetId(name)}`);
      const asset = (name: string) => paths.filter((path) => path === url(name)).length;
      return { xz: asset(XZ), raw: asset(BINARY) };
    }
    case 's3': {
      const object = (name: string) => (request: string) => request.startsWith(`GET /fctl-releases/plugins/ledger/3.2.0/${name}`) && !request.startsWith(`GET /fctl-releases/plugins/ledger/3.2.0/${name}.`);
      return { xz: count(s3Proxy.requests, object(XZ)), raw: count(s3Proxy.requests, object(BINARY)) };
    }
  }
}

function requestLogLength(kind: Kind): number {
  if (kind === 'url') return site.requests.get(`/ledger/3.2.0/${XZ}`) ?? 0;
  if (kind === 'oci') return ociProxy.requests.length;
  if (kind === 's3') return s3Proxy.requests.length;
  return github.requests.length;
}

beforeAll(async () => {
  for (const bin of [cosign2, cosign3, oras]) if (!existsSync(bin)) throw new Error(`${bin} is missing: run "node tools/test-system-deps.mjs" (npm test does it)`);
  work = mkdtempSync(join(tmpdir(), 'distribution-journey-'));
  buildDir = join(work, 'build');
  publicKeyFile = join(work, 'publisher.pub');
  writeFileSync(publicKeyFile, keys.publicKey);
  cosignHome = join(work, 'cosign-home');
  mkdirSync(cosignHome);
  // One signed build for the whole file, with the fast xz preset (the e2e default is no compression).
  const [built] = await Promise.all([
    runFctlKit(['build', examplePluginDir, '--service-version', '3.2.0', '--out', buildDir, '--targets', target, '--compression', '0'], { cwd: work, env: { FCTL_KIT_SIGNING_KEY: keys.privateKey } }),
    (async () => {
      site = await startReleaseServer();
      oci = await startOciRegistry({ kind: 'anonymous' });
      const [host, port] = oci.host.split(':') as [string, string];
      ociProxy = await startRecordingProxy({ host, port: Number(port) });
      github = await new GithubEmulator(TOKEN).start();
      github.addRepository('acme/ledger');
      github.addRepository('acme/ledger-private', { private: true });
      moto = await startMoto(['fctl-releases']);
      await moto.auth(true);
      s3Proxy = await startRecordingProxy({ host: '127.0.0.1', port: moto.port });
      ledger = await startLedger('3.2.0');
      refusingProxy = createServer((_, response) => response.writeHead(403).end());
      refusingProxy.on('connect', (_, socket) => socket.end('HTTP/1.1 403 Forbidden\r\n\r\n'));
      await new Promise<void>((resolve) => refusingProxy.listen(0, '127.0.0.1', resolve));
    })(),
  ]);
  if (built.code !== 0) throw new Error(built.stderr);
  pin = await sha256File(join(buildDir, 'checksums.txt'));
}, 900_000); // a real build with xz compression takes minutes on a loaded 2-core machine
afterAll(async () => {
  await Promise.all([
    stopped.site ? undefined : site?.stop(),
    ociProxy?.stop(),
    oci?.stop(),
    stopped.github ? undefined : github?.stop(),
    s3Proxy?.stop(),
    moto?.stop(),
    ledger?.stop(),
    new Promise((resolve) => (refusingProxy ? refusingProxy.close(resolve) : resolve(undefined))),
  ]);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('publish once to every backend, install from each with the ones before it failing', () => {
  it('the build is signed both ways and has the compressed binary', () => {
    const names = readdirSync(buildDir);
    expect(names).toEqual(expect.arrayContaining([BINARY, XZ, 'checksums.txt', 'checksums.txt.sig', 'checksums.txt.sigstore.json', 'artifacts.json']));
  });

  it('fctl-kit publish to each backend: the dry run plans exactly what the real run does, then a registry lists the five sources', async () => {
    for (const kind of BACKENDS) {
      const dry = await fctlKit(['publish', buildDir, ...publishArgs(kind), '--dry-run']);
      expect(dry.code, `${kind}: ${dry.stderr}`).toBe(0);
      const planned = JSON.parse(dry.stdout) as Report;
      expect(planned, kind).toMatchObject({ backend: kind, dryRun: true, refusals: [] });
      expect(planned.actions.some((action) => action.action === 'upload'), kind).toBe(true);
      const real = await fctlKit(['publish', buildDir, ...publishArgs(kind)]);
      expect(real.code, `${kind}: ${real.stderr}`).toBe(0);
      expect(real.stdout + real.stderr).not.toContain(TOKEN);
      const done = JSON.parse(real.stdout) as Report;
      expect(done.actions, kind).toEqual(planned.actions);
      expect(done.source.backend, kind).toBe(kind);
      sources[kind] = done.source;
    }
    // The directory, served as static hosting serves it.
    for (const name of readdirSync(join(work, 'site', 'ledger', '3.2.0'))) site.files.set(`/ledger/3.2.0/${name}`, readFileSync(join(work, 'site', 'ledger', '3.2.0', name)));
    expect(github.schemaErrors).toEqual([]);

    registryFile = writeRegistry('registry.yaml', BACKENDS.map((kind) => sources[kind]!));
    const checked = await fctlKit(['registry', 'validate', registryFile]);
    expect(checked.code, checked.stderr).toBe(0);
  }, 900_000);

  BACKENDS.forEach((kind, index) => {
    it(`${kind}: with ${index ? BACKENDS.slice(0, index).join(', ') + ' failing' : 'nothing failing'}, fctl installs from source ${index + 1}, downloading the .xz, and the plugin runs; what ${kind} serves passes sha256sum -c, cosign 3 (bundle) and cosign 2 (.sig)`, async () => {
      expect(sources[kind], 'published').toBeDefined();
      for (const before of BACKENDS.slice(0, index)) await breakSource(before);
      const tokenFile = join(work, 'token');
      writeFileSync(tokenFile, `${TOKEN}\n`);
      const fctl = newFctl({
        FCTL_REGISTRY: registryFile,
        FCTL_DOWNLOAD_RETRIES: '0',
        FCTL_GITHUB_TOKEN_FILE: tokenFile,
        FCTL_GITHUB_API_URL: github.url,
        DOCKER_CONFIG: join(work, 'no-docker-config'),
        ...awsEnv(),
        AWS_ENDPOINT_URL_S3: s3Endpoint(),
      });
      await fctl.run(['profile', 'add', 'main', '--stack-url', ledger.url, '--use']);
      const from = requestLogLength(kind);
      const install = await fctl.run(['plugin', 'install', 'ledger'], { timeoutMs: 300_000 });
      expect(install.code, install.stderr).toBe(0);
      expect(install.stdout + install.stderr).not.toContain(TOKEN);
      expect(install.stderr).toContain('Plugin "ledger" installed (version: 3.2.0, compatible with >=3.0.0 <4.0.0).');
      for (const [failedIndex, failed] of BACKENDS.slice(0, index).entries()) expect(install.stderr).toContain(`source ${failedIndex + 1} of 5 (${failed} `);
      if (index) expect(install.stderr).toContain(`Installed from source ${index + 1} of 5 (${kind} `);
      else expect(install.stderr).not.toMatch(/source \d of 5/);
      for (const later of BACKENDS.slice(index + 1)) expect(install.stderr).not.toContain(`(${later} `);
      expect(binaryDownloads(kind, from)).toEqual({ xz: 1, raw: 0 });

      const ran = await fctl.run(['ledger', 'transactions', 'list']);
      expect(ran.code, ran.stderr).toBe(0);
      expect(ran.stdout).toMatch(/^ID\s+TIMESTAMP/);

      await expectVerifiedByStandardTools(await downloadFrom(kind));
    }, 600_000);
  });
});

describe('the url backend behind the simplest static host', () => {
  it('python3 -m http.server (HTTP/1.0: it closes the connection after each response) serves the directory; fctl installs from it every time', async () => {
    // Each response ends with the server closing the connection while fctl is still decoding the
    // .xz (backpressure): a fresh install, three times, must succeed every time.
    const server = spawn('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', join(work, 'site')], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const port = await new Promise<string>((resolve, reject) => {
        server.on('exit', (code) => reject(new Error(`python3 -m http.server exited with ${code}`)));
        createInterface({ input: server.stdout! }).on('line', (line) => {
          const match = /port (\d+)/.exec(line);
          if (match) resolve(match[1]!);
        });
      });
      const path = writeRegistry('registry-http-server.yaml', [{ backend: 'url', url: `http://127.0.0.1:${port}/{name}/{version}/{file}` }]);
      const outcomes: string[] = [];
      for (let attempt = 1; attempt <= 3; attempt++) {
        const fctl = newFctl({ FCTL_REGISTRY: path, FCTL_DOWNLOAD_RETRIES: '0' });
        const install = await fctl.run(['plugin', 'install', 'ledger', '--version', '3.2.0'], { timeoutMs: 300_000 });
        outcomes.push(install.code === 0 ? 'installed' : `exit ${install.code}: ${install.stderr.split('\n').filter((line) => /Error|assert\(/.test(line)).join(' / ') || install.stderr.slice(-300)}`);
      }
      expect(outcomes).toEqual(['installed', 'installed', 'installed']);
    } finally {
      server.kill();
    }
  }, 900_000);
});
