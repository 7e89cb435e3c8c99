// The development loop for a Go plugin (issue 16 item 5): `fctl-kit dev` on a copy of the fixture Go
// module rebuilds with `go build` on every save and links the binary into fctl once, so the next
// `fctl ledger ...` runs the new code; a syntax error is reported with go's message and the previous
// binary keeps running; the fixed file builds again; a test file's save builds nothing; a save in the
// module a `replace` points to outside the module (a copy of the SDK here) rebuilds too.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fctlKitBin } from '../support/exec.js';
import { newFctl, type Fctl } from '../support/fctl.js';
import { startLedger, type RunningLedger } from '../support/ledger-service.js';
import { readLines, type LineReader } from '../support/line-reader.js';
import { fctlBin, repoRoot } from '../support/paths.js';

const WAIT_MS = 120_000;
const SDK_MODULE = 'github.com/fctl-plugin-kit/fctl-plugin-kit/sdk/go';

let work: string;
let pluginDir: string;
let ledger: RunningLedger;
let fctl: Fctl;
let dev: ChildProcess | undefined;
let sdkFile: string;

const mainGo = () => join(pluginDir, 'main.go');
const greetingCommand = (text: string) =>
  `\nvar greeting = &plugin.Command{Use: "greeting", Short: "Say hello", Run: func(context.Context, *plugin.Call) (any, error) {\n\treturn map[string]string{"greeting": ${JSON.stringify(text)}}, nil\n}}\n`;

async function greeting(command = 'greeting'): Promise<string> {
  const result = await fctl.run(['ledger', command, '-o', 'json'], { timeoutMs: WAIT_MS });
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { greeting: string }).greeting;
}

/**
 * The "built" lines until fctl prints `expected`: chokidar can report one save twice (a write seen
 * at its truncation, then again once written), so a build of the previous state may come first.
 */
async function builtUntil(builds: LineReader, expected: string, command = 'greeting'): Promise<string[]> {
  const lines: string[] = [];
  do lines.push(await builds.next(/built \(/, WAIT_MS));
  while ((await greeting(command)) !== expected);
  return lines;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'go-dev-loop-'));
  const moduleDir = join(work, 'product');
  cpSync(join(repoRoot, 'test', 'fixtures', 'go-plugin'), moduleDir, { recursive: true });
  // The SDK copied too, so that a save in it can be tested; the replace rewritten to its path.
  const sdk = join(work, 'sdk-go');
  cpSync(join(repoRoot, 'sdk', 'go'), sdk, { recursive: true });
  sdkFile = join(sdk, 'plugin', 'dev_loop_greeting.go');
  writeFileSync(sdkFile, 'package plugin\n\nconst DevLoopGreeting = "sdk 1"\n');
  const goMod = join(moduleDir, 'go.mod');
  writeFileSync(goMod, readFileSync(goMod, 'utf8').replace(/^replace .*$/m, `replace ${SDK_MODULE} => ${sdk}`));
  pluginDir = join(moduleDir, 'cmd', 'fctl-plugin');
  const source = readFileSync(mainGo(), 'utf8').replace('Commands: []*plugin.Command{{', 'Commands: []*plugin.Command{greeting, fromSdk, {');
  const fromSdk = '\nvar fromSdk = &plugin.Command{Use: "from-sdk", Short: "A constant of the SDK", Run: func(context.Context, *plugin.Call) (any, error) {\n\treturn map[string]string{"greeting": plugin.DevLoopGreeting}, nil\n}}\n';
  writeFileSync(mainGo(), source + greetingCommand('hello 1') + fromSdk);
  ledger = await startLedger('3.2.0');
  fctl = newFctl();
  await fctl.run(['profile', 'add', 'main', '--stack-url', ledger.url, '--use']);
}, 60_000);

afterAll(async () => {
  dev?.kill('SIGKILL');
  await ledger?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

it('rebuilds the Go plugin on save, and the next fctl run uses it; a broken save keeps the last good binary; a save in the replaced SDK rebuilds; stopping unlinks', async () => {
  dev = spawn(process.execPath, [fctlKitBin, 'dev', pluginDir, '--fctl', fctlBin], { env: { ...process.env, ...fctl.env } });
  const builds = readLines(dev.stdout!);
  const status = readLines(dev.stderr!);
  const binary = join(pluginDir, 'dist', 'dev', 'fctl-plugin-ledger');
  await builds.next(/built in \d+ ms/, WAIT_MS);
  expect(await status.next(/now runs/, WAIT_MS)).toBe(`fctl ledger now runs ${binary}`);
  const listed = await fctl.run(['plugin', 'list', '-o', 'json']);
  expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ name: 'ledger', version: 'dev', source: `link:${binary}`, compatibleWith: '>=3.0.0 <4.0.0' })]);
  expect(await greeting()).toBe('hello 1');

  const fromMainGo = /^\[\d\d:\d\d:\d\d\] built \(cmd\/fctl-plugin\/main\.go\) in \d+ ms$/;
  writeFileSync(mainGo(), readFileSync(mainGo(), 'utf8').replace('hello 1', 'hello 2'));
  for (const line of await builtUntil(builds, 'hello 2')) expect(line).toMatch(fromMainGo);

  const good = readFileSync(mainGo(), 'utf8');
  writeFileSync(mainGo(), `${good}\nfunc broken( {\n`);
  expect(await builds.next(/build failed/, WAIT_MS)).toMatch(/^\[\d\d:\d\d:\d\d\] build failed \(cmd\/fctl-plugin\/main\.go\); fctl keeps running the previous build:$/);
  expect(await builds.next(/main\.go:\d+:\d+: /, WAIT_MS)).toMatch(/^ {2}(\.\/)?main\.go:\d+:\d+: syntax error/);
  expect(await greeting()).toBe('hello 2');

  writeFileSync(mainGo(), good.replace('hello 2', 'hello 3'));
  for (const line of await builtUntil(builds, 'hello 3')) expect(line).toMatch(fromMainGo);

  // A test file is no input of go build: its save builds nothing, and the next save still builds.
  writeFileSync(join(pluginDir, 'main_test.go'), 'package main\n');
  writeFileSync(mainGo(), good.replace('hello 2', 'hello 4'));
  for (const line of await builtUntil(builds, 'hello 4')) expect(line).toMatch(fromMainGo);

  expect(await greeting('from-sdk')).toBe('sdk 1');
  writeFileSync(sdkFile, 'package plugin\n\nconst DevLoopGreeting = "sdk 2"\n');
  const sdkBuilds = await builtUntil(builds, 'sdk 2', 'from-sdk');
  expect(sdkBuilds.at(-1)).toMatch(/ built \(\.\.\/sdk-go\/plugin\/dev_loop_greeting\.go\) in \d+ ms$/);

  const exited = new Promise<number | null>((done) => dev!.once('exit', done));
  dev.kill('SIGINT');
  expect(await exited).toBe(0);
  expect(status.text).toContain('Unlinked: fctl ledger runs installed releases again.');
  expect(JSON.parse((await fctl.run(['plugin', 'list', '-o', 'json'])).stdout)).toEqual([]);
  dev = undefined;
}, 600_000);
