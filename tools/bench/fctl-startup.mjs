#!/usr/bin/env node
// Benchmark: wall time of `fctl ledger transactions list` through the example plugin (a real
// plugin process against the real example service on 127.0.0.1), against a bare `node -e 0`
// measured in the same run, interleaved so that machine noise hits both alike.
// Usage: node tools/bench/fctl-startup.mjs [runs]   (npm run bench builds first)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const runs = Number(process.argv[2] ?? 30);
const work = mkdtempSync(join(tmpdir(), 'fctl-bench-'));
const env = { ...process.env, FCTL_CONFIG_DIR: join(work, 'config'), NO_COLOR: '1' };
const fctlBin = join(root, 'packages/core/bin/fctl.js');

const time = (command, args) => {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { env, cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  return ms;
};
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

async function startService(version) {
  const child = spawn(process.execPath, [join(root, 'examples/ledger/dist/server.js'), '--version', version, '--port', '0', '--data', join(work, `ledger-${version}.json`)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve) => createInterface({ input: child.stdout }).on('line', (line) => { const m = /listening on (\S+)/.exec(line); if (m) resolve(m[1]); }));
  return { child, url };
}

const v3 = await startService('3.2.0');
const v2 = await startService('2.8.0');
try {
  time(process.execPath, [fctlBin, 'profile', 'add', 'v3', '--stack-url', v3.url, '--use']);
  time(process.execPath, [fctlBin, 'profile', 'add', 'v2', '--stack-url', v2.url]);
  time(process.execPath, [fctlBin, 'plugin', 'install', 'ledger', '--path', 'examples/ledger/cmd/fctl-plugin']);
  const cases = {
    'node -e 0 (reference)': [process.execPath, ['-e', '0']],
    'fctl ledger transactions list (plugin, Ledger 3.2.0)': [process.execPath, [fctlBin, 'ledger', 'transactions', 'list']],
    'fctl ledger transactions list (built-in, Ledger 2.8.0)': [process.execPath, [fctlBin, '--profile', 'v2', 'ledger', 'transactions', 'list']],
    'fctl version (core start-up only)': [process.execPath, [fctlBin, 'version']],
  };
  const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  for (let i = 0; i < 3; i++) for (const [command, args] of Object.values(cases)) time(command, args);
  for (let i = 0; i < runs; i++) for (const [name, [command, args]] of Object.entries(cases)) samples[name].push(time(command, args));
  const reference = median(samples['node -e 0 (reference)']);
  console.log(`runs: ${runs} each, interleaved; node ${process.version}; ${new Date().toISOString().slice(0, 10)}`);
  console.log('| case | median (ms) | ratio to node -e 0 |');
  console.log('|---|---:|---:|');
  for (const [name, values] of Object.entries(samples)) {
    const m = median(values);
    console.log(`| ${name} | ${m.toFixed(1)} | ${(m / reference).toFixed(2)} |`);
  }
} finally {
  v3.child.kill('SIGTERM');
  v2.child.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
