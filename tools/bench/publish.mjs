#!/usr/bin/env node
// Benchmark: publishing one release (all default targets) with each backend, first and again
// (the re-publish must upload nothing), against a plain copy of the build directory measured in
// the same run. Backends: url to a directory, url with HTTP PUT to a server on 127.0.0.1, oci to a
// real docker-registry on 127.0.0.1, github-releases to the GitHub emulator of the tests.
// Usage: node --import tsx tools/bench/publish.mjs [runs]   (npm run bench:publish sets up first)
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const runs = Number(process.argv[2] ?? 3);
const work = mkdtempSync(join(tmpdir(), 'fctl-bench-publish-'));
const fctlKit = join(root, 'packages/cli/bin/fctl-kit.js');
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const timed = (label, args) => {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [fctlKit, ...args], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${label} failed: ${result.stderr}`);
  return { ms, summary: JSON.parse(result.stdout) };
};
const timedAsync = async (label, args, env = {}) => {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [fctlKit, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`${label} failed: ${stderr}`);
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, summary: JSON.parse(stdout) };
};

async function startPutServer(dir) {
  const server = createServer((request, response) => {
    const path = join(dir, decodeURIComponent(new URL(request.url, 'http://x').pathname));
    if (request.method === 'PUT') {
      mkdirSync(dirname(path), { recursive: true });
      request.pipe(createWriteStream(path)).on('finish', () => response.writeHead(201).end());
      return;
    }
    let body;
    try {
      body = readFileSync(path);
    } catch {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${server.address().port}` };
}

async function startRegistry(dir) {
  writeFileSync(join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\nhttp:\n  addr: 127.0.0.1:0\n`);
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  const host = await new Promise((resolve) => createInterface({ input: child.stderr }).on('line', (line) => {
    const match = /listening on (127\.0\.0\.1:\d+)/.exec(line);
    if (match) resolve(match[1]);
  }));
  return { child, host };
}

const build = join(work, 'build');
const built = spawnSync(process.execPath, [fctlKit, 'build', 'examples/ledger/cmd/fctl-plugin', '--service-version', '3.2.0', '--out', build], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
if (built.status !== 0) throw new Error(`build failed: ${built.stderr}`);
const samples = {};
const add = (name, value) => (samples[name] ??= []).push(value);
let bytes = {};
const put = await startPutServer(join(work, 'put'));
const { GithubEmulator } = await import('../../test/support/github-emulator.ts');
const github = await new GithubEmulator('bench-token').start();
try {
  for (let i = 0; i < runs; i++) {
    const copyStarted = process.hrtime.bigint();
    cpSync(build, join(work, `copy-${i}`), { recursive: true });
    add('cp -r of the build directory (reference)', Number(process.hrtime.bigint() - copyStarted) / 1e6);
    rmSync(join(work, `copy-${i}`), { recursive: true, force: true });

    const site = join(work, `site-${i}`);
    for (const pass of ['first', 'again']) {
      const result = timed('url directory', ['publish', build, '--to', site]);
      add(`url, directory: ${pass}`, result.ms);
      bytes[`url, directory: ${pass}`] = result.summary.bytesUploaded;
    }
    rmSync(site, { recursive: true, force: true });

    for (const pass of ['first', 'again']) {
      const result = await timedAsync('url PUT', ['publish', build, '--to', `${put.url}/run-${i}`]);
      add(`url, HTTP PUT: ${pass}`, result.ms);
      bytes[`url, HTTP PUT: ${pass}`] = result.summary.bytesUploaded;
    }

    const registryDir = join(work, `registry-${i}`);
    mkdirSync(registryDir);
    const registry = await startRegistry(registryDir);
    try {
      for (const pass of ['first', 'again']) {
        const result = await timedAsync('oci', ['publish', build, '--backend', 'oci', '--to', `${registry.host}/fctl/ledger`]);
        add(`oci: ${pass}`, result.ms);
        bytes[`oci: ${pass}`] = result.summary.bytesUploaded;
      }
    } finally {
      registry.child.kill();
      rmSync(registryDir, { recursive: true, force: true });
    }

    github.addRepository(`acme/ledger-${i}`);
    for (const pass of ['first', 'again']) {
      const result = await timedAsync('github', ['publish', build, '--backend', 'github-releases', '--repo', `acme/ledger-${i}`, '--api-url', github.url], { GITHUB_TOKEN: 'bench-token' });
      add(`github-releases (emulator): ${pass}`, result.ms);
      bytes[`github-releases (emulator): ${pass}`] = result.summary.bytesUploaded;
    }
    github.repositories.delete(`acme/ledger-${i}`);
  }
  const reference = median(samples['cp -r of the build directory (reference)']);
  console.log(`runs: ${runs}; a release of all default targets; ${new Date().toISOString().slice(0, 10)}`);
  console.log('| case | median (s) | ratio to cp -r | bytes uploaded |');
  console.log('|---|---:|---:|---:|');
  for (const [name, values] of Object.entries(samples)) {
    const m = median(values);
    console.log(`| ${name} | ${(m / 1000).toFixed(2)} | ${(m / reference).toFixed(2)} | ${bytes[name] ?? ''} |`);
  }
} finally {
  put.server.close();
  await github.stop();
  rmSync(work, { recursive: true, force: true });
}
