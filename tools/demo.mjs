#!/usr/bin/env node
// `npm run demo`: the main job on an embedded default, with no external service.
// 1. The TypeScript product (examples/ledger) releases its plugin - version = the service's 3.2.0,
//    built for this machine, signed, published to a local url directory, registered in a registry
//    file; its compatibility scenarios pass (fctl runs the built binary against a stub stack) - and
//    fctl, with a fresh configuration pointed at that registry and a profile for the example ledger
//    service on 127.0.0.1, installs the version that stack needs (verified) and runs
//    `fctl ledger transactions list`, rendering the plugin's data as a table.
// 2. The Go product (examples/wallets, copied into a fresh git repository as its own repository
//    would be) releases its Go plugin twice, tagged v1.0.0 then v1.1.0, into the same directory
//    and registry; the compatibility matrix runs fctl against every plugin version of that
//    registry, Go and TypeScript side by side; fctl installs the wallets plugin the example wallets
//    service (1.1.0) needs and runs `fctl wallets list`. Skipped, saying why, without Go on PATH.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'fctl-demo-'));
const env = { ...process.env, FCTL_CONFIG_DIR: join(work, 'config') };
const releases = join(root, 'examples/ledger/dist/plugin-releases');
const registry = join(root, 'examples/ledger/dist/registry.yaml');
const matrixReports = join(root, 'examples/ledger/dist/compat-matrix');
const services = [];

function run(name, bin, args, extraEnv = {}) {
  console.log(`\n$ ${name} ${args.join(' ')}`);
  // fctl-kit's JSON summaries are for machines: the demo shows its progress lines (stderr).
  const stdio = name === 'fctl' || args[0] === 'compat' ? 'inherit' : ['ignore', 'ignore', 'inherit'];
  const result = spawnSync(process.execPath, [join(root, bin), ...args], { stdio, env: { ...env, ...extraEnv }, cwd: root });
  if (result.status !== 0) throw new Error(`${name} ${args.join(' ')} exited with ${result.status}`);
}
const fctl = (...args) => run('fctl', 'packages/core/bin/fctl.js', args);
const fctlKit = (args, extraEnv) => run('fctl-kit', 'packages/cli/bin/fctl-kit.js', args, extraEnv);

/** Starts a service and resolves with its URL once it prints "listening on <url>". */
function startService(command, args, cwd = root) {
  const service = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  services.push(service);
  return new Promise((resolve, reject) => {
    service.on('error', reject);
    service.on('exit', (code) => reject(new Error(`${basename(command)} exited with ${code}`)));
    createInterface({ input: service.stdout }).on('line', (line) => {
      console.log(line);
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) resolve(match[1]);
    });
  });
}

function ledgerProduct() {
  fctlKit(['keygen', '--out', join(work, 'publisher')]);
  fctlKit(['release', 'examples/ledger/cmd/fctl-plugin', '--targets', 'host', '--out', join(work, 'build'), '--signing-key', join(work, 'publisher.key')]);
  fctlKit(['compat', 'examples/ledger/cmd/fctl-plugin', '--build-dir', join(work, 'build')]);
}

async function ledgerCommand() {
  const url = await startService(process.execPath, [join(root, 'examples/ledger/dist/server.js'), '--version', '3.2.0', '--port', '0', '--data', join(work, 'ledger.json')]);
  fctl('plugin', 'registry', 'set', 'examples/ledger/dist/registry.yaml');
  fctl('profile', 'add', 'demo', '--stack-url', url, '--use');
  fctl('plugin', 'install', 'ledger');
  fctl('ledger', 'transactions', 'list');
}

/** Why the Go half cannot run here, or undefined. */
function goMissing() {
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error) return `go is not on PATH (${go.error.code})`;
  if (go.status !== 0) return `go version exited with ${go.status}: ${go.stderr.trim()}`;
  return undefined;
}

/**
 * examples/wallets as a product repository of its own: its files in a fresh git repository, the
 * version from its vX.Y.Z tags, the SDK from this repository, releasing to the demo's registry.
 */
function walletsRepository() {
  const product = join(work, 'wallets');
  cpSync(join(root, 'examples/wallets'), product, { recursive: true, filter: (path) => basename(path) !== 'dist' });
  const git = (...args) => execFileSync('git', ['-c', 'user.name=fctl-kit demo', '-c', 'user.email=demo@example.invalid', ...args], { cwd: product, stdio: 'pipe' });
  execFileSync('go', ['mod', 'edit', `-replace=github.com/fctl-plugin-kit/fctl-plugin-kit/sdk/go=${join(root, 'sdk/go')}`], { cwd: product });
  rmSync(join(product, 'VERSION'));
  const configFile = join(product, 'cmd/fctl-plugin/fctl-plugin.json');
  const config = JSON.parse(readFileSync(configFile, 'utf8'));
  config.version = { source: 'git-tag' };
  config.release = { backends: [{ backend: 'url', to: releases }], registry: { file: registry } };
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'wallets service and its fctl plugin');
  return { product, git };
}

async function walletsProduct() {
  const { product, git } = walletsRepository();
  const plugin = join(product, 'cmd/fctl-plugin');
  for (const tag of ['v1.0.0', 'v1.1.0']) {
    if (tag !== 'v1.0.0') git('commit', '-q', '--allow-empty', '-m', `release ${tag}`);
    git('tag', tag);
    console.log(`\n$ git tag ${tag}   # in the wallets repository`);
    fctlKit(['release', plugin, '--targets', 'host', '--out', join(work, `wallets-${tag}`), '--signing-key', join(work, 'publisher.key')]);
  }
  fctlKit(['compat', 'matrix', '--registry', registry, '--cache-dir', join(work, 'matrix-cache'), '--out', matrixReports]);
  console.log(`\n${readFileSync(join(matrixReports, 'matrix.md'), 'utf8').trimEnd()}\n\n(the report with each cell's details: ${join(matrixReports, 'matrix.html')})`);

  const server = join(work, 'wallets-server');
  execFileSync('go', ['build', '-o', server, './cmd/server'], { cwd: product, stdio: 'inherit' });
  const url = await startService(server, ['--version', '1.1.0', '--port', '0']);
  fctl('profile', 'add', 'wallets-demo', '--stack-url', url, '--use');
  fctl('plugin', 'install', 'wallets');
  fctl('wallets', 'list');
}

try {
  // A fresh registry and release directory each run (the release itself would skip what exists).
  rmSync(releases, { recursive: true, force: true });
  rmSync(matrixReports, { recursive: true, force: true });
  mkdirSync(dirname(registry), { recursive: true });
  writeFileSync(registry, '# The demo registry, written by npm run demo\nplugins: {}\n');
  ledgerProduct();
  await ledgerCommand();
  const missing = goMissing();
  if (missing) console.log(`\nThe Go product (examples/wallets) is skipped: ${missing}. Install Go (https://go.dev/dl) to see it.`);
  else await walletsProduct();
} catch (error) {
  console.error(`demo failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  for (const service of services) service.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
