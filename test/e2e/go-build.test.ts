// A Go plugin through the same build step as TypeScript plugins (issue 16 item 3): the fixture Go
// module (test/fixtures/go-plugin, the SDK by a `replace` to sdk/go) built by the real
// `fctl-kit build` for the six default targets, from two copies in different directories (the
// binaries must be byte-identical per target); then linux-amd64 run natively, installed and run
// through fctl against the example ledger service, linux-arm64 under qemu-user, windows-amd64
// under Wine, the darwin signatures checked page by page, and the directory verified by
// `fctl-kit verify` with the publisher's key.
// (Wine runs Go's Windows binaries in goWinePrefix: test/support/foreign.ts says why.)
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey, parseArtifactList } from '@fctl-kit/artifacts';
import { verifyAdhocSignature, type BuildSummary } from '@fctl-kit/binaries';
import { fctlKit } from '../support/exec.js';
import { newFctl, type Fctl } from '../support/fctl.js';
import { goWinePrefix, qemuArm64Launcher, wineLauncher } from '../support/foreign.js';
import { startLedger, type RunningLedger } from '../support/ledger-service.js';
import { repoRoot, requireBuilt } from '../support/paths.js';

const fixture = join('test', 'fixtures', 'go-plugin');
const sdk = join('sdk', 'go');
const keys = generateSigningKey();
let work: string;
let first: BuildSummary;
let second: BuildSummary;
let ledger: RunningLedger;
let fctl: Fctl;

/** The fixture and the SDK copied under `root` at their places in the repository, so the module's `replace ../../../sdk/go` holds. */
function copySources(root: string): string {
  cpSync(join(repoRoot, sdk), join(root, sdk), { recursive: true });
  cpSync(join(repoRoot, fixture), join(root, fixture), { recursive: true });
  return join(root, fixture, 'cmd', 'fctl-plugin');
}

async function build(pluginDir: string, out: string, extra: string[] = []): Promise<BuildSummary> {
  const result = await fctlKit(['build', pluginDir, '--out', out, ...extra], { env: { FCTL_KIT_SIGNING_KEY: keys.privateKey } });
  expect(result.code, `fctl-kit build failed: ${result.stderr}`).toBe(0);
  expect(result.stdout + result.stderr).not.toContain('PRIVATE KEY');
  return JSON.parse(result.stdout) as BuildSummary;
}

const binary = (target: string) => join(first.outDir, first.binaries.find((b) => b.target === target)!.name);

beforeAll(async () => {
  requireBuilt(join(repoRoot, 'packages', 'cli', 'dist', 'fctl-kit.js'));
  work = mkdtempSync(join(tmpdir(), 'go-build-'));
  // The version comes from the fixture's fctl-plugin.json (a VERSION file holding 3.2.0).
  first = await build(copySources(join(work, 'one')), join(work, 'out-one'), ['--compression', '6']);
  second = await build(copySources(join(work, 'elsewhere', 'two')), join(work, 'out-two'), ['--compression', 'none']);
  ledger = await startLedger('3.2.0');
  fctl = newFctl();
  await fctl.run(['profile', 'add', 'prod', '--stack-url', ledger.url, '--use']);
}, 900_000);
afterAll(async () => {
  await ledger?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('fctl-kit build of a Go plugin', () => {
  it('writes fctl-plugin-NAME-OS-ARCH for the six default targets, their .xz, artifacts.json and signed checksums.txt', () => {
    expect(first).toMatchObject({ plugin: 'ledger', version: '3.2.0', language: 'go', go: expect.stringMatching(/^go1\.\d+/) });
    expect(first.binaries.map((b) => b.name)).toEqual([
      'fctl-plugin-ledger-darwin-amd64',
      'fctl-plugin-ledger-darwin-arm64',
      'fctl-plugin-ledger-linux-amd64',
      'fctl-plugin-ledger-linux-arm64',
      'fctl-plugin-ledger-windows-amd64.exe',
      'fctl-plugin-ledger-windows-arm64.exe',
    ]);
    expect(first.compressed.map((c) => c.contains)).toEqual(first.binaries.map((b) => b.name));
    const list = parseArtifactList(readFileSync(join(first.outDir, 'artifacts.json'), 'utf8'), 'artifacts.json');
    expect(list).toMatchObject({ name: 'ledger', version: '3.2.0' });
    expect(list.artifacts.map((entry) => entry.kind).sort()).toEqual(
      ['artifact-list', 'checksums', 'manifest', 'signature', 'sigstore-bundle', ...Array(6).fill('binary'), ...Array(6).fill('compressed-binary')].sort(),
    );
    expect(JSON.parse(readFileSync(join(first.outDir, 'manifest.json'), 'utf8'))).toMatchObject({ name: 'ledger', service: 'ledger', version: '3.2.0' });
  });

  it('is verified by fctl-kit verify with the publisher key', async () => {
    const publicKey = join(work, 'publisher.pub');
    writeFileSync(publicKey, keys.publicKey);
    const result = await fctlKit(['verify', first.outDir, '--public-key', publicKey]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`Verified: checksums.txt is signed by the publisher's key, and the 14 files it lists match it.`);
  });

  it('gives byte-identical binaries for every target when built from a copy in another directory', () => {
    const digests = (summary: BuildSummary) => Object.fromEntries(summary.binaries.map((b) => [b.target, b.sha256]));
    expect(Object.keys(digests(second))).toHaveLength(6);
    expect(digests(second)).toEqual(digests(first));
    for (const b of first.binaries) expect(readFileSync(join(second.outDir, b.name)).equals(readFileSync(join(first.outDir, b.name))), b.name).toBe(true);
  });
});

describe('the Go binaries run and speak the protocol with fctl', () => {
  it('linux-amd64, natively: installs as version 3.2.0 and runs a command against the stack', async () => {
    const install = await fctl.run(['plugin', 'install', 'ledger', '--path', binary('linux-amd64')]);
    expect(install.stderr).toContain('Plugin "ledger" installed (version: 3.2.0, compatible with >=3.0.0 <4.0.0)');
    const show = await fctl.run(['ledger', 'transactions', 'show', '2', '-o', 'json']);
    expect(show.code, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ id: 2, reference: 'ref-001' });
  });

  it('linux-arm64, under qemu-user', async () => {
    const launcher = qemuArm64Launcher(binary('linux-arm64'));
    const result = await fctl.run(['--plugin-binary', `ledger=${launcher}`, '--debug', 'ledger', 'transactions', 'show', '2', '-o', 'json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('handshake: ok');
    expect(JSON.parse(result.stdout)).toMatchObject({ id: 2, reference: 'ref-001' });
  });

  it('windows-amd64, under Wine', async () => {
    const launcher = wineLauncher(binary('windows-amd64'), goWinePrefix());
    const result = await fctl.run(['--plugin-binary', `ledger=${launcher}`, 'ledger', 'transactions', 'show', '2', '-o', 'json'], { timeoutMs: 120_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ id: 2, reference: 'ref-001' });
  }, 180_000);

  it('darwin-amd64 and darwin-arm64 carry the project signer\'s ad-hoc signature (not Go\'s "a.out"), covering every page', () => {
    for (const target of ['darwin-amd64', 'darwin-arm64']) {
      const report = verifyAdhocSignature(readFileSync(binary(target)));
      expect(report.problems, target).toEqual([]);
      expect(report.identifier).toBe(`fctl-plugin-ledger-${target}`);
      expect(report.pages).toBeGreaterThan(1000);
    }
  });
});
