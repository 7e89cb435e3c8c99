// docs/quick-start.md, run as written against a real npm registry: Verdaccio on 127.0.0.1 holding
// this kit's packages (published from their dist) and proxying everything else to the npm registry.
// The commands are read from the page's `sh` blocks, so the page and this test cannot drift apart.
// Two brand-new repositories: a JavaScript service (version in package.json) and one with no package.json
// (version from vX.Y.Z tags). Each goes from no Nx to `nx add @fctl-kit/nx`, the plugin generator, the
// dev loop (JavaScript), build-all and release to a directory with a registry file; then the installed
// fctl (node_modules/@fctl-kit/core) installs the plugin from that registry and runs it against a stub
// stack. What npm wrote must come from the registry only (no file: specs, no tarball paths), a fresh
// clone must `npm ci`, and Nx must be 23.x.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import semver from 'semver';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exec } from '../support/exec.js';
import { readLines } from '../support/line-reader.js';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { serveDirectory } from '../support/static-directory.js';
import { repoRoot } from '../support/paths.js';

const DOCUMENTED_STACK = 'http://127.0.0.1:8080';
const DOCUMENTED_SITE = 'https://fctl-plugins.example.com';
const STACK = [
  { name: 'payments', version: 'v1.4.0', health: true },
  { name: 'gateway', version: 'v2.3.0', health: true },
];
const nxEnv = { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', FORCE_COLOR: '0', NO_COLOR: '1', CI: 'true' };
const gitIdentity = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };

let registry: NpmRegistry;
let stack: Server;
let stackUrl: string;
const cleanup: string[] = [];
const servers: Array<{ stop(): Promise<void> }> = [];

/** The commands of one section of docs/quick-start.md: every line of its `sh` blocks. */
function documentedCommands(heading: string): string[] {
  const doc = readFileSync(join(repoRoot, 'docs', 'quick-start.md'), 'utf8');
  const start = doc.indexOf(`\n## ${heading}`);
  expect(start, `docs/quick-start.md has no section "## ${heading}"`).toBeGreaterThan(0);
  const end = doc.indexOf('\n## ', start + 1);
  const section = doc.slice(start, end < 0 ? undefined : end);
  const commands = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((block) => block[1]!.split('\n')).map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  expect(commands.length).toBeGreaterThan(3);
  return commands;
}

/** A repository whose site/ is served on 127.0.0.1 (what DOCUMENTED_SITE stands for). */
async function newRepository(prefix: string, files: Record<string, string>): Promise<{ dir: string; env: NodeJS.ProcessEnv; site: string }> {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const fctlConfig = mkdtempSync(join(tmpdir(), `${prefix}-fctl-`));
  cleanup.push(dir, fctlConfig);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir });
  const site = await serveDirectory(join(dir, 'site'));
  servers.push(site);
  return { dir, env: { ...registry.env, ...nxEnv, ...gitIdentity, FCTL_CONFIG_DIR: fctlConfig }, site: site.url };
}

let siteUrl = '';
const shell = (command: string, cwd: string, env: NodeJS.ProcessEnv) => exec('bash', ['-c', command.replaceAll(DOCUMENTED_STACK, stackUrl).replaceAll(DOCUMENTED_SITE, siteUrl)], { cwd, env });

/** `nx run <plugin>:dev`: waits until the build is linked into the repository's fctl (fctl lists it as "dev"), then Ctrl-C removes the link. */
async function runDevLoop(command: string, cwd: string, env: NodeJS.ProcessEnv, name: string): Promise<void> {
  const dev = spawn('bash', ['-c', command], { cwd, env: { ...process.env, ...env }, detached: true });
  try {
    const status = readLines(dev.stderr!);
    readLines(dev.stdout!);
    await status.next(new RegExp(`^fctl ${name} now runs .*dist/dev/fctl-plugin-${name}\\.cjs$`), 300_000);
    const listed = await shell('npx fctl plugin list -o json', cwd, env);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ name, version: 'dev' })]);
  } finally {
    const exited = new Promise((done) => dev.once('exit', done));
    process.kill(-dev.pid!, 'SIGINT');
    await exited;
  }
  expect(JSON.parse((await shell('npx fctl plugin list -o json', cwd, env)).stdout)).toEqual([]);
}

/** Runs the documented commands in order, checking each exits 0. */
async function runDocumented(commands: string[], cwd: string, env: NodeJS.ProcessEnv, name: string): Promise<Map<string, string>> {
  const outputs = new Map<string, string>();
  for (const command of commands) {
    if (/^npx nx run \S+:dev$/.test(command)) {
      await runDevLoop(command, cwd, env, name);
      continue;
    }
    const result = await shell(command, cwd, env);
    expect(result.code, `${command}\n${result.stdout}\n${result.stderr}`).toBe(0);
    outputs.set(command, result.stdout);
  }
  return outputs;
}

/** What npm wrote names registry packages only: semver ranges in package.json, registry URLs in the lockfile, Nx 23. */
function expectInstalledFromRegistry(dir: string): void {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const lockText = readFileSync(join(dir, 'package-lock.json'), 'utf8');
  for (const text of [JSON.stringify(manifest), lockText]) {
    expect(text).not.toMatch(/file:/);
    for (const tarball of text.matchAll(/"([^"]*\.tgz)"/g)) expect(tarball[1]!.startsWith(registry.url), tarball[1]).toBe(true);
  }
  for (const [name, range] of Object.entries({ ...manifest.dependencies, ...manifest.devDependencies })) {
    expect(semver.validRange(range as string), `${name}: ${range}`).not.toBeNull();
  }
  const lock = JSON.parse(lockText) as { packages: Record<string, { version?: string; resolved?: string; link?: boolean }> };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path) continue;
    expect(entry.link, path).toBeUndefined();
    if (entry.resolved) expect(entry.resolved.startsWith(registry.url), `${path}: ${entry.resolved}`).toBe(true);
  }
  for (const name of ['@fctl-kit/nx', '@fctl-kit/cli', '@fctl-kit/core', '@fctl-kit/plugin-sdk']) {
    expect(lock.packages[`node_modules/${name}`]?.version, name).toBe(registry.published[name]);
    expect(manifest.devDependencies[name], name).toBeDefined();
  }
  const nxVersions = Object.entries(lock.packages).filter(([path]) => /(^|\/)node_modules\/nx$/.test(path)).map(([, entry]) => entry.version);
  expect(nxVersions.length).toBeGreaterThan(0);
  for (const version of nxVersions) expect(semver.major(version!)).toBe(23);
  expect(semver.major(JSON.parse(readFileSync(join(dir, 'node_modules', 'nx', 'package.json'), 'utf8')).version)).toBe(23);
}

/** A fresh clone of the committed repository installs with `npm ci` against the registry. */
async function expectFreshCloneInstalls(dir: string, env: NodeJS.ProcessEnv): Promise<void> {
  const clone = mkdtempSync(join(tmpdir(), 'clone-'));
  cleanup.push(clone);
  execFileSync('git', ['clone', '-q', dir, join(clone, 'repo')]);
  const installed = await exec('npm', ['ci'], { cwd: join(clone, 'repo'), env });
  expect(installed.code, installed.stderr).toBe(0);
  const nx = JSON.parse(readFileSync(join(clone, 'repo', 'node_modules', 'nx', 'package.json'), 'utf8'));
  expect(semver.major(nx.version)).toBe(23);
  expect(readdirSync(join(clone, 'repo', 'node_modules', '@fctl-kit')).sort()).toEqual(expect.arrayContaining(['cli', 'core', 'nx', 'plugin-sdk']));
}

beforeAll(async () => {
  registry = await startNpmRegistry();
  stack = createServer((req, res) => {
    if (req.url === '/versions') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ region: 'local', env: 'quick-start', versions: STACK }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => stack.listen(0, '127.0.0.1', resolve));
  stackUrl = `http://127.0.0.1:${(stack.address() as AddressInfo).port}`;
}, 900_000);
afterAll(async () => {
  await new Promise((resolve) => stack?.close(resolve));
  for (const server of servers) await server.stop();
  await registry?.stop();
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

it('quick start, a JavaScript service: nx add, generate, dev, build-all, release; fctl installs it from the registry file and runs it', async () => {
  const { dir, env, site: served } = await newRepository('payments', {
    'package.json': `${JSON.stringify({ name: 'payments', version: '1.4.0', private: true, scripts: { start: 'node index.js' } }, null, 2)}\n`,
    'index.js': "console.log('payments');\n",
  });
  execFileSync('git', ['add', '-A'], { cwd: dir, env: { ...process.env, ...gitIdentity } });
  execFileSync('git', ['commit', '-qm', 'payments service'], { cwd: dir, env: { ...process.env, ...gitIdentity } });

  siteUrl = served;
  const commands = documentedCommands('A JavaScript service');
  expect(commands).toEqual(expect.arrayContaining(['npx nx add @fctl-kit/nx', 'npx nx run payments-fctl-plugin:dev', 'npx nx run payments-fctl-plugin:build-all']));
  const outputs = await runDocumented(commands, dir, env, 'payments');

  expect(JSON.parse(readFileSync(join(dir, 'nx.json'), 'utf8')).plugins).toEqual(['@fctl-kit/nx']);
  const site = join(dir, 'site', 'payments', '1.4.0');
  expect(readdirSync(site).filter((file) => file.startsWith('fctl-plugin-payments-')).sort()).toEqual(
    ['darwin-amd64', 'darwin-arm64', 'linux-amd64', 'linux-arm64', 'windows-amd64.exe', 'windows-arm64.exe'].map((suffix) => `fctl-plugin-payments-${suffix}`),
  );
  const registered = parse(readFileSync(join(dir, 'registry.yaml'), 'utf8')).plugins.payments;
  expect(registered).toMatchObject({ publicKey: readFileSync(join(dir, 'payments-signing.pub'), 'utf8'), versions: { '1.4.0': { compatibleWith: '>=1.0.0 <2.0.0', sources: [{ backend: 'url', url: expect.stringContaining(served) }] } } });
  expect(outputs.get('npx fctl payments versions')).toMatch(/SERVICE\s+VERSION\n\s*payments\s+v1\.4\.0/);

  expectInstalledFromRegistry(dir);
  execFileSync('git', ['add', '-A'], { cwd: dir, env: { ...process.env, ...gitIdentity } });
  execFileSync('git', ['commit', '-qm', 'payments fctl plugin'], { cwd: dir, env: { ...process.env, ...gitIdentity } });
  await expectFreshCloneInstalls(dir, env);
}, 1_800_000);

it('quick start, a tag-versioned repository with a TypeScript plugin: versions from vX.Y.Z tags, tagged and released; fctl installs and runs it', async () => {
  const { dir, env, site: served } = await newRepository('gateway', {
    'go.mod': 'module example.com/gateway\n\ngo 1.22\n',
    'main.go': 'package main\n\nfunc main() {}\n',
  });
  execFileSync('git', ['add', '-A'], { cwd: dir, env: { ...process.env, ...gitIdentity } });
  execFileSync('git', ['commit', '-qm', 'gateway service'], { cwd: dir, env: { ...process.env, ...gitIdentity } });
  execFileSync('git', ['tag', 'v2.2.0'], { cwd: dir });

  siteUrl = served;
  const commands = documentedCommands('A tag-versioned repository, with a TypeScript plugin');
  expect(commands).toEqual(expect.arrayContaining(['npx nx add @fctl-kit/nx', 'git tag v2.3.0']));
  const outputs = await runDocumented(commands, dir, env, 'gateway');

  const site = join(dir, 'site', 'gateway', '2.3.0');
  expect(readdirSync(site)).toEqual(expect.arrayContaining(['checksums.txt', 'fctl-plugin-gateway-linux-amd64']));
  const registered = parse(readFileSync(join(dir, 'registry.yaml'), 'utf8')).plugins.gateway;
  expect(Object.keys(registered.versions)).toEqual(['2.3.0']);
  expect(outputs.get('npx fctl gateway versions')).toMatch(/gateway\s+v2\.3\.0/);

  expectInstalledFromRegistry(dir);
  execFileSync('git', ['add', '-A'], { cwd: dir, env: { ...process.env, ...gitIdentity } });
  execFileSync('git', ['commit', '-qm', 'gateway release'], { cwd: dir, env: { ...process.env, ...gitIdentity } });
  await expectFreshCloneInstalls(dir, env);
}, 1_800_000);
