#!/usr/bin/env node
// Benchmark: what `npm install @fctl-kit/core` puts on a user's disk. Every workspace package that
// @fctl-kit/core needs (its "dependencies", recursively through workspace packages) is packed with
// `npm pack` from its current dist/ (build first: npm run bench:footprint does), then installed from
// those tarballs into a fresh project, the rest from the npm registry (--prefer-offline). Prints the
// number of installed packages, their bytes (the sum of file sizes under node_modules), whether the
// build toolchain (esbuild, postject, tar) came along, and checks that the installed fctl starts (`fctl version`).
// Usage: node tools/bench/fctl-footprint.mjs [--json] [--keep]
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const TOOLCHAIN = ['esbuild', 'postject', 'tar'];
const json = process.argv.includes('--json');
const keep = process.argv.includes('--keep');

/** Workspace packages by name, from packages/*\/package.json. */
function workspacePackages() {
  const found = new Map();
  for (const dir of readdirSync(join(root, 'packages'))) {
    try {
      const manifest = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
      found.set(manifest.name, manifest);
    } catch {
      // not a package directory
    }
  }
  return found;
}

/** `name` and the workspace packages its dependencies reach, recursively. */
function workspaceClosure(name, workspace) {
  const closure = new Set();
  const visit = (current) => {
    if (closure.has(current) || !workspace.has(current)) return;
    closure.add(current);
    for (const dependency of Object.keys(workspace.get(current).dependencies ?? {})) visit(dependency);
  };
  visit(name);
  return [...closure];
}

function sizeOf(path) {
  const stats = lstatSync(path);
  if (!stats.isDirectory()) return stats.size;
  return readdirSync(path).reduce((total, entry) => total + sizeOf(join(path, entry)), 0);
}

const work = mkdtempSync(join(tmpdir(), 'fctl-footprint-'));
try {
  const packages = workspaceClosure('@fctl-kit/core', workspacePackages());
  const packed = execFileSync(npm, ['pack', ...packages.flatMap((name) => ['-w', name]), '--pack-destination', work, '--json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const tarballs = JSON.parse(packed).map((pack) => join(work, pack.filename));
  const project = join(work, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'footprint', version: '1.0.0', private: true }));
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs], { cwd: project, stdio: ['ignore', 'ignore', 'inherit'] });

  const lock = JSON.parse(readFileSync(join(project, 'node_modules', '.package-lock.json'), 'utf8'));
  const installed = Object.keys(lock.packages).filter((path) => path.startsWith('node_modules/'));
  const named = (path) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
  const toolchain = Object.fromEntries(TOOLCHAIN.map((name) => [name, installed.some((path) => named(path) === name || named(path).startsWith(`@${name}/`))]));
  const version = execFileSync(join(project, 'node_modules', '.bin', 'fctl'), ['version'], { cwd: project, encoding: 'utf8', env: { ...process.env, FCTL_CONFIG_DIR: join(work, 'config') } }).trim();
  const result = { workspacePackages: packages, tarballs: tarballs.length, installedPackages: installed.length, bytes: sizeOf(join(project, 'node_modules')), toolchain, fctlVersion: version };

  if (json) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(`npm install @fctl-kit/core (${packages.length} workspace packages from packed tarballs: ${packages.join(', ')})`);
    console.log(`  installed packages: ${result.installedPackages}`);
    console.log(`  node_modules bytes: ${result.bytes} (${(result.bytes / 1024 / 1024).toFixed(1)} MiB)`);
    console.log(`  build toolchain:    ${TOOLCHAIN.map((name) => `${name} ${toolchain[name] ? 'present' : 'absent'}`).join(', ')}`);
    console.log(`  fctl version:       ${version}`);
  }
  if (keep) console.error(`kept ${work}`);
} finally {
  if (!keep) rmSync(work, { recursive: true, force: true });
}
