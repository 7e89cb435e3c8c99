#!/usr/bin/env node
// Benchmark: the development loop per way of saving (packages/bundler/test/support/save-styles.ts:
// in place, safe-write rename, mv, sed -i, delete + create, git checkout of 50 files, new imported
// files and directories in the plugin and in a library outside it). With `fctl-kit dev` running,
// each save is timed from the save to the new output: the moment `fctl ledger greeting` (or
// `fctl ledger parts`), running the linked development build, prints the saved value. After each
// save the bench waits for dev's next "built" line, then runs fctl; if fctl still prints the old
// value, it waits for the next build. A save whose output does not appear within --timeout counts as
// missed and the bench goes on. Also printed: save -> "built" line (watcher + debounce + build).
// References, same run: a bare esbuild build of the same plugin (in this process, no watcher),
// `node -e 0`, and one `fctl ledger greeting` run (the fixed cost of showing the output).
// fctl always runs on this Node; `fctl-kit dev` runs on this Node and, when the kit's runtime cache
// holds it, on the locked Node 22. Goal (issue 13): median < 500 ms, 100 % of saves seen.
// Usage: node --import tsx tools/bench/dev-loop.mjs [--saves N] [--timeout MS] [--style TEXT] [--node22-only|--no-node22]
//        (npm run bench:dev sets up first)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { esbuildOptions } from '../../packages/bundler/src/bundle.ts';
import { createWorkspace, PART_COUNT, SAVE_STYLES } from '../../packages/bundler/test/support/save-styles.ts';
import { DEFAULT_NODE_VERSION, defaultCacheDir, hostTarget } from '../../packages/binaries/src/index.ts';

const { values: options } = parseArgs({
  options: {
    saves: { type: 'string', default: '10' },
    timeout: { type: 'string', default: '5000' },
    style: { type: 'string' },
    'no-node22': { type: 'boolean', default: false },
    'node22-only': { type: 'boolean', default: false },
  },
});
const saves = Number(options.saves);
const seenWithinMs = Number(options.timeout);
if (!Number.isInteger(saves) || saves < 1) throw new Error(`--saves must be a whole number >= 1, not ${options.saves}`);
if (!(seenWithinMs > 0)) throw new Error(`--timeout must be a number of milliseconds, not ${options.timeout}`);

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fctlKit = join(root, 'packages/cli/bin/fctl-kit.js');
const fctlBin = join(root, 'packages/core/bin/fctl.js');
const ledgerServer = join(root, 'examples/ledger/dist/server.js');
for (const file of [join(root, 'packages/cli/dist/fctl-kit.js'), join(root, 'packages/core/dist'), ledgerServer]) {
  if (!existsSync(file)) throw new Error(`${file} is missing: run "npm run setup" first`);
}
const styles = SAVE_STYLES.filter((style) => !options.style || style.name.includes(options.style));
if (!styles.length) throw new Error(`no save style matches "${options.style}"`);
const node22 = join(defaultCacheDir(), 'runtimes', `node-${DEFAULT_NODE_VERSION}-${hostTarget().id}`, 'node');
const runtimes = [
  ...(options['node22-only'] ? [] : [{ name: `Node ${process.versions.node}`, node: process.execPath }]),
  ...(existsSync(node22) && !options['no-node22'] ? [{ name: `Node ${DEFAULT_NODE_VERSION}`, node: node22 }] : []),
];

const now = () => performance.now();
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const percentile = (values, p) => {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (sorted.length - 1) * p;
  const low = Math.floor(rank);
  return sorted[low] + (sorted[Math.min(low + 1, sorted.length - 1)] - sorted[low]) * (rank - low);
};
const median = (values) => percentile(values, 0.5);
const ms = (value) => (Number.isFinite(value) ? value.toFixed(0) : '-');
const ratio = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

// Every long-running child is the leader of its own process group, killed as a group whatever
// happens (an error, Ctrl-C, the overall deadline), so nothing outlives the bench.
const children = new Set();
function startChild(command, args, env) {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}
function killGroup(child, signal = 'SIGKILL') {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}
async function stopChild(child, graceMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return killGroup(child);
  const exited = new Promise((done) => child.once('exit', done));
  killGroup(child, 'SIGINT');
  const timer = setTimeout(() => killGroup(child), graceMs);
  await exited;
  clearTimeout(timer);
  killGroup(child); // whatever it started in its group (a linking fctl)
}
const killAll = () => {
  for (const child of children) killGroup(child);
};
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}
const deadlineMs = 120_000 + runtimes.length * styles.length * (saves + 2) * (seenWithinMs + 2_000);
setTimeout(() => {
  console.error(`dev-loop: not finished within ${(deadlineMs / 1000).toFixed(0)} s; stopping`);
  killAll();
  process.exit(2);
}, deadlineMs).unref();

/** The lines a child prints, with waits that always end. */
function lineLog(stream) {
  const lines = [];
  let partial = '';
  let wake;
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop();
    for (const line of parts) lines.push({ line, at: now() });
    wake?.();
  });
  stream.on('end', () => wake?.());
  return {
    lines,
    get end() {
      return lines.length;
    },
    /** The first line from index `from` on matching `pattern`, waiting until `deadline`; undefined if none. */
    async find(pattern, from, deadline) {
      for (let i = from; ; i++) {
        while (i >= lines.length) {
          const left = deadline - now();
          if (left <= 0 || stream.readableEnded) return undefined;
          await new Promise((done) => {
            const timer = setTimeout(done, left);
            wake = () => {
              clearTimeout(timer);
              done();
            };
          });
          wake = undefined;
        }
        if (pattern.test(lines[i].line)) return { ...lines[i], index: i };
      }
    },
    text: () => lines.map((entry) => entry.line).join('\n'),
  };
}

async function startLedger() {
  const data = mkdtempSync(join(tmpdir(), 'fctl-bench-dev-ledger-'));
  const child = startChild(process.execPath, [ledgerServer, '--version', '3.2.0', '--port', '0', '--data', join(data, 'ledger.json')], process.env);
  child.stderr.resume();
  const line = await lineLog(child.stdout).find(/listening on http:\/\/\S+/, 0, now() + 15_000);
  if (!line) throw new Error('the ledger service did not start within 15 s');
  return { url: /listening on (http:\/\/\S+)/.exec(line.line)[1], stop: () => stopChild(child, 5_000), data };
}

async function measure(runtime, ledger) {
  const work = mkdtempSync(join(tmpdir(), 'fctl-bench-dev-'));
  try {
    const ws = createWorkspace(work, join(root, 'examples/ledger/cmd/fctl-plugin'), join(root, 'node_modules'), saves + 1);
    const env = { ...process.env, FCTL_CONFIG_DIR: join(work, 'config'), NO_COLOR: '1' };
    const fctl = (args) => {
      const result = spawnSync(process.execPath, [fctlBin, ...args], { env, encoding: 'utf8', timeout: 15_000, killSignal: 'SIGKILL' });
      if (result.status !== 0) throw new Error(`fctl ${args.join(' ')} failed (${result.signal ?? result.status}): ${result.stderr}`);
      return result.stdout;
    };
    /** Runs the linked plugin: does it print `expected`? */
    const shows = (expected) => {
      if ('greeting' in expected) return JSON.parse(fctl(['ledger', 'greeting', '-o', 'json'])).greeting === expected.greeting;
      const { parts } = JSON.parse(fctl(['ledger', 'parts', '-o', 'json']));
      return parts.length === PART_COUNT && parts.every((value) => value === expected.parts);
    };
    fctl(['profile', 'add', 'main', '--stack-url', ledger.url, '--use']);

    const reference = { esbuild: [], node: [], fctlRun: [] };
    const settings = esbuildOptions({ sourceDir: ws.pluginDir, outFile: join(work, 'bare', 'plugin.cjs'), version: 'dev' });
    for (let i = 0; i <= saves; i++) {
      let started = now();
      await build(settings);
      if (i > 0) reference.esbuild.push(now() - started);
      started = now();
      spawnSync(runtime.node, ['-e', '0'], { timeout: 15_000, killSignal: 'SIGKILL' });
      if (i > 0) reference.node.push(now() - started);
    }

    const dev = startChild(runtime.node, [fctlKit, 'dev', ws.pluginDir, '--fctl', fctlBin], env);
    const out = lineLog(dev.stdout);
    const err = lineLog(dev.stderr);
    try {
      if (!(await err.find(/now runs/, 0, now() + 60_000))) {
        throw new Error(`fctl-kit dev did not link its build within 60 s:\n${out.text()}\n${err.text()}`);
      }
      // The fctl run alone, with the build linked and unchanged: the floor under every measurement.
      for (let i = 0; i <= saves; i++) {
        const started = now();
        shows({ greeting: 'start' });
        if (i > 0) reference.fctlRun.push(now() - started);
      }

      /** Waits until fctl shows `expected`: after each "built" line, runs fctl. */
      const awaitOutput = async (expected, started, from) => {
        const deadline = started + seenWithinMs;
        let builtAt;
        for (let index = from; ; ) {
          const line = await out.find(/\] built|\] build failed/, index, deadline);
          if (!line) return { seen: false, builtAt };
          index = line.index + 1;
          if (/build failed/.test(line.line)) continue;
          builtAt ??= line.at;
          if (shows(expected)) {
            const shownAt = now();
            return { seen: shownAt <= deadline, shownAt, builtAt };
          }
        }
      };
      /** No output from dev for `quietMs`: the previous save's builds are over. */
      const settle = async (quietMs = 150) => {
        for (let last = out.end; ; last = out.end) {
          await sleep(quietMs);
          if (out.end === last) return;
        }
      };

      const results = [];
      const loads = [];
      for (const style of styles) {
        const total = [];
        const built = [];
        let missed = 0;
        await settle();
        if (style.prepare) {
          const expected = style.prepare(ws);
          const { seen } = await awaitOutput(expected, now(), out.end);
          if (!seen) console.error(`  (${style.name}: its preparation was not seen within ${seenWithinMs} ms)`);
        }
        // One warm-up save (i = 1, not counted), then `saves` measured ones, each awaited.
        for (let i = 1; i <= saves + 1; i++) {
          await settle();
          loads.push(loadavg()[0]);
          const from = out.end;
          const started = now();
          const expected = style.save(ws, i, runtime.tag);
          const result = await awaitOutput(expected, started, from);
          if (i === 1) continue;
          if (!result.seen) {
            missed++;
            continue;
          }
          total.push(result.shownAt - started);
          if (result.builtAt !== undefined) built.push(result.builtAt - started);
        }
        results.push({ style: style.name, total, built, missed });
        process.stderr.write(`  ${runtime.name}: ${style.name}: median ${ms(median(total))} ms, ${saves - missed}/${saves} seen\n`);
      }
      return { results, reference, loads };
    } finally {
      await stopChild(dev);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const loadText = () => loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`dev loop: ${saves} saves per style (+1 warm-up), each awaited; missed = output not seen within ${seenWithinMs} ms`);
console.log(`measured: save -> fctl, running the build fctl-kit dev linked, prints the saved value (fctl runs on Node ${process.versions.node})`);
console.log(`load average at start: ${loadText()} (${cpus().length} CPUs)`);
const ledger = await startLedger();
const allLoads = [];
try {
  for (const runtime of runtimes) {
    runtime.tag = runtime.name.replace(/\W+/g, '');
    const { results, reference, loads } = await measure(runtime, ledger);
    allLoads.push(...loads);
    const esbuildMs = median(reference.esbuild);
    console.log(`\nfctl-kit dev on ${runtime.name}`);
    console.log(
      `  references (median): bare esbuild build ${ms(esbuildMs)} ms, node -e 0 ${ms(median(reference.node))} ms, one fctl ledger greeting run ${ms(median(reference.fctlRun))} ms (the floor: the output is fctl's)`,
    );
    const fctlRunMs = median(reference.fctlRun);
    console.log(`  load average (1 min) during these saves: median ${median(loads).toFixed(2)}, max ${Math.max(...loads).toFixed(2)}`);
    const header = ['save style', 'median', 'p90', 'save→built', '÷ esbuild', '÷ fctl run', 'seen'];
    console.log(`  ${header[0].padEnd(62)}${header.slice(1).map((h) => h.padStart(12)).join('')}`);
    for (const r of results) {
      const cells = [
        ms(median(r.total)),
        ms(percentile(r.total, 0.9)),
        ms(median(r.built)),
        ratio(median(r.total) / esbuildMs, 1),
        ratio(median(r.total) / fctlRunMs, 2),
        `${((100 * (saves - r.missed)) / saves).toFixed(0)} %`,
      ];
      console.log(`  ${r.style.padEnd(62)}${cells.map((c) => c.padStart(12)).join('')}`);
    }
    const all = results.flatMap((r) => r.total);
    const missed = results.reduce((sum, r) => sum + r.missed, 0);
    console.log(`  all styles: median ${ms(median(all))} ms, p90 ${ms(percentile(all, 0.9))} ms, ${results.length * saves - missed}/${results.length * saves} seen`);
  }
} finally {
  await ledger.stop();
  rmSync(ledger.data, { recursive: true, force: true });
}
console.log(`\nload average (1 min) during the saves: median ${allLoads.length ? median(allLoads).toFixed(2) : '-'}, max ${allLoads.length ? Math.max(...allLoads).toFixed(2) : '-'}; at the end: ${loadText()}`);
console.log('goal: median < 500 ms from save to new output, 100 % of saves seen');
process.exit(0);
