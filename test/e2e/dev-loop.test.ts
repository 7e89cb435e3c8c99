// The development loop: `fctl-kit dev` rebuilds on every save (in the plugin, or in a library it
// imports from outside its directory) and links the build into fctl, so the next `fctl <service>`
// runs the new code; a broken save keeps the previous build; ending the loop
// unlinks it. And what `fctl plugin install --link` refuses.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
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

async function greeting(): Promise<string> {
  const result = await fctl.run(['ledger', 'greeting', '-o', 'json']);
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
  await builds.next(/built in \d+ ms/);
  await status.next(/^fctl ledger now runs .*fctl-plugin-ledger\.cjs$/);
  const listed = await fctl.run(['plugin', 'list', '-o', 'json']);
  expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ name: 'ledger', version: 'dev', source: `link:${join(pluginDir, 'dist', 'dev', 'fctl-plugin-ledger.cjs')}`, compatibleWith: '>=3.0.0 <4.0.0' })]);
  expect(await greeting()).toBe('hello 1');

  writeFileSync(pluginSource(), readFileSync(pluginSource(), 'utf8').replace('hello 1', 'hello 2'));
  await builds.next(/built \(src\/plugin\.ts\) in \d+ ms/);
  expect(await greeting()).toBe('hello 2');

  appendFileSync(pluginSource(), '\nplugin.command({ use: \n');
  const failed = await builds.next(/build failed/);
  expect(failed).toMatch(/^\[\d\d:\d\d:\d\d\] build failed \(src\/plugin\.ts\); fctl keeps running the previous build:$/);
  expect(await builds.next(/src\/plugin\.ts:\d+:\d+: /)).toMatch(/plugin\.ts:\d+:\d+: Unexpected/);
  expect(await greeting()).toBe('hello 2');

  writeFileSync(pluginSource(), readFileSync(pluginSource(), 'utf8').replace('\nplugin.command({ use: \n', '').replace('hello 2', 'hello 3'));
  await builds.next(/built \(src\/plugin\.ts\) in \d+ ms/);
  expect(await greeting()).toBe('hello 3');

  const shared = async () => JSON.parse((await fctl.run(['ledger', 'shared', '-o', 'json'])).stdout).shared as string;
  expect(await shared()).toBe('library 1');
  writeFileSync(join(work, 'lib', 'shared.ts'), "export const shared = 'library 2';\n");
  await builds.next(/built \(\.\.\/\.\.\/lib\/shared\.ts\) in \d+ ms/);
  expect(await shared()).toBe('library 2');

  const exited = new Promise<number | null>((done) => dev!.once('exit', done));
  dev.kill('SIGINT');
  expect(await exited).toBe(0);
  expect(status.text).toContain('Unlinked: fctl ledger runs installed releases again.');
  expect(JSON.parse((await fctl.run(['plugin', 'list', '-o', 'json'])).stdout)).toEqual([]);
  dev = undefined;
}, 120_000);

it('without an fctl to link into, builds and says how to link the build', async () => {
  const path = ['/usr/local/bin', '/usr/bin', '/bin'].join(':');
  dev = spawn(process.execPath, [fctlKitBin, 'dev', pluginDir], { cwd: work.replace(/[^/]+$/, ''), env: { ...process.env, ...fctl.env, PATH: path } });
  const status = readLines(dev.stderr!);
  await readLines(dev.stdout!).next(/built in \d+ ms/);
  expect(await status.next(/fctl was not found/)).toBe('fctl was not found (node_modules/.bin, PATH): link the build yourself:');
  expect(await status.next(/--link/)).toBe(`  fctl plugin install ledger --link ${join(pluginDir, 'dist', 'dev', 'fctl-plugin-ledger.cjs')}`);
  const exited = new Promise<number | null>((done) => dev!.once('exit', done));
  dev.kill('SIGTERM');
  expect(await exited).toBe(0);
  dev = undefined;
  expect(JSON.parse((await fctl.run(['plugin', 'list', '-o', 'json'])).stdout)).toEqual([]);
}, 60_000);

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
