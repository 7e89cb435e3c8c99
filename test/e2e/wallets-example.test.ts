// The Go example product (examples/wallets) end to end: go vet and go test in its module, the
// plugin built as a release build is (static, trimmed, stripped, its version injected from the
// product's VERSION file), the real service started with a token, the plugin installed into the
// real fctl and run against it under protocol v2 (fctl brokers every request) and v1 (the plugin
// requests the stack itself), then its compat scenarios and the conformance runner.
// GOTOOLCHAIN=local: the installed Go runs, no toolchain is downloaded.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec, fctlKit, fctlKitBin } from '../support/exec.js';
import { newFctl, type Fctl } from '../support/fctl.js';
import { fctlBin, repoRoot, requireBuilt } from '../support/paths.js';
import { startWalletsService, stopWalletsService, type WalletsService } from '../support/wallets-product.js';

interface Report {
  plugin: { name?: string; version?: string; protocolVersions: number[] };
  findings: { check: string; version?: number; status: string; message: string }[];
  ok: boolean;
}

const product = join(repoRoot, 'examples', 'wallets');
const pluginDir = join(product, 'cmd', 'fctl-plugin');
const goEnv = { GOTOOLCHAIN: 'local', CGO_ENABLED: '0' };
const versionVariable = 'github.com/fctl-plugin-kit/fctl-plugin-kit/sdk/go/plugin.version';
const serviceVersion = readFileSync(join(product, 'VERSION'), 'utf8').trim();
const token = 'wallets-e2e-token';
const exe = process.platform === 'win32' ? '.exe' : '';

let work: string;
let pluginBinary: string;
let service: WalletsService;
const configDirs: string[] = [];

/** Runs go in the product's module; a failure shows what go printed. */
async function go(...args: string[]) {
  const result = await exec('go', args, { cwd: product, env: goEnv });
  expect(result.code, `go ${args.join(' ')} failed (is Go 1.26 or later on PATH?)\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result;
}


/** A fresh fctl with the built plugin installed and a profile on the service (with `tokenText` as its token). */
async function fctlOnService(tokenText = token): Promise<Fctl> {
  const fctl = newFctl();
  configDirs.push(fctl.configDir);
  const install = await fctl.run(['plugin', 'install', 'wallets', '--path', pluginBinary]);
  expect(install.code, install.stderr).toBe(0);
  expect(install.stderr).toContain(`Plugin "wallets" installed (version: ${serviceVersion}, compatible with >=1.0.0 <2.0.0).`);
  const tokenFile = join(fctl.configDir, 'token');
  writeFileSync(tokenFile, tokenText);
  const profile = await fctl.run(['profile', 'add', 'main', '--stack-url', service.url, '--token-file', tokenFile, '--use']);
  expect(profile.code, profile.stderr).toBe(0);
  return fctl;
}

const protocols = [
  { version: 2, env: {} },
  { version: 1, env: { FCTL_PROTOCOL_VERSIONS: '1' } },
];

beforeAll(async () => {
  requireBuilt(fctlBin, fctlKitBin, join(repoRoot, 'packages', 'cli', 'dist', 'fctl-kit.js'));
  work = mkdtempSync(join(tmpdir(), 'wallets-example-'));
  pluginBinary = join(work, `fctl-plugin-wallets${exe}`);
  await go('build', '-o', pluginBinary, '-trimpath', '-buildvcs=false', '-ldflags', `-s -w -X ${versionVariable}=${serviceVersion}`, './cmd/fctl-plugin');
  // Built rather than `go run`, so that stopping it stops the service itself, not only the go command.
  const serverBinary = join(work, `wallets-server${exe}`);
  await go('build', '-o', serverBinary, '-buildvcs=false', './cmd/server');
  service = await startWalletsService(serverBinary, serviceVersion, token);
}, 300_000);
afterAll(async () => {
  await stopWalletsService(service);
  for (const dir of [work, ...configDirs]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the Go module of examples/wallets', () => {
  it('go vet is clean', async () => {
    await go('vet', './...');
  }, 300_000);

  it('go test passes for the service, its command and the plugin', async () => {
    const result = await go('test', './...');
    expect(result.stdout).toMatch(/^ok\s+github\.com\/fctl-plugin-kit\/fctl-plugin-kit\/examples\/wallets\/cmd\/server\s/m);
    expect(result.stdout).toMatch(/^ok\s+github\.com\/fctl-plugin-kit\/fctl-plugin-kit\/examples\/wallets\/service\s/m);
    expect(result.stdout).toMatch(/^ok\s+github\.com\/fctl-plugin-kit\/fctl-plugin-kit\/examples\/wallets\/cmd\/fctl-plugin\s/m);
  }, 300_000);

  it('the service says where it listens', () => {
    expect(service.line).toMatch(new RegExp(`^wallets service v${serviceVersion.replaceAll('.', '\\.')} listening on http://127\\.0\\.0\\.1:\\d+$`));
  });
});

describe('fctl with the Go plugin, against the wallets service', () => {
  for (const protocol of protocols) {
    it(`renders wallets list and wallets show under protocol v${protocol.version}`, async () => {
      const fctl = await fctlOnService();
      const list = await fctl.run(['--debug', 'wallets', 'list'], { env: protocol.env });
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout).toBe(
        [
          'ID        NAME       CREATED',
          'wal_003   treasury   2026-05-15T08:00:00Z',
          'wal_002   bob        2026-05-14T09:30:00Z',
          'wal_001   alice      2026-05-14T09:00:00Z',
          '',
        ].join('\n'),
      );
      expect(list.stderr).toMatch(new RegExp(`handshake: ok \\(\\d+ ms, protocol v${protocol.version}, wallets v${serviceVersion.replaceAll('.', '\\.')}\\)`));
      expect(list.stderr).toContain('[plugin]  → GET /api/wallets/v1/wallets?pageSize=15');
      expect(list.stdout + list.stderr).not.toContain(token);

      const show = await fctl.run(['wallets', 'show', 'wal_001'], { env: protocol.env });
      expect(show.code, show.stderr).toBe(0);
      expect(show.stdout).toBe(
        [
          'Wallet',
          'ID:       wal_001',
          'Name:     alice',
          'Created:  2026-05-14T09:00:00Z',
          '',
          'Balances',
          '  BALANCE   ASSET   AMOUNT',
          '  main      EUR/2      500',
          '  main      USD/2    12000',
          '',
        ].join('\n'),
      );

      const filtered = await fctl.run(['wallets', 'ls', '--metadata', 'team=retail', '--page-size', '1', '-o', 'json'], { env: protocol.env });
      expect(filtered.code, filtered.stderr).toBe(0);
      expect(JSON.parse(filtered.stdout)).toEqual({ hasMore: true, data: [{ id: 'wal_002', name: 'bob', createdAt: '2026-05-14T09:30:00Z', metadata: { team: 'retail' } }] });
    }, 60_000);

    it(`maps the service's errors under protocol v${protocol.version}`, async () => {
      const fctl = await fctlOnService();
      const missing = await fctl.run(['wallets', 'show', 'wal_404'], { env: protocol.env });
      expect(missing.code).toBe(1);
      expect(missing.stderr).toBe('Error: wallet wal_404 not found (NOT_FOUND)\n');

      const badFlag = await fctl.run(['wallets', 'list', '--metadata', 'team'], { env: protocol.env });
      expect(badFlag.code).toBe(2);
      expect(badFlag.stderr).toBe('Error: flag --metadata expects key=value, got "team"\n');

      const refused = await (await fctlOnService('not-the-token')).run(['wallets', 'list'], { env: protocol.env });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe('Error: missing or invalid bearer token (UNAUTHORIZED)\n');
      expect(refused.stdout + refused.stderr).not.toContain('not-the-token');
    }, 60_000);
  }
});

describe('the release checks on the built Go plugin', () => {
  it("reads the service version from the product's VERSION file", async () => {
    const result = await fctlKit(['verify-version', pluginDir]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).toContain(`ok: ${serviceVersion} (${join(product, 'VERSION')})`);
  });

  it('passes its compat scenarios', async () => {
    const result = await fctlKit(['compat', pluginDir, '--plugin', pluginBinary]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toBe(
      [
        'ok   list renders the wallets as a table',
        'ok   show renders a wallet and its balances, ordered by balance and asset',
        'ok   an unknown wallet is reported as not found',
        'ok   a refused token is reported as an authentication error',
        'ok   the plugin serves wallets 1.x only; a v2 stack gets no plugin',
        `5 scenarios, 0 failed (wallets: ${pluginBinary})`,
        '',
      ].join('\n'),
    );
  }, 120_000);

  it('passes fctl-kit conformance in both protocol versions', async () => {
    const result = await fctlKit(['conformance', '--json', pluginBinary]);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as Report;
    const notPassed = report.findings
      .filter((finding) => finding.status !== 'pass')
      .map((finding) => `${finding.check}${finding.version ? ` (v${finding.version})` : ''}: ${finding.status}: ${finding.message}`);
    expect(notPassed).toEqual([]);
    expect(report.plugin).toMatchObject({ name: 'wallets', version: serviceVersion, protocolVersions: [1, 2] });
    expect(report.ok).toBe(true);
    expect(result.code).toBe(0);
  }, 120_000);
});
