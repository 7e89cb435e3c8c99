#!/usr/bin/env node
// Benchmark: the development loop for a Go plugin against a TypeScript plugin (issue 16 item 5).
// Two `fctl-kit dev` loops run at once, each linked into its own fctl configuration: a copy of the
// fixture Go module (test/fixtures/go-plugin, its replace pointed at this repository's sdk/go) and a
// copy of the TypeScript example plugin, each with a `greeting` command. The saves alternate
// between them (one in-place write each, then wait until it shows), so machine noise hits both
// alike. Per save: save -> dev's "built" line, and save -> the first `fctl ledger greeting` that
// prints the saved value (built and runnable). References measured in the same run: `node -e 0`,
// one `fctl ledger greeting` per language (the fixed cost of showing the output) and a bare
// `go build` of the same module with the same settings (no watcher).
// Usage: node tools/bench/go-dev-loop.mjs [saves]   (packages built first: npm run setup; go on PATH)
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { goBuildArgs, goBuildEnv, hostTarget } from '../../packages/binaries/dist/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const saves = Number(process.argv[2] ?? 10);
if (!Number.isInteger(saves) || saves < 1) throw new Error(`saves must be a whole number >= 1, not ${process.argv[2]}`);
const fctlKit = join(root, 'packages/cli/bin/fctl-kit.js');
const fctlBin = join(root, 'packages/core/bin/fctl.js');
const work = mkdtempSync(join(tmpdir(), 'go-dev-loop-bench-'));
const SEEN_WITHIN_MS = 60_000;

const now = () => performance.now();
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const timed = (command, args, options = {}) => {
  const started = now();
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  return { ms: now() - started, result };
};

const children = new Set();
const killAll = () => {
  for (const child of children) child.kill('SIGKILL');
};
process.on('exit', killAll);

/** Each line a child prints, stamped; `after(pattern, since)` waits for one printed after `since`. */
function lineLog(stream) {
  const lines = [];
  const waiters = new Set();
  createInterface({ input: stream }).on('line', (line) => {
    lines.push({ line, at: now() });
    for (const wake of waiters) wake();
  });
  return {
    after(pattern, since, timeoutMs = SEEN_WITHIN_MS) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.find((entry) => entry.at >= since && pattern.test(entry.line));
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${lines.map((entry) => entry.line).join('\n')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

function startLedger() {
  const child = spawn(process.execPath, [join(root, 'examples/ledger/dist/server.js'), '--version', '3.2.0', '--port', '0', '--data', join(work, 'ledger.json')], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  return new Promise((resolve) => createInterface({ input: child.stdout }).on('line', (line) => { const m = /listening on (\S+)/.exec(line); if (m) resolve(m[1]); }));
}

/** The Go plugin: the fixture module, its replace pointed here, a greeting command added. */
function goPlugin() {
  const moduleDir = join(work, 'go');
  cpSync(join(root, 'test/fixtures/go-plugin'), moduleDir, { recursive: true });
  const goMod = join(moduleDir, 'go.mod');
  writeFileSync(goMod, readFileSync(goMod, 'utf8').replace(/^replace (\S+) => .*$/m, (_, module) => `replace ${module} => ${join(root, 'sdk/go')}`));
  const pluginDir = join(moduleDir, 'cmd/fctl-plugin');
  const mainGo = join(pluginDir, 'main.go');
  writeFileSync(mainGo, readFileSync(mainGo, 'utf8').replace('Commands: []*plugin.Command{{', 'Commands: []*plugin.Command{greeting, {'));
  appendFileSync(mainGo, '\nvar greeting = &plugin.Command{Use: "greeting", Short: "Say hello", Run: func(context.Context, *plugin.Call) (any, error) {\n\treturn map[string]string{"greeting": "hello 0"}, nil\n}}\n');
  return { language: 'Go', pluginDir, source: mainGo };
}

/** The TypeScript plugin: the example plugin, a greeting command added. */
function typescriptPlugin() {
  const productDir = join(work, 'ts');
  const pluginDir = join(productDir, 'cmd/fctl-plugin');
  cpSync(join(root, 'examples/ledger/cmd/fctl-plugin'), pluginDir, { recursive: true, filter: (path) => !/[\\/](dist|node_modules)$/.test(path) });
  symlinkSync(join(root, 'node_modules'), join(productDir, 'node_modules'));
  const source = join(pluginDir, 'src/plugin.ts');
  appendFileSync(source, "\nplugin.command({ use: 'greeting', short: 'Say hello', async run() { return { greeting: 'hello 0' }; } });\n");
  return { language: 'TypeScript', pluginDir, source };
}

async function startLoop(plugin, stackUrl) {
  const env = { ...process.env, FCTL_CONFIG_DIR: join(work, `config-${plugin.language}`), NO_COLOR: '1' };
  spawnSync(process.execPath, [fctlBin, 'profile', 'add', 'main', '--stack-url', stackUrl, '--use'], { env });
  const dev = spawn(process.execPath, [fctlKit, 'dev', plugin.pluginDir, '--fctl', fctlBin], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(dev);
  const builds = lineLog(dev.stdout);
  const status = lineLog(dev.stderr);
  await builds.after(/built in \d+ ms/, 0);
  await status.after(/now runs/, 0);
  const greeting = () => {
    const { ms, result } = timed(process.execPath, [fctlBin, 'ledger', 'greeting', '-o', 'json'], { env });
    return { ms, text: result.status === 0 ? JSON.parse(result.stdout).greeting : undefined };
  };
  return { ...plugin, dev, builds, greeting, built: [], seen: [], fctlRun: [] };
}

/** One save, in place: the time until dev says built, and until fctl prints the saved value. */
async function save(loop, value) {
  const text = readFileSync(loop.source, 'utf8').replace(/hello \d+/, `hello ${value}`);
  const savedAt = now();
  writeFileSync(loop.source, text);
  const built = await loop.builds.after(/built \(/, savedAt);
  loop.built.push(built.at - savedAt);
  for (;;) {
    const run = loop.greeting();
    if (run.text === `hello ${value}`) return loop.seen.push(now() - savedAt);
    if (now() - savedAt > SEEN_WITHIN_MS) throw new Error(`${loop.language}: hello ${value} not shown within ${SEEN_WITHIN_MS} ms`);
    await loop.builds.after(/built \(/, built.at + 1);
  }
}

try {
  const stackUrl = await startLedger();
  const go = goPlugin();
  const loops = [await startLoop(typescriptPlugin(), stackUrl), await startLoop(go, stackUrl)];
  const nodeReference = [];
  const goBuild = [];
  const loadBefore = loadavg();
  for (let i = 1; i <= saves; i++) {
    nodeReference.push(timed(process.execPath, ['-e', '0']).ms);
    for (const loop of loops) loop.fctlRun.push(loop.greeting().ms);
    const built = timed('go', goBuildArgs({ output: join(work, 'bare-go-build'), mainPackage: '.', version: 'dev' }), { cwd: go.pluginDir, env: goBuildEnv(process.env, hostTarget()) });
    if (built.result.status !== 0) throw new Error(`bare go build failed: ${built.result.stderr}`);
    goBuild.push(built.ms);
    for (const loop of loops) await save(loop, i);
  }
  const reference = median(nodeReference);
  const loadAverage = (load) => load.map((value) => value.toFixed(2)).join(' ');
  console.log(`saves: ${saves} per language, alternating; node ${process.version}; ${spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).stdout.trim()}; ${new Date().toISOString().slice(0, 10)}; load average ${loadAverage(loadBefore)} before, ${loadAverage(loadavg())} after (1, 5, 15 min)`);
  console.log('| case | median (ms) | ratio to node -e 0 |');
  console.log('|---|---:|---:|');
  const row = (name, values) => console.log(`| ${name} | ${median(values).toFixed(0)} | ${(median(values) / reference).toFixed(2)} |`);
  row('node -e 0 (reference)', nodeReference);
  row('bare go build of the fixture module (no watcher, build cache warm)', goBuild);
  for (const loop of loops) {
    row(`${loop.language}: one fctl ledger greeting run`, loop.fctlRun);
    row(`${loop.language}: save -> "built" line`, loop.built);
    row(`${loop.language}: save -> fctl prints the saved value`, loop.seen);
  }
  const [ts, goLoop] = loops;
  console.log(`\nGo / TypeScript, save -> built: ${(median(goLoop.built) / median(ts.built)).toFixed(2)}; save -> shown by fctl: ${(median(goLoop.seen) / median(ts.seen)).toFixed(2)}`);
  for (const loop of loops) {
    loop.dev.kill('SIGINT');
    await new Promise((done) => loop.dev.once('exit', done));
  }
} finally {
  killAll();
  rmSync(work, { recursive: true, force: true });
}
