#!/usr/bin/env node
// Benchmark: `fctl <unknown command>` with a registry of 1,000 plugins (5 versions each) configured.
// fctl reads the registry to learn whether it lists the name (a plugin not installed yet), so every
// mistyped command pays for it. Measured with the built fctl, as separate processes, for a JSON and
// a YAML document; YAML cold (no parse cache: a fresh configuration directory per run) and cached.
// Reference, in the same run: `fctl version`, which reads no registry. Samples are interleaved so
// that load on the machine affects every case alike.
// Usage: node tools/bench/registry-unknown-command.mjs [samples]   (npm run bench:registry-unknown sets up first)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fctl = join(root, 'packages', 'core', 'bin', 'fctl.js');
const samples = Number(process.argv[2] ?? 9);
const PLUGINS = 1000;
const VERSIONS = 5;

const work = mkdtempSync(join(tmpdir(), 'bench-registry-unknown-'));
const plugins = {};
for (let p = 0; p < PLUGINS; p++) {
  const versions = {};
  for (let v = 1; v <= VERSIONS; v++) versions[`${v}.0.0`] = { compatibleWith: `>=${v}.0.0 <${v + 1}.0.0`, checksumsSha256: 'ab'.repeat(32) };
  plugins[`plugin-${p}`] = { repo: `acme/plugin-${p}`, description: `Plugin number ${p}`, versions };
}
const yamlLines = ['plugins:'];
for (const [name, plugin] of Object.entries(plugins)) {
  yamlLines.push(`  ${name}:`, `    repo: ${plugin.repo}`, `    description: ${plugin.description}`, '    versions:');
  for (const [version, entry] of Object.entries(plugin.versions)) yamlLines.push(`      ${version}:`, `        compatibleWith: "${entry.compatibleWith}"`, `        checksumsSha256: ${entry.checksumsSha256}`);
}
const files = { json: join(work, 'registry.json'), yaml: join(work, 'registry.yaml') };
writeFileSync(files.json, JSON.stringify({ plugins }, null, 2));
writeFileSync(files.yaml, `${yamlLines.join('\n')}\n`);

const warm = mkdtempSync(join(work, 'config-'));
const run = (args, env) => {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [fctl, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...env }, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { ms, status: result.status, stderr: result.stderr };
};
const cases = {
  'fctl version (reference, no registry read)': () => run(['version'], { FCTL_CONFIG_DIR: warm, FCTL_REGISTRY: files.yaml }),
  'fctl nosuch, JSON registry': () => run(['nosuch'], { FCTL_CONFIG_DIR: warm, FCTL_REGISTRY: files.json }),
  'fctl nosuch, YAML registry, cold (no parse cache)': () => {
    const fresh = mkdtempSync(join(work, 'cold-'));
    const result = run(['nosuch'], { FCTL_CONFIG_DIR: fresh, FCTL_REGISTRY: files.yaml });
    rmSync(fresh, { recursive: true, force: true });
    return result;
  },
  'fctl nosuch, YAML registry, cached parse': () => run(['nosuch'], { FCTL_CONFIG_DIR: warm, FCTL_REGISTRY: files.yaml }),
};
const expected = { 'fctl version (reference, no registry read)': 0 };

// One untimed run of each: fills the parse cache of `warm` and checks each case does what it says.
for (const [name, work] of Object.entries(cases)) {
  const result = work();
  const status = expected[name] ?? 2; // an unknown command is a usage error
  if (result.status !== status) throw new Error(`${name}: exit ${result.status}, expected ${status}\n${result.stderr}`);
}
const times = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (let i = 0; i < samples; i++) for (const [name, work] of Object.entries(cases)) times[name].push(work().ms);
rmSync(work, { recursive: true, force: true });

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const reference = median(times['fctl version (reference, no registry read)']);
const sizes = `JSON ${(Buffer.byteLength(JSON.stringify({ plugins }, null, 2)) / 1024).toFixed(0)} KiB, YAML ${(Buffer.byteLength(yamlLines.join('\n')) / 1024).toFixed(0)} KiB`;
console.log(`fctl <unknown command>, registry of ${PLUGINS} plugins x ${VERSIONS} versions (${sizes}), ${samples} samples each, Node ${process.version}\n`);
console.log('| case | median | vs `fctl version` |');
console.log('|---|---:|---:|');
for (const [name, values] of Object.entries(times)) console.log(`| ${name} | ${median(values).toFixed(0)} ms | ${(median(values) / reference).toFixed(2)}x |`);
