// The development loop: `fctl-kit dev` rebuilds on every save (in the plugin, or in a library it
// imports from outside its directory) and links the build into fctl, so the next `fctl <service>`
// runs the new code; a broken save keeps the previous build; ending the loop
// unlinks it. Every way of saving is seen, every time, on Node 20 and 22. And what
// `fctl plugin install --link` refuses.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, cpSync, existsSync, mkdirSync, readdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_NODE_VERSION, DEFAULT_RUNTIME_LOCK, DEFAULT_RUNTIME_LOCK_NAME, defaultCacheDir, ensureRuntime, hostTarget, lockedRuntime } from '@fctl-kit/binaries';
import { createWorkspace, PART_COUNT, SAVE_STYLES, type Expectation, type Workspace } from '../../packages/bundler/test/support/save-styles.js';
import { fctlKit, fctlKitBin } from '../support/exec.js';
import { newFctl, type Fctl } from '../support/fctl.js';
import { startLedger, type RunningLedger } from '../support/ledger-service.js';
import { readLines, type LineReader } from '../support/line-reader.js';
import { examplePluginDir, fctlBin, repoRoot } from '../support/paths.js';

let work: string;
let pluginDir: string;
let ledger: RunningLedger;
let fctl: Fctl;
let dev: ChildProcess | undefined;

const greetingSource = (text: string) => `\nplugin.command({ use: 'greeting', short: 'Say hello', async run() { return { greeting: ${JSON.stringify(text)} }; } });\n`;
const pluginSource = () => join(pluginDir, 'src', 'plugin.ts');

// Generous bounds: on a loaded machine a rebuild, a link or an fctl run can take many seconds.
const WAIT_MS = 90_000;

async function greeting(): Promise<string> {
  const result = await fctl.run(['ledger', 'greeting', '-o', 'json'], { timeoutMs: WAIT_MS });
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { greeting: string }).greeting;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'dev-loop-'));
  pluginDir = join(work, 'cmd', 'fctl-plugin');
  cpSync(examplePluginDir, pluginDir, { recursive: true, filter: (path) => !/[\\/](dist|node_modules)$/.test(path) });
  writeFileSync(join(pluginDir, 'fctl-plugin.json'), JSON.stringify({ name: 'ledger', service: 'ledger', version: { source: 'git-tag' } }));
  symlinkSync(join(repoRoot, 'node_modules'), join(work, 'node_modules'));
  appendFileSync(pluginSource(), greetingSource('hello 1'));
  // A library outside the plugin directory (as a service's shared code would be).
  mkdirSync(join(work, 'lib'));
  writeFileSync(join(work, 'lib', 'shared.ts'), "export const shared = 'library 1';\n");
  appendFileSync(pluginSource(), "\nimport { shared } from '../../../lib/shared.js';\nplugin.command({ use: 'shared', short: 'From the library', async run() { return { shared }; } });\n");
  ledger = await startLedger('3.2.0');
  fctl = newFctl();
  await fctl.run(['profile', 'add', 'main', '--stack-url', ledger.url, '--use']);
}, 60_000);

afterAll(async () => {
  dev?.kill('SIGKILL');
  await ledger?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

it('rebuilds on save, and the next fctl run uses the new build; a broken save keeps the last good one; stopping unlinks', async () => {
  dev = spawn(process.execPath, [fctlKitBin, 'dev', pluginDir, '--fctl', fctlBin], { env: { ...process.env, ...fctl.env } });
  const builds: LineReader = readLines(dev.stdout!);
  const status: LineReader = readLines(dev.stderr!);
  await builds.next(/built in \d+ ms/, WAIT_MS);
  await status.next(/^fctl ledger now runs .*fctl-plugin-ledger\.cjs$/, WAIT_MS);
  const listed = await fctl.run(['plugin', 'list', '-o', 'json']);
  expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ name: 'ledger', version: 'dev', source: `link:${join(pluginDir, 'dist', 'dev', 'fctl-plugin-ledger.cjs')}`, compatibleWith: '>=3.0.0 <4.0.0' })]);
  expect(await greeting()).toBe('hello 1');

  writeFileSync(pluginSource(), readFileSync(pluginSource(), 'utf8').replace('hello 1', 'hello 2'));
  await builds.next(/built \(src\/plugin\.ts\) in \d+ ms/, WAIT_MS);
  expect(await greeting()).toBe('hello 2');

  appendFileSync(pluginSource(), '\nplugin.command({ use: \n');
  const failed = await builds.next(/build failed/, WAIT_MS);
  expect(failed).toMatch(/^\[\d\d:\d\d:\d\d\] build failed \(src\/plugin\.ts\); fctl keeps running the previous build:$/);
  expect(await builds.next(/src\/plugin\.ts:\d+:\d+: /, WAIT_MS)).toMatch(/plugin\.ts:\d+:\d+: Unexpected/);
  expect(await greeting()).toBe('hello 2');

  writeFileSync(pluginSource(), readFileSync(pluginSource(), 'utf8').replace('\nplugin.command({ use: \n', '').replace('hello 2', 'hello 3'));
  await builds.next(/built \(src\/plugin\.ts\) in \d+ ms/, WAIT_MS);
  expect(await greeting()).toBe('hello 3');

  const shared = async () => JSON.parse((await fctl.run(['ledger', 'shared', '-o', 'json'], { timeoutMs: WAIT_MS })).stdout).shared as string;
  expect(await shared()).toBe('library 1');
  writeFileSync(join(work, 'lib', 'shared.ts'), "export const shared = 'library 2';\n");
  await builds.next(/built \(\.\.\/\.\.\/lib\/shared\.ts\) in \d+ ms/, WAIT_MS);
  expect(await shared()).toBe('library 2');

  const exited = new Promise<number | null>((done) => dev!.once('exit', done));
  dev.kill('SIGINT');
  expect(await exited).toBe(0);
  expect(status.text).toContain('Unlinked: fctl ledger runs installed releases again.');
  expect(JSON.parse((await fctl.run(['plugin', 'list', '-o', 'json'])).stdout)).toEqual([]);
  dev = undefined;
}, 600_000);

it('without an fctl to link into, builds and says how to link the build', async () => {
  const path = ['/usr/local/bin', '/usr/bin', '/bin'].join(':');
  dev = spawn(process.execPath, [fctlKitBin, 'dev', pluginDir], { cwd: work.replace(/[^/]+$/, ''), env: { ...process.env, ...fctl.env, PATH: path } });
  const status = readLines(dev.stderr!);
  await readLines(dev.stdout!).next(/built in \d+ ms/, WAIT_MS);
  expect(await status.next(/fctl was not found/, WAIT_MS)).toBe('fctl was not found (node_modules/.bin, PATH): link the build yourself:');
  expect(await status.next(/--link/, WAIT_MS)).toBe(`  fctl plugin install ledger --link ${join(pluginDir, 'dist', 'dev', 'fctl-plugin-ledger.cjs')}`);
  const exited = new Promise<number | null>((done) => dev!.once('exit', done));
  dev.kill('SIGTERM');
  expect(await exited).toBe(0);
  dev = undefined;
  expect(JSON.parse((await fctl.run(['plugin', 'list', '-o', 'json'])).stdout)).toEqual([]);
}, 300_000);

it('links only development builds of the plugin named, and only files', async () => {
  const asDirectory = await fctl.run(['plugin', 'install', 'ledger', '--link', pluginDir]);
  expect(asDirectory.code).toBe(1);
  expect(asDirectory.stderr).toContain(`--link takes a built plugin file (fctl-kit dev writes one); ${pluginDir} is a directory: install a source directory with --path`);

  const bundle = join(work, 'ledger-3.2.0.cjs');
  expect((await fctlKit(['bundle', pluginDir, '--out', bundle, '--service-version', '3.2.0'])).code).toBe(0);
  const release = await fctl.run(['plugin', 'install', 'ledger', '--link', bundle]);
  expect(release.code).toBe(1);
  expect(release.stderr).toContain(`${bundle} reports version 3.2.0: only development builds (version "dev") are linked`);

  const devBundle = join(work, 'ledger-dev.cjs');
  expect((await fctlKit(['bundle', pluginDir, '--out', devBundle])).code).toBe(0);
  const otherName = await fctl.run(['plugin', 'install', 'payments', '--link', devBundle]);
  expect(otherName.code).toBe(1);
  expect(otherName.stderr).toContain(`${devBundle} is the "ledger" plugin, not "payments"`);

  const both = await fctl.run(['plugin', 'install', 'ledger', '--link', devBundle, '--path', devBundle]);
  expect(both.code).toBe(2);
  expect(both.stderr).toContain('--path copies a plugin into fctl, --link uses a development build where it is: choose one');
  expect(JSON.parse((await fctl.run(['plugin', 'list', '-o', 'json'])).stdout)).toEqual([]);
}, 60_000);

describe('a signal while the loop starts leaves no link behind', () => {
  // An fctl that marks when `plugin install --link` starts and takes a moment before linking, so a
  // signal can be sent while the link is being made (the moment the loop used to die in, linked).
  const slowLinker = () => {
    const dir = mkdtempSync(join(work, 'linker-'));
    const wrapper = join(dir, 'fctl');
    writeFileSync(
      wrapper,
      `#!/bin/sh\ncase "$1 $2" in\n  "plugin install") : > ${JSON.stringify(join(dir, 'linking'))}; sleep 1;;\nesac\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(fctlBin)} "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    return { wrapper, linking: () => existsSync(join(dir, 'linking')) };
  };

  async function until(condition: () => boolean, what: string, exited: () => boolean): Promise<void> {
    for (let waited = 0; !condition(); waited += 20) {
      if (exited()) throw new Error(`fctl-kit dev exited before ${what}`);
      if (waited > WAIT_MS) throw new Error(`${what} did not happen within ${WAIT_MS} ms`);
      await new Promise((done) => setTimeout(done, 20));
    }
  }

  const moments: Array<{ name: string; signal: NodeJS.Signals; at: 'start' | 'built' | 'linking' | 'linked' }> = [
    { name: 'SIGTERM immediately after start', signal: 'SIGTERM', at: 'start' },
    { name: 'SIGINT immediately after start', signal: 'SIGINT', at: 'start' },
    { name: 'SIGTERM once the first build is done', signal: 'SIGTERM', at: 'built' },
    { name: 'SIGTERM while linking', signal: 'SIGTERM', at: 'linking' },
    { name: 'SIGINT while linking', signal: 'SIGINT', at: 'linking' },
    { name: 'SIGINT once linked', signal: 'SIGINT', at: 'linked' },
  ];
  for (const moment of moments) {
    it(`${moment.name}: the loop ends and plugins.json has no link`, async () => {
      const own = newFctl();
      const linker = slowLinker();
      const child = spawn(process.execPath, [fctlKitBin, 'dev', pluginDir, '--fctl', linker.wrapper, '--out', join(work, `dev-${moment.at}-${moment.signal}.cjs`)], {
        env: { ...process.env, ...own.env },
      });
      dev = child;
      let ended = false;
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
        child.once('exit', (code, signal) => {
          ended = true;
          done({ code, signal });
        }),
      );
      const builds = readLines(child.stdout!);
      const status = readLines(child.stderr!);
      if (moment.at === 'built') await builds.next(/built in \d+ ms/, WAIT_MS);
      if (moment.at === 'linking') await until(linker.linking, 'the link started', () => ended);
      if (moment.at === 'linked') await status.next(/^fctl ledger now runs /, WAIT_MS);
      child.kill(moment.signal);
      const result = await exited;
      dev = undefined;
      // Killed by the signal before it could listen, or ended by it: either way, nothing linked.
      if (moment.at !== 'start') expect(result, status.text).toEqual({ code: 0, signal: null });
      if (linker.linking() && result.code === 0) expect(status.text).toContain('Unlinked: fctl ledger runs installed releases again.');
      const plugins = JSON.parse((await own.run(['plugin', 'list', '-o', 'json'], { timeoutMs: WAIT_MS })).stdout) as unknown[];
      expect(plugins).toEqual([]);
      const json = join(own.configDir, 'plugins.json');
      if (existsSync(json)) expect(readFileSync(json, 'utf8')).not.toContain('link:');
      expect(readdirSync(own.configDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    }, 300_000);
  }
});

// Each save style, 5 times in a row, each awaited: the rebuilt plugin's new output through fctl.
// Run by the Node on this machine (20) and by the Node 22 the kit builds binaries with (from its
// runtime cache, fetched from the npm registry and checked against the runtime lock if missing).
const SAVES = 5;
const runtimes: Array<{ name: string; node: () => Promise<string>; major: string }> = [
  { name: `Node ${process.versions.node}`, node: async () => process.execPath, major: process.versions.node.split('.')[0]! },
  {
    name: `Node ${DEFAULT_NODE_VERSION} (the kit's runtime cache)`,
    major: DEFAULT_NODE_VERSION.split('.')[0]!,
    node: async () => {
      const target = hostTarget();
      const locked = lockedRuntime(DEFAULT_RUNTIME_LOCK, DEFAULT_RUNTIME_LOCK_NAME, DEFAULT_NODE_VERSION, target.id);
      return (await ensureRuntime(target, DEFAULT_NODE_VERSION, locked, defaultCacheDir())).path;
    },
  },
];

for (const runtime of runtimes) {
  describe.sequential(`fctl-kit dev on ${runtime.name} sees every save`, () => {
    let root: string;
    let ws: Workspace;
    let own: Fctl;
    let loop: ChildProcess | undefined;
    let builds: LineReader;

    async function shows(expected: Expectation): Promise<boolean> {
      const command = 'greeting' in expected ? 'greeting' : 'parts';
      const result = await own.run(['ledger', command, '-o', 'json'], { timeoutMs: WAIT_MS });
      expect(result.code, result.stderr).toBe(0);
      const output = JSON.parse(result.stdout) as { greeting?: string; parts?: string[] };
      if ('greeting' in expected) return output.greeting === expected.greeting;
      return output.parts?.length === PART_COUNT && output.parts.every((value) => value === expected.parts);
    }

    /** Waits for builds until fctl shows `expected`; a save not seen makes the wait for a build time out. */
    async function seen(expected: Expectation, what: string): Promise<void> {
      while (!(await shows(expected))) {
        await builds.next(/built|build failed/, WAIT_MS).catch((error: Error) => {
          throw new Error(`${what} was not seen (fctl does not show ${JSON.stringify(expected)}): ${error.message}`);
        });
      }
    }

    beforeAll(async () => {
      const node = await runtime.node();
      expect(execFileSync(node, ['--version'], { encoding: 'utf8' })).toMatch(new RegExp(`^v${runtime.major}\\.`));
      root = mkdtempSync(join(tmpdir(), 'dev-loop-saves-'));
      ws = createWorkspace(root, examplePluginDir, join(repoRoot, 'node_modules'), SAVES);
      own = newFctl();
      await own.run(['profile', 'add', 'main', '--stack-url', ledger.url, '--use']);
      loop = spawn(node, [fctlKitBin, 'dev', ws.pluginDir, '--fctl', fctlBin], { env: { ...process.env, ...own.env } });
      builds = readLines(loop.stdout!);
      await readLines(loop.stderr!).next(/^fctl ledger now runs /, WAIT_MS);
      expect(await shows({ greeting: 'start' })).toBe(true);
    }, 300_000);

    afterAll(async () => {
      if (loop) {
        const exited = new Promise((done) => loop!.once('exit', done));
        loop.kill('SIGINT');
        await exited;
      }
      if (root) rmSync(root, { recursive: true, force: true });
    }, WAIT_MS);

    for (const style of SAVE_STYLES) {
      it(`${style.name}: ${SAVES} saves in a row, all ${SAVES} seen`, async () => {
        if (style.prepare) await seen(style.prepare(ws), `${style.name}: preparing`);
        for (let i = 1; i <= SAVES; i++) await seen(style.save(ws, i, 'e2e'), `${style.name}: save ${i} of ${SAVES}`);
      }, SAVES * WAIT_MS * 2);
    }
  });
}
