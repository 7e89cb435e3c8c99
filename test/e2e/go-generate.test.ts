// The Go plugin generator end to end, in a fresh Go product repository (go mod init, a small main,
// tagged v1.2.0): `fctl-kit generate plugin payments --language go` (the Nx generator on the file
// system), then the generated Go tests, `fctl-kit build` for the host (versioned 1.2.0 from the
// tag), the binary installed into this repository's fctl and run against a loopback stack, and the
// generated compatibility scenarios. The same generator through Nx's FsTree writes workflows that
// set up Go, which actionlint and GitHub's workflow schema accept. Last, docs/quick-start.md's Go
// section, its `sh` block run as written with this repository's build; and a release: build-all for
// the six targets, published to a url directory served on 127.0.0.1, registered in a registry file,
// from which fctl discovers, verifies and installs the Go plugin.
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pluginGenerator } from '../../packages/nx/src/generators.js';
import { actionlint } from '../support/actionlint.js';
import { exec, fctlKit, fctlKitBin } from '../support/exec.js';
import { newFctl, type Fctl } from '../support/fctl.js';
import { fctlBin, repoRoot, requireBuilt } from '../support/paths.js';
import { serveDirectory } from '../support/static-directory.js';
import { workflowSchemaErrors } from '../support/workflow-schema.js';

const { FsTree, flushChanges } = createRequire(import.meta.url)('nx/src/generators/tree') as typeof import('nx/src/generators/tree');

// The Go toolchain on this machine, never a downloaded one.
const GO_ENV = { GOTOOLCHAIN: 'local' };
const SDK_DIR = join(repoRoot, 'sdk', 'go');

/** A Go product repository: its module, a main, one commit tagged v1.2.0. */
function goProduct(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fctl-go-generate-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  execFileSync('go', ['mod', 'init', 'example.com/payments'], { cwd: dir, stdio: 'pipe', env: { ...process.env, ...GO_ENV } });
  writeFileSync(join(dir, 'main.go'), 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("payments") }\n');
  git('init', '-q');
  git('-c', 'user.name=test', '-c', 'user.email=test@example.com', 'add', '.');
  git('-c', 'user.name=test', '-c', 'user.email=test@example.com', 'commit', '-qm', 'payments');
  git('tag', 'v1.2.0');
  return dir;
}

let product: string;
let stack: Server;
let fctl: Fctl;
const stackVersions = { versions: [{ name: 'payments', version: 'v1.2.0' }, { name: 'gateway', version: 'v2.0.1' }] };

beforeAll(async () => {
  requireBuilt(join(repoRoot, 'packages', 'cli', 'dist', 'fctl-kit.js'));
  product = goProduct();
  stack = createServer((request, response) => {
    if (request.url !== '/versions') return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stackVersions));
  });
  await new Promise<void>((resolve) => stack.listen(0, '127.0.0.1', resolve));
  fctl = newFctl();
  await fctl.run(['profile', 'add', 'prod', '--stack-url', `http://127.0.0.1:${(stack.address() as AddressInfo).port}`, '--use']);
});

afterAll(async () => {
  await new Promise((resolve) => stack?.close(resolve));
  if (product) rmSync(product, { recursive: true, force: true });
  if (fctl) rmSync(fctl.configDir, { recursive: true, force: true });
});

describe('fctl-kit generate plugin --language go, in a fresh Go repository', () => {
  it('writes the plugin in the product module, and the SDK requirement with the replace in go.mod', async () => {
    const generated = await fctlKit(['generate', 'plugin', 'payments', '--language', 'go', '--go-sdk-replace', SDK_DIR, '--compatible-with', '>=1.0.0 <2.0.0'], { cwd: product });
    expect(generated.code, generated.stderr).toBe(0);
    expect(generated.stderr).toContain('create cmd/fctl-plugin/main.go');
    expect(generated.stderr).toContain('update go.mod');
    const goMod = readFileSync(join(product, 'go.mod'), 'utf8');
    expect(goMod).toMatch(/^require github\.com\/fctl-plugin-kit\/fctl-plugin-kit\/sdk\/go v\d+\.\d+\.\d+$/m);
    expect(goMod).toMatch(/^replace github\.com\/fctl-plugin-kit\/fctl-plugin-kit\/sdk\/go => \.\.\/.*sdk\/go$/m);
    expect(JSON.parse(readFileSync(join(product, 'cmd', 'fctl-plugin', 'fctl-plugin.json'), 'utf8'))).toEqual({ name: 'payments', service: 'payments', language: 'go', version: { source: 'git-tag' } });
  });

  it('go test ./... passes: the product and the generated plugin test through plugin.Invoke', async () => {
    const tested = await exec('go', ['test', './...'], { cwd: product, env: GO_ENV });
    expect(tested.code, tested.stdout + tested.stderr).toBe(0);
    expect(tested.stdout).toMatch(/^ok\s+example\.com\/payments\/cmd\/fctl-plugin/m);
  });

  it('fctl-kit build for the host: the manifest version is the tag, 1.2.0', async () => {
    const built = await fctlKit(['build', 'cmd/fctl-plugin', '--targets', 'host', '--compression', 'none', '--out', 'cmd/fctl-plugin/dist/host'], { cwd: product, env: GO_ENV });
    expect(built.code, built.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(product, 'cmd', 'fctl-plugin', 'dist', 'host', 'manifest.json'), 'utf8')) as { version: string; name: string };
    expect(manifest).toMatchObject({ name: 'payments', version: '1.2.0' });
  });

  it('installs into fctl and runs the sample command against the stack', async () => {
    const list = JSON.parse(readFileSync(join(product, 'cmd', 'fctl-plugin', 'dist', 'host', 'artifacts.json'), 'utf8')) as { artifacts: { name: string; kind: string }[] };
    const binaries = list.artifacts.filter((artifact) => artifact.kind === 'binary');
    expect(binaries).toHaveLength(1);
    const binary = join(product, 'cmd', 'fctl-plugin', 'dist', 'host', binaries[0]!.name);
    const install = await fctl.run(['plugin', 'install', 'payments', '--path', binary]);
    expect(install.code, install.stderr).toBe(0);
    expect(install.stderr).toContain('Plugin "payments" installed (version: 1.2.0, compatible with >=1.0.0 <2.0.0)');
    const json = await fctl.run(['payments', 'versions', '-o', 'json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(stackVersions);
    const table = await fctl.run(['payments', 'versions']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n').map((line) => line.trimEnd())).toEqual(expect.arrayContaining(['SERVICE    VERSION', 'payments   v1.2.0', 'gateway    v2.0.1']));
  });

  it('fctl-kit compat cmd/fctl-plugin passes the generated scenarios', async () => {
    const compat = await fctlKit(['compat', 'cmd/fctl-plugin', '--build-dir', 'cmd/fctl-plugin/dist/host'], { cwd: product, env: GO_ENV });
    expect(compat.code, compat.stdout + compat.stderr).toBe(0);
    expect(compat.stdout + compat.stderr).toContain('1 scenarios, 0 failed');
  });
});

describe('the same generator through Nx, in a Go repository with Nx', () => {
  it('writes workflows that set up Go from go.mod, accepted by actionlint and the workflow schema', async () => {
    const dir = goProduct();
    try {
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'payments', private: true }));
      const tree = new FsTree(dir, false);
      await pluginGenerator(tree, { name: 'payments', language: 'go', goSdkReplace: SDK_DIR, repository: 'acme/payments', skipPackageJson: true });
      flushChanges(dir, tree.listChanges());
      const files = ['.github/workflows/fctl-plugin-payments.yml', '.github/workflows/fctl-plugin-payments-release.yml'];
      for (const file of files) {
        const text = readFileSync(join(dir, file), 'utf8');
        expect(text).toContain('actions/setup-go@v5');
        expect(await workflowSchemaErrors(file, text)).toEqual([]);
      }
      const linted = await actionlint(dir, files);
      expect(linted.code, linted.stdout + linted.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The commands of docs/quick-start.md's Go section: every line of its `sh` blocks. */
function documentedGoCommands(): string[] {
  const doc = readFileSync(join(repoRoot, 'docs', 'quick-start.md'), 'utf8');
  const start = doc.indexOf('\n## A Go plugin in a Go module');
  expect(start, 'docs/quick-start.md has no Go section').toBeGreaterThan(0);
  const end = doc.indexOf('\n## ', start + 1);
  const section = doc.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((block) => block[1]!.split('\n')).map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
}

describe("docs/quick-start.md's Go section", () => {
  it('runs as written in a fresh Go repository tagged v1.2.0, with this repository\'s fctl-kit, fctl and sdk/go', async () => {
    const dir = goProduct();
    const configDir = mkdtempSync(join(tmpdir(), 'fctl-go-quick-start-'));
    try {
      const stackUrl = `http://127.0.0.1:${(stack.address() as AddressInfo).port}`;
      const commands = documentedGoCommands();
      expect(commands.length).toBeGreaterThan(3);
      let last = '';
      for (const command of commands) {
        const line = command
          .replace(/^npx fctl-kit /, `"${process.execPath}" "${fctlKitBin}" `)
          .replace(/^npx fctl /, `"${process.execPath}" "${fctlBin}" `)
          .replaceAll('../fctl-plugin-kit/sdk/go', SDK_DIR)
          .replaceAll('http://127.0.0.1:8080', stackUrl);
        const result = await exec('sh', ['-c', line], { cwd: dir, env: { ...GO_ENV, FCTL_CONFIG_DIR: configDir, NO_COLOR: '1' } });
        expect(result.code, `${command}\n${result.stdout}${result.stderr}`).toBe(0);
        last = result.stdout;
      }
      expect(commands.at(-1)).toBe('npx fctl payments versions');
      expect(last.split('\n').map((row) => row.trimEnd())).toEqual(expect.arrayContaining(['SERVICE    VERSION', 'payments   v1.2.0']));
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(configDir, { recursive: true, force: true });
    }
  });
});

describe('a generated Go plugin released to a url backend with a registry', () => {
  it('build-all for six targets, release, then fctl discovers and installs it from the registry and runs it', async () => {
    const dir = goProduct();
    const configDir = mkdtempSync(join(tmpdir(), 'fctl-go-release-'));
    const site = await serveDirectory(join(dir, 'site'));
    try {
      const generated = await fctlKit(['generate', 'plugin', 'payments', '--language', 'go', '--go-sdk-replace', SDK_DIR, '--release-backend', 'url', '--release-to', 'site', '--release-public-base', site.url, '--registry-file', 'registry.yaml'], { cwd: dir });
      expect(generated.code, generated.stderr).toBe(0);
      const keys = await fctlKit(['keygen', '--out', join(configDir, 'signing')], { cwd: dir });
      expect(keys.code, keys.stderr).toBe(0);
      const signing = { ...GO_ENV, FCTL_KIT_SIGNING_KEY: readFileSync(join(configDir, 'signing.key'), 'utf8') };
      const built = await fctlKit(['build', 'cmd/fctl-plugin', '--out', 'cmd/fctl-plugin/dist/release'], { cwd: dir, env: signing });
      expect(built.code, built.stderr).toBe(0);
      const list = JSON.parse(readFileSync(join(dir, 'cmd', 'fctl-plugin', 'dist', 'release', 'artifacts.json'), 'utf8')) as { version: string; artifacts: { kind: string; os?: string; arch?: string }[] };
      expect(list.version).toBe('1.2.0');
      expect(list.artifacts.filter((artifact) => artifact.kind === 'binary').map((artifact) => `${artifact.os}-${artifact.arch}`).sort()).toEqual(['darwin-amd64', 'darwin-arm64', 'linux-amd64', 'linux-arm64', 'windows-amd64', 'windows-arm64']);
      const released = await fctlKit(['release', 'cmd/fctl-plugin', '--build-dir', 'cmd/fctl-plugin/dist/release'], { cwd: dir, env: signing });
      expect(released.code, released.stderr).toBe(0);
      expect(readFileSync(join(dir, 'registry.yaml'), 'utf8')).toContain(`url: ${site.url}/{name}/{version}/{file}`);

      const user = newFctl({ FCTL_CONFIG_DIR: configDir, FCTL_REGISTRY: join(dir, 'registry.yaml') });
      await user.run(['profile', 'add', 'prod', '--stack-url', `http://127.0.0.1:${(stack.address() as AddressInfo).port}`, '--use']);
      const install = await user.run(['plugin', 'install', 'payments']);
      expect(install.code, install.stderr).toBe(0);
      expect(install.stderr).toContain('Verifying checksum... ok');
      expect(install.stderr).toContain('Plugin "payments" installed (version: 1.2.0, compatible with *)');
      // Authenticated by the registry's pin of checksums.txt, not installed on an insecure path.
      expect(install.stderr).not.toMatch(/insecure/i);
      const run = await user.run(['payments', 'versions', '-o', 'json']);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual(stackVersions);
    } finally {
      await site.stop();
      rmSync(dir, { recursive: true, force: true });
      rmSync(configDir, { recursive: true, force: true });
    }
  }, 300_000);
});
