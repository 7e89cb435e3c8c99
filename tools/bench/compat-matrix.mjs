#!/usr/bin/env node
// Benchmark: wall time of `fctl-kit compat matrix` over the same cells run serially (--jobs 1) and
// with the default pool (one job per CPU), interleaved, each run with an empty cell cache. The cells
// are the reference fctl under N core labels (one script each, so N core digests) × M releases of
// the example plugin (a launcher of its bundle, scenarios.yaml, checksums.txt pinned by a file
// registry, files served by the url backend from a directory). Prints the medians and the ratio.
// Usage: node tools/bench/compat-matrix.mjs [runs=3] [cores=2] [versions=2]   (after npm run setup)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const [runs, coreCount, versionCount] = [3, 2, 2].map((fallback, index) => Number(process.argv[2 + index] ?? fallback));
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
const run = (args) => {
  const started = process.hrtime.bigint();
  const cpu = childCpuMs();
  const result = spawnSync(process.execPath, [fctlKit, ...args], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: childCpuMs() - cpu, ...result, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
};
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
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
  const cores = Array.from({ length: coreCount }, (_, index) => {
    const version = `0.${index + 1}.0`;
    const path = join(work, `fctl-${version}.mjs`);
    writeFileSync(path, `// core ${version}\nimport ${JSON.stringify(fctlDist)};\n`);
    return ['--core', `${version}=${path}`];
  }).flat();
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
  const serial = median(times.serial);
  const pool = median(times.pool);
  console.log(`compat matrix, ${cells} cells (${coreCount} cores x ${versionCount} versions), ${runs} runs each, ${availableParallelism()} CPUs, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  for (const [mode, label] of [['serial', '--jobs 1:         '], ['pool', `default (${availableParallelism()} jobs):`]]) {
    console.log(`  ${label} median ${(median(times[mode]) / 1000).toFixed(2)} s wall, ${(median(cpu[mode]) / 1000).toFixed(2)} s CPU  (wall ${times[mode].map((ms) => (ms / 1000).toFixed(2)).join(', ')})`);
  }
  console.log(`  ratio default / serial: ${(pool / serial).toFixed(2)}x (goal <= 0.6x on 2 cores)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
