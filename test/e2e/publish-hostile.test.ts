// A build directory is untrusted input: a manifest.json naming `../../x`, a checksums.txt line
// naming `../file`, a listed file that is a symbolic link to /etc/passwd or a FIFO... `fctl-kit
// publish` refuses each before anything is written or uploaded, for every backend: a directory
// (nothing appears anywhere under the test's root but the build), HTTP PUT (the server sees no
// request), OCI (the registry stores nothing) and GitHub releases (the emulator sees no request).
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeArtifactList } from '../support/artifact-list.js';
import { fctlKit } from '../support/exec.js';
import { GithubEmulator } from '../support/github-emulator.js';
import { startOciRegistry, type OciRegistry } from '../support/oci-registry.js';
import { startReleaseServer, type ReleaseServer } from '../support/release-server.js';

const TOKEN = 'ghp_hostileBuildTokenNeverPrinted000001';
const BINARY = 'fctl-plugin-ledger-linux-amd64';
const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

let work: string;
let server: ReleaseServer;
let oci: OciRegistry;
let github: GithubEmulator;

interface Hostile {
  manifest?: Record<string, unknown>;
  /** checksums.txt lines as they are written (a name may be anything). */
  lines?: string[];
  /** Files written in the build directory besides the binary. */
  files?: Record<string, string>;
  /** Called with the build directory after it is written (symbolic links, FIFOs...). */
  prepare?: (dir: string) => void;
}

let cases = 0;

/** A small build directory, as `fctl-kit build` writes one, with the hostile part put in. */
function hostileBuild(hostile: Hostile): { root: string; dir: string } {
  const root = join(work, `case-${++cases}`);
  const dir = join(root, 'a', 'b', 'build');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, BINARY), '#!/bin/sh\necho not a real plugin\n');
  for (const [name, text] of Object.entries(hostile.files ?? {})) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(hostile.manifest ?? { name: 'ledger', version: '3.2.0' }));
  const lines = hostile.lines ?? [`${sha256(readFileSync(join(dir, BINARY)))}  ${BINARY}`];
  writeFileSync(join(dir, 'checksums.txt'), lines.map((line) => `${line}\n`).join(''));
  writeArtifactList(dir);
  hostile.prepare?.(dir);
  return { root, dir };
}

/** Every path under `root`, relative to it. */
function tree(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' }).map((p) => relative(root, join(root, p))).sort();
}

type Backend = 'directory' | 'put' | 'oci' | 'github';

function publishArgs(backend: Backend, dir: string, root: string): string[] {
  switch (backend) {
    case 'directory':
      return ['publish', dir, '--to', join(root, 'a', 'b', 'site')];
    case 'put':
      return ['publish', dir, '--to', `${server.url}/releases`];
    case 'oci':
      return ['publish', dir, '--backend', 'oci', '--to', `${oci.host}/fctl/ledger`];
    case 'github':
      return ['publish', dir, '--backend', 'github-releases', '--repo', 'acme/ledger', '--api-url', github.url];
  }
}

const ociStored = () => existsSync(join(oci.dataDir, 'docker', 'registry', 'v2', 'repositories'));
const putRequests = () => [...server.requests.values()].reduce((n, c) => n + c, 0);

/** Publishes the hostile build with `backend` and asserts it was refused with `message`, and that nothing was written or sent. */
async function expectRefused(backend: Backend, hostile: Hostile, message: RegExp): Promise<void> {
  const { root, dir } = hostileBuild(hostile);
  const before = tree(root);
  const requestsBefore = { put: putRequests(), github: github.requests.length };
  const result = await fctlKit(publishArgs(backend, dir, root), { cwd: root, env: { GITHUB_TOKEN: TOKEN, FCTL_KIT_GITHUB_RETRIES: '0' } });
  expect(result.code, `${backend}: ${result.stdout}${result.stderr}`).not.toBe(0);
  expect(result.stderr).toMatch(/^Error: /);
  expect(result.stderr).toMatch(message);
  expect(result.stdout).toBe('');
  expect(result.stderr).not.toContain(TOKEN);
  expect(tree(root), 'nothing is written anywhere under the test root').toEqual(before);
  expect(existsSync(join(work, 'x')), 'nothing escaped to the work directory').toBe(false);
  expect(putRequests() - requestsBefore.put, 'no request reached the PUT server').toBe(0);
  expect(github.requests.length - requestsBefore.github, 'no request reached GitHub').toBe(0);
  expect(ociStored(), 'the OCI registry stored nothing').toBe(false);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'publish-hostile-'));
  server = await startReleaseServer();
  oci = await startOciRegistry({ kind: 'anonymous' });
  github = await new GithubEmulator(TOKEN).start();
  github.addRepository('acme/ledger');
}, 60_000);
afterAll(async () => {
  await Promise.all([server?.stop(), oci?.stop(), github?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

const badNames = ['../../x', '..', '.', '/tmp/x', 'a\\b', 'x\u0000y', 'Ledger', '', '-rf', 'a/b'];
const badVersions = ['../../x', '1.0.0/../../x', '..', 'v1.0.0', '1.0.0+../x', '/abs', '3.2.0\u0000', '3.2.0\\..', 'dev', ''];
const badFileNames = ['../file', '../../x', '/etc/passwd', '..\\file', 'sub/file', '.', '..', '.hidden', 'CON', 'nul.txt', 'COM1.exe', 'lpt3', 'trailing.', 'a\u0000b', 'esc\u001b[2Jape', ' space'];

describe('a build directory is untrusted: refused before anything is written, to a directory', () => {
  for (const name of badNames) {
    it(`manifest name ${JSON.stringify(name)}`, () => expectRefused('directory', { manifest: { name, version: '3.2.0' } }, /manifest\.json: .* is not a plugin name/), 30_000);
  }
  for (const version of badVersions) {
    it(`manifest version ${JSON.stringify(version)}`, () => expectRefused('directory', { manifest: { name: 'ledger', version } }, version === 'dev' ? /development build/ : /manifest\.json: .* is not a released version/), 30_000);
  }
  it('a manifest service or compatibleWith that the registry would not take', async () => {
    await expectRefused('directory', { manifest: { name: 'ledger', version: '3.2.0', service: '../../x' } }, /"\.\.\/\.\.\/x" is not a service name/);
    await expectRefused('directory', { manifest: { name: 'ledger', version: '3.2.0', compatibleWith: 'whatever \u001b[2J' } }, /is not a semver range/);
    await expectRefused('directory', { manifest: { name: 'ledger', version: '3.2.0', compatibleWith: ['>=3'] } }, /is not a semver range/);
  }, 60_000);
  it('a manifest that is not an object, or not JSON', async () => {
    await expectRefused('directory', { manifest: ['ledger', '3.2.0'] as unknown as Record<string, unknown> }, /manifest\.json is not a JSON object/);
    await expectRefused('directory', { prepare: (dir) => writeFileSync(join(dir, 'manifest.json'), '{"name": "ledger", ') }, /manifest\.json is not JSON/);
  }, 60_000);
  for (const file of badFileNames) {
    it(`checksums.txt naming ${JSON.stringify(file)}`, () =>
      expectRefused('directory', { lines: [`${sha256('x')}  ${file}`] }, /checksums\.txt.*not a release file name|checksums\.txt line 1 is not/), 30_000);
  }
  it('checksums.txt listing itself or its signature', async () => {
    await expectRefused('directory', { lines: [`${sha256('x')}  checksums.txt`] }, /lists checksums\.txt, which cannot be checksummed by itself/);
    await expectRefused('directory', { lines: [`${sha256('x')}  checksums.txt.sig`] }, /lists checksums\.txt\.sig/);
  }, 60_000);

  it('a listed file that is a symbolic link to /etc/passwd (with its right sha256) is not read nor published', async () => {
    const passwd = readFileSync('/etc/passwd');
    await expectRefused(
      'directory',
      { lines: [`${sha256(passwd)}  passwd`], prepare: (dir) => symlinkSync('/etc/passwd', join(dir, 'passwd')) },
      /passwd is a symbolic link: the files of a build directory must be regular files in it/,
    );
  }, 30_000);
  it('a listed file that links to a file beside the build directory', async () => {
    await expectRefused(
      'directory',
      {
        lines: [`${sha256('secret\n')}  notes.txt`],
        prepare: (dir) => {
          writeFileSync(join(dir, '..', 'secret.txt'), 'secret\n');
          symlinkSync('../secret.txt', join(dir, 'notes.txt'));
        },
      },
      /notes\.txt is a symbolic link/,
    );
  }, 30_000);
  it('manifest.json, checksums.txt or checksums.txt.sig that are symbolic links', async () => {
    for (const name of ['manifest.json', 'checksums.txt', 'checksums.txt.sig']) {
      await expectRefused(
        'directory',
        {
          prepare: (dir) => {
            const real = join(dir, '..', `real-${name}`);
            writeFileSync(real, existsSync(join(dir, name)) ? readFileSync(join(dir, name)) : 'c2lnbmF0dXJl\n');
            rmSync(join(dir, name), { force: true });
            symlinkSync(real, join(dir, name));
          },
        },
        new RegExp(`${name.replaceAll('.', '\\.')} is a symbolic link`),
      );
    }
  }, 60_000);
  it('a listed FIFO does not hang the publisher', async () => {
    await expectRefused('directory', { lines: [`${sha256('x')}  pipe`], prepare: (dir) => execFileSync('mkfifo', [join(dir, 'pipe')]) }, /pipe is not a regular file/);
  }, 30_000);
  it('a listed directory', async () => {
    await expectRefused('directory', { lines: [`${sha256('x')}  sub`], prepare: (dir) => mkdirSync(join(dir, 'sub')) }, /sub is not a regular file/);
  }, 30_000);
});

describe('every backend refuses each hostile field before any request', () => {
  const attacks: Array<[string, Hostile, RegExp]> = [
    ['a name climbing out', { manifest: { name: '../../x', version: '3.2.0' } }, /is not a plugin name/],
    ['a version climbing out', { manifest: { name: 'ledger', version: '../../x' } }, /is not a released version/],
    ['a checksums.txt file climbing out', { lines: [`${sha256('x')}  ../file`] }, /not a release file name/],
    ['a Windows device name', { lines: [`${sha256('x')}  aux.txt`] }, /not a release file name/],
    ['a listed symbolic link to /etc/passwd', { lines: [`${sha256(readFileSync('/etc/passwd'))}  passwd`], prepare: (dir) => symlinkSync('/etc/passwd', join(dir, 'passwd')) }, /is a symbolic link/],
  ];
  for (const backend of ['put', 'oci', 'github'] as const) {
    for (const [what, hostile, message] of attacks) {
      it(`${backend}: ${what}`, () => expectRefused(backend, hostile, message), 30_000);
    }
  }
});

describe('the checks refuse only what is hostile', () => {
  it('a well-formed hand-made build still publishes to a directory', async () => {
    const { root, dir } = hostileBuild({ files: { 'fctl-plugin-ledger.cjs': 'bundle' }, lines: [] , prepare: (d) => {
      const lines = [BINARY, 'fctl-plugin-ledger.cjs'].map((name) => `${sha256(readFileSync(join(d, name)))}  ${name}`);
      writeFileSync(join(d, 'checksums.txt'), lines.map((line) => `${line}\n`).join(''));
      writeArtifactList(d);
    } });
    const result = await fctlKit(['publish', dir, '--to', join(root, 'site')], { cwd: root });
    expect(result.code, result.stderr).toBe(0);
    expect(readdirSync(join(root, 'site', 'ledger', '3.2.0')).sort()).toEqual(['artifacts.json', 'checksums.txt', BINARY, 'fctl-plugin-ledger.cjs'].sort());
    expect(readdirSync(join(root, 'site', 'ledger'))).toEqual(['3.2.0']);
  }, 30_000);
});
