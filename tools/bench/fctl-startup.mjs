#!/usr/bin/env node
// Benchmark: wall time of `fctl ledger transactions list` through the example plugin (a real
// plugin process against the real example service on 127.0.0.1), against a bare `node -e 0`
// measured in the same run, interleaved so that machine noise hits both alike, and the floor of a
// plugin command (two bare Node processes trading one line). Then the same fctl
// cases again with tools/bench/startup-probe.mjs preloaded, for the time of each phase (module
// loading, state files, the /versions round trip, plugin start and handshake, execute, render);
// the probe costs a few milliseconds itself, so the wall-time table comes from the plain runs.
// A Go plugin beside the TypeScript one: the fixture Go module (test/fixtures/go-plugin) built for
// this machine with the builder's settings (go on PATH), installed in a second fctl configuration,
// and the same `fctl ledger transactions show 2` through each (issue 16).
// Usage: node tools/bench/fctl-startup.mjs [runs] [probe runs]   (npm run bench builds first)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { PHASE_NAMES, phasesOf } from './startup-phases.mjs';
import { goBuildArgs, goBuildEnv, hostTarget } from '../../packages/binaries/dist/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const runs = Number(process.argv[2] ?? 30);
const probeRuns = Number(process.argv[3] ?? Math.min(runs, 15));
const work = mkdtempSync(join(tmpdir(), 'fctl-bench-'));
const env = { ...process.env, FCTL_CONFIG_DIR: join(work, 'config'), NO_COLOR: '1' };
const fctlBin = join(root, 'packages/core/bin/fctl.js');
/** The Go plugin's fctl: its own configuration, so both plugins can be "ledger". */
const goEnv = { FCTL_CONFIG_DIR: join(work, 'config-go') };

const probe = join(root, 'tools/bench/startup-probe.mjs');
const probeOut = join(work, 'probe.jsonl');

const TWO_PROCESS_EXCHANGE = `const child = require('node:child_process').spawn(process.execPath, ['-e', 'process.stdin.once("data", (line) => process.stdout.write(line))'], { stdio: ['pipe', 'pipe', 'inherit'] });
child.stdout.once('data', () => child.stdin.end());
child.stdin.write('{"type":"hello"}\\n');`;
const time = (command, args, extraEnv = {}) => {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { env: { ...env, ...extraEnv }, cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
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
  const goBinary = join(work, 'fctl-plugin-ledger-go');
  const goMain = join(root, 'test/fixtures/go-plugin/cmd/fctl-plugin');
  const goBuilt = spawnSync('go', goBuildArgs({ output: goBinary, mainPackage: '.', version: '3.2.0' }), { cwd: goMain, env: goBuildEnv(process.env, hostTarget()), encoding: 'utf8' });
  if (goBuilt.status !== 0) throw new Error(`go build of the fixture Go plugin failed: ${goBuilt.stderr || goBuilt.error}`);
  time(process.execPath, [fctlBin, 'profile', 'add', 'v3', '--stack-url', v3.url, '--use'], goEnv);
  time(process.execPath, [fctlBin, 'plugin', 'install', 'ledger', '--path', goBinary], goEnv);
  const cases = {
    'node -e 0 (reference)': [process.execPath, ['-e', '0']],
    // The floor of any plugin command on this Node: a Node process that starts another and trades one
    // line each way with it, loading nothing else.
    'two Node processes, one line each way (floor)': [process.execPath, ['-e', TWO_PROCESS_EXCHANGE]],
    'fctl ledger transactions list (plugin, Ledger 3.2.0)': [process.execPath, [fctlBin, 'ledger', 'transactions', 'list']],
    'fctl ledger transactions show 2 (TypeScript plugin, Ledger 3.2.0)': [process.execPath, [fctlBin, 'ledger', 'transactions', 'show', '2']],
    'fctl ledger transactions show 2 (Go plugin, Ledger 3.2.0)': [process.execPath, [fctlBin, 'ledger', 'transactions', 'show', '2'], goEnv],
    'fctl ledger transactions list (built-in, Ledger 2.8.0)': [process.execPath, [fctlBin, '--profile', 'v2', 'ledger', 'transactions', 'list']],
    'fctl ledger --help (plugin, Ledger 3.2.0)': [process.execPath, [fctlBin, 'ledger', '--help']],
    'fctl version (core start-up only)': [process.execPath, [fctlBin, 'version']],
  };
  const loadBefore = loadavg();
  const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  for (let i = 0; i < 3; i++) for (const [command, args, extraEnv] of Object.values(cases)) time(command, args, extraEnv);
  for (let i = 0; i < runs; i++) for (const [name, [command, args, extraEnv]] of Object.entries(cases)) samples[name].push(time(command, args, extraEnv));
  const reference = median(samples['node -e 0 (reference)']);
  const version = median(samples['fctl version (core start-up only)']);
  const loadAverage = (load) => load.map((value) => value.toFixed(2)).join(' ');
  console.log(`runs: ${runs} each, interleaved; node ${process.version}; ${new Date().toISOString().slice(0, 10)}; load average ${loadAverage(loadBefore)} before, ${loadAverage(loadavg())} after (1, 5, 15 min)`);
  console.log('| case | median (ms) | ratio to node -e 0 | ratio to fctl version |');
  console.log('|---|---:|---:|---:|');
  for (const [name, values] of Object.entries(samples)) {
    const m = median(values);
    console.log(`| ${name} | ${m.toFixed(1)} | ${(m / reference).toFixed(2)} | ${(m / version).toFixed(2)} |`);
  }
  const [tsShow, goShow] = ['TypeScript', 'Go'].map((language) => median(samples[`fctl ledger transactions show 2 (${language} plugin, Ledger 3.2.0)`]));
  console.log(`\nGo plugin / TypeScript plugin, fctl ledger transactions show 2: ${(goShow / tsShow).toFixed(2)} (${goShow.toFixed(1)} ms / ${tsShow.toFixed(1)} ms)`);

  // Phases: the fctl cases again, probe preloaded, interleaved with node -e 0 for this run's reference.
  const probed = Object.entries(cases).filter(([name]) => name.startsWith('fctl'));
  const phaseSamples = Object.fromEntries(probed.map(([name]) => [name, []]));
  const probeReference = [];
  for (let i = 0; i < probeRuns; i++) {
    probeReference.push(time(process.execPath, ['-e', '0']));
    for (const [name, [command, [script, ...args], extraEnv]] of probed) {
      rmSync(probeOut, { force: true });
      time(command, ['--import', probe, script, ...args], { ...extraEnv, FCTL_PROBE_OUT: probeOut });
      phaseSamples[name].push(phasesOf(readFileSync(probeOut, 'utf8').trim().split('\n').map((line) => JSON.parse(line))));
    }
  }
  const probeReferenceMedian = median(probeReference);
  console.log(`\nphases: ${probeRuns} probed runs each; median per phase (ms), and as a share of node -e 0 (${probeReferenceMedian.toFixed(1)} ms in these runs); load average ${loadAverage(loadavg())}`);
  const names = probed.map(([name]) => name);
  console.log(`| phase | ${names.join(' | ')} |`);
  console.log(`|---|${names.map(() => '---:').join('|')}|`);
  for (const phase of PHASE_NAMES) {
    const cells = names.map((name) => {
      const values = phaseSamples[name].map((durations) => durations[phase]).filter((value) => value !== undefined);
      if (values.length < phaseSamples[name].length / 2) return '';
      const m = median(values);
      return `${m.toFixed(1)} (${(m / probeReferenceMedian).toFixed(2)})`;
    });
    if (cells.some(Boolean)) console.log(`| ${phase} | ${cells.join(' | ')} |`);
  }
} finally {
  v3.child.kill('SIGTERM');
  v2.child.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
