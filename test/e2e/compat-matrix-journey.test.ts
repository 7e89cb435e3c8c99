// The compatibility matrix end to end (issue 15's "Done when"), from released artifacts only:
// - two real cores released with `fctl-kit release-core` (buildCore, host platform, one build
//   each): 0.1.0 pinned to protocol v1, published to a url server; 0.2.0 speaking v1 and v2,
//   published to Debian's docker-registry with the url server as its mirror;
// - three plugin versions of two plugins released with `fctl-kit release` from product
//   repositories (real self-contained builds, scenarios.yaml listed in the signed checksums.txt,
//   protocolVersions recorded): ledger 3.2.0 (good) and 3.3.0 (its table's REFERENCE column
//   renamed, so its own published scenario fails with a diff) to OCI with a url mirror, and
//   payments 1.1.0 (v2 only) to the url server with an OCI mirror;
// - one registry file listing the plugins and the cores.
// Then `fctl-kit compat matrix --registry` (no --core) runs every reachable cell from downloaded,
// verified artifacts (requests counted on both servers; the OCI registry behind a recording proxy),
// shows fctl@0.1.0 x payments@1.1.0 unreachable with its reason, ledger 3.3.0 failing with its
// diff; a second run runs no cell and downloads no binary; shard 1/2 + 2/2 merged equals the
// unsharded matrix.json. And the v1-pinned core itself refuses `fctl plugin install payments`,
// saying why, having downloaded nothing. FCTL_KIT_KEEP_MATRIX=<dir> keeps the first run's reports.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateSigningKey, parseChecksums, sha256File } from '@fctl-kit/artifacts';
import { coreBinaryFileName, hostTarget } from '@fctl-kit/binaries';
import { startPaymentsService } from '../../examples/payments/src/index.js';
import { fctlKit } from '../support/exec.js';
import { collect } from '../support/fctl.js';
import { startOciRegistry, type OciRegistry } from '../support/oci-registry.js';
import { buildPlugin, preparePluginProduct, productBuildDir, releasePlugin } from '../support/plugin-product.js';
import { repoRoot } from '../support/paths.js';
import { startRecordingProxy, type RecordingProxy } from '../support/recording-proxy.js';
import { platformBinary } from '../support/releases.js';
import { startReleaseServer, type ReleaseServer } from '../support/release-server.js';

const keys = generateSigningKey();
const CORE_BINARY = coreBinaryFileName(hostTarget());
const CELLS = ['fctl@0.1.0 ledger@3.2.0', 'fctl@0.1.0 ledger@3.3.0', 'fctl@0.1.0 payments@1.1.0', 'fctl@0.2.0 ledger@3.2.0', 'fctl@0.2.0 ledger@3.3.0', 'fctl@0.2.0 payments@1.1.0'];
const REACHABLE = CELLS.filter((cell) => cell !== 'fctl@0.1.0 payments@1.1.0');
const UNREACHABLE_REASON = 'fctl 0.1.0 speaks protocol version 1; payments@1.1.0 speaks 2';
let work: string;
let server: ReleaseServer;
let oci: OciRegistry;
let proxy: RecordingProxy;
let registry: string;
/** sha256 of each release's files, by "<name>@<version>" then file name (from its checksums.txt). */
const releaseFiles: Record<string, Map<string, string>> = {};

const matrix = (args: string[]) => fctlKit(['compat', 'matrix', '--registry', registry, ...args]);
const json = (dir: string) => readFileSync(join(dir, 'matrix.json'), 'utf8');
/** GETs of one release file, whichever backend served it: the url server by path, docker-registry by blob digest. */
function downloads(release: string, file: string): { url: number; oci: number } {
  const [name, version] = release.split('@') as [string, string];
  const digest = releaseFiles[release]!.get(file)!;
  return {
    url: server.requests.get(`/${name}/${version}/${file}`) ?? 0,
    oci: proxy.requests.filter((request) => request.startsWith('GET ') && request.includes(`/blobs/sha256:${digest}`)).length,
  };
}
const binaryOf = (release: string) => (release.startsWith('fctl@') ? CORE_BINARY : platformBinary(release.split('@')[0]));
/** What checksums.txt lists, and checksums.txt and its signature themselves. */
async function filesOf(build: string): Promise<Map<string, string>> {
  const files = parseChecksums(readFileSync(join(build, 'checksums.txt'), 'utf8'));
  for (const name of ['checksums.txt', 'checksums.txt.sig']) files.set(name, await sha256File(join(build, name)));
  return files;
}
const clearCounts = () => {
  server.requests.clear();
  proxy.requests.length = 0;
};

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'compat-journey-'));
  [server, oci] = await Promise.all([startReleaseServer(), startOciRegistry({ kind: 'anonymous' })]);
  const [host, port] = oci.host.split(':') as [string, string];
  proxy = await startRecordingProxy({ host, port: Number(port) });
  registry = join(work, 'registry.yaml');
  writeFileSync(registry, '# the acme stack: plugins and fctl cores\nplugins: {}\n');
  writeFileSync(join(work, 'release.key'), keys.privateKey);
  writeFileSync(join(work, 'release.pub'), keys.publicKey);
  const url = { backend: 'url', to: server.url };
  const ociAt = (path: string) => ({ backend: 'oci', to: `${proxy.host}/${path}` });
  const env = { DOCKER_CONFIG: '/nonexistent-docker-config', FCTL_KIT_COMPRESSION: '0' }; // xz preset 0: the fastest real .xz

  // The builds, two at a time (the machine's CPUs); then publishing and registering one after the other (one registry file).
  const plugins = [
    { example: 'ledger', version: '3.2.0', backends: [ociAt('plugins/ledger'), url] },
    {
      example: 'ledger',
      version: '3.3.0',
      backends: [ociAt('plugins/ledger'), url],
      edit: (plugin: string) => {
        const source = join(plugin, 'src', 'plugin.ts');
        writeFileSync(source, readFileSync(source, 'utf8').replace("{ header: 'REFERENCE', jsonPath: '$.reference' }", "{ header: 'REF', jsonPath: '$.reference' }"));
      },
    },
    { example: 'payments', version: '1.1.0', backends: [url, ociAt('plugins/payments')] },
  ] as const;
  // 0.1.0 pinned to v1 (what an older fctl speaks); 0.2.0 unpinned: every version this fctl speaks, registered as such.
  const cores = [
    { version: '0.1.0', pin: ['--protocol-versions', '1'], targets: [url] },
    { version: '0.2.0', pin: [], targets: [ociAt('fctl/core'), url] },
  ];
  const coreDir = join(repoRoot, 'packages', 'core');
  const coreBuild = (version: string) => join(work, 'cores', version);
  const builds = [
    ...plugins.map((plugin) => async () => {
      const dir = join(work, 'products', `${plugin.example}-${plugin.version}`);
      mkdirSync(dir, { recursive: true });
      preparePluginProduct(dir, { ...plugin, backends: [...plugin.backends], registryFile: registry, signingKey: keys.privateKey });
      const built = await buildPlugin(dir, env);
      expect(built.code, built.stderr).toBe(0);
      return dir;
    }),
    ...cores.map((core) => async () => {
      const built = await fctlKit(['release-core', coreDir, '--version', core.version, ...core.pin, '--targets', 'host', '--signing-key', join(work, 'release.key'), '--out', coreBuild(core.version)], { env });
      expect(built.code, built.stderr).toBe(0);
      return coreBuild(core.version);
    }),
  ];
  const dirs: string[] = [];
  for (let index = 0; index < builds.length; index += 2) dirs.push(...(await Promise.all(builds.slice(index, index + 2).map((build) => build()))));
  for (const [index, plugin] of plugins.entries()) {
    const released = await releasePlugin(dirs[index]!, env);
    expect(released.code, released.stderr).toBe(0);
    releaseFiles[`${plugin.example}@${plugin.version}`] = await filesOf(productBuildDir(dirs[index]!));
  }
  for (const core of cores) {
    for (const target of core.targets) {
      const published = await fctlKit(
        ['release-core', coreDir, '--version', core.version, ...core.pin, '--build-dir', coreBuild(core.version), '--backend', target.backend, '--to', target.to, '--registry', registry, '--public-key', join(work, 'release.pub')],
        { env },
      );
      expect(published.code, published.stderr).toBe(0);
    }
    releaseFiles[`fctl@${core.version}`] = await filesOf(coreBuild(core.version));
  }
  clearCounts();
}, 1_200_000);
afterAll(async () => {
  await proxy?.stop();
  await Promise.all([server?.stop(), oci?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

it('one registry lists the plugins and the cores, each version with its protocols, pinned, signed, fetched from http and OCI only', () => {
  const text = readFileSync(registry, 'utf8');
  const document = parse(text);
  const versions = (plugin: string) => Object.fromEntries(Object.entries(document.plugins[plugin].versions).map(([version, entry]: [string, any]) => [version, [entry.protocolVersions, entry.sources.map((source: { backend: string }) => source.backend)]]));
  expect(versions('ledger')).toEqual({ '3.2.0': [[1, 2], ['oci', 'url']], '3.3.0': [[1, 2], ['oci', 'url']] });
  expect(versions('payments')).toEqual({ '1.1.0': [[2], ['url', 'oci']] });
  expect(document.plugins.ledger.publicKey).toBe(keys.publicKey);
  expect(Object.fromEntries(Object.entries(document.cores.versions).map(([version, entry]: [string, any]) => [version, [entry.protocolVersions, entry.sources.map((source: { backend: string }) => source.backend)]]))).toEqual({
    '0.1.0': [[1], ['url']],
    '0.2.0': [[1, 2], ['oci', 'url']],
  });
  // Nothing local: every source is the url server or the OCI registry (behind its proxy).
  expect(text).not.toContain('file:');
  expect(text).not.toContain(work);
  // Each release's checksums.txt lists its scenarios (so the pin and the signature cover them).
  for (const release of ['ledger@3.2.0', 'ledger@3.3.0', 'payments@1.1.0']) expect(releaseFiles[release]!.has('scenarios.yaml')).toBe(true);
});

it('plans every core against every plugin version, payments unreachable from the v1-only core, fetching nothing', async () => {
  const plan = await matrix(['--plan', '--cache-dir', join(work, 'plan-cache')]);
  expect(plan.code, plan.stderr).toBe(0);
  expect(plan.stdout).toBe(
    [
      'fctl@0.1.0 ledger@3.2.0  reachable, protocol 1',
      'fctl@0.1.0 ledger@3.3.0  reachable, protocol 1',
      `fctl@0.1.0 payments@1.1.0  unreachable: ${UNREACHABLE_REASON}`,
      'fctl@0.2.0 ledger@3.2.0  reachable, protocol 2',
      'fctl@0.2.0 ledger@3.3.0  reachable, protocol 2',
      'fctl@0.2.0 payments@1.1.0  reachable, protocol 2',
      '6 cells, 5 reachable',
      '',
    ].join('\n'),
  );
  for (const release of ['fctl@0.1.0', 'fctl@0.2.0', 'ledger@3.2.0', 'ledger@3.3.0', 'payments@1.1.0']) expect(downloads(release, binaryOf(release))).toEqual({ url: 0, oci: 0 });
});

/** The first, unsharded run with an empty cache (shared by the tests that need it). */
let unsharded: Promise<{ out: string; cache: string; run: Awaited<ReturnType<typeof matrix>> }> | undefined;
const firstRun = () =>
  (unsharded ??= (async () => {
    clearCounts();
    const out = join(work, 'out-1');
    const cache = join(work, 'cache');
    return { out, cache, run: await matrix(['--cache-dir', cache, '--out', out]) };
  })());

it('runs every reachable cell from the downloaded, verified releases: ledger 3.2.0 ✓ on both cores, 3.3.0 ✗ with its diff, payments — on 0.1.0', async () => {
  const { out, run } = await firstRun();
  // The reports for docs (tools/docs/matrix-screenshot.mjs renders this matrix.html).
  if (process.env.FCTL_KIT_KEEP_MATRIX) cpSync(out, process.env.FCTL_KIT_KEEP_MATRIX, { recursive: true });
  expect(run.code, run.stdout + run.stderr).toBe(1);
  expect(run.stdout).toBe(`6 cells: 3 passed, 2 failed, 0 could not run, 1 unreachable; 5 run, 0 not run again; reports in ${out}\n`);
  for (const cell of ['fctl@0.1.0 ledger@3.2.0', 'fctl@0.2.0 ledger@3.2.0', 'fctl@0.2.0 payments@1.1.0']) expect(run.stderr).toContain(`✓ ${cell} (pass, ran)\n`);
  for (const cell of ['fctl@0.1.0 ledger@3.3.0', 'fctl@0.2.0 ledger@3.3.0']) expect(run.stderr).toContain(`✗ ${cell} (fail, ran)\n`);
  const { os, arch } = hostTarget();
  expect(run.stderr).toContain(`Downloading fctl 0.1.0 (${os}/${arch}) from ${server.url}/fctl/0.1.0/${CORE_BINARY}`);
  expect(run.stderr).toContain(`Downloading fctl 0.2.0 (${os}/${arch}) from oci://${proxy.host}/fctl/core:0.2.0 (${CORE_BINARY})`);

  // The downloads, counted on the servers: each core once, from its first source; each plugin
  // version once per cell that installs it (fctl installs the .xz), from its first source; the
  // signed checksums.txt of each plugin release read for the cell key and by each install.
  expect(downloads('fctl@0.1.0', CORE_BINARY)).toEqual({ url: 1, oci: 0 });
  expect(downloads('fctl@0.2.0', CORE_BINARY)).toEqual({ url: 0, oci: 1 });
  for (const [release, cells, first] of [['ledger@3.2.0', 2, 'oci'], ['ledger@3.3.0', 2, 'oci'], ['payments@1.1.0', 1, 'url']] as const) {
    const binary = platformBinary(release.split('@')[0]);
    expect(downloads(release, `${binary}.xz`), release).toEqual({ url: first === 'url' ? cells : 0, oci: first === 'oci' ? cells : 0 });
    expect(downloads(release, binary), release).toEqual({ url: 0, oci: 0 });
    const signature = downloads(release, 'checksums.txt.sig');
    expect(signature.url + signature.oci, release).toBeGreaterThanOrEqual(cells + 1);
  }

  const results = JSON.parse(json(out));
  expect(results.summary).toEqual({ cells: 6, pass: 3, fail: 2, error: 0, notRun: 0, unreachable: 1 });
  expect(results.results.map((result: { cell: string }) => result.cell)).toEqual(REACHABLE);
  const planned = Object.fromEntries(results.plan.cells.map((cell: { id: string }) => [cell.id, cell]));
  expect(planned['fctl@0.1.0 ledger@3.2.0']).toMatchObject({ status: 'reachable', protocolVersion: 1 });
  expect(planned['fctl@0.2.0 ledger@3.2.0']).toMatchObject({ status: 'reachable', protocolVersion: 2 });
  expect(planned['fctl@0.1.0 payments@1.1.0']).toEqual({ id: 'fctl@0.1.0 payments@1.1.0', core: '0.1.0', plugin: 'payments', version: '1.1.0', status: 'unreachable', reasons: [{ code: 'no-common-protocol', message: UNREACHABLE_REASON }] });
  for (const cell of ['fctl@0.1.0 ledger@3.3.0', 'fctl@0.2.0 ledger@3.3.0']) {
    const failed = results.results.find((result: { cell: string }) => result.cell === cell);
    expect(failed.status).toBe('fail');
    const table = failed.scenarios.find((scenario: { name: string }) => scenario.name === "transactions list renders the ledger's page as a table");
    expect(table.ok).toBe(false);
    expect(table.problems[0]).toMatch(/^printed:\nID +TIMESTAMP +REF +POSTINGS\n[^]*expected:\nID +TIMESTAMP +REFERENCE +POSTINGS\n/);
    expect(failed.scenarios.filter((scenario: { ok: boolean }) => !scenario.ok)).toHaveLength(1);
  }

  const markdown = readFileSync(join(out, 'matrix.md'), 'utf8');
  expect(markdown).toContain('| `0.1.0` | [✓](matrix.html#cell-0) | [✗](matrix.html#cell-1) | — |');
  expect(markdown).toContain('| `0.2.0` | [✓](matrix.html#cell-3) | [✗](matrix.html#cell-4) | [✓](matrix.html#cell-5) |');
  // matrix.md escapes "@" in free text (no one is notified on GitHub).
  expect(markdown).toContain(`### Unreachable\n- \`fctl@0.1.0 payments@1.1.0\`: ${UNREACHABLE_REASON.replace('@', '&#64;')}\n`);
  const html = readFileSync(join(out, 'matrix.html'), 'utf8');
  const detail = (id: number) => html.slice(html.indexOf(`id="cell-${id}"`), html.indexOf(`id="cell-${id + 1}"`));
  expect(detail(1)).toMatch(/<pre class="diff">printed:\nID +TIMESTAMP +REF +POSTINGS\n/);
  expect(detail(1)).toContain('GET /api/ledger/v3/default/transactions');
  expect(detail(2)).toContain(UNREACHABLE_REASON);
  expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toContain('<testsuite name="fctl@0.1.0 payments@1.1.0"');
}, 900_000);

it('a second run runs no cell: every cell comes from the cache, no binary is downloaded', async () => {
  const { out, cache } = await firstRun();
  clearCounts();
  const again = join(work, 'out-2');
  const second = await matrix(['--cache-dir', cache, '--out', again]);
  expect(second.code).toBe(1);
  expect(second.stdout).toBe(`6 cells: 3 passed, 2 failed, 0 could not run, 1 unreachable; 0 run, 5 not run again; reports in ${again}\n`);
  expect(second.stderr.match(/\(\w+, ran\)/g)).toBeNull();
  for (const cell of REACHABLE) expect(second.stderr).toMatch(new RegExp(`. ${cell.replace(/[.@]/g, '\\$&')} \\((pass|fail), cached\\)\n`));
  expect(second.stderr).not.toContain('Downloading fctl');
  for (const release of ['fctl@0.1.0', 'fctl@0.2.0', 'ledger@3.2.0', 'ledger@3.3.0', 'payments@1.1.0']) {
    expect(downloads(release, binaryOf(release)), release).toEqual({ url: 0, oci: 0 });
    if (!release.startsWith('fctl@')) expect(downloads(release, `${binaryOf(release)}.xz`), release).toEqual({ url: 0, oci: 0 });
  }
  expect(json(again)).toBe(json(out));
}, 300_000);

it('shard 1/2 and shard 2/2, on two fresh caches, merged, give the unsharded matrix.json', async () => {
  const { out: whole, run: first } = await firstRun();
  expect(first.code).toBe(1);
  const shards = ['1/2', '2/2'].map((shard) => ({ shard, out: join(work, `shard-${shard.replace('/', '-of-')}`), cache: join(work, `cache-shard-${shard.replace('/', '-')}`) }));
  const runs = await Promise.all(shards.map(({ shard, out, cache }) => matrix(['--cache-dir', cache, '--out', out, '--shard', shard])));
  expect(runs.map((run) => run.code)).toEqual([1, 1]); // each shard holds a failing 3.3.0 cell
  expect(shards.map(({ out }) => JSON.parse(json(out)).results.map((result: { cell: string }) => result.cell))).toEqual([REACHABLE.slice(0, 3), REACHABLE.slice(3)]);
  const merged = join(work, 'merged');
  const merge = await fctlKit(['compat', 'merge', ...shards.map(({ out }) => join(out, 'matrix.json')), '--out', merged]);
  expect(merge.code, merge.stderr).toBe(1);
  expect(merge.stdout).toBe(`6 cells: 3 passed, 2 failed, 0 could not run, 1 unreachable; reports in ${merged}\n`);
  // Results carry no times: the merged document is the unsharded one, byte for byte.
  expect(json(merged)).toBe(json(whole));
}, 900_000);

it('the v1-pinned core, as released, refuses `fctl plugin install payments`, saying why, downloading nothing', async () => {
  const { cache } = await firstRun();
  const payments = await startPaymentsService({ version: '1.1.0', port: 0 });
  try {
    // The binary the matrix downloaded and verified: the store keeps it under its sha256.
    const core = join(cache, 'cores', 'sha256', releaseFiles['fctl@0.1.0']!.get(CORE_BINARY)!);
    expect(await sha256File(core)).toBe(releaseFiles['fctl@0.1.0']!.get(CORE_BINARY));
    const env = { PATH: process.env.PATH, HOME: work, FCTL_CONFIG_DIR: mkdtempSync(join(work, 'config-')), FCTL_REGISTRY: registry, NO_COLOR: '1' };
    const fctl = (args: string[]) => collect(spawn(core, args, { env, stdio: ['pipe', 'pipe', 'pipe'] }), '', 60_000);
    expect((await fctl(['profile', 'add', 'main', '--stack-url', payments.url, '--use'])).code).toBe(0);
    clearCounts();
    const install = await fctl(['plugin', 'install', 'payments']);
    expect(install.code).toBe(1);
    // The pinned build is an fctl from before v2: it speaks 1, and the way out is a newer fctl.
    expect(install.stderr).toContain('no version of the "payments" plugin that serves Payments v1.1.0 can run with this fctl:\n         payments 1.1.0 speaks protocol version 2; this fctl speaks 1\n       Nothing was downloaded.\n');
    expect(install.stderr).toContain('A newer fctl can run it: upgrade fctl.');
    expect(install.stderr).not.toContain('FCTL_PROTOCOL_VERSIONS');
    expect([...server.requests.keys()].filter((path) => path.startsWith('/payments/'))).toEqual([]);
    expect(proxy.requests.filter((request) => request.includes('/plugins/payments/'))).toEqual([]);
    expect((await fctl(['plugin', 'list'])).stdout).not.toContain('payments');
  } finally {
    await payments.close();
  }
}, 120_000);
