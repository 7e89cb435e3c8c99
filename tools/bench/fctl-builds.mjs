#!/usr/bin/env node
// Benchmark: two or more builds of fctl side by side (before and after a change), interleaved in one
// run with `node -e 0` as the reference, so that machine noise hits them alike. Each build gets its own
// configuration directory: a profile on the example Ledger 3.2.0 service (started on 127.0.0.1) and
// the example plugin installed from `--plugin` (a source directory, default the example's, or a
// built bundle/binary, e.g. one kept from before a change). Prints medians and ratios of the wall
// time and, with `--cpu` (Linux `perf stat`, task-clock of the process and its children), of the CPU
// time, which a loaded machine disturbs much less than the wall time.
// A build may name its own plugin: <name>=<fctl.js>@<plugin path> (the SDK's side of a change).
// Usage: node tools/bench/fctl-builds.mjs <runs> [--cpu] [--plugin <path>] <name>=<fctl.js>[@<plugin>] [...]
//   e.g. before=/tmp/before/core/bin/fctl.js after=packages/core/bin/fctl.js
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const runs = Number(args.shift());
let plugin = join(root, 'examples/ledger/cmd/fctl-plugin');
const pluginAt = args.indexOf('--plugin');
if (pluginAt >= 0) plugin = resolve(args.splice(pluginAt, 2)[1]);
const cpuAt = args.indexOf('--cpu');
const cpu = cpuAt >= 0;
if (cpu) args.splice(cpuAt, 1);
const builds = args.map((arg) => {
  const at = arg.indexOf('=');
  const [fctl, own] = arg.slice(at + 1).split('@');
  return { name: arg.slice(0, at), fctl: fctl && resolve(fctl), plugin: own ? resolve(own) : undefined };
});
if (!Number.isInteger(runs) || runs < 1 || builds.length < 1 || builds.some((build) => !build.name || !build.fctl)) {
  console.error('usage: node tools/bench/fctl-builds.mjs <runs> [--cpu] [--plugin <path>] <name>=<fctl.js>[@<plugin>] [...]');
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), 'fctl-builds-'));
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const perfOut = join(work, 'perf.csv');
/** Wall milliseconds, and CPU milliseconds with --cpu (perf's own start is in both, alike for every case). */
const time = (command, commandArgs, env) => {
  const [file, fileArgs] = cpu ? ['perf', ['stat', '-x', ',', '-e', 'task-clock', '-o', perfOut, '--', command, ...commandArgs]] : [command, commandArgs];
  const started = process.hrtime.bigint();
  const result = spawnSync(file, fileArgs, { env: { ...process.env, NO_COLOR: '1', ...env }, cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${commandArgs.join(' ')} failed: ${result.stderr}`);
  const line = cpu ? readFileSync(perfOut, 'utf8').split('\n').find((text) => text.includes('task-clock')) : undefined;
  return { wall, cpu: line ? Number(line.split(',')[0]) : undefined };
};

const service = spawn(process.execPath, [join(root, 'examples/ledger/dist/server.js'), '--version', '3.2.0', '--port', '0', '--data', join(work, 'ledger.json')], { stdio: ['ignore', 'pipe', 'inherit'] });
try {
  const url = await new Promise((done) => createInterface({ input: service.stdout }).on('line', (line) => { const m = /listening on (\S+)/.exec(line); if (m) done(m[1]); }));
  const cases = { 'node -e 0 (reference)': () => time(process.execPath, ['-e', '0'], {}) };
  for (const build of builds) {
    const env = { FCTL_CONFIG_DIR: join(work, build.name) };
    time(process.execPath, [build.fctl, 'profile', 'add', 'v3', '--stack-url', url, '--use'], env);
    time(process.execPath, [build.fctl, 'plugin', 'install', 'ledger', '--path', build.plugin ?? plugin], env);
    cases[`${build.name}: fctl ledger transactions list`] = () => time(process.execPath, [build.fctl, 'ledger', 'transactions', 'list'], env);
    cases[`${build.name}: fctl ledger --help`] = () => time(process.execPath, [build.fctl, 'ledger', '--help'], env);
    cases[`${build.name}: fctl version`] = () => time(process.execPath, [build.fctl, 'version'], env);
  }
  const loadBefore = loadavg();
  const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  for (let i = 0; i < 3; i++) for (const run of Object.values(cases)) run();
  for (let i = 0; i < runs; i++) for (const [name, run] of Object.entries(cases)) samples[name].push(run());
  const load = (values) => values.map((value) => value.toFixed(2)).join(' ');
  console.log(`runs: ${runs} each, interleaved; node ${process.version}; plugins ${builds.map((build) => `${build.name}: ${build.plugin ?? plugin}`).join(', ')}; load average ${load(loadBefore)} before, ${load(loadavg())} after (1, 5, 15 min)`);
  for (const measure of cpu ? ['wall', 'cpu'] : ['wall']) {
    const of = (name) => median(samples[name].map((sample) => sample[measure]));
    const reference = of('node -e 0 (reference)');
    console.log(`\n${measure === 'wall' ? 'wall time' : 'CPU time (task-clock, process and children)'}`);
    console.log('| case | median (ms) | ratio to node -e 0 | ratio to the same build\'s fctl version |');
    console.log('|---|---:|---:|---:|');
    for (const name of Object.keys(samples)) {
      const versionOf = name.includes(': ') ? of(`${name.slice(0, name.indexOf(': '))}: fctl version`) : undefined;
      const m = of(name);
      console.log(`| ${name} | ${m.toFixed(1)} | ${(m / reference).toFixed(2)} | ${versionOf ? (m / versionOf).toFixed(2) : ''} |`);
    }
  }
} finally {
  service.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
