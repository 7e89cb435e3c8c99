#!/usr/bin/env node
// Benchmark: a Go plugin against a TypeScript plugin through the same `fctl-kit build`, six default
// targets each, interleaved in one run: wall time (median of the runs; Go with its build cache warm,
// as on a developer's or CI's second build, plus one cold build with an empty GOCACHE), the ratio
// Go / TypeScript, and the size of each binary per platform, raw and xz (preset 6, the release's).
// The Go plugin is test/fixtures/go-plugin (the Go SDK by replace), the TypeScript one
// examples/ledger; both are the ledger plugin, so the sizes compare like with like.
// Usage: node tools/bench/go-build.mjs [runs]   (packages built first: npm run setup)
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const runs = Number(process.argv[2] ?? 3);
const work = mkdtempSync(join(tmpdir(), 'fctl-bench-go-build-'));
const fctlKit = join(root, 'packages/cli/bin/fctl-kit.js');
const tsPlugin = 'examples/ledger/cmd/fctl-plugin';

const build = (label, pluginDir, out, env = {}, extra = ['--compression', 'none']) => {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [fctlKit, 'build', pluginDir, '--service-version', '3.2.0', '--out', out, ...extra], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${label} failed: ${result.stderr}`);
  process.stderr.write(`  ${label}: ${(ms / 1000).toFixed(1)} s\n`);
  // The outputs are ~0.7 GB per TypeScript build: only the summary is kept.
  rmSync(out, { recursive: true, force: true });
  return { ms, summary: JSON.parse(result.stdout.toString()) };
};
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const mb = (bytes) => (bytes / 1e6).toFixed(1);
const seconds = (ms) => (ms / 1000).toFixed(1);

try {
  // The Go module with the SDK beside it, as in the repository (its replace is relative).
  cpSync(join(root, 'sdk/go'), join(work, 'src/sdk/go'), { recursive: true });
  cpSync(join(root, 'test/fixtures/go-plugin'), join(work, 'src/test/fixtures/go-plugin'), { recursive: true });
  const goPlugin = join(work, 'src/test/fixtures/go-plugin/cmd/fctl-plugin');

  const cold = build('Go, cold cache', goPlugin, join(work, 'go-cold'), { GOCACHE: join(work, 'gocache') });
  rmSync(join(work, 'gocache'), { recursive: true, force: true });
  // Warm-up of both (runtime cache, Go build cache), then the timed runs, interleaved.
  build('fctl-kit build (TypeScript)', tsPlugin, join(work, 'warm-ts'));
  build('fctl-kit build (Go)', goPlugin, join(work, 'warm-go'));
  const times = { ts: [], go: [] };
  for (let run = 0; run < runs; run++) {
    times.ts.push(build('TypeScript', tsPlugin, join(work, `ts-${run}`)).ms);
    times.go.push(build('Go', goPlugin, join(work, `go-${run}`)).ms);
  }
  const ts = median(times.ts);
  const go = median(times.go);
  console.log(`build, six targets (median of ${runs}, --compression none)`);
  console.log(`  TypeScript (SEA): ${seconds(ts)} s   runs: ${times.ts.map(seconds).join(', ')}`);
  console.log(`  Go, warm cache:   ${seconds(go)} s   runs: ${times.go.map(seconds).join(', ')}   ratio Go/TS: ${(go / ts).toFixed(2)}`);
  console.log(`  Go, cold cache:   ${seconds(cold.ms)} s (one run, empty GOCACHE: the standard library compiled for each target)`);

  const sized = (label, pluginDir, out) => build(label, pluginDir, out, {}, ['--compression', '6']).summary;
  const tsSizes = sized('TypeScript sizes', tsPlugin, join(work, 'ts-sizes'));
  const goSizes = sized('Go sizes', goPlugin, join(work, 'go-sizes'));
  const byTarget = (summary, key) => Object.fromEntries(summary[key].map((entry) => [entry.target, entry.size]));
  const [tsRaw, tsXz, goRaw, goXz] = [byTarget(tsSizes, 'binaries'), byTarget(tsSizes, 'compressed'), byTarget(goSizes, 'binaries'), byTarget(goSizes, 'compressed')];
  console.log('\nsize per platform, MB (raw / xz -6)');
  console.log('| target | TypeScript | Go | Go / TypeScript (raw) |');
  console.log('|---|---|---|---|');
  for (const target of Object.keys(goRaw).sort()) {
    console.log(`| ${target} | ${mb(tsRaw[target])} / ${mb(tsXz[target])} | ${mb(goRaw[target])} / ${mb(goXz[target])} | ${(goRaw[target] / tsRaw[target]).toFixed(3)} |`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
