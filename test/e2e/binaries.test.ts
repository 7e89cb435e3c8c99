// The self-contained plugin binaries (issue: cross-compile offline): built once for every default
// target by the real `fctl-kit build`, then run natively, under qemu-user and under Wine through
// the real fctl; darwin signatures checked page by page; checksums and their signature checked;
// and a second build in other directories compared byte for byte.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey, verifyReleaseDirectory } from '@fctl-kit/artifacts';
import { verifyAdhocSignature, type BuildSummary } from '@fctl-kit/binaries';
import { newFctl, type Fctl } from '../support/fctl.js';
import { createWinePrefix, qemuArm64Launcher, wineLauncher } from '../support/foreign.js';
import { startLedger, type RunningLedger } from '../support/ledger-service.js';
import { examplePluginDir, repoRoot } from '../support/paths.js';

const fctlKit = join(repoRoot, 'packages', 'cli', 'bin', 'fctl-kit.js');
const keys = generateSigningKey();
let work: string;
let outDir: string;
let summary: BuildSummary;
let ledger: RunningLedger;
let fctl: Fctl;

function build(sourceDir: string, out: string): BuildSummary {
  const result = spawnSync(process.execPath, [fctlKit, 'build', sourceDir, '--service-version', '3.2.0', '--out', out], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, FCTL_KIT_SIGNING_KEY: keys.privateKey },
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`fctl-kit build failed: ${result.stderr}`);
  expect(result.stdout + result.stderr).not.toContain('PRIVATE KEY');
  return JSON.parse(result.stdout) as BuildSummary;
}

const binary = (target: string) => join(outDir, summary.binaries.find((b) => b.target === target)!.name);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'binaries-'));
  outDir = join(work, 'first');
  summary = build(examplePluginDir, outDir);
  ledger = await startLedger('3.2.0');
  fctl = newFctl();
  await fctl.run(['profile', 'add', 'prod', '--stack-url', ledger.url, '--use']);
}, 600_000);
afterAll(async () => {
  await ledger?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('fctl-kit build', () => {
  it('produces fctl-plugin-{name}-{os}-{arch} for every default target, with sizes and digests', () => {
    expect(summary).toMatchObject({ plugin: 'ledger', version: '3.2.0', node: '22.23.2' });
    expect(summary.binaries.map((b) => b.name)).toEqual([
      'fctl-plugin-ledger-darwin-amd64',
      'fctl-plugin-ledger-darwin-arm64',
      'fctl-plugin-ledger-linux-amd64',
      'fctl-plugin-ledger-linux-arm64',
      'fctl-plugin-ledger-windows-amd64.exe',
      'fctl-plugin-ledger-windows-arm64.exe',
    ]);
    for (const artifact of summary.binaries) expect(artifact.size).toBeGreaterThan(50 * 1024 * 1024);
    expect(JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8'))).toMatchObject({ name: 'ledger', version: '3.2.0' });
  });

  it('writes checksums.txt that sha256sum -c accepts, signed with the publisher key', async () => {
    const check = spawnSync('sha256sum', ['-c', 'checksums.txt'], { cwd: outDir, encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    // Besides the binaries (and their .xz, when compressed): the bundle, manifest.json, scenarios.yaml and artifacts.json.
    const listed = summary.binaries.length + summary.compressed.length + 4;
    expect(check.stdout.trim().split('\n')).toHaveLength(listed);
    expect(await verifyReleaseDirectory(outDir, keys.publicKey)).toHaveLength(listed);
  });

  it('is refused by the verifier after tampering with a binary or with checksums.txt', async () => {
    const tampered = join(work, 'tampered');
    cpSync(outDir, tampered, { recursive: true });
    const victim = join(tampered, 'fctl-plugin-ledger-linux-amd64');
    const bytes = readFileSync(victim);
    bytes.writeUInt8(bytes.readUInt8(1000) ^ 1, 1000);
    writeFileSync(victim, bytes);
    await expect(verifyReleaseDirectory(tampered, keys.publicKey)).rejects.toThrow(/fctl-plugin-ledger-linux-amd64 has sha256 [0-9a-f]{64}, but checksums.txt says/);
    const checksums = readFileSync(join(tampered, 'checksums.txt'), 'utf8');
    const newDigest = execFileSync('sha256sum', [victim], { encoding: 'utf8' }).split(' ')[0]!;
    writeFileSync(join(tampered, 'checksums.txt'), checksums.replace(/^[0-9a-f]{64}(?=  fctl-plugin-ledger-linux-amd64$)/m, newDigest));
    await expect(verifyReleaseDirectory(tampered, keys.publicKey)).rejects.toThrow('the signature of checksums.txt does not verify');
  });
});

describe('the binaries run and speak the protocol with fctl', () => {
  it('linux-amd64, natively: installs as version 3.2.0 and runs a command', async () => {
    const install = await fctl.run(['plugin', 'install', 'ledger', '--path', binary('linux-amd64')]);
    expect(install.stderr).toContain('Plugin "ledger" installed (version: 3.2.0, compatible with >=3.0.0 <4.0.0)');
    const list = await fctl.run(['ledger', 'transactions', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+TIMESTAMP\s+REFERENCE\s+POSTINGS\n\s*4\s+2026-05-14T10:00:00Z/);
  });

  it('linux-amd64, installed air-gapped from the build directory: signature, checksum and manifest verified', async () => {
    const other = newFctl();
    await other.run(['profile', 'add', 'prod', '--stack-url', ledger.url, '--use']);
    const publicKey = join(work, 'publisher.pub');
    writeFileSync(publicKey, keys.publicKey);
    const install = await other.run(['plugin', 'install', 'ledger', '--from', outDir, '--public-key', publicKey], { timeoutMs: 60_000 });
    expect(install.code, install.stderr).toBe(0);
    expect(install.stderr).toContain("Verifying checksum... ok (checksums.txt signed by the publisher's key)\nPlugin \"ledger\" installed (version: 3.2.0");
    const [installed] = JSON.parse((await other.run(['plugin', 'list', '-o', 'json'])).stdout);
    expect(installed).toMatchObject({ version: '3.2.0', sha256: summary.binaries.find((b) => b.target === 'linux-amd64')!.sha256, source: `dir:${outDir}` });
    const list = await other.run(['ledger', 'transactions', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+TIMESTAMP\s+REFERENCE\s+POSTINGS\n/);
  });

  it('linux-arm64, under qemu-user', async () => {
    const launcher = qemuArm64Launcher(binary('linux-arm64'));
    const result = await fctl.run(['--plugin-binary', `ledger=${launcher}`, '--debug', 'ledger', 'transactions', 'show', '2', '-o', 'json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('handshake: ok');
    expect(JSON.parse(result.stdout)).toMatchObject({ id: 2, reference: 'ref-001' });
  });

  it('windows-amd64, under Wine', async () => {
    const launcher = wineLauncher(binary('windows-amd64'), createWinePrefix());
    const result = await fctl.run(['--plugin-binary', `ledger=${launcher}`, 'ledger', 'accounts', 'list', '--address', 'users:', '-o', 'json'], { timeoutMs: 120_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).data.map((a: { address: string }) => a.address)).toEqual(['users:001', 'users:002']);
  }, 180_000);

  it('darwin-amd64 and darwin-arm64 carry a valid ad-hoc signature covering every page', () => {
    for (const target of ['darwin-amd64', 'darwin-arm64']) {
      const report = verifyAdhocSignature(readFileSync(binary(target)));
      expect(report.problems, target).toEqual([]);
      expect(report.identifier).toBe(`fctl-plugin-ledger-${target}`);
      expect(report.pages).toBeGreaterThan(20_000);
    }
  });
});

describe('reproducibility', () => {
  it('a second build, from a copy of the source in another directory, gives the same bytes, signature included', () => {
    const copies = join(repoRoot, '.tmp', `repro-${process.pid}`);
    mkdirSync(copies, { recursive: true });
    try {
      // The whole checkout moves: the plugin keeps its place relative to the tsconfig it extends.
      const source = join(copies, relative(repoRoot, examplePluginDir));
      cpSync(join(repoRoot, 'tsconfig.base.json'), join(copies, 'tsconfig.base.json'));
      cpSync(examplePluginDir, source, { recursive: true, filter: (path) => !path.includes('node_modules') && !path.includes(`${join('fctl-plugin', 'dist')}`) });
      const second = join(work, 'elsewhere', 'second');
      const again = build(source, second);
      expect(again.binaries).toEqual(summary.binaries);
      const compared = readdirSync(outDir).filter((name) => !name.endsWith('.map'));
      for (const name of compared) expect(readFileSync(join(second, name)).equals(readFileSync(join(outDir, name))), name).toBe(true);
      expect(compared).toEqual(expect.arrayContaining(['checksums.txt', 'checksums.txt.sig']));
    } finally {
      rmSync(copies, { recursive: true, force: true });
    }
  }, 600_000);
});
