#!/usr/bin/env node
// Benchmark: resolving a plugin version against a registry of 1,000 plugins x 100 versions, in
// process. Reference, measured in the same run: the naive resolution (every range re-parsed with
// semver.satisfies on each lookup). Also the one-off costs: parsing the YAML and indexing it.
// Usage: node tools/bench/registry-resolve.mjs [lookups]   (npm run bench:registry sets up first)
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { parseRegistry, indexRegistry, resolveVersion } = await import(join(root, 'packages/registry/dist/index.js'));
const semver = createRequire(join(root, 'packages/registry/package.json'))('semver');
const { stringify } = createRequire(join(root, 'packages/registry/package.json'))('yaml');
const lookups = Number(process.argv[2] ?? 2000);

const PLUGINS = 1000;
const VERSIONS = 100;
const plugins = {};
for (let p = 0; p < PLUGINS; p++) {
  const versions = {};
  for (let v = 0; v < VERSIONS; v++) {
    const major = Math.floor(v / 10) + 1;
    const minor = v % 10;
    versions[`${major}.${minor}.0`] = { compatibleWith: `>=${major}.${minor}.0 <${major}.${minor + 1}.0`, ...(v % 7 === 0 ? { deprecated: 'old' } : {}) };
  }
  plugins[`plugin-${p}`] = { repo: `acme/plugin-${p}`, versions };
}
const text = stringify({ plugins });
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const timed = (work) => {
  const started = process.hrtime.bigint();
  const result = work();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, result };
};

const parse = timed(() => parseRegistry(text, 'bench.yaml'));
const parseJson = timed(() => parseRegistry(JSON.stringify({ plugins }), 'bench.json'));
const index = timed(() => indexRegistry(parse.result));
const naive = (document, name, service) => {
  const found = Object.entries(document.plugins[name]?.versions ?? {})
    .filter(([, entry]) => semver.satisfies(service, entry.compatibleWith, { includePrerelease: true }))
    .map(([version]) => version)
    .sort(semver.rcompare);
  return found[0];
};

const queries = Array.from({ length: lookups }, (_, i) => {
  const v = (i * 7919) % VERSIONS;
  return [`plugin-${(i * 104729) % PLUGINS}`, `${Math.floor(v / 10) + 1}.${v % 10}.${i % 5}`];
});
for (const [name, service] of queries.slice(0, 200)) {
  resolveVersion(index.result, name, service);
  naive(parse.result, name, service);
}
const samples = { indexed: [], naive: [] };
for (const [name, service] of queries) {
  const a = timed(() => resolveVersion(index.result, name, service));
  const b = timed(() => naive(parse.result, name, service));
  if (a.result.kind !== 'found' || a.result.version !== b.result) throw new Error(`disagreement for ${name} ${service}`);
  samples.indexed.push(a.ms);
  samples.naive.push(b.ms);
}
const reference = median(samples.naive);
console.log(`registry: ${PLUGINS} plugins x ${VERSIONS} versions (${(text.length / 1e6).toFixed(1)} MB of YAML); ${lookups} lookups each, interleaved; node ${process.version}`);
console.log('| case | median (ms) | ratio to naive |');
console.log('|---|---:|---:|');
console.log(`| naive: semver.satisfies over every version (reference) | ${reference.toFixed(4)} | 1.00 |`);
console.log(`| resolveVersion on the index | ${median(samples.indexed).toFixed(4)} | ${(median(samples.indexed) / reference).toFixed(2)} |`);
console.log(`| one-off: parse and check the document, YAML | ${parse.ms.toFixed(0)} | |`);
console.log(`| one-off: parse and check the document, JSON | ${parseJson.ms.toFixed(0)} | |`);
console.log(`| one-off: index it | ${index.ms.toFixed(0)} | |`);
