// A product repository from nothing: a git repository with a package.json holding the service
// version, the real `nx generate @fctl-kit/nx:plugin`, the inferred targets as Nx reports them, the
// generated tests passing, the build versioned from package.json, published to a url backend and
// listed in a registry file - and fctl discovering the plugin and running its generated command.
// (The workspace links this repository's node_modules instead of installing packed tarballs.)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exec, fctlKit } from '../support/exec.js';
import { newFctl } from '../support/fctl.js';
import { startLedger, type RunningLedger } from '../support/ledger-service.js';
import { repoRoot } from '../support/paths.js';
import { onTerminal } from '../support/terminal.js';

let product: string;
let ledger: RunningLedger;
const nx = (args: string[]) => exec(process.execPath, [join(repoRoot, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'), ...args], { cwd: product, env: { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_SKIP_NX_CACHE: 'true', FORCE_COLOR: '0', NO_COLOR: '1' } });

beforeAll(async () => {
  product = mkdtempSync(join(tmpdir(), 'product-'));
  writeFileSync(join(product, 'package.json'), JSON.stringify({ name: 'ledger', version: '3.2.0', private: true }));
  writeFileSync(join(product, 'nx.json'), '{}\n');
  symlinkSync(join(repoRoot, 'node_modules'), join(product, 'node_modules'));
  execFileSync('git', ['init', '-q'], { cwd: product });
  ledger = await startLedger('3.2.0');
}, 60_000);
afterAll(async () => {
  await ledger?.stop();
  if (product) rmSync(product, { recursive: true, force: true });
});

it('generates, builds and publishes a plugin that fctl discovers and runs', async () => {
  const generated = await nx(['g', '@fctl-kit/nx:plugin', 'ledger', '--versionSource', 'package-json', '--compatibleWith', '>=3.0.0 <4.0.0', '--skipPackageJson']);
  expect(generated.code, generated.stderr + generated.stdout).toBe(0);
  expect(stripVTControlCharacters(generated.stdout)).toContain('CREATE cmd/fctl-plugin/fctl-plugin.json');
  expect(JSON.parse(readFileSync(join(product, 'nx.json'), 'utf8')).plugins).toEqual(['@fctl-kit/nx']);

  const shown = await nx(['show', 'project', 'ledger-fctl-plugin', '--json']);
  expect(shown.code, shown.stderr).toBe(0);
  expect(Object.keys(JSON.parse(shown.stdout).targets)).toEqual(expect.arrayContaining(['build', 'build-all', 'test', 'verify-version']));

  const tests = await exec(join(repoRoot, 'node_modules', '.bin', 'vitest'), ['run'], { cwd: join(product, 'cmd', 'fctl-plugin') });
  expect(tests.code, tests.stdout + tests.stderr).toBe(0);

  const build = await fctlKit(['build', 'cmd/fctl-plugin', '--targets', 'host', '--out', 'dist/release'], { cwd: product });
  expect(build.code, build.stderr).toBe(0);
  expect(JSON.parse(build.stdout)).toMatchObject({ plugin: 'ledger', version: '3.2.0' });
  expect((await fctlKit(['verify-version', 'cmd/fctl-plugin', '--build-dir', 'dist/release'], { cwd: product })).code).toBe(0);

  const published = JSON.parse((await fctlKit(['publish', 'dist/release', '--to', 'site'], { cwd: product })).stdout) as { registry: { url: string } };
  const registry = join(product, 'registry.yaml');
  writeFileSync(registry, `plugins:\n  ledger:\n    distribution: url\n    url: ${published.registry.url}\n    versions: {}\n`);
  expect((await fctlKit(['registry', 'add', registry, 'ledger', '3.2.0', '--compatible-with', '>=3.0.0 <4.0.0', '--from', 'dist/release'], { cwd: product })).code).toBe(0);

  const fctl = newFctl({ FCTL_REGISTRY: registry });
  await fctl.run(['profile', 'add', 'main', '--stack-url', ledger.url, '--use']);
  const first = await onTerminal(fctl, ['ledger', 'versions'], 'y');
  expect(first.output).toContain('Compatible plugin: fctl-plugin-ledger v3.2.0');
  expect(first.output).toContain('Verifying checksum... ok\nPlugin installed.');
  expect(first.output).toMatch(/SERVICE\s+VERSION\n\s*ledger\s+v?3\.2\.0/);
  expect(first.code).toBe(0);
}, 240_000);
