// The Go builder without building Go: the arguments and environment of each `go build`, the
// toolchain checks against go.mod, and buildPlugin's Go path driven through a stand-in `go` on PATH
// (it records each call and writes a script that answers the handshake with a chosen manifest),
// so the version rule, the dispatch and the release files are exercised in milliseconds.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseArtifactList, verifyReleaseDirectory } from '@fctl-kit/artifacts';
import {
  buildPlugin,
  checkGoManifest,
  checkToolchain,
  compareGoVersions,
  GO_VERSION_VARIABLE,
  goBuildArgs,
  goBuildEnv,
  goToolchain,
  hostTarget,
  parseGoModRequirement,
  parseGoVersion,
} from '../src/index.js';

const version = (text: string) => parseGoVersion(text)!;

describe('go build arguments and environment', () => {
  it('trims paths, leaves out VCS stamps, symbols, DWARF and the build ID, and sets the SDK version variable', () => {
    expect(goBuildArgs({ output: '/out/fctl-plugin-x', mainPackage: '.', version: '3.2.0' })).toEqual([
      'build',
      '-trimpath',
      '-buildvcs=false',
      '-ldflags',
      `-s -w -buildid= -X ${GO_VERSION_VARIABLE}=3.2.0`,
      '-o',
      '/out/fctl-plugin-x',
      '.',
    ]);
    expect(GO_VERSION_VARIABLE).toBe('github.com/fctl-plugin-kit/fctl-plugin-kit/sdk/go/plugin.version');
  });

  it('fixes every variable that changes the bytes and keeps the rest (the shared module cache, PATH)', () => {
    const env = goBuildEnv({ PATH: '/bin', GOMODCACHE: '/cache/mod', GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'auto', CGO_ENABLED: '1', GOAMD64: 'v3' }, { os: 'windows', arch: 'arm64' });
    expect(env).toMatchObject({ PATH: '/bin', GOMODCACHE: '/cache/mod', CGO_ENABLED: '0', GOOS: 'windows', GOARCH: 'arm64', GOFLAGS: '-mod=readonly', GOTOOLCHAIN: 'local', GOWORK: 'off', GOAMD64: 'v1' });
  });
});

describe('the Go toolchain check', () => {
  it('orders Go versions as Go does', () => {
    const ordered = ['1.25.9', '1.26', '1.26rc1', '1.26.0', 'go1.26.8', '1.26.10', '1.27beta1', '1.27rc2', '2.0'];
    for (let i = 1; i < ordered.length; i++) expect(compareGoVersions(version(ordered[i - 1]!), version(ordered[i]!)), `${ordered[i - 1]} < ${ordered[i]}`).toBeLessThan(0);
    expect(compareGoVersions(version('go1.26.8'), version('1.26.8'))).toBe(0);
    expect(parseGoVersion('devel go1.27-abcdef')).toBeUndefined();
  });

  it('reads the go and toolchain lines of go.mod', () => {
    const text = 'module example.com/x\n\ngo 1.26 // language\n\ntoolchain go1.26.8\n\nrequire (\n\tgo.example/toolchain v1.0.0\n)\n';
    expect(parseGoModRequirement(text, 'go.mod')).toEqual({ path: 'go.mod', go: '1.26', toolchain: 'go1.26.8' });
    expect(parseGoModRequirement('module x\n', 'go.mod')).toEqual({ path: 'go.mod' });
  });

  it('accepts an installed Go at or above both lines, and refuses an older one naming what to install', () => {
    expect(() => checkToolchain('go1.26.8', { path: 'm/go.mod', go: '1.26', toolchain: 'go1.26.8' })).not.toThrow();
    expect(() => checkToolchain('go1.27.0', { path: 'm/go.mod', go: '1.26' })).not.toThrow();
    expect(() => checkToolchain('go1.26.7', { path: 'm/go.mod', go: '1.26', toolchain: 'go1.26.8' })).toThrow(
      'm/go.mod asks for go1.26.8 (its toolchain line), and the installed Go is go1.26.7: install go1.26.8 or newer from https://go.dev/dl/',
    );
    expect(() => checkToolchain('go1.25.9', { path: 'm/go.mod', go: '1.26.2' })).toThrow('m/go.mod asks for go 1.26.2 (its go line), and the installed Go is go1.25.9: install go1.26.2 or newer');
    expect(() => checkToolchain('go1.26.8', { path: 'm/go.mod', toolchain: 'latest' })).toThrow('its toolchain line "latest" is not a Go version');
  });

  it('says what to install when there is no go on PATH, and refuses a directory outside any module', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'go-toolchain-'));
    try {
      writeFileSync(join(dir, 'go.mod'), 'module example.com/x\n\ngo 1.26\n');
      mkdirSync(join(dir, 'cmd', 'fctl-plugin'), { recursive: true });
      await expect(goToolchain(join(dir, 'cmd', 'fctl-plugin'), { env: { PATH: join(dir, 'empty') } })).rejects.toThrow(
        'a Go plugin is built with the Go toolchain, and there is no "go" on PATH: install Go (the version the module\'s go.mod names, from https://go.dev/dl/)',
      );
      await expect(goToolchain('/')).rejects.toThrow('no go.mod at or above /');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('buildPlugin for a Go plugin (a stand-in go)', () => {
  const host = hostTarget();
  let work: string;
  let module: string;
  let pluginDir: string;
  let calls: string;
  let savedPath: string | undefined;

  /** The stand-in: `go env GOVERSION` prints $FAKE_GO_VERSION; `go build` logs its call and writes a handshake answerer. */
  function installFakeGo(hello: object) {
    const bin = join(work, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(work, 'hello.json'), `${JSON.stringify(hello)}\n`);
    const script = [
      '#!/bin/sh',
      'if [ "$1" = env ]; then echo go1.26.8; exit 0; fi',
      `echo "$GOOS/$GOARCH CGO_ENABLED=$CGO_ENABLED GOFLAGS=$GOFLAGS GOTOOLCHAIN=$GOTOOLCHAIN cwd=$(pwd) $*" >> ${JSON.stringify(calls)}`,
      'out=; while [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done',
      `printf '#!/bin/sh\\nread line\\ncat %s\\nsleep 1\\n' ${JSON.stringify(join(work, 'hello.json'))} > "$out"`,
      'chmod +x "$out"',
    ].join('\n');
    writeFileSync(join(bin, 'go'), `${script}\n`);
    chmodSync(join(bin, 'go'), 0o755);
    process.env.PATH = `${bin}:${savedPath}`;
  }

  const hello = (manifestVersion: string) => ({
    type: 'hello',
    protocolVersion: 1,
    manifest: { name: 'wallets', service: 'wallets', version: manifestVersion, protocolVersion: 1, description: 'Wallets', commands: [{ use: 'list', short: 'List wallets' }] },
  });

  beforeEach(() => {
    savedPath = process.env.PATH;
    work = mkdtempSync(join(tmpdir(), 'go-build-'));
    calls = join(work, 'calls.log');
    module = join(work, 'product');
    pluginDir = join(module, 'cmd', 'fctl-plugin');
    mkdirSync(pluginDir, { recursive: true });
    writeFileSync(join(module, 'go.mod'), 'module example.com/wallets\n\ngo 1.26\n\ntoolchain go1.26.8\n');
    writeFileSync(join(pluginDir, 'fctl-plugin.json'), JSON.stringify({ name: 'wallets', service: 'wallets', language: 'go', version: { source: 'git-tag' } }));
  });
  afterEach(() => {
    process.env.PATH = savedPath;
    rmSync(work, { recursive: true, force: true });
  });

  it('runs one go build per target in the main package, then writes the same release files as a TypeScript build', async () => {
    installFakeGo(hello('1.2.0'));
    const targets = [...new Set([host.id, 'windows-amd64'])];
    const summary = await buildPlugin({ sourceDir: pluginDir, outDir: join(work, 'out'), serviceVersion: '1.2.0', targets, compression: 'none' });
    expect(summary).toMatchObject({ plugin: 'wallets', version: '1.2.0', language: 'go', go: 'go1.26.8' });
    expect(summary.bundle).toBeUndefined();
    const lines = readFileSync(calls, 'utf8').trim().split('\n').sort();
    expect(lines).toHaveLength(targets.length);
    for (const id of targets) {
      const [os, arch] = id.split('-');
      const name = `fctl-plugin-wallets-${id}${os === 'windows' ? '.exe' : ''}`;
      expect(lines.find((line) => line.startsWith(`${os}/${arch} `))).toMatch(
        new RegExp(`^${os}/${arch} CGO_ENABLED=0 GOFLAGS=-mod=readonly GOTOOLCHAIN=local cwd=${pluginDir} build -trimpath -buildvcs=false -ldflags -s -w -buildid= -X ${GO_VERSION_VARIABLE.replaceAll('.', '\\.')}=1\\.2\\.0 -o \\S+/${name.replaceAll('.', '\\.')} \\.$`),
      );
    }
    const out = join(work, 'out');
    expect(readdirSync(out).sort()).toEqual(['artifacts.json', 'checksums.txt', ...summary.binaries.map((b) => b.name), 'manifest.json'].sort());
    const list = parseArtifactList(readFileSync(join(out, 'artifacts.json'), 'utf8'), 'artifacts.json');
    expect(list.artifacts.filter((entry) => entry.kind === 'binary').map((entry) => entry.name)).toEqual(summary.binaries.map((b) => b.name));
    expect(await verifyReleaseDirectory(out)).toHaveLength(summary.binaries.length + 2);
  });

  it('fails when the binary reports another version than the service version, naming both', async () => {
    installFakeGo(hello('dev'));
    await expect(buildPlugin({ sourceDir: pluginDir, outDir: join(work, 'out'), serviceVersion: '1.2.0', targets: [host.id], compression: 'none' })).rejects.toThrow(
      `the ${host.id} binary reports version dev in its manifest, not the service version 1.2.0: the version is set at link time with -X ${GO_VERSION_VARIABLE}`,
    );
    expect(() => checkGoManifest({ name: 'wallets', version: '1.2.0' }, { name: 'payments', version: '1.2.0' }, 'the binary')).toThrow('the binary reports the plugin name "wallets", and fctl-plugin.json names it "payments"');
  });

  it('refuses before building when go.mod asks for a newer Go than the installed one', async () => {
    installFakeGo(hello('1.2.0'));
    writeFileSync(join(module, 'go.mod'), 'module example.com/wallets\n\ngo 1.27\n');
    await expect(buildPlugin({ sourceDir: pluginDir, outDir: join(work, 'out'), serviceVersion: '1.2.0', targets: [host.id] })).rejects.toThrow(
      `${join(module, 'go.mod')} asks for go 1.27 (its go line), and the installed Go is go1.26.8`,
    );
    expect(() => readFileSync(calls)).toThrow();
  });
});
