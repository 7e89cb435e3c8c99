// fctl-kit prints text that comes from outside (a plugin's manifest and stderr, a build or release
// directory, a registry): the raw bytes it writes must not drive a terminal, while JSON and YAML
// output keep the data exact (unsafe characters written as \uXXXX escapes).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a JavaScript fixture without declarations
import { attack } from '../../../test/fixtures/plugins/hostile/attack.mjs';

const root = join(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'packages', 'cli', 'bin', 'fctl-kit.js');
const hostile = join(root, 'test', 'fixtures', 'plugins', 'hostile');
const payload = attack as (tag: string) => string;
// A plugin process (or esbuild) per test: seconds on a loaded 2-core machine.
const SLOW = 60_000;

function fctlKit(args: string[], cwd = root): { status: number | null; stdout: Buffer; stderr: Buffer } {
  const run = spawnSync(process.execPath, [bin, ...args], { cwd, env: { PATH: process.env.PATH, NO_COLOR: '1' } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

// Anything a terminal acts on, but newline and tab: C0, DEL, C1, line separators, bidi controls.
const TERMINAL_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function expectSafe(bytes: Buffer, ...visible: string[]): string {
  const text = bytes.toString('utf8');
  expect(bytes.includes(0x1b), `no ESC in ${JSON.stringify(text)}`).toBe(false);
  expect(bytes.includes(0x9b), 'no 8-bit CSI byte').toBe(false);
  expect(text).not.toMatch(TERMINAL_UNSAFE);
  for (const tag of visible) expect(text).toContain(tag);
  return text;
}

function temp(): string {
  return mkdtempSync(join(tmpdir(), 'fctl-kit-terminal-'));
}

describe('fctl-kit keeps text from outside off the terminal', () => {
  it('inspect prints a hostile manifest as YAML that reads back exactly, with no control character in the bytes', () => {
    const run = fctlKit(['inspect', join(hostile, 'escapes.mjs')]);
    expect(run.status, run.stderr.toString()).toBe(0);
    const text = expectSafe(run.stdout, 'PLUGINDESC', 'GROUPSHORT');
    const manifest = parseYaml(text) as { description: string; commands: { short: string }[] };
    expect(manifest.description).toBe(payload('PLUGINDESC'));
    expect(manifest.commands[0]!.short).toBe(payload('GROUPSHORT'));
  }, SLOW);

  it('inspect -o json keeps the data exact with escapes', () => {
    const run = fctlKit(['inspect', join(hostile, 'escapes.mjs'), '-o', 'json']);
    expect(run.status, run.stderr.toString()).toBe(0);
    const manifest = JSON.parse(expectSafe(run.stdout, 'PLUGINDESC')) as { description: string; issues: string };
    expect(manifest.description).toBe(payload('PLUGINDESC'));
    expect(manifest.issues).toBe(`https://example.test/${payload('ISSUES').replace(/\s/g, '')}`);
  }, SLOW);

  it('inspect --debug cleans the plugin stderr and the handshake lines', () => {
    const dir = temp();
    const plugin = join(dir, 'noisy.mjs');
    const fixture = (name: string) => pathToFileURL(join(root, 'test', 'fixtures', 'plugins', name)).href;
    writeFileSync(
      plugin,
      `import { attack } from ${JSON.stringify(fixture('hostile/attack.mjs'))};\n` +
        `import { baseManifest, servePlugin } from ${JSON.stringify(fixture('raw-plugin.mjs'))};\n` +
        `process.stderr.write(attack('STARTUP') + '\\n');\n` +
        `servePlugin({ manifest: { ...baseManifest, description: attack('DEBUGDESC') } });\n`,
    );
    const run = fctlKit(['inspect', plugin, '--debug']);
    expect(run.status, run.stderr.toString()).toBe(0);
    expectSafe(run.stderr, '[fctl-kit]', 'STARTUP');
    expectSafe(run.stdout, 'DEBUGDESC');
  }, SLOW);

  it('the error printer cleans a message carrying a file\'s text (a hostile VERSION file)', () => {
    const dir = temp();
    const pluginDir = join(dir, 'cmd', 'fctl-plugin');
    mkdirSync(pluginDir, { recursive: true });
    writeFileSync(join(pluginDir, 'fctl-plugin.json'), JSON.stringify({ name: 'ledger', service: 'ledger', version: { source: 'file', path: 'VERSION' } }));
    writeFileSync(join(pluginDir, 'VERSION'), payload('VERSIONFILE'));
    const run = fctlKit(['version', pluginDir], dir);
    expect(run.status).toBe(1);
    const text = expectSafe(run.stderr, 'Error: ', 'VERSIONFILE');
    expect(text).toContain('not a semver version');
  }, SLOW);

  it('verify-version cleans what a hostile build directory reports', () => {
    const dir = temp();
    const pluginDir = join(dir, 'cmd', 'fctl-plugin');
    const buildDir = join(dir, 'build');
    mkdirSync(pluginDir, { recursive: true });
    mkdirSync(buildDir);
    writeFileSync(join(pluginDir, 'fctl-plugin.json'), JSON.stringify({ name: 'ledger', service: 'ledger', version: { source: 'file', path: 'VERSION' } }));
    writeFileSync(join(pluginDir, 'VERSION'), '3.2.0\n');
    writeFileSync(join(buildDir, 'manifest.json'), JSON.stringify({ name: 'ledger', service: 'ledger', version: payload('BUILDVERSION'), protocolVersion: 1, compatibleWith: '*', commands: [] }));
    const run = fctlKit(['verify-version', pluginDir, '--build-dir', buildDir], dir);
    expect(run.status).toBe(1);
    const text = expectSafe(run.stderr, 'plugin version = service version is broken', 'BUILDVERSIONlink');
    expect(text).toContain('but the service version is 3.2.0');
  }, SLOW);
});
