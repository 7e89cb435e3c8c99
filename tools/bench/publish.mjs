#!/usr/bin/env node
// Benchmark: publishing one release with each backend, first and again (the re-publish must upload
// nothing), against a plain copy of the build directory measured in the same run. Backends: url to
// a directory, url with HTTP PUT to a server on 127.0.0.1, oci to a real docker-registry on
// 127.0.0.1, s3 to a bucket of a moto server on 127.0.0.1 (path-style, credentials in the
// environment), github-releases to the GitHub emulator of the tests.
// The release is built once, signed, with the release default compression (xz preset 6, minutes of
// CPU per binary on 2 cores), for two targets only to keep that affordable: the host's and one more.
// Usage: node --import tsx tools/bench/publish.mjs [runs] [build-dir]   (npm run bench:publish sets up
// first; a build-dir, e.g. of an earlier run's build, is published as it is instead of building)
import { generateKeyPairSync } from 'node:crypto';
import { spawn } from 'node:child_process';
import { cpSync, createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const runs = Number(process.argv[2] ?? 3);
const given = process.argv[3];
const work = mkdtempSync(join(tmpdir(), 'fctl-bench-publish-'));
const fctlKit = join(root, 'packages/cli/bin/fctl-kit.js');
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const elapsedMs = (started) => Number(process.hrtime.bigint() - started) / 1e6;
// The child gets no AWS, GitHub or fctl-kit settings of this shell: only what a case gives it.
const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(AWS_|GITHUB_TOKEN$|FCTL_KIT_)/.test(key)));
const fctlKitRun = async (label, args, env = {}) => {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [fctlKit, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...baseEnv, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`${label} failed: ${stderr}`);
  return { ms: elapsedMs(started), stdout };
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

let put;
let github;
let moto;
try {
  const platform = `${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}`;
  const targets = [platform, platform === 'windows-amd64' ? 'linux-amd64' : 'windows-amd64'];
  const build = given ?? join(work, 'build');
  let buildMs;
  if (!given) {
    const keyFile = join(work, 'signing-key.pem');
    writeFileSync(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const buildStarted = process.hrtime.bigint();
    await fctlKitRun('build', ['build', 'examples/ledger/cmd/fctl-plugin', '--service-version', '3.2.0', '--out', build, '--targets', targets.join(','), '--signing-key', keyFile]);
    buildMs = elapsedMs(buildStarted);
  }
  const buildFiles = readdirSync(build).map((name) => ({ name, size: statSync(join(build, name)).size }));
  const buildBytes = buildFiles.reduce((n, file) => n + file.size, 0);
  const { artifacts } = JSON.parse(readFileSync(join(build, 'artifacts.json'), 'utf8'));
  const builtFor = artifacts.filter((a) => a.kind === 'binary').map((a) => `${a.os}-${a.arch}`);
  const compressions = [...new Set(artifacts.filter((a) => a.kind === 'compressed-binary').map((a) => a.compression))];
  const signed = artifacts.some((a) => a.kind === 'sigstore-bundle') ? 'signed (checksums.txt.sig and the Sigstore bundle)' : 'unsigned';
  const describeBuild = given
    ? `the given build ${build} (${builtFor.join(', ')}; compressed: ${compressions.join(', ') || 'none'}; ${signed})`
    : `built once for ${builtFor.join(', ')} (the host's target and one more, to keep the build affordable), ${compressions.join(', ')} at the release default (preset 6), ${signed}; the build took ${(buildMs / 1000).toFixed(0)} s`;

  const samples = {};
  const bytes = {};
  const publish = async (name, pass, args, env) => {
    const result = await fctlKitRun(name, ['publish', build, ...args], env);
    const { bytesUploaded } = JSON.parse(result.stdout);
    if (pass === 'again' && bytesUploaded !== 0) throw new Error(`${name}: the re-publish uploaded ${bytesUploaded} bytes, not 0`);
    const key = `${name}: ${pass}`;
    (samples[key] ??= []).push(result.ms);
    bytes[key] = bytesUploaded;
  };
  const loadBefore = loadavg();
  put = await startPutServer(join(work, 'put'));
  const { GithubEmulator } = await import('../../test/support/github-emulator.ts');
  github = await new GithubEmulator('bench-token').start();
  const { startMoto } = await import('../../packages/backends/test/s3/moto.ts');
  moto = await startMoto(['fctl-bench']);
  const s3Env = {
    AWS_ACCESS_KEY_ID: moto.keys.id,
    AWS_SECRET_ACCESS_KEY: moto.keys.secret,
    AWS_CONFIG_FILE: join(work, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-aws-credentials'),
  };
  for (let i = 0; i < runs; i++) {
    const copyStarted = process.hrtime.bigint();
    cpSync(build, join(work, `copy-${i}`), { recursive: true });
    (samples['cp -r of the build directory (reference)'] ??= []).push(elapsedMs(copyStarted));
    rmSync(join(work, `copy-${i}`), { recursive: true, force: true });

    const site = join(work, `site-${i}`);
    for (const pass of ['first', 'again']) await publish('url, directory', pass, ['--to', site]);
    rmSync(site, { recursive: true, force: true });

    for (const pass of ['first', 'again']) await publish('url, HTTP PUT', pass, ['--to', `${put.url}/run-${i}`]);
    rmSync(join(work, 'put', `run-${i}`), { recursive: true, force: true });

    const registryDir = join(work, `registry-${i}`);
    mkdirSync(registryDir);
    const registry = await startRegistry(registryDir);
    try {
      for (const pass of ['first', 'again']) await publish('oci', pass, ['--backend', 'oci', '--to', `${registry.host}/fctl/ledger`]);
    } finally {
      registry.child.kill();
      rmSync(registryDir, { recursive: true, force: true });
    }

    for (const pass of ['first', 'again']) {
      await publish('s3 (moto, path-style)', pass, ['--backend', 's3', '--bucket', 'fctl-bench', '--prefix', `run-${i}`, '--endpoint', moto.endpoint, '--addressing', 'path'], s3Env);
    }

    github.addRepository(`acme/ledger-${i}`);
    for (const pass of ['first', 'again']) {
      await publish('github-releases (emulator)', pass, ['--backend', 'github-releases', '--repo', `acme/ledger-${i}`, '--api-url', github.url], { GITHUB_TOKEN: 'bench-token' });
    }
    github.repositories.delete(`acme/ledger-${i}`);
  }
  const loadAfter = loadavg();
  const reference = median(samples['cp -r of the build directory (reference)']);
  console.log(`${new Date().toISOString().slice(0, 16)}Z; Node ${process.versions.node}; runs: ${runs}`);
  console.log(`release: ${describeBuild}`);
  console.log(`  ${buildFiles.length} files, ${buildBytes} bytes: ${buildFiles.map((f) => `${f.name} (${f.size})`).join(', ')}`);
  console.log(`load average (1, 5, 15 min) before: ${loadBefore.map((l) => l.toFixed(2)).join(', ')}; after: ${loadAfter.map((l) => l.toFixed(2)).join(', ')}`);
  console.log('| case | median (ms) | ratio to cp -r | bytes uploaded |');
  console.log('|---|---:|---:|---:|');
  for (const [name, values] of Object.entries(samples)) {
    const m = median(values);
    console.log(`| ${name} | ${m.toFixed(0)} | ${(m / reference).toFixed(2)} | ${bytes[name] ?? ''} |`);
  }
} finally {
  put?.server.close();
  await github?.stop();
  await moto?.stop();
  rmSync(work, { recursive: true, force: true });
}
