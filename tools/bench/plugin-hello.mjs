#!/usr/bin/env node
// Benchmark: a plugin process from spawn to its hello (the handshake answer), and to its exit once
// fctl's stdin closes, against `node -e 0` measured in the same run, interleaved. This is the plugin's
// share of a plugin command's start-up (its Node bootstrap, its module loading, the SDK's serve()),
// without fctl. Usage: node tools/bench/plugin-hello.mjs [runs] <plugin file> [<plugin file>...]
// (a JavaScript bundle such as an installed fctl-plugin-<name>.cjs, or an executable binary).
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { HANDSHAKE_ENV, HANDSHAKE_VALUE, SUPPORTED_PROTOCOL_VERSIONS } from '../../packages/protocol/dist/index.js';

const [runsArgument, ...plugins] = process.argv.slice(2);
const runs = Number(runsArgument);
if (!Number.isInteger(runs) || runs < 1 || !plugins.length) {
  console.error('usage: node tools/bench/plugin-hello.mjs <runs> <plugin file> [<plugin file>...]');
  process.exit(2);
}
const hello = `${JSON.stringify({ type: 'hello', protocolVersions: SUPPORTED_PROTOCOL_VERSIONS, core: { name: 'fctl', version: 'bench' } })}\n`;
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const commandOf = (file) => (/\.[cm]?js$/.test(file) ? [process.execPath, [file]] : [file, []]);

/** Milliseconds from spawn to the first stdout line, and to the exit after stdin closes. */
function once(command, args, send) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const since = () => Number(process.hrtime.bigint() - started) / 1e6;
    const child = spawn(command, args, { env: { ...process.env, [HANDSHAKE_ENV]: HANDSHAKE_VALUE }, stdio: ['pipe', 'pipe', 'ignore'] });
    let first;
    child.on('error', reject);
    createInterface({ input: child.stdout }).once('line', () => {
      first = since();
      child.stdin.end();
    });
    child.on('exit', () => resolve({ first, exit: since() }));
    if (send) child.stdin.write(send);
    else child.stdin.end();
  });
}

const cases = { 'node -e 0 (reference)': () => once(process.execPath, ['-e', '0']) };
for (const file of plugins) cases[file] = () => once(...commandOf(file), hello);
const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
const loadBefore = loadavg();
for (let i = 0; i < 3; i++) for (const run of Object.values(cases)) await run();
for (let i = 0; i < runs; i++) for (const [name, run] of Object.entries(cases)) samples[name].push(await run());
const reference = median(samples['node -e 0 (reference)'].map((sample) => sample.exit));
const load = (values) => values.map((value) => value.toFixed(2)).join(' ');
console.log(`runs: ${runs} each, interleaved; node ${process.version}; load average ${load(loadBefore)} before, ${load(loadavg())} after`);
console.log('| case | spawn -> hello (ms) | ratio to node -e 0 | spawn -> exit (ms) | ratio to node -e 0 |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, values] of Object.entries(samples)) {
  const first = values[0].first === undefined ? undefined : median(values.map((sample) => sample.first));
  const exit = median(values.map((sample) => sample.exit));
  console.log(`| ${name} | ${first === undefined ? '' : first.toFixed(1)} | ${first === undefined ? '' : (first / reference).toFixed(2)} | ${exit.toFixed(1)} | ${(exit / reference).toFixed(2)} |`);
}
