// Released cores, end to end: two real fctl binaries built like plugins (packages/binaries'
// buildCore, host platform only) - 0.1.0 pinned to protocol v1, 0.2.0 speaking v1 and v2 - published
// through the plugin backends (0.1.0 to a url server accepting PUT; 0.2.0 to Debian's
// docker-registry and the url server as its mirror), registered in the registry's cores section,
// then `fctl-kit compat matrix` with no --core fetches each once into <cache-dir>/cores, verified,
// and runs the example plugin's scenarios with them. A second run, and two matrix processes at once
// on a fresh cache, download nothing more than one copy.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateSigningKey, loadPrivateKey, sha256File } from '@fctl-kit/artifacts';
import { publishCoreRelease } from '@fctl-kit/backends';
import { buildCore, coreBinaryFileName, hostTarget } from '@fctl-kit/binaries';
import { registerCoreRelease } from '@fctl-kit/registry';
import { collect } from '../support/fctl.js';
import { fctlKit, fctlKitBin } from '../support/exec.js';
import { startLedger, type RunningLedger } from '../support/ledger-service.js';
import { exampleScenarios, ledgerRegistryYaml, makeMatrixRelease } from '../support/matrix-releases.js';
import { startOciRegistry, type OciRegistry } from '../support/oci-registry.js';
import { fixturePlugin, repoRoot } from '../support/paths.js';
import { startReleaseServer, type ReleaseServer } from '../support/release-server.js';

const keys = generateSigningKey();
const BINARY = coreBinaryFileName(hostTarget());
let work: string;
let server: ReleaseServer;
let oci: OciRegistry;
let ledger: RunningLedger;
let registry: string;
const builds: Record<string, string> = {};
const hashes: Record<string, string> = {};

/** Requests the url server answered for the core releases (paths under /fctl/), and for one file. */
const coreRequests = (file?: string) => [...server.requests].filter(([path]) => path.startsWith('/fctl/') && (!file || path.endsWith(`/${file}`))).reduce((n, [, count]) => n + count, 0);
const matrix = (args: string[]) => fctlKit(['compat', 'matrix', '--registry', registry, ...args]);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'released-cores-'));
  [server, oci, ledger] = await Promise.all([startReleaseServer(), startOciRegistry({ kind: 'anonymous' }), startLedger('3.2.0')]);
  const coreDir = join(repoRoot, 'packages', 'core');
  const signingKey = loadPrivateKey(keys.privateKey, 'test key');
  const targets = [hostTarget().id];
  const cores = { '0.1.0': [1], '0.2.0': [1, 2] } as const;
  // One SEA build each for the whole file.
  for (const version of Object.keys(cores)) {
    builds[version] = join(work, 'builds', version);
    await buildCore({ coreDir, outDir: builds[version]!, version, targets, signingKey, ...(version === '0.1.0' ? { protocolVersions: [1] } : {}) });
    hashes[version] = await sha256File(join(builds[version]!, BINARY));
  }
  const release = await makeMatrixRelease(join(work, 'releases', '3.2.0'), '3.2.0', { signingKey: keys.privateKey, scenarios: exampleScenarios() });
  for (const name of readdirSync(release.dir)) server.files.set(`/ledger/3.2.0/${name}`, readFileSync(join(release.dir, name)));
  let text = ledgerRegistryYaml({ repo: 'formancehq/ledger', url: server.url, publicKey: keys.publicKey, versions: { '3.2.0': { checksumsSha256: release.checksumsSha256, protocolVersions: [1, 2] } } });
  const context = { env: { DOCKER_CONFIG: '/nonexistent-docker-config' } };
  const targetsOf = { '0.1.0': [{ backend: 'url', to: server.url }], '0.2.0': [{ backend: 'oci', to: `${oci.host}/fctl/core` }, { backend: 'url', to: server.url }] };
  for (const [version, protocols] of Object.entries(cores)) {
    const runs = await publishCoreRelease(builds[version]!, version, targetsOf[version as keyof typeof targetsOf], context);
    const checksumsSha256 = await sha256File(join(builds[version]!, 'checksums.txt'));
    text = registerCoreRelease(text, 'registry.yaml', version, { checksumsSha256, protocolVersions: [...protocols], sources: runs.map((run) => run.plan.source) }, { publicKey: keys.publicKey }).text;
  }
  registry = join(work, 'registry.yaml');
  writeFileSync(registry, text);
  server.requests.clear();
}, 600_000);
afterAll(async () => {
  await Promise.all([server?.stop(), oci?.stop(), ledger?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

it('the registry records both releases with their sources and pins', () => {
  const text = readFileSync(registry, 'utf8');
  expect(text).toContain(`cores:\n  publicKey: |\n`);
  expect(text).toContain(`    0.1.0:\n      checksumsSha256: `);
  expect(text).toContain(`      protocolVersions: [ 1 ]\n      sources:\n        - backend: url\n          url: ${server.url}/{name}/{version}/{file}\n`);
  expect(text).toContain(`      protocolVersions: [ 1, 2 ]\n      sources:\n        - backend: oci\n          repository: ${oci.host}/fctl/core\n        - backend: url\n`);
});

it('plans with the released cores and their protocols, fetching nothing', async () => {
  const plan = await matrix(['--plan', '--cache-dir', join(work, 'plan-cache')]);
  expect(plan.code, plan.stderr).toBe(0);
  expect(plan.stdout).toBe('fctl@0.1.0 ledger@3.2.0  reachable, protocol 1\nfctl@0.2.0 ledger@3.2.0  reachable, protocol 2\n2 cells, 2 reachable\n');
  expect(coreRequests()).toBe(0);
});

it('--core-build tests the local build alone, and beside the released cores --cores names', async () => {
  const build = `0.3.0-pr=${join(repoRoot, 'packages', 'core', 'bin', 'fctl.js')}`;
  const alone = await matrix(['--plan', '--core-build', build, '--cache-dir', join(work, 'plan-cache')]);
  expect(alone.code, alone.stderr).toBe(0);
  expect(alone.stdout).toBe('fctl@0.3.0-pr ledger@3.2.0  reachable, protocol 2\n1 cells, 1 reachable\n');
  const beside = await matrix(['--plan', '--core-build', build, '--cores', '0.1.0', '--cache-dir', join(work, 'plan-cache')]);
  expect(beside.code, beside.stderr).toBe(0);
  expect(beside.stdout).toBe('fctl@0.1.0 ledger@3.2.0  reachable, protocol 1\nfctl@0.3.0-pr ledger@3.2.0  reachable, protocol 2\n2 cells, 2 reachable\n');
  expect(coreRequests()).toBe(0);
});

it('runs the matrix with each core fetched once, verified, into <cache-dir>/cores; a second run fetches nothing', async () => {
  const cache = join(work, 'cache');
  const out = join(work, 'out');
  const first = await matrix(['--cache-dir', cache, '--out', out]);
  expect(first.code, first.stdout + first.stderr).toBe(0);
  expect(first.stdout).toBe(`2 cells: 2 passed, 0 failed, 0 could not run, 0 unreachable; 2 run, 0 not run again; reports in ${out}\n`);
  expect(first.stderr).toContain('✓ fctl@0.1.0 ledger@3.2.0 (pass, ran)');
  expect(first.stderr).toContain('✓ fctl@0.2.0 ledger@3.2.0 (pass, ran)');
  expect(first.stderr).toContain(`Downloading fctl 0.1.0 (${hostTarget().os}/${hostTarget().arch}) from ${server.url}/fctl/0.1.0/${BINARY}`);
  expect(first.stderr).toContain(`Downloading fctl 0.2.0 (${hostTarget().os}/${hostTarget().arch}) from oci://${oci.host}/fctl/core:0.2.0 (${BINARY})`);
  // 0.1.0 from the url server (checksums.txt, its signature, the binary); 0.2.0 from OCI, its first source.
  expect([coreRequests('checksums.txt'), coreRequests('checksums.txt.sig'), coreRequests(BINARY)]).toEqual([1, 1, 1]);
  const store = readdirSync(join(cache, 'cores', 'sha256'));
  expect(store).toEqual(expect.arrayContaining([hashes['0.1.0'], hashes['0.2.0']]));
  expect(store).toHaveLength(4); // two binaries, two checksums.txt

  server.requests.clear();
  const second = await matrix(['--cache-dir', cache, '--out', join(work, 'out-2')]);
  expect(second.code, second.stderr).toBe(0);
  expect(second.stderr).toContain('✓ fctl@0.1.0 ledger@3.2.0 (pass, cached)');
  expect(second.stderr).not.toContain('Downloading fctl');
  expect(coreRequests()).toBe(0);
}, 300_000);

it('two matrix processes on a fresh cache download each core once', async () => {
  const cache = join(work, 'cache-shared');
  server.requests.clear();
  const run = (out: string) =>
    collect(spawn(process.execPath, [fctlKitBin, 'compat', 'matrix', '--registry', registry, '--cores', '0.1.0', '--cache-dir', cache, '--out', join(work, out)], { stdio: ['pipe', 'pipe', 'pipe'] }), undefined, 240_000);
  const [a, b] = await Promise.all([run('out-a'), run('out-b')]);
  expect(a.code, a.stderr).toBe(0);
  expect(b.code, b.stderr).toBe(0);
  expect(coreRequests(BINARY)).toBe(1);
  expect(`${a.stderr}${b.stderr}`.match(/Downloading fctl 0\.1\.0/g)).toHaveLength(1);
}, 300_000);

it('a core whose release does not match its pin makes its cells "could not run", and leaves nothing in the cache', async () => {
  const text = readFileSync(registry, 'utf8');
  const pin = /0\.1\.0:\n {6}checksumsSha256: ([0-9a-f]{64})/.exec(text)![1]!;
  const forged = join(work, 'registry-forged.yaml');
  writeFileSync(forged, text.replace(pin, 'f'.repeat(64)));
  const cache = join(work, 'cache-forged');
  const run = await fctlKit(['compat', 'matrix', '--registry', forged, '--cores', '0.1.0', '--cache-dir', cache, '--out', join(work, 'out-forged')]);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(`✗ fctl@0.1.0 ledger@3.2.0 (error, could not run): cannot fetch the core fctl@0.1.0: checksums.txt from ${server.url}/fctl/0.1.0/checksums.txt has sha256 ${pin}, but the registry pins ${'f'.repeat(64)}`);
  expect(readdirSync(join(cache, 'cores'))).toEqual(['sha256']);
  expect(readdirSync(join(cache, 'cores', 'sha256'))).toEqual([]);
}, 120_000);

it('the v1-pinned core offers only v1 by itself; the other offers v2', async () => {
  // The fetched binaries run directly (no matrix setting FCTL_PROTOCOL_VERSIONS), with fixture plugins behind a launcher.
  const launcher = (fixture: string) => {
    const path = join(work, fixture);
    writeFileSync(path, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(fixturePlugin(fixture))} "$@"\n`, { mode: 0o755 });
    return path;
  };
  const env = { PATH: process.env.PATH, HOME: work, FCTL_CONFIG_DIR: mkdtempSync(join(work, 'config-')), NO_COLOR: '1' };
  const fctl = (version: string, args: string[]) => collect(spawn(join(work, 'cache', 'cores', 'sha256', hashes[version]!), args, { env, stdio: ['pipe', 'pipe', 'pipe'] }), '', 30_000);
  expect((await fctl('0.2.0', ['profile', 'add', 'prod', '--stack-url', ledger.url, '--use'])).code).toBe(0);
  // `version` tells what each offers: what the matrix asks of a core given as a file.
  expect((await fctl('0.1.0', ['version'])).stdout).toBe('fctl 0.1.0 (plugin protocol v1)\n');
  expect((await fctl('0.2.0', ['version'])).stdout).toBe('fctl 0.2.0 (plugin protocol v1, v2)\n');
  const both = ['--plugin-binary', `ledger=${launcher('protocol-v1-v2')}`, 'ledger', 'transactions', 'list', '--debug'];
  for (const [version, protocol] of [['0.1.0', 'v1'], ['0.2.0', 'v2']] as const) {
    const result = await fctl(version, both);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`protocol ${protocol}`);
    expect(result.stdout).toBe('ID\n 7\n');
  }
  const refused = await fctl('0.1.0', ['--plugin-binary', `ledger=${launcher('protocol-v2-only')}`, 'ledger', 'transactions', 'list']);
  expect(refused.code).toBe(3);
  expect(refused.stderr).toContain('fctl speaks protocol version 1; the plugin speaks 2');
}, 120_000);
