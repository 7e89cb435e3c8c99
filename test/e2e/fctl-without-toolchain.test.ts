// fctl installed without the build toolchain, laid out as npm lays out an install: the built
// @fctl-kit/core alone in a node_modules outside this repository (nothing above it to resolve
// from), then with @fctl-kit/bundler beside it, without and with esbuild. Installing a source
// directory needs the bundler and says so; everything else works without it.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePlugin } from '@fctl-kit/bundler';
import { newFctl } from '../support/fctl.js';
import { examplePluginDir, repoRoot, requireBuilt } from '../support/paths.js';

const core = join(repoRoot, 'packages', 'core');
const bundler = join(repoRoot, 'packages', 'bundler');
let work: string;
let modules: string;
let fctlBin: string;

function installPackage(from: string, name: string, parts: string[]): void {
  const to = join(modules, ...name.split('/'));
  mkdirSync(to, { recursive: true });
  for (const part of parts) cpSync(join(from, part), join(to, part), { recursive: true });
}

const list = async (fctl: ReturnType<typeof newFctl>) => JSON.parse((await fctl.run(['plugin', 'list', '-o', 'json'])).stdout) as Array<{ name: string; version: string }>;

beforeAll(() => {
  requireBuilt(join(core, 'dist', 'fctl.js'), join(bundler, 'dist', 'index.js'));
  work = mkdtempSync(join(tmpdir(), 'fctl-alone-'));
  modules = join(work, 'node_modules');
  installPackage(core, '@fctl-kit/core', ['package.json', 'bin', 'dist']);
  fctlBin = join(modules, '@fctl-kit', 'core', 'bin', 'fctl.js');
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('fctl without @fctl-kit/bundler', () => {
  it('starts, and refuses a source directory saying what it needs, installing nothing', async () => {
    const fctl = newFctl({}, fctlBin);
    expect((await fctl.run(['version'])).stdout).toMatch(/^fctl \d+\.\d+\.\d+/);
    const result = await fctl.run(['plugin', 'install', 'ledger', '--path', examplePluginDir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Error: ${examplePluginDir} is a source directory: installing it builds the plugin, which needs @fctl-kit/bundler, and it is not installed`);
    expect(result.stderr).toContain('npm install -g @fctl-kit/bundler');
    expect(result.stderr).toContain(`fctl-kit bundle ${examplePluginDir} --out ledger.cjs, then fctl plugin install ledger --path ledger.cjs`);
    expect(result.stderr).not.toContain('Building');
    expect(await list(fctl)).toEqual([]);
    expect(readdirSync(join(fctl.configDir, 'plugins', '.staging')).length).toBe(0);
  }, 60_000);

  it('installs a built bundle with --path and runs it', async () => {
    const fctl = newFctl({}, fctlBin);
    const { outFile } = await bundlePlugin({ sourceDir: examplePluginDir, outFile: join(work, 'built', 'ledger.cjs'), version: 'dev' });
    const installed = await fctl.run(['plugin', 'install', 'ledger', '--path', outFile]);
    expect(installed.stderr).toContain('Plugin "ledger" installed (version: dev');
    expect(installed.code).toBe(0);
    expect(await list(fctl)).toEqual([expect.objectContaining({ name: 'ledger', version: 'dev' })]);
    const help = await fctl.run(['--plugin-binary', `ledger=${outFile}`, 'ledger', '--help']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain('transactions');
  }, 60_000);
});

describe('fctl with @fctl-kit/bundler beside it', () => {
  it('names the bundler and what it lacks when the bundler cannot load (esbuild missing)', async () => {
    installPackage(bundler, '@fctl-kit/bundler', ['package.json', 'dist']);
    const fctl = newFctl({}, fctlBin);
    const result = await fctl.run(['plugin', 'install', 'ledger', '--path', examplePluginDir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Error: @fctl-kit\/bundler is installed but cannot be loaded: Cannot find package 'esbuild'/);
    expect(await list(fctl)).toEqual([]);
  }, 60_000);

  it('builds and installs a source directory once the bundler can load', async () => {
    symlinkSync(join(repoRoot, 'node_modules', 'esbuild'), join(modules, 'esbuild'), 'dir');
    const fctl = newFctl({}, fctlBin);
    const result = await fctl.run(['plugin', 'install', 'ledger', '--path', examplePluginDir]);
    expect(result.stderr).toContain(`Building ${examplePluginDir}... done`);
    expect(result.code).toBe(0);
    expect(await list(fctl)).toEqual([expect.objectContaining({ name: 'ledger', version: 'dev', source: `path:${examplePluginDir}` })]);
  }, 60_000);
});
