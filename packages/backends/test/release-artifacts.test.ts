// readBuildRelease against a build directory an attacker wrote (or damaged): artifacts.json is
// untrusted like every other file there. Each case starts from a valid build, changes one thing, and
// expects a refusal that names the file and the problem; the valid build is read as typed files.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACT_LIST_FORMAT, type ArtifactEntry, type ArtifactList } from '@fctl-kit/artifacts';
import { PublishError, publicationOrder, readBuildRelease } from '../src/publish.js';

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
const BINARY = 'fctl-plugin-ledger-linux-amd64';
const binary = Buffer.from('#!/bin/sh\necho ledger\n'.repeat(500));
const compressed = execFileSync('xz', ['-c'], { input: binary });
const bundle = Buffer.from('module.exports = {};\n');
const manifest = Buffer.from(JSON.stringify({ name: 'ledger', version: '3.2.0', compatibleWith: '>=3.0.0 <4.0.0' }));

let work: string;
let cases = 0;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'release-artifacts-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const hashed = (name: string, bytes: Buffer) => ({ size: bytes.length, sha256: sha256(bytes) });

function validList(): ArtifactList {
  return {
    format: ARTIFACT_LIST_FORMAT,
    name: 'ledger',
    version: '3.2.0',
    artifacts: [
      { name: BINARY, kind: 'binary', os: 'linux', arch: 'amd64', ...hashed(BINARY, binary) },
      { name: `${BINARY}.xz`, kind: 'compressed-binary', os: 'linux', arch: 'amd64', ...hashed(`${BINARY}.xz`, compressed), compression: 'xz', contains: BINARY },
      { name: 'fctl-plugin-ledger.cjs', kind: 'bundle', ...hashed('b', bundle) },
      { name: 'manifest.json', kind: 'manifest', ...hashed('m', manifest) },
      { name: 'artifacts.json', kind: 'artifact-list' },
      { name: 'checksums.txt', kind: 'checksums' },
    ],
  };
}

interface Attack {
  /** Changes the list before it is written (and checksummed). */
  list?: (list: ArtifactList) => void;
  /** artifacts.json's text instead of the list's. */
  text?: string;
  /** Changes checksums.txt's entries (name -> sha256) after they are computed. */
  checksums?: (entries: Map<string, string>) => void;
  /** Called last, with the directory. */
  prepare?: (dir: string) => void;
}

/** A build directory as `fctl-kit build` writes one, with the attack put in. */
function build(attack: Attack = {}): string {
  const dir = join(work, `case-${++cases}`);
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, BINARY), binary);
  writeFileSync(join(dir, `${BINARY}.xz`), compressed);
  writeFileSync(join(dir, 'fctl-plugin-ledger.cjs'), bundle);
  writeFileSync(join(dir, 'manifest.json'), manifest);
  const list = validList();
  attack.list?.(list);
  const text = attack.text ?? JSON.stringify(list, null, 2);
  writeFileSync(join(dir, 'artifacts.json'), text);
  const entries = new Map<string, string>(
    list.artifacts.filter((entry): entry is ArtifactEntry & { sha256: string } => typeof entry.sha256 === 'string').map((entry) => [entry.name, entry.sha256]),
  );
  entries.set('artifacts.json', sha256(text));
  attack.checksums?.(entries);
  // By hand, not formatChecksums: an entry the attacker wrote need not be valid.
  writeFileSync(join(dir, 'checksums.txt'), [...entries].map(([name, sha]) => `${sha}  ${name}\n`).join(''));
  attack.prepare?.(dir);
  return dir;
}

async function refused(attack: Attack, message: RegExp | string): Promise<void> {
  const dir = build(attack);
  const error = await readBuildRelease(dir).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error, 'refused').toBeInstanceOf(PublishError);
  expect((error as Error).message).toMatch(typeof message === 'string' ? new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : message);
}

const entry = (list: ArtifactList, name: string) => list.artifacts.find((e) => e.name === name)!;

describe('readBuildRelease reads artifacts.json', () => {
  it('types every file of a valid build, checksums.txt and its signatures last', async () => {
    const dir = build({ prepare: (d) => writeFileSync(join(d, 'checksums.txt.sig'), 'c2ln\n') });
    const release = await readBuildRelease(dir);
    expect(release).toMatchObject({ dir, name: 'ledger', version: '3.2.0', compatibleWith: '>=3.0.0 <4.0.0' });
    expect(release.files.map((f) => [f.name, f.kind])).toEqual([
      [BINARY, 'binary'],
      [`${BINARY}.xz`, 'compressed-binary'],
      ['fctl-plugin-ledger.cjs', 'bundle'],
      ['manifest.json', 'manifest'],
      ['artifacts.json', 'artifact-list'],
      ['checksums.txt', 'checksums'],
      ['checksums.txt.sig', 'signature'],
    ]);
    expect(release.files[0]).toEqual({ name: BINARY, kind: 'binary', os: 'linux', arch: 'amd64', size: binary.length, sha256: sha256(binary) });
    expect(release.files[1]).toMatchObject({ kind: 'compressed-binary', os: 'linux', arch: 'amd64', compression: 'xz', contains: BINARY, size: compressed.length, sha256: sha256(compressed) });
    for (const file of release.files) expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(publicationOrder(release).map((f) => f.name).slice(-2)).toEqual(['checksums.txt', 'checksums.txt.sig']);
  });

  it('refuses a build without artifacts.json, saying to rebuild', async () => {
    await refused({ prepare: (d) => rmSync(join(d, 'artifacts.json')) }, /has no artifacts\.json, the typed list of the build's files: rebuild it with this fctl-kit/);
  });

  it('refuses artifacts.json that is not JSON, too large, a symbolic link or a FIFO', async () => {
    await refused({ text: '{"format": ' }, /artifacts\.json is not JSON/);
    await refused({ text: `${' '.repeat(1024 * 1024)}{}` }, /artifacts\.json is 1048578 bytes, over the limit of 1048576/);
    await refused(
      {
        prepare: (d) => {
          writeFileSync(join(d, '..', `real-${cases}.json`), JSON.stringify(validList()));
          rmSync(join(d, 'artifacts.json'));
          symlinkSync(join(d, '..', `real-${cases}.json`), join(d, 'artifacts.json'));
        },
      },
      /artifacts\.json is a symbolic link/,
    );
    await refused(
      {
        prepare: (d) => {
          rmSync(join(d, 'artifacts.json'));
          execFileSync('mkfifo', [join(d, 'artifacts.json')]);
        },
      },
      /artifacts\.json is not a regular file/,
    );
  });

  it('refuses what the schema does not allow: another format, unknown kinds and fields, missing fields, bad values', async () => {
    await refused({ list: (l) => ((l as { format: string }).format = 'fctl-plugin-artifacts/v2') }, 'has format "fctl-plugin-artifacts/v2"; this version reads fctl-plugin-artifacts/v1');
    await refused({ list: (l) => ((entry(l, 'fctl-plugin-ledger.cjs') as { kind: string }).kind = 'plugin') }, /artifacts\[2\]\.kind must be one of binary, compressed-binary/);
    await refused({ list: (l) => Object.assign(entry(l, BINARY), { executable: true }) }, /artifacts\[0\] has unknown field "executable"/);
    await refused({ list: (l) => delete entry(l, BINARY).arch }, /artifacts\[0\]\.arch is missing/);
    await refused({ list: (l) => Object.assign(entry(l, BINARY), { os: 'freebsd' }) }, /artifacts\[0\]\.os must be one of linux, darwin, windows; got "freebsd"/);
    await refused({ list: (l) => Object.assign(entry(l, BINARY), { size: -1 }) }, /artifacts\[0\]\.size must be >= 0/);
    await refused({ list: (l) => Object.assign(entry(l, BINARY), { sha256: 'A'.repeat(64) }), checksums: (c) => c.set(BINARY, sha256(binary)) }, /artifacts\[0\]\.sha256 must be 64 lowercase hexadecimal digits/);
    await refused({ list: (l) => Object.assign(entry(l, 'checksums.txt'), { sha256: sha256('x') }), checksums: (c) => c.delete('checksums.txt') }, /artifacts\[5\] has unknown field "sha256"/);
    await refused({ list: (l) => Object.assign(l, { extra: 1 }) }, /has unknown field "extra"/);
    await refused({ list: (l) => l.artifacts.push(...Array.from({ length: 1000 }, (_, i) => ({ name: `f${i}`, kind: 'bundle' as const, size: 1, sha256: sha256('x') }))) }, /artifacts must list at most 1000 items/);
    await refused({ text: '[]' }, /artifacts\.json: must be an object/);
  });

  it('refuses names that are not release file names, and duplicates', async () => {
    // checksums.txt keeps the bundle's own name: what is checked is artifacts.json's.
    const renamed = (name: string): Attack => ({ list: (l) => (entry(l, 'fctl-plugin-ledger.cjs').name = name), checksums: (c) => (c.delete(name), c.set('fctl-plugin-ledger.cjs', sha256(bundle))) });
    await refused(renamed('../../x.cjs'), /artifacts\[2\]\.name must be a release file name/);
    await refused(renamed('nul.txt'), 'artifacts[2] (nul.txt): not a release file name');
    await refused(renamed('trailing.'), 'artifacts[2] (trailing.): not a release file name');
    await refused({ list: (l) => l.artifacts.push({ ...entry(l, 'fctl-plugin-ledger.cjs') }) }, /artifacts\[6\] \(fctl-plugin-ledger\.cjs\): fctl-plugin-ledger\.cjs is listed twice \(also artifacts\[2\]\)/);
  });

  it('refuses a binary not named for its platform and plugin, and fixed names changed', async () => {
    await refused({ list: (l) => Object.assign(entry(l, BINARY), { os: 'darwin' }) }, 'the darwin-amd64 binary of ledger must be named fctl-plugin-ledger-darwin-amd64');
    await refused({ list: (l) => Object.assign(entry(l, BINARY), { os: 'windows' }) }, 'must be named fctl-plugin-ledger-windows-amd64.exe');
    await refused({ list: (l) => (l.name = 'other') }, /the linux-amd64 binary of other must be named fctl-plugin-other-linux-amd64/);
    await refused({ list: (l) => (entry(l, 'manifest.json').kind = 'bundle') && (entry(l, 'fctl-plugin-ledger.cjs').kind = 'manifest') }, 'a manifest must be named manifest.json');
    await refused({ list: (l) => (entry(l, 'checksums.txt').kind = 'signature') }, 'a signature must be named checksums.txt.sig');
  });

  it('refuses a compressed binary that is not the compression of a binary of the list', async () => {
    await refused({ list: (l) => (entry(l, `${BINARY}.xz`).contains = 'fctl-plugin-ledger.cjs') }, 'contains "fctl-plugin-ledger.cjs", which is not a binary of the list');
    await refused({ list: (l) => Object.assign(entry(l, `${BINARY}.xz`), { arch: 'arm64' }) }, 'is for linux-arm64, but the binary it contains is for linux-amd64');
    await refused({ list: (l) => (entry(l, `${BINARY}.xz`).name = `${BINARY}.gz`) }, `a xz compression of ${BINARY} must be named ${BINARY}.xz`);
    await refused({ list: (l) => Object.assign(entry(l, `${BINARY}.xz`), { compression: 'zstd' }) }, /artifacts\[1\]\.compression must be "xz"/);
  });

  it('refuses a list that is not the checksums: a file in one only, other sha256s, artifacts.json unsigned', async () => {
    await refused({ checksums: (c) => c.set('extra.bin', sha256('x')), prepare: (d) => writeFileSync(join(d, 'extra.bin'), 'x') }, /checksums\.txt lists extra\.bin, but .*artifacts\.json does not/);
    await refused({ checksums: (c) => c.delete('fctl-plugin-ledger.cjs') }, /artifacts\.json lists fctl-plugin-ledger\.cjs, but checksums\.txt does not/);
    await refused({ checksums: (c) => c.set(BINARY, sha256('other')) }, new RegExp(`artifacts\\.json gives ${BINARY} sha256 [0-9a-f]{64}, but checksums\\.txt says ${sha256('other')}`));
    await refused({ checksums: (c) => c.delete('artifacts.json') }, /checksums\.txt does not list artifacts\.json: nothing would sign the list of files/);
    await refused({ list: (l) => (l.artifacts = l.artifacts.filter((e) => e.kind !== 'artifact-list')) }, 'it does not list artifacts.json (kind artifact-list)');
  });

  it('refuses files whose bytes are not what the lists say', async () => {
    // artifacts.json changed after checksums.txt was written (the attacker retyping a file).
    await refused({ prepare: (d) => writeFileSync(join(d, 'artifacts.json'), JSON.stringify(validList())) }, /artifacts\.json has sha256 [0-9a-f]{64}, but checksums\.txt says/);
    await refused({ prepare: (d) => writeFileSync(join(d, `${BINARY}.xz`), Buffer.concat([compressed, Buffer.alloc(4)])) }, new RegExp(`${BINARY}\\.xz has sha256`));
    // Both lists agree on a size the file does not have.
    await refused({ list: (l) => (entry(l, 'fctl-plugin-ledger.cjs').size = 1) }, /fctl-plugin-ledger\.cjs is 21 bytes, but artifacts\.json says 1/);
  });

  it('refuses a listed signature that is missing, and a list for another release than the manifest', async () => {
    await refused({ list: (l) => l.artifacts.push({ name: 'checksums.txt.sig', kind: 'signature' }) }, /artifacts\.json lists checksums\.txt\.sig, but .*checksums\.txt\.sig does not exist/);
    await refused({ list: (l) => l.artifacts.push({ name: 'checksums.txt.sigstore.json', kind: 'sigstore-bundle' }) }, /lists checksums\.txt\.sigstore\.json, but .* does not exist/);
    await refused({ list: (l) => (l.version = '3.2.1') }, 'artifacts.json is for ledger 3.2.1, but manifest.json for ledger 3.2.0');
  });

  it('refuses checksums.txt listing a signature file', async () => {
    await refused({ checksums: (c) => c.set('checksums.txt.sigstore.json', sha256('x')) }, /checksums\.txt lists checksums\.txt\.sigstore\.json, which cannot be checksummed by itself/);
  });
});
