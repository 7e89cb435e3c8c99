#!/usr/bin/env node
// Benchmark: wall time of `fctl-kit build` for the example plugin against @yao-pkg/pkg's own single
// `--sea` invocation for the same five targets and the same bundle, interleaved in one run, with the
// runtime caches of both warm. Then the size of every binary, raw and compressed.
// Usage: node tools/bench/build.mjs [runs]   (npm run bench:build sets up first)
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, brotliCompressSync, gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const runs = Number(process.argv[2] ?? 3);
const work = mkdtempSync(join(tmpdir(), 'fctl-bench-build-'));
const fctlKit = join(root, 'packages/cli/bin/fctl-kit.js');
const pkgBin = join(root, 'node_modules/@yao-pkg/pkg/lib-es5/bin.js');
const { DEFAULT_NODE_VERSION: node, defaultCacheDir } = await import(join(root, 'packages/binaries/dist/index.js'));
const cacheDir = defaultCacheDir();

// The five targets pkg's SEA mode builds; fctl-kit's own default adds windows-arm64 (timed apart).
const targets = [
  { ours: 'linux-amd64', pkg: 'linux-x64', archive: 'linux-x64', binary: 'node' },
  { ours: 'linux-arm64', pkg: 'linux-arm64', archive: 'linux-arm64', binary: 'node' },
  { ours: 'darwin-amd64', pkg: 'macos-x64', archive: 'darwin-x64', binary: 'node' },
  { ours: 'darwin-arm64', pkg: 'macos-arm64', archive: 'darwin-arm64', binary: 'node' },
  { ours: 'windows-amd64', pkg: 'win-x64', archive: 'win-x64', binary: 'node.exe' },
];
const runtime = (target) => join(cacheDir, 'runtimes', `node-${node}-${target.ours}`, target.binary);

const time = (label, command, args, env = process.env) => {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${label} failed: ${result.stderr}`);
  return { ms, stdout: result.stdout.toString() };
};
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const mb = (bytes) => (bytes / 1e6).toFixed(1);

const buildOurs = (out, list = targets.map((t) => t.ours)) =>
  time('fctl-kit build', process.execPath, [fctlKit, 'build', 'examples/ledger/cmd/fctl-plugin', '--service-version', '3.2.0', '--out', out, '--targets', list.join(',')]);

try {
  // Warm-up: fills fctl-kit's runtime cache (every default target) and gives the bundle pkg gets.
  const warm = join(work, 'warm');
  buildOurs(warm, ['linux-amd64', 'linux-arm64', 'darwin-amd64', 'darwin-arm64', 'windows-amd64', 'windows-arm64']);
  const bundle = join(work, 'fctl-plugin-ledger.cjs');
  copyFileSync(join(warm, 'fctl-plugin-ledger.cjs'), bundle);

  // pkg reads its runtimes from $HOME/.pkg-cache/sea (it ignores PKG_CACHE_PATH in SEA mode): seed a
  // private HOME with the same stock binaries, marked as downloaded and extracted, so pkg's cache is
  // warm too and it never reaches the network.
  const home = join(work, 'home');
  const seaCache = join(home, '.pkg-cache', 'sea');
  for (const target of targets) {
    const base = `node-v${node}-${target.archive}`;
    const archive = join(seaCache, `${base}.${target.pkg.startsWith('win') ? 'zip' : 'tar.gz'}`);
    const extracted = target.pkg.startsWith('win') ? join(seaCache, `${base}.exe`) : join(seaCache, base, 'bin', 'node');
    mkdirSync(dirname(extracted), { recursive: true });
    for (const marker of [archive, `${archive}.ok`, `${extracted}.ok`]) writeFileSync(marker, '');
    copyFileSync(runtime(target), extracted);
  }
  const node22 = runtime(targets[0]);
  const pkgEnv = { ...process.env, HOME: home };
  const buildPkg = (out) =>
    time('pkg --sea', node22, [pkgBin, '--sea', '-t', targets.map((t) => `node${node}-${t.pkg}`).join(','), '--out-path', out, bundle], pkgEnv);

  const samples = { ours: [], pkg: [], all: [] };
  for (let i = 0; i < runs; i++) {
    const dir = join(work, `run-${i}`);
    samples.ours.push(buildOurs(join(dir, 'ours')).ms);
    samples.pkg.push(buildPkg(join(dir, 'pkg')).ms);
    samples.all.push(buildOurs(join(dir, 'all'), [...targets.map((t) => t.ours), 'windows-arm64']).ms);
    if (i < runs - 1) rmSync(dir, { recursive: true, force: true });
  }
  const reference = median(samples.pkg);
  console.log(`runs: ${runs} each, interleaved; Node ${node} runtimes; ${new Date().toISOString().slice(0, 10)}`);
  console.log('| case | median (s) | ratio to pkg --sea |');
  console.log('|---|---:|---:|');
  console.log(`| pkg --sea, 5 targets (reference) | ${(reference / 1000).toFixed(1)} | 1.00 |`);
  console.log(`| fctl-kit build, same 5 targets | ${(median(samples.ours) / 1000).toFixed(1)} | ${(median(samples.ours) / reference).toFixed(2)} |`);
  console.log(`| fctl-kit build, 6 default targets | ${(median(samples.all) / 1000).toFixed(1)} | ${(median(samples.all) / reference).toFixed(2)} |`);

  const last = join(work, `run-${runs - 1}`, 'all');
  console.log('\n| binary | raw (MB) | gzip -9 (MB) | brotli q9 (MB) |');
  console.log('|---|---:|---:|---:|');
  for (const name of readdirSync(last).filter((n) => n.startsWith('fctl-plugin-') && !n.includes('.cjs')).sort()) {
    const bytes = readFileSync(join(last, name));
    const gzip = gzipSync(bytes, { level: 9 }).length;
    const brotli = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }).length;
    console.log(`| ${name} | ${mb(statSync(join(last, name)).size)} | ${mb(gzip)} | ${mb(brotli)} |`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
