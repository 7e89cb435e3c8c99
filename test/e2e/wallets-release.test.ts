// The Go product released as its team would, to OCI, and used from there (issue 16's "Done when"
// from the release on): examples/wallets as a repository of its own, tagged v1.0.0, released by
// `fctl-kit release` for the six default targets (the Go builder, signed), published to Debian's
// docker-registry (behind a recording proxy) with a url server as its mirror and registered in a
// registry file. Then oras, an independent client, pulls the release and every file matches
// checksums.txt; fctl, pointed at the registry, downloads the plugin the wallets service 1.0.0 needs
// from OCI, verifies it and runs it against the real Go service (with a token); the linux-arm64 and
// windows-amd64 binaries pulled from OCI run against the same service under qemu-user and Wine; the
// darwin ones carry the project signer's signatures; and `fctl-kit compat matrix --registry` passes
// the release's own published scenarios with the plugin installed from OCI.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey, parseChecksums } from '@fctl-kit/artifacts';
import { hostTarget, verifyAdhocSignature } from '@fctl-kit/binaries';
import { exec, fctlKit } from '../support/exec.js';
import { newFctl, type Fctl } from '../support/fctl.js';
import { goWinePrefix, qemuArm64Launcher, wineLauncher } from '../support/foreign.js';
import { startOciRegistry, type OciRegistry } from '../support/oci-registry.js';
import { repoRoot, requireBuilt } from '../support/paths.js';
import { startRecordingProxy, type RecordingProxy } from '../support/recording-proxy.js';
import { startReleaseServer, type ReleaseServer } from '../support/release-server.js';
import { prepareWalletsProduct, startWalletsService, stopWalletsService, type WalletsService } from '../support/wallets-product.js';

const keys = generateSigningKey();
const oras = join(repoRoot, '.tools', 'bin', 'oras');
const token = 'wallets-release-token';
const TARGETS = ['darwin-amd64', 'darwin-arm64', 'linux-amd64', 'linux-arm64', 'windows-amd64', 'windows-arm64'];
const binaryName = (target: string) => `fctl-plugin-wallets-${target}${target.startsWith('windows') ? '.exe' : ''}`;
const WALLETS_TABLE = ['ID        NAME       CREATED', 'wal_003   treasury   2026-05-15T08:00:00Z', 'wal_002   bob        2026-05-14T09:30:00Z', 'wal_001   alice      2026-05-14T09:00:00Z', ''].join('\n');

let work: string;
let server: ReleaseServer;
let oci: OciRegistry;
let proxy: RecordingProxy;
let registry: string;
let product: string;
let released: { code: number | string | null; stdout: string; stderr: string };
let checksums: Map<string, string>;
let pulled: string;
let service: WalletsService;
let fctl: Fctl;


/** GETs through the proxy of the OCI blob holding `file` of the release. */
const ociDownloads = (file: string) => proxy.requests.filter((request) => request.startsWith('GET ') && request.includes(`/blobs/sha256:${checksums.get(file)}`)).length;

beforeAll(async () => {
  requireBuilt(join(repoRoot, 'packages', 'cli', 'dist', 'fctl-kit.js'));
  work = mkdtempSync(join(tmpdir(), 'wallets-release-'));
  [server, oci] = await Promise.all([startReleaseServer(), startOciRegistry({ kind: 'anonymous' })]);
  const [host, port] = oci.host.split(':') as [string, string];
  proxy = await startRecordingProxy({ host, port: Number(port) });
  registry = join(work, 'registry.yaml');
  writeFileSync(registry, 'plugins: {}\n');
  writeFileSync(join(work, 'release.key'), keys.privateKey);
  product = join(work, 'wallets');
  prepareWalletsProduct(product, { tag: 'v1.0.0', backends: [{ backend: 'oci', to: `${proxy.host}/plugins/wallets` }, { backend: 'url', to: server.url }], registryFile: registry });
  // DOCKER_CONFIG pointing nowhere: the push is anonymous whatever this machine's docker login. The
  // binaries compressed as a release's are (the e2e tests default to none), at xz's fastest preset.
  const env = { DOCKER_CONFIG: '/nonexistent-docker-config', FCTL_KIT_COMPRESSION: '0' };
  released = await fctlKit(['release', 'cmd/fctl-plugin', '--signing-key', join(work, 'release.key')], { cwd: product, env });
  expect(released.code, released.stderr).toBe(0);
  checksums = parseChecksums(readFileSync(join(product, 'cmd', 'fctl-plugin', 'dist', 'release', 'checksums.txt'), 'utf8'));

  pulled = join(work, 'pulled');
  const pull = await exec(oras, ['pull', '--plain-http', '-o', pulled, `${oci.host}/plugins/wallets:1.0.0`], { cwd: work });
  expect(pull.code, pull.stderr).toBe(0);
  for (const target of TARGETS) chmodSync(join(pulled, binaryName(target)), 0o755); // OCI keeps no file mode

  const serverBinary = join(work, 'wallets-server');
  execFileSync('go', ['build', '-o', serverBinary, '-buildvcs=false', './cmd/server'], { cwd: product, env: { ...process.env, GOTOOLCHAIN: 'local' }, stdio: 'pipe' });
  service = await startWalletsService(serverBinary, '1.0.0', token);
  fctl = newFctl({ FCTL_REGISTRY: registry });
  const tokenFile = join(work, 'token');
  writeFileSync(tokenFile, token);
  const profile = await fctl.run(['profile', 'add', 'wallets', '--stack-url', service.url, '--token-file', tokenFile, '--use']);
  expect(profile.code, profile.stderr).toBe(0);
  // Only what fctl asks from here on (the release's own PUTs and HEADs counted too).
  proxy.requests.length = 0;
  server.requests.clear();
}, 900_000);
afterAll(async () => {
  await stopWalletsService(service);
  await proxy?.stop();
  await Promise.all([server?.stop(), oci?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('fctl-kit release of the Go plugin, from its v1.0.0 tag', () => {
  it('builds the six targets with the Go builder, publishes to OCI and the url mirror, and registers the version', () => {
    expect(released.stderr).toContain('wallets 1.0.0 (git tag v1.0.0): the service version, the release tag and the plugin agree');
    const binaries = [...checksums.keys()].filter((name) => name.startsWith('fctl-plugin-wallets-'));
    expect(binaries.sort()).toEqual(TARGETS.flatMap((target) => [binaryName(target), `${binaryName(target)}.xz`]).sort());
    const entry = parse(readFileSync(registry, 'utf8')).plugins.wallets;
    expect(entry.publicKey).toBe(keys.publicKey);
    expect(entry.versions['1.0.0']).toMatchObject({ compatibleWith: '>=1.0.0 <2.0.0', protocolVersions: [1, 2] });
    expect(entry.versions['1.0.0'].sources.map((source: { backend: string }) => source.backend)).toEqual(['oci', 'url']);
    // The url mirror holds the same files.
    expect(server.files.has('/wallets/1.0.0/checksums.txt')).toBe(true);
  });

  it('is what oras pulls from the OCI registry: every file listed in checksums.txt, and each matches it', async () => {
    const check = await exec('sha256sum', ['-c', 'checksums.txt'], { cwd: pulled });
    expect(check.code, check.stderr).toBe(0);
    const lines = check.stdout.trim().split('\n');
    expect(lines).toHaveLength(checksums.size);
    expect(lines.every((line) => line.endsWith(': OK'))).toBe(true);
    for (const name of checksums.keys()) expect(readdirSync(pulled)).toContain(name);
  });
});

describe('fctl and the released Go plugin, against the wallets service', () => {
  it('installs the version the service needs from OCI (its first source), verified, and runs it', async () => {
    const install = await fctl.run(['plugin', 'install', 'wallets'], { timeoutMs: 60_000 });
    expect(install.code, install.stderr).toBe(0);
    expect(install.stderr).toMatch(new RegExp(`Downloading fctl-plugin-wallets v1\\.0\\.0 \\(${hostTarget().os}/${hostTarget().arch}, [\\d.]+ MB xz\\)\\.\\.\\. done`));
    expect(install.stderr).toContain("Verifying checksum... ok (checksums.txt signed by the publisher's key)\nPlugin \"wallets\" installed (version: 1.0.0, compatible with >=1.0.0 <2.0.0).");
    const host = binaryName(hostTarget().id);
    expect(ociDownloads(`${host}.xz`)).toBe(1);
    expect(ociDownloads(host)).toBe(0);
    expect(server.requests.get(`/wallets/1.0.0/${host}.xz`) ?? 0).toBe(0);

    const list = await fctl.run(['wallets', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toBe(WALLETS_TABLE);
    const show = await fctl.run(['wallets', 'show', 'wal_002', '-o', 'json']);
    expect(show.code, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ id: 'wal_002', name: 'bob' });
  }, 120_000);

  it('linux-arm64, pulled from OCI, runs under qemu-user', async () => {
    const result = await fctl.run(['--plugin-binary', `wallets=${qemuArm64Launcher(join(pulled, binaryName('linux-arm64')))}`, '--debug', 'wallets', 'list'], { timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('handshake: ok');
    expect(result.stdout).toBe(WALLETS_TABLE);
  }, 120_000);

  it('windows-amd64, pulled from OCI, runs under Wine', async () => {
    const launcher = wineLauncher(join(pulled, binaryName('windows-amd64')), goWinePrefix());
    const result = await fctl.run(['--plugin-binary', `wallets=${launcher}`, 'wallets', 'show', 'wal_002', '-o', 'json'], { timeoutMs: 120_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ id: 'wal_002', name: 'bob' });
  }, 240_000);

  it("darwin-amd64 and darwin-arm64, pulled from OCI, carry the project signer's signature over every page", () => {
    for (const target of ['darwin-amd64', 'darwin-arm64']) {
      const report = verifyAdhocSignature(readFileSync(join(pulled, binaryName(target))));
      expect(report.problems, target).toEqual([]);
      expect(report.identifier).toBe(`fctl-plugin-wallets-${target}`);
    }
  });
});

it("the compatibility matrix from the registry: the release's own scenarios pass, the plugin installed from OCI", async () => {
  proxy.requests.length = 0;
  const out = join(work, 'matrix');
  const matrix = await fctlKit(['compat', 'matrix', '--registry', registry, '--cache-dir', join(work, 'matrix-cache'), '--out', out]);
  expect(matrix.code, matrix.stderr).toBe(0);
  expect(matrix.stderr).toMatch(/✓ fctl@\S+ wallets@1\.0\.0 \(pass, ran\)/);
  expect(matrix.stdout).toContain('1 cells: 1 passed, 0 failed, 0 could not run, 0 unreachable');
  const results = JSON.parse(readFileSync(join(out, 'matrix.json'), 'utf8'));
  expect(results.results).toHaveLength(1);
  expect(results.results[0].scenarios.map((scenario: { ok: boolean }) => scenario.ok)).toEqual(Array(5).fill(true));
  expect(ociDownloads(`${binaryName(hostTarget().id)}.xz`)).toBe(1);
  expect(ociDownloads('scenarios.yaml')).toBe(1);
}, 300_000);
