#!/usr/bin/env node
// Where a process's CPU time went, by package: reads a `node --cpu-prof` profile and attributes
// each sample's self time to the original source through the bundles' source maps (fctl is one
// esbuild bundle, so the profile's own URLs only name chunks).
// Usage: node tools/bench/cpu-profile-summary.mjs <file.cpuprofile> [--top N] [--functions]
import { readFileSync, existsSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

const [file, ...flags] = process.argv.slice(2);
if (!file) throw new Error('usage: cpu-profile-summary.mjs <file.cpuprofile> [--top N] [--functions]');
const top = Number(flags[flags.indexOf('--top') + 1]) || 15;
const byFunction = flags.includes('--functions');
const profile = JSON.parse(readFileSync(file, 'utf8'));

const maps = new Map();
const sourceMapOf = (url) => {
  if (!maps.has(url)) {
    let map = null;
    try {
      const path = fileURLToPath(url);
      if (existsSync(`${path}.map`)) map = new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8')));
    } catch {}
    maps.set(url, map);
  }
  return maps.get(url);
};

// A source path reduced to what it belongs to: an npm package, a workspace package or Node.
const owner = (source) => {
  const npm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source);
  if (npm) return `npm:${npm[1]}`;
  const workspace = /(?:packages|examples)\/([^/]+(?:\/cmd\/[^/]+)?)\//.exec(source);
  if (workspace) return `@fctl-kit/${workspace[1]}`;
  return source.replace(/^.*\/(src|dist)\//, '$1/');
};

const where = (frame) => {
  const { url, lineNumber, columnNumber, functionName } = frame;
  if (!url) return { group: functionName || '(anonymous)', name: functionName };
  if (url.startsWith('node:')) return { group: 'node internals', name: `${functionName || '(anonymous)'} ${url}` };
  const map = sourceMapOf(url);
  const entry = map?.findEntry(lineNumber, columnNumber);
  const source = entry?.originalSource ? new URL(entry.originalSource, url).pathname : url;
  return { group: owner(source), name: `${functionName || '(top level)'} ${source.replace(/^.*\/(packages|node_modules|examples)\//, '$1/')}:${(entry?.originalLine ?? lineNumber) + 1}` };
};

const selfTime = new Map();
profile.samples.forEach((id, index) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
const totals = new Map();
let total = 0;
for (const node of profile.nodes) {
  const micros = selfTime.get(node.id) ?? 0;
  if (!micros) continue;
  const { group, name } = where(node.callFrame);
  const key = byFunction ? name : group;
  totals.set(key, (totals.get(key) ?? 0) + micros);
  total += micros;
}
console.log(`${file}: ${(total / 1000).toFixed(1)} ms sampled (${((profile.endTime - profile.startTime) / 1000).toFixed(1)} ms wall)`);
for (const [key, micros] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${(micros / 1000).toFixed(1).padStart(8)} ms  ${((micros / total) * 100).toFixed(1).padStart(5)} %  ${key}`);
}
