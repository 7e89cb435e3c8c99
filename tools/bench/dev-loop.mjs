#!/usr/bin/env node
// Benchmark: the development loop, from saving a plugin source file to the next `fctl ledger ...`
// printing the new behaviour. With `fctl-kit dev` running (rebuild on save, build linked into fctl),
// against the loop without it, measured in the same run: `fctl plugin install ledger --path <source
// dir>` (builds and installs a copy) then the same command. Goal: under 1 s (RFC 0002's bar: 30 s).
// Usage: node --import tsx tools/bench/dev-loop.mjs [runs]   (npm run bench:dev sets up first)
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLines } from '../../test/support/line-reader.ts';
import { startLedger } from '../../test/support/ledger-service.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const runs = Number(process.argv[2] ?? 15);
const fctlKit = join(root, 'packages/cli/bin/fctl-kit.js');
const fctlBin = join(root, 'packages/core/bin/fctl.js');
const work = mkdtempSync(join(tmpdir(), 'fctl-bench-dev-'));
const pluginDir = join(work, 'cmd', 'fctl-plugin');
const source = join(pluginDir, 'src', 'plugin.ts');
const env = { ...process.env, FCTL_CONFIG_DIR: join(work, 'config'), NO_COLOR: '1' };

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const now = () => Number(process.hrtime.bigint()) / 1e6;
const fctl = (args) => {
  const result = spawnSync(process.execPath, [fctlBin, ...args], { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`fctl ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
};
const greeting = () => JSON.parse(fctl(['ledger', 'greeting', '-o', 'json'])).greeting;
let edits = 0;
const save = () => {
  const text = `edit ${++edits}`;
  writeFileSync(source, readFileSync(source, 'utf8').replace(/greeting: "[^"]*"/, `greeting: ${JSON.stringify(text)}`));
  return text;
};

cpSync(join(root, 'examples/ledger/cmd/fctl-plugin'), pluginDir, { recursive: true, filter: (path) => !/[\\/](dist|node_modules)$/.test(path) });
symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'));
appendFileSync(source, `\nplugin.command({ use: 'greeting', short: 'Say hello', async run() { return { greeting: "start" }; } });\n`);
const ledger = await startLedger('3.2.0');
fctl(['profile', 'add', 'main', '--stack-url', ledger.url, '--use']);

const withDev = { total: [], rebuild: [] };
const dev = spawn(process.execPath, [fctlKit, 'dev', pluginDir, '--fctl', fctlBin], { env, stdio: ['ignore', 'pipe', 'pipe'] });
const builds = readLines(dev.stdout);
await readLines(dev.stderr).next(/now runs/);
for (let i = 0; i < runs + 1; i++) {
  const started = now();
  const expected = save();
  await builds.next(/built \(src\/plugin\.ts\)/);
  const rebuilt = now();
  const seen = greeting();
  const finished = now();
  if (seen !== expected) throw new Error(`fctl printed "${seen}", expected "${expected}"`);
  if (i === 0) continue; // warm-up
  withDev.total.push(finished - started);
  withDev.rebuild.push(rebuilt - started);
  await new Promise((resolve) => setTimeout(resolve, 50));
}
dev.kill('SIGINT');
await new Promise((resolve) => dev.on('exit', resolve));

const withoutDev = [];
for (let i = 0; i < runs + 1; i++) {
  const started = now();
  const expected = save();
  const installed = spawnSync(process.execPath, [fctlBin, 'plugin', 'install', 'ledger', '--path', pluginDir], { env, encoding: 'utf8' });
  if (installed.status !== 0) throw new Error(`install --path failed: ${installed.stderr}`);
  const seen = greeting();
  const finished = now();
  if (seen !== expected) throw new Error(`fctl printed "${seen}", expected "${expected}"`);
  if (i > 0) withoutDev.push(finished - started);
}
await ledger.stop();
rmSync(work, { recursive: true, force: true });

const rows = [
  ['saved -> new behaviour, fctl-kit dev running', median(withDev.total)],
  ['  of which: saved -> rebuilt', median(withDev.rebuild)],
  ['saved -> new behaviour, fctl plugin install --path (reference)', median(withoutDev)],
];
console.log(`dev loop, median of ${runs} runs (ms):`);
for (const [label, ms] of rows) console.log(`  ${label.padEnd(64)} ${ms.toFixed(0)}`);
console.log(`  ratio dev / reference: ${(median(withDev.total) / median(withoutDev)).toFixed(2)}; goal: saved -> new behaviour < 1000 ms`);
