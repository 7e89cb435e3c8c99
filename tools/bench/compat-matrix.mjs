#!/usr/bin/env node
// Benchmark: wall time of `fctl-kit compat matrix` over the same cells run serially (--jobs 1) and
// with the default pool (one job per CPU), interleaved, each run with an empty cell cache. The cells
// are the reference fctl under N core labels (one script each, so N core digests) × M releases of
// the example plugin (a launcher of its bundle, scenarios.yaml, checksums.txt pinned by a file
// registry, files served by the url backend from a directory). Prints the medians and the ratio.
// Then the cached re-run: the same matrix again on a cache holding every cell (no cell runs), the
// median of `cachedRuns` runs, beside two references measured in the same run: `node -e 0` (a Node
// start) and `fctl-kit compat matrix --plan` (fctl-kit's start, the registry read and the plan).
// Usage: node tools/bench/compat-matrix.mjs [runs=3] [cores=2] [versions=2] [cachedRuns=7] [script|released]
// (after npm run setup). runs=0 measures only the cached re-run. `released`: the cores are released
// as users get them (`fctl-kit release-core`: one self-contained build each, host only, published to
// a directory served over loopback http, registered in the registry's cores section) and the matrix
// runs without --core, fetching them into its cache, as test/e2e/compat-matrix-journey.test.ts does.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const [runs, coreCount, versionCount, cachedRuns] = [3, 2, 2, 7].map((fallback, index) => Number(process.argv[2 + index] ?? fallback));
const releasedCores = process.argv[6] === 'released';
const fctlKit = join(root, 'packages/cli/bin/fctl-kit.js');
const fctlDist = join(root, 'packages/core/dist/fctl.js');
const pluginDir = join(root, 'examples/ledger/cmd/fctl-plugin');
const work = mkdtempSync(join(tmpdir(), 'fctl-bench-matrix-'));
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const platform = `${{ win32: 'windows' }[process.platform] ?? process.platform}-${{ x64: 'amd64' }[process.arch] ?? process.arch}`;
const binaryName = `fctl-plugin-ledger-${platform}${process.platform === 'win32' ? '.exe' : ''}`;

// CPU time of waited-for descendants (Linux /proc: cutime + cstime, in clock ticks of 1/100 s): with
// the wall time, it says how much of a cell is CPU work that a second job needs a second CPU for.
const childCpuMs = () => {
  const fields = readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
};
const run = (args, script = fctlKit) => {
  const started = process.hrtime.bigint();
  const cpu = childCpuMs();
  const result = spawnSync(process.execPath, script ? [script, ...args] : args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: childCpuMs() - cpu, ...result, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
};
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

// The released cores' directory over loopback http, from a child process: the runs are synchronous.
const SITE_SERVER = `const http = require('http'), fs = require('fs'), path = require('path'); const root = process.argv[1];
http.createServer((request, response) => {
  const file = path.join(root, decodeURIComponent(new URL(request.url, 'http://x').pathname));
  if (!file.startsWith(root + path.sep)) return response.writeHead(404).end();
  fs.stat(file, (error, stat) => {
    if (error || !stat.isFile()) return response.writeHead(404).end();
    response.writeHead(200, { 'content-length': stat.size });
    fs.createReadStream(file).pipe(response);
  });
}).listen(0, '127.0.0.1', function () { console.log('http://127.0.0.1:' + this.address().port); });`;
let site;
const serveSite = (dir) => {
  mkdirSync(dir, { recursive: true });
  const child = spawn(process.execPath, ['-e', SITE_SERVER, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`the site server exited with ${code}`)));
    child.stdout.setEncoding('utf8').once('data', (line) => resolve({ url: line.trim(), stop: () => child.kill() }));
  });
};

try {
  const versions = Array.from({ length: versionCount }, (_, index) => `3.${2 + index}.0`);
  const entries = [];
  for (const version of versions) {
    const dir = join(work, 'releases', 'ledger', version);
    mkdirSync(dir, { recursive: true });
    const bundle = join(work, `bundle-${version}.cjs`);
    const bundled = run(['bundle', pluginDir, '--out', bundle, '--service-version', version]);
    if (bundled.status !== 0) throw new Error(`bundling failed: ${bundled.stderr}`);
    writeFileSync(join(dir, binaryName), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(bundle)} "$@"\n`);
    chmodSync(join(dir, binaryName), 0o755);
    copyFileSync(join(pluginDir, 'compat', 'scenarios.yaml'), join(dir, 'scenarios.yaml'));
    const checksums = [binaryName, 'scenarios.yaml'].map((name) => `${sha256(readFileSync(join(dir, name)))}  ${name}\n`).join('');
    writeFileSync(join(dir, 'checksums.txt'), checksums);
    entries.push(`      ${version}:`, '        compatibleWith: ">=3.0.0 <4.0.0"', `        checksumsSha256: ${sha256(checksums)}`);
  }
  const registry = join(work, 'registry.yaml');
  writeFileSync(registry, ['plugins:', '  ledger:', '    sources:', `      - { backend: url, url: "${join(work, 'releases')}/{name}/{version}/{file}" }`, '    versions:', ...entries, ''].join('\n'));
  const versionsOfCores = Array.from({ length: coreCount }, (_, index) => `0.${index + 1}.0`);
  let cores = [];
  if (releasedCores) {
    site = await serveSite(join(work, 'site'));
    for (const version of versionsOfCores) {
      const released = run(['release-core', join(root, 'packages/core'), '--version', version, '--targets', 'host', '--out', join(work, 'cores', version), '--backend', 'url', '--to', join(work, 'site'), '--public-base', site.url, '--registry', registry]);
      if (released.status !== 0) throw new Error(`release-core ${version} failed: ${released.stderr}`);
    }
  } else {
    cores = versionsOfCores.flatMap((version) => {
      const path = join(work, `fctl-${version}.mjs`);
      writeFileSync(path, `// core ${version}\nimport ${JSON.stringify(fctlDist)};\n`);
      return ['--core', `${version}=${path}`];
    });
  }
  const cells = coreCount * versionCount;
  const times = { serial: [], pool: [] };
  const cpu = { serial: [], pool: [] };
  for (let index = 0; index < runs; index++) {
    for (const [mode, jobs] of [['serial', ['--jobs', '1']], ['pool', []]]) {
      const cache = join(work, `cache-${mode}-${index}`);
      const result = run(['compat', 'matrix', '--registry', registry, ...cores, ...jobs, '--cache-dir', cache, '--out', join(work, `out-${mode}-${index}`)]);
      if (result.status !== 0 || !result.stdout.startsWith(`${cells} cells: ${cells} passed`) || !result.stdout.includes(`; ${cells} run,`)) throw new Error(`the ${mode} matrix did not run every cell and pass: ${result.stdout}${result.stderr}`);
      times[mode].push(result.ms);
      cpu[mode].push(result.cpuMs);
      rmSync(cache, { recursive: true, force: true });
    }
  }
  console.log(`compat matrix, ${cells} cells (${coreCount} ${releasedCores ? 'released' : 'script'} cores x ${versionCount} versions), ${runs} runs each, ${availableParallelism()} CPUs, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  if (runs > 0) {
    for (const [mode, label] of [['serial', '--jobs 1:         '], ['pool', `default (${availableParallelism()} jobs):`]]) {
      console.log(`  ${label} median ${(median(times[mode]) / 1000).toFixed(2)} s wall, ${(median(cpu[mode]) / 1000).toFixed(2)} s CPU  (wall ${times[mode].map((ms) => (ms / 1000).toFixed(2)).join(', ')})`);
    }
    console.log(`  ratio default / serial: ${(median(times.pool) / median(times.serial)).toFixed(2)}x (goal <= 0.6x on 2 cores)`);
  }

  // The cached re-run: one run fills the cache, then every run finds each cell there.
  const cache = join(work, 'cache-rerun');
  const matrix = (extra) => ['compat', 'matrix', '--registry', registry, ...cores, '--cache-dir', cache, '--out', join(work, 'out-rerun'), ...extra];
  const filled = run(matrix([]));
  if (filled.status !== 0 || !filled.stdout.includes(`; ${cells} run,`)) throw new Error(`the matrix did not run every cell: ${filled.stdout}${filled.stderr}`);
  const rerun = { cached: [], plan: [], node: [] };
  for (let index = 0; index < cachedRuns; index++) {
    const cached = run(matrix([]));
    if (cached.status !== 0 || !cached.stdout.includes(`; 0 run, ${cells} not run again;`)) throw new Error(`the re-run ran cells: ${cached.stdout}${cached.stderr}`);
    rerun.cached.push(cached.ms);
    const plan = run(matrix(['--plan']));
    if (plan.status !== 0) throw new Error(`--plan failed: ${plan.stderr}`);
    rerun.plan.push(plan.ms);
    rerun.node.push(run(['-e', '0'], null).ms);
  }
  const seconds = (values) => `median ${(median(values) / 1000).toFixed(2)} s  (${values.map((ms) => (ms / 1000).toFixed(2)).join(', ')})`;
  console.log(`  cached re-run (0 of ${cells} cells run), ${cachedRuns} runs: ${seconds(rerun.cached)}  (goal <= 2 s)`);
  console.log(`  reference --plan (same registry, nothing run): ${seconds(rerun.plan)}; re-run / --plan ${(median(rerun.cached) / median(rerun.plan)).toFixed(2)}x`);
  console.log(`  reference node -e 0: ${seconds(rerun.node)}; re-run / node -e 0 ${(median(rerun.cached) / median(rerun.node)).toFixed(1)}x`);
} finally {
  site?.stop();
  rmSync(work, { recursive: true, force: true });
}
