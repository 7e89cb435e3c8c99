// A Go product repository that adopts Nx for its fctl plugin, the kit installed from a real npm
// registry (Verdaccio on 127.0.0.1, test/support/npm-registry.ts) as a product team installs it: a
// Go module with a package of its own that the plugin will import, one commit tagged v1.2.0; the
// real `nx generate @fctl-kit/nx:plugin payments --language go` initialises Nx; then every inferred
// target through the real nx: test (go test), typecheck (go vet), verify-version-source, build,
// compat (fctl runs the built plugin against the scenarios' stub stack), release (build-all for the
// six platforms, signed, to a url directory served on 127.0.0.1, registered in a registry file),
// verify-version; the installed fctl discovers the Go plugin in that registry, verifies, installs
// and runs it; dev links the build into fctl and Ctrl-C unlinks it. Last, Nx's cache of a Go build:
// kept by a change the binary does not depend on, invalidated by a change in a product package the
// plugin imports (outside the plugin's directory) and by a new release tag.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateSigningKey } from '@fctl-kit/artifacts';
import { actionlint } from '../support/actionlint.js';
import { exec } from '../support/exec.js';
import { newFctl } from '../support/fctl.js';
import { readLines } from '../support/line-reader.js';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { repoRoot } from '../support/paths.js';
import { serveDirectory, type StaticDirectory } from '../support/static-directory.js';

// What the init generator adds for a Go plugin (the test passes --skipPackageJson and installs them itself).
const KIT = ['@fctl-kit/nx', '@fctl-kit/cli', '@fctl-kit/core'];
const SDK_DIR = join(repoRoot, 'sdk', 'go');
const SDK_MODULE = 'github.com/fctl-plugin-kit/fctl-plugin-kit/sdk/go';
const PROJECT = 'payments-fctl-plugin';
const keys = generateSigningKey();
let registry: NpmRegistry;
let siteServer: StaticDirectory;
let product: string;
let stack: Server;
let stackUrl: string;
const stackVersions = { versions: [{ name: 'payments', version: 'v1.2.0' }] };
const bin = (name: string) => join(product, 'node_modules', '.bin', name);
// The Go toolchain on this machine, never a downloaded one.
const goEnv = { GOTOOLCHAIN: 'local' };
const nxEnv = { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', FORCE_COLOR: '0', NO_COLOR: '1', CI: 'true', ...goEnv };
const nx = (args: string[], env: NodeJS.ProcessEnv = {}) => exec(bin('nx'), args, { cwd: product, env: { ...registry.env, ...nxEnv, ...env } });
const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: product, stdio: 'pipe' });
/** The host build's binary, as its artifacts list names it. */
const hostBinary = () => {
  const dir = join(product, 'cmd', 'fctl-plugin', 'dist', 'host');
  const list = JSON.parse(readFileSync(join(dir, 'artifacts.json'), 'utf8')) as { artifacts: { name: string; kind: string }[] };
  return join(dir, list.artifacts.find((artifact) => artifact.kind === 'binary')!.name);
};
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** The product's own package, which the plugin's `about` command reports. */
const writeProductPackage = (name: string) => {
  mkdirSync(join(product, 'api'), { recursive: true });
  writeFileSync(join(product, 'api', 'api.go'), `// Package api is the payments service's API description.\npackage api\n\n// Name is what the service calls itself.\nconst Name = ${JSON.stringify(name)}\n`);
};

beforeAll(async () => {
  registry = await startNpmRegistry();
  product = mkdtempSync(join(tmpdir(), 'go-product-'));
  execFileSync('go', ['mod', 'init', 'example.com/payments'], { cwd: product, stdio: 'pipe', env: { ...process.env, ...goEnv } });
  writeFileSync(join(product, 'main.go'), 'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/payments/api"\n)\n\nfunc main() { fmt.Println(api.Name) }\n');
  writeProductPackage('payments');
  // Nx needs a package.json; the Go product has no other JavaScript.
  writeFileSync(join(product, 'package.json'), JSON.stringify({ name: 'payments', private: true }, null, 2));
  writeFileSync(join(product, '.gitignore'), 'node_modules\ndist\n.nx\nsite\n');
  const kit = KIT.map((name) => `${name}@${registry.published[name]}`);
  const installed = await exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--save-dev', 'nx@23.2.1', ...kit], { cwd: product, env: registry.env });
  expect(installed.code, installed.stderr).toBe(0);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: product });
  stack = createServer((request, response) => {
    if (request.url !== '/versions') return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stackVersions));
  });
  await new Promise<void>((resolve) => stack.listen(0, '127.0.0.1', resolve));
  stackUrl = `http://127.0.0.1:${(stack.address() as AddressInfo).port}`;
  siteServer = await serveDirectory(join(product, 'site'));
}, 900_000);
afterAll(async () => {
  await registry?.stop();
  await siteServer?.stop();
  await new Promise((resolve) => stack?.close(resolve));
  if (product) rmSync(product, { recursive: true, force: true });
});

it('generates a Go plugin whose inferred targets test, build, check, release and develop it through nx; fctl discovers and runs the release', async () => {
  const generated = await nx(['g', '@fctl-kit/nx:plugin', 'payments', '--language', 'go', '--goSdkReplace', SDK_DIR, '--compatibleWith', '>=1.0.0 <2.0.0', '--skipPackageJson', '--releaseBackend', 'url', '--releaseTo', 'site', '--releasePublicBase', siteServer.url, '--registryFile', 'registry.yaml']);
  expect(generated.code, generated.stderr + generated.stdout).toBe(0);
  const created = stripVTControlCharacters(generated.stdout);
  for (const file of ['nx.json', 'cmd/fctl-plugin/fctl-plugin.json', 'cmd/fctl-plugin/main.go', 'cmd/fctl-plugin/main_test.go', 'cmd/fctl-plugin/compat/scenarios.yaml', 'registry.yaml', '.github/workflows/fctl-plugin-payments.yml', '.github/workflows/fctl-plugin-payments-release.yml']) {
    expect(created).toContain(`CREATE ${file}`);
  }
  expect(created).toContain('UPDATE go.mod');
  const replaced = readFileSync(join(product, 'go.mod'), 'utf8').match(new RegExp(`^replace ${SDK_MODULE} => (.+)$`, 'm'));
  expect(replaced && resolve(product, replaced[1]!)).toBe(SDK_DIR);
  const linted = await actionlint(product, ['.github/workflows/fctl-plugin-payments.yml', '.github/workflows/fctl-plugin-payments-release.yml']);
  expect(linted.code, linted.stdout + linted.stderr).toBe(0);

  // The plugin imports the product's own package, as a plugin uses its service's client code.
  const pluginDir = join(product, 'cmd', 'fctl-plugin');
  writeFileSync(
    join(pluginDir, 'about.go'),
    `package main\n\nimport (\n\t"context"\n\n\t"example.com/payments/api"\n\t"${SDK_MODULE}/plugin"\n)\n\nvar about = &plugin.Command{Use: "about", Short: "What the service calls itself", Run: func(context.Context, *plugin.Call) (any, error) {\n\treturn map[string]string{"name": api.Name}, nil\n}}\n`,
  );
  const mainGo = join(pluginDir, 'main.go');
  writeFileSync(mainGo, readFileSync(mainGo, 'utf8').replace('Commands: []*plugin.Command{', 'Commands: []*plugin.Command{about, '));
  git('add', '-A');
  git('commit', '-qm', 'payments plugin');
  git('tag', 'v1.2.0');

  const shown = await nx(['show', 'project', PROJECT, '--json']);
  expect(shown.code, shown.stderr).toBe(0);
  const targets = JSON.parse(shown.stdout).targets as Record<string, { command?: string; options?: { command?: string } }>;
  expect(Object.keys(targets)).toEqual(expect.arrayContaining(['build', 'build-all', 'dev', 'test', 'compat', 'typecheck', 'release', 'verify-version', 'verify-version-source']));
  const command = (target: string) => targets[target]!.command ?? targets[target]!.options?.command;
  expect(command('test')).toBe('go test ./...');
  expect(command('typecheck')).toBe('go vet ./...');

  const tests = await nx(['run', `${PROJECT}:test`]);
  expect(tests.code, tests.stdout + tests.stderr).toBe(0);
  expect(tests.stdout).toMatch(/ok\s+example\.com\/payments\/cmd\/fctl-plugin/);
  const vet = await nx(['run', `${PROJECT}:typecheck`]);
  expect(vet.code, vet.stdout + vet.stderr).toBe(0);
  const source = await nx(['run', `${PROJECT}:verify-version-source`]);
  expect(source.code, source.stdout + source.stderr).toBe(0);
  const compat = await nx(['run', `${PROJECT}:compat`]);
  expect(compat.code, compat.stdout + compat.stderr).toBe(0);
  expect(compat.stdout).toMatch(/\b(\d+) scenarios, 0 failed/);
  expect(JSON.parse(readFileSync(join(pluginDir, 'dist', 'host', 'manifest.json'), 'utf8')).version).toBe('1.2.0');

  const released = await nx(['run', `${PROJECT}:release`], { FCTL_KIT_SIGNING_KEY: keys.privateKey });
  expect(released.code, released.stdout + released.stderr).toBe(0);
  const site = join(product, 'site', 'payments', '1.2.0');
  expect(readdirSync(site).filter((file) => file.startsWith('fctl-plugin-payments-')).sort()).toEqual(
    ['darwin-amd64', 'darwin-arm64', 'linux-amd64', 'linux-arm64', 'windows-amd64.exe', 'windows-arm64.exe'].map((suffix) => `fctl-plugin-payments-${suffix}`),
  );
  const entry = parse(readFileSync(join(product, 'registry.yaml'), 'utf8')).plugins.payments;
  expect(entry).toMatchObject({ publicKey: keys.publicKey, versions: { '1.2.0': { compatibleWith: '>=1.0.0 <2.0.0', sources: [{ backend: 'url', url: `${siteServer.url}/{name}/{version}/{file}` }] } } });
  const verified = await nx(['run', `${PROJECT}:verify-version`], { FCTL_KIT_SIGNING_KEY: keys.privateKey });
  expect(verified.code, verified.stdout + verified.stderr).toBe(0);

  const fctl = newFctl({ FCTL_REGISTRY: join(product, 'registry.yaml') }, join(product, 'node_modules', '@fctl-kit', 'core', 'bin', 'fctl.js'));
  await fctl.run(['profile', 'add', 'main', '--stack-url', stackUrl, '--use']);
  const install = await fctl.run(['plugin', 'install', 'payments']);
  expect(install.code, install.stderr).toBe(0);
  expect(install.stderr).toContain("Verifying checksum... ok (checksums.txt signed by the publisher's key)");
  expect(install.stderr).toContain('Plugin "payments" installed (version: 1.2.0, compatible with >=1.0.0 <2.0.0)');
  const table = await fctl.run(['payments', 'versions']);
  expect(table.code, table.stderr).toBe(0);
  expect(table.stdout.split('\n').map((line) => line.trimEnd())).toEqual(expect.arrayContaining(['SERVICE    VERSION', 'payments   v1.2.0']));
  const about = await fctl.run(['payments', 'about', '-o', 'json']);
  expect(about.code, about.stderr).toBe(0);
  expect(JSON.parse(about.stdout)).toEqual({ name: 'payments' });

  // The dev target: `go build` for the host, linked into the repository's fctl while it runs.
  const devFctl = newFctl({}, fctl.bin);
  await devFctl.run(['profile', 'add', 'main', '--stack-url', stackUrl, '--use']);
  const dev = spawn(bin('nx'), ['run', `${PROJECT}:dev`], { cwd: product, env: { ...process.env, ...nxEnv, ...devFctl.env }, detached: true });
  try {
    const status = readLines(dev.stderr!);
    readLines(dev.stdout!);
    await status.next(/^fctl payments now runs .*cmd\/fctl-plugin\/dist\/dev\/fctl-plugin-payments$/, 120_000);
    expect(JSON.parse((await devFctl.run(['plugin', 'list', '-o', 'json'])).stdout)).toEqual([expect.objectContaining({ name: 'payments', version: 'dev' })]);
    const ran = await devFctl.run(['--debug', 'payments', 'about', '-o', 'json']);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stderr).toContain('plugin: fctl-plugin-payments dev');
    expect(JSON.parse(ran.stdout)).toEqual({ name: 'payments' });
  } finally {
    const exited = new Promise((done) => dev.once('exit', done));
    process.kill(-dev.pid!, 'SIGINT');
    await exited;
  }
  expect(JSON.parse((await devFctl.run(['plugin', 'list', '-o', 'json'])).stdout)).toEqual([]);

  // Nx's cache of the Go build.
  const cached = (result: { stdout: string }) => /Nx read the output from the cache instead of running the command for 1 out of 1 tasks/.test(result.stdout);
  const build = async () => {
    const result = await nx(['run', `${PROJECT}:build`]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    return result;
  };
  expect(cached(await build())).toBe(true); // built (not from the cache) by the compat target above
  writeFileSync(join(product, 'README.md'), '# payments\n');
  expect(cached(await build())).toBe(true);
  const before = sha256(hostBinary());
  writeProductPackage('payments, renamed');
  expect(cached(await build())).toBe(false);
  expect(sha256(hostBinary())).not.toBe(before);
  git('add', '-A');
  git('commit', '-qm', 'payments 1.2.1');
  git('tag', 'v1.2.1');
  expect(cached(await build())).toBe(false);
  expect(JSON.parse(readFileSync(join(pluginDir, 'dist', 'host', 'manifest.json'), 'utf8')).version).toBe('1.2.1');
}, 1_200_000);
