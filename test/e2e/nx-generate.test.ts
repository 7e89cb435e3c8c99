// A brand-new product repository, from nothing, the way a product team gets there: this toolkit's
// packages installed from a real npm registry (Verdaccio on 127.0.0.1, test/support/npm-registry.ts,
// holding them as published from their dist; everything else proxied to the npm registry); a plain
// repository (no nx.json) that the real `nx generate @fctl-kit/nx:plugin` initialises, nothing
// edited afterwards; the generated workflows pass actionlint; the inferred targets as Nx reports
// them; the generated tests, type-checked against the installed SDK's declarations; the generated
// compatibility scenario run by fctl against the built plugin;
// `nx run <plugin>:release` (build-all for every platform, signed, published to a url backend,
// registered in a registry file); then the installed `fctl` discovers the plugin on a terminal,
// installs it and runs the generated command against a ledger service. Then `nx run <plugin>:dev`
// links its build into the repository's fctl and Ctrl-C unlinks it; last, Nx's cache: kept by an
// unrelated change, invalidated by the service version.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateSigningKey } from '@fctl-kit/artifacts';
import { actionlint } from '../support/actionlint.js';
import { exec } from '../support/exec.js';
import { newFctl } from '../support/fctl.js';
import { startLedger, type RunningLedger } from '../support/ledger-service.js';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { serveDirectory, type StaticDirectory } from '../support/static-directory.js';
import { readLines } from '../support/line-reader.js';
import { onTerminal } from '../support/terminal.js';

// What the init generator adds (the test passes --skipPackageJson and installs them itself).
const KIT = ['@fctl-kit/nx', '@fctl-kit/cli', '@fctl-kit/plugin-sdk', '@fctl-kit/core'];
const keys = generateSigningKey();
let registry: NpmRegistry;
let siteServer: StaticDirectory;
let product: string;
let ledger: RunningLedger;
const bin = (name: string) => join(product, 'node_modules', '.bin', name);
const nxEnv = { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', FORCE_COLOR: '0', NO_COLOR: '1', CI: 'true' };
const nx = (args: string[], env: NodeJS.ProcessEnv = {}) => exec(bin('nx'), args, { cwd: product, env: { ...registry.env, ...nxEnv, ...env } });

beforeAll(async () => {
  registry = await startNpmRegistry();
  product = mkdtempSync(join(tmpdir(), 'product-'));
  writeFileSync(join(product, 'package.json'), JSON.stringify({ name: 'ledger', version: '3.2.0', private: true }, null, 2));
  writeFileSync(join(product, '.gitignore'), 'node_modules\ndist\n.nx\nsite\n');
  const kit = KIT.map((name) => `${name}@${registry.published[name]}`);
  const installed = await exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--save-dev', 'nx@23.2.1', 'vitest@4.1.12', 'typescript@5.9.3', '@types/node@20', ...kit], { cwd: product, env: registry.env });
  expect(installed.code, installed.stderr).toBe(0);
  const written = readFileSync(join(product, 'package.json'), 'utf8') + readFileSync(join(product, 'package-lock.json'), 'utf8');
  expect(written).not.toContain('file:');
  for (const tarball of written.matchAll(/"([^"]*\.tgz)"/g)) expect(tarball[1]!.startsWith(registry.url), tarball[1]).toBe(true);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: product });
  ledger = await startLedger('3.2.0');
  // What a static host (GitHub Pages) does for the released site/ directory.
  siteServer = await serveDirectory(join(product, 'site'));
}, 900_000);
afterAll(async () => {
  await ledger?.stop();
  await registry?.stop();
  await siteServer?.stop();
  if (product) rmSync(product, { recursive: true, force: true });
});

it('generates a plugin that is released by nx and discovered and run by fctl, editing nothing', async () => {
  const generated = await nx(['g', '@fctl-kit/nx:plugin', 'ledger', '--versionSource', 'package-json', '--compatibleWith', '>=3.0.0 <4.0.0', '--skipPackageJson', '--releaseBackend', 'url', '--releaseTo', 'site', '--releasePublicBase', siteServer.url, '--registryFile', 'registry.yaml']);
  expect(generated.code, generated.stderr + generated.stdout).toBe(0);
  const created = stripVTControlCharacters(generated.stdout);
  for (const file of ['nx.json', 'cmd/fctl-plugin/fctl-plugin.json', 'cmd/fctl-plugin/src/plugin.ts', 'cmd/fctl-plugin/compat/scenarios.yaml', 'registry.yaml', '.github/workflows/fctl-plugin-ledger.yml', '.github/workflows/fctl-plugin-ledger-release.yml']) {
    expect(created).toContain(`CREATE ${file}`);
  }
  expect(JSON.parse(readFileSync(join(product, 'nx.json'), 'utf8')).plugins).toEqual(['@fctl-kit/nx']);
  const linted = await actionlint(product, ['.github/workflows/fctl-plugin-ledger.yml', '.github/workflows/fctl-plugin-ledger-release.yml']);
  expect(linted.code, linted.stdout + linted.stderr).toBe(0);
  execFileSync('git', ['add', '-A'], { cwd: product });
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'ledger plugin'], { cwd: product });

  const shown = await nx(['show', 'project', 'ledger-fctl-plugin', '--json']);
  expect(shown.code, shown.stderr).toBe(0);
  expect(Object.keys(JSON.parse(shown.stdout).targets)).toEqual(expect.arrayContaining(['build', 'build-all', 'dev', 'test', 'compat', 'typecheck', 'release', 'verify-version']));

  const tests = await nx(['run', 'ledger-fctl-plugin:test']);
  expect(tests.code, tests.stdout + tests.stderr).toBe(0);
  const typecheck = await nx(['run', 'ledger-fctl-plugin:typecheck']);
  expect(typecheck.code, typecheck.stdout + typecheck.stderr).toBe(0);
  const compat = await nx(['run', 'ledger-fctl-plugin:compat']);
  expect(compat.code, compat.stdout + compat.stderr).toBe(0);
  expect(compat.stdout).toContain('ok   versions lists the services of the stack');
  expect(compat.stdout).toContain('1 scenarios, 0 failed');

  const released = await nx(['run', 'ledger-fctl-plugin:release'], { FCTL_KIT_SIGNING_KEY: keys.privateKey });
  expect(released.code, released.stdout + released.stderr).toBe(0);
  const site = join(product, 'site', 'ledger', '3.2.0');
  expect(readdirSync(site).filter((file) => file.startsWith('fctl-plugin-ledger-')).sort()).toEqual(
    ['darwin-amd64', 'darwin-arm64', 'linux-amd64', 'linux-arm64', 'windows-amd64.exe', 'windows-arm64.exe'].map((suffix) => `fctl-plugin-ledger-${suffix}`),
  );
  const registry = parse(readFileSync(join(product, 'registry.yaml'), 'utf8')).plugins.ledger;
  expect(registry).toMatchObject({ publicKey: keys.publicKey, versions: { '3.2.0': { compatibleWith: '>=3.0.0 <4.0.0', sources: [{ backend: 'url', url: expect.stringContaining('{name}/{version}/{file}') }] } } });

  const again = await nx(['run', 'ledger-fctl-plugin:release'], { FCTL_KIT_SIGNING_KEY: keys.privateKey });
  expect(again.code, again.stdout + again.stderr).toBe(0);
  expect(again.stdout).toMatch(/"registry": \{\s+"file": "[^"]+registry\.yaml",\s+"changed": false/);
  expect(again.stdout).toContain('"bytesUploaded": 0');

  const fctl = newFctl({ FCTL_REGISTRY: join(product, 'registry.yaml') }, join(product, 'node_modules', '@fctl-kit', 'core', 'bin', 'fctl.js'));
  await fctl.run(['profile', 'add', 'main', '--stack-url', ledger.url, '--use']);
  const first = await onTerminal(fctl, ['ledger', 'versions'], 'y');
  expect(first.output).toContain('Compatible plugin: fctl-plugin-ledger v3.2.0');
  expect(first.output).toContain("Verifying checksum... ok (checksums.txt signed by the publisher's key)\nPlugin installed.");
  expect(first.output).toMatch(/SERVICE\s+VERSION\n\s*ledger\s+v?3\.2\.0/);
  expect(first.code).toBe(0);

  // The dev target: the build is linked into the repository's own fctl (found in node_modules/.bin),
  // which then runs the development build; stopping the target removes the link.
  const devFctl = newFctl({}, fctl.bin);
  await devFctl.run(['profile', 'add', 'main', '--stack-url', ledger.url, '--use']);
  const dev = spawn(bin('nx'), ['run', 'ledger-fctl-plugin:dev'], { cwd: product, env: { ...process.env, ...nxEnv, ...devFctl.env }, detached: true });
  try {
    const status = readLines(dev.stderr!);
    readLines(dev.stdout!);
    await status.next(/^fctl ledger now runs .*cmd\/fctl-plugin\/dist\/dev\/fctl-plugin-ledger\.cjs$/, 60_000);
    expect(JSON.parse((await devFctl.run(['plugin', 'list', '-o', 'json'])).stdout)).toEqual([expect.objectContaining({ name: 'ledger', version: 'dev' })]);
    const ran = await devFctl.run(['--debug', 'ledger', 'versions']);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stderr).toContain('plugin: fctl-plugin-ledger dev');
  } finally {
    const exited = new Promise((done) => dev.once('exit', done));
    process.kill(-dev.pid!, 'SIGINT');
    await exited;
  }
  expect(JSON.parse((await devFctl.run(['plugin', 'list', '-o', 'json'])).stdout)).toEqual([]);

  // Nx's cache: an unrelated change keeps the build cached; the service version invalidates it.
  const cached = (result: { stdout: string }) => /Nx read the output from the cache instead of running the command for 1 out of 1 tasks/.test(result.stdout);
  const build = () => nx(['run', 'ledger-fctl-plugin:build']);
  expect(cached(await build())).toBe(true); // built (not from the cache) by the compat target above
  writeFileSync(join(product, 'README.md'), '# ledger\n');
  expect(cached(await build())).toBe(true);
  const service = JSON.parse(readFileSync(join(product, 'package.json'), 'utf8'));
  writeFileSync(join(product, 'package.json'), JSON.stringify({ ...service, version: '3.2.1' }, null, 2));
  const bumped = await build();
  expect(bumped.code, bumped.stdout).toBe(0);
  expect(cached(bumped)).toBe(false);
  expect(JSON.parse(readFileSync(join(product, 'cmd', 'fctl-plugin', 'dist', 'host', 'manifest.json'), 'utf8')).version).toBe('3.2.1');
}, 1_200_000);
