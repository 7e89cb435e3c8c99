#!/usr/bin/env node
// Benchmark: what a user downloads per platform for the example plugin, raw binary against its xz
// compression (each preset given), with gzip -9 as the reference a plain HTTP server would give,
// all measured in one run on the same binaries; the compression time per preset (median of the runs,
// every CPU: the build's encoder) and fctl's decoding time (the WebAssembly decoder, against hashing
// the raw file, the work an installer does anyway).
// Usage: node --import tsx tools/bench/download-size.mjs [runs] [presets] [targets]   e.g. 1 0,6,9 linux-amd64
// (npm run bench:download sets up first)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, constants } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const runs = Number(process.argv[2] ?? 1);
const presets = (process.argv[3] ?? '0,6').split(',').map(Number);
const work = mkdtempSync(join(tmpdir(), 'fctl-bench-download-'));
const fctlKit = join(root, 'packages/cli/bin/fctl-kit.js');
const { compressFile } = await import(join(root, 'packages/binaries/src/compress.ts'));
const { decompressXz } = await import(join(root, 'packages/artifacts/src/decompress.ts'));
const targets = (process.argv[4] ?? 'linux-amd64,linux-arm64,darwin-amd64,darwin-arm64,windows-amd64,windows-arm64').split(',');

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const mb = (bytes) => (bytes / 1e6).toFixed(1);
const seconds = (ms) => (ms / 1000).toFixed(1);
const timed = async (work) => {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e6;
};

try {
  const out = join(work, 'build');
  const built = spawnSync(process.execPath, [fctlKit, 'build', 'examples/ledger/cmd/fctl-plugin', '--service-version', '3.2.0', '--out', out, '--targets', targets.join(','), '--compression', 'none'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (built.status !== 0) throw new Error(`fctl-kit build failed: ${built.stderr}`);
  const binaries = JSON.parse(built.stdout).binaries;
  console.log(`example plugin, Node ${JSON.parse(built.stdout).node}, ${availableParallelism()} CPUs, ${runs} run(s), presets ${presets.join(', ')}\n`);

  const rows = [];
  for (const binary of binaries) {
    const path = join(out, binary.name);
    const raw = statSync(path).size;
    const gzip = gzipSync(readFileSync(path), { level: constants.Z_BEST_COMPRESSION }).length;
    const row = { target: binary.target, raw, gzip, xz: {} };
    for (const preset of presets) {
      const output = join(work, `${binary.name}.${preset}.xz`);
      const times = [];
      for (let run = 0; run < runs; run++) times.push(await timed(() => compressFile(path, output, preset)));
      row.xz[preset] = { bytes: statSync(output).size, ms: median(times), output };
    }
    // fctl's side, for the release default (the largest preset measured here): decode while hashing
    // both sides, against only hashing the raw binary.
    const decodedPreset = presets.at(-1);
    const decode = [];
    const hashRaw = [];
    for (let run = 0; run < runs; run++) {
      hashRaw.push(await timed(async () => {
        const hash = createHash('sha256');
        for await (const chunk of createReadStream(path)) hash.update(chunk);
        hash.digest('hex');
      }));
      decode.push(await timed(async () => {
        const result = await decompressXz(createReadStream(row.xz[decodedPreset].output), () => {}, { source: 'bench', maxBytes: raw });
        if (result.decompressed.sha256 !== binary.sha256) throw new Error(`decoding ${binary.name} gave other bytes`);
      }));
    }
    row.decode = { preset: decodedPreset, ms: median(decode), hashRawMs: median(hashRaw) };
    rows.push(row);
    console.log(
      `${row.target.padEnd(14)} raw ${mb(raw).padStart(6)} MB  gzip -9 ${mb(gzip).padStart(5)} MB  ` +
        presets.map((p) => `xz -${p} ${mb(row.xz[p].bytes).padStart(5)} MB (${(row.xz[p].bytes / raw * 100).toFixed(1)}%, ${seconds(row.xz[p].ms)} s)`).join('  ') +
        `  decode xz -${decodedPreset} ${seconds(row.decode.ms)} s (hash raw ${seconds(row.decode.hashRawMs)} s)`,
    );
  }
  const total = (pick) => rows.reduce((sum, row) => sum + pick(row), 0);
  console.log(`\nall ${rows.length}: raw ${mb(total((r) => r.raw))} MB, gzip -9 ${mb(total((r) => r.gzip))} MB, ${presets.map((p) => `xz -${p} ${mb(total((r) => r.xz[p].bytes))} MB in ${seconds(total((r) => r.xz[p].ms))} s`).join(', ')}`);
  console.log(`largest per platform: ${presets.map((p) => `xz -${p} ${mb(Math.max(...rows.map((r) => r.xz[p].bytes)))} MB`).join(', ')} (goal: <= 30 MB)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
