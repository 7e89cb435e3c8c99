// `npm run demo` (after its setup step): the TypeScript product releases its plugin into a local url
// directory and registry file, and fctl installs the version the stack needs and runs a command;
// then the Go product, in a git repository of its own, releases its Go plugin for two tags into the
// same registry, the compatibility matrix runs fctl against all three plugin versions, and fctl
// installs the Go plugin the wallets service needs and runs it against that service.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { exec } from '../support/exec.js';
import { repoRoot } from '../support/paths.js';

const GO_BUILD_INFO = Buffer.from('\xff Go buildinf:', 'latin1');
const demoDist = join(repoRoot, 'examples', 'ledger', 'dist');

it('releases both example plugins, runs their matrix, and fctl installs each from the registry and renders a command', async () => {
  const demo = await exec(process.execPath, [join(repoRoot, 'tools', 'demo.mjs')], { cwd: repoRoot });
  const output = demo.stdout + demo.stderr;
  expect(demo.code, output).toBe(0);
  const registry = join(demoDist, 'registry.yaml');
  expect(output).toContain(`registered ledger 3.2.0 in ${registry}`);
  expect(demo.stdout).toContain('3 scenarios, 0 failed');
  expect(output).toContain("Verifying checksum... ok (checksums.txt signed by the publisher's key)\nPlugin \"ledger\" installed (version: 3.2.0, compatible with >=3.0.0 <4.0.0).");
  expect(demo.stdout).toMatch(/ID\s+TIMESTAMP\s+REFERENCE\s+POSTINGS\n\s*4\s+2026-05-14T10:00:00Z\s+ref-002\s+1\n/);

  // The Go product: its version from each tag, both registered beside the ledger.
  for (const version of ['1.0.0', '1.1.0']) {
    expect(output).toContain(`wallets ${version} (git tag v${version}): the service version, the release tag and the plugin agree`);
    expect(output).toContain(`registered wallets ${version} in ${registry}`);
    const binary = readFileSync(join(demoDist, 'plugin-releases', 'wallets', version, `fctl-plugin-wallets-${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}`));
    expect(binary.includes(GO_BUILD_INFO), `wallets ${version} is a Go binary`).toBe(true);
  }
  const ledgerBinary = readFileSync(join(demoDist, 'plugin-releases', 'ledger', '3.2.0', `fctl-plugin-ledger-linux-${process.arch === 'x64' ? 'amd64' : process.arch}`));
  expect(ledgerBinary.includes(GO_BUILD_INFO)).toBe(false);

  // The matrix: the TypeScript and the Go plugin versions side by side, every cell run and passed.
  expect(demo.stdout).toContain('3 cells: 3 passed, 0 failed, 0 could not run, 0 unreachable; 3 run, 0 not run again');
  expect(demo.stdout).toMatch(/^\| fctl \| `ledger@3\.2\.0` \| `wallets@1\.0\.0` \| `wallets@1\.1\.0` \|\n\|---\|:-:\|:-:\|:-:\|\n\| `\d+\.\d+\.\d+` \| \[✓\]\(matrix\.html#cell-0\) \| \[✓\]\(matrix\.html#cell-1\) \| \[✓\]\(matrix\.html#cell-2\) \|$/m);
  const results = JSON.parse(readFileSync(join(demoDist, 'compat-matrix', 'matrix.json'), 'utf8'));
  expect(results.results.map((result: { cell: string; status: string }) => `${result.cell.replace(/^fctl@\S+ /, '')} ${result.status}`)).toEqual(['ledger@3.2.0 pass', 'wallets@1.0.0 pass', 'wallets@1.1.0 pass']);

  // The wallets service runs 1.1.0: fctl installs that version of the Go plugin, which lists the service's wallets.
  expect(output).toContain('Downloading fctl-plugin-wallets v1.1.0');
  expect(output).toContain("Verifying checksum... ok (checksums.txt signed by the publisher's key)\nPlugin \"wallets\" installed (version: 1.1.0, compatible with >=1.0.0 <2.0.0).");
  expect(demo.stdout).toMatch(/\$ fctl wallets list\nID\s+NAME\s+CREATED\nwal_003\s+treasury\s+2026-05-15T08:00:00Z\nwal_002\s+bob\s+2026-05-14T09:30:00Z\nwal_001\s+alice\s+2026-05-14T09:00:00Z\n/);
}, 480_000);

it('without Go on PATH, runs the TypeScript product and says why the Go product is skipped', async () => {
  const hasGo = (dir: string) => {
    try {
      return readdirSync(dir).includes('go') && statSync(join(dir, 'go')).isFile();
    } catch {
      return false;
    }
  };
  const path = (process.env.PATH ?? '').split(':').filter((dir) => dir && !hasGo(dir)).join(':');
  const demo = await exec(process.execPath, [join(repoRoot, 'tools', 'demo.mjs')], { cwd: repoRoot, env: { ...process.env, PATH: path } });
  const output = demo.stdout + demo.stderr;
  expect(demo.code, output).toBe(0);
  expect(demo.stdout).toMatch(/ID\s+TIMESTAMP\s+REFERENCE\s+POSTINGS\n\s*4\s+2026-05-14T10:00:00Z\s+ref-002\s+1\n/);
  expect(demo.stdout).toContain('The Go product (examples/wallets) is skipped: go is not on PATH (ENOENT). Install Go (https://go.dev/dl) to see it.');
  expect(readFileSync(join(demoDist, 'registry.yaml'), 'utf8')).not.toContain('wallets');
}, 480_000);
