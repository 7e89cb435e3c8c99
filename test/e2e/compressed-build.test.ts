// `fctl-kit build` with compression: each binary also as <binary>.xz that the xz tool and fctl's
// decoder turn back into exactly the binary, typed in artifacts.json, covered by checksums.txt
// (sha256sum -c), the same bytes on any number of threads, and published with the release. Preset 0 (the
// release default, 6, costs minutes per binary; the bytes are the same code path).
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentPlatform, decompressXz, parseArtifactList, platformId } from '@fctl-kit/artifacts';
import { compressFile } from '@fctl-kit/binaries';
import { fctlKit } from '../support/exec.js';
import { examplePluginDir } from '../support/paths.js';

const target = platformId(currentPlatform());
const BINARY = `fctl-plugin-ledger-${target}`;
let work: string;
let first: string;

async function build(out: string, args: string[] = ['--compression', '0'], env: NodeJS.ProcessEnv = {}) {
  const result = await fctlKit(['build', examplePluginDir, '--service-version', '3.2.0', '--out', out, '--targets', target, ...args], { env });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { compressed: Array<{ name: string; contains: string; sha256: string }>; binaries: Array<{ name: string; sha256: string }> };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'compressed-build-'));
  first = join(work, 'first');
  await build(first);
}, 600_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('a build with compression', () => {
  it('writes <binary>.xz, which xz -d and fctl decode to the binary; artifacts.json types it; checksums.txt covers both', async () => {
    const list = parseArtifactList(readFileSync(join(first, 'artifacts.json')), 'artifacts.json');
    const binary = list.artifacts.find((entry) => entry.kind === 'binary')!;
    const compressed = list.artifacts.find((entry) => entry.kind === 'compressed-binary')!;
    expect(binary.name).toBe(BINARY);
    expect(compressed).toEqual({ name: `${BINARY}.xz`, kind: 'compressed-binary', os: binary.os, arch: binary.arch, size: expect.any(Number), sha256: expect.any(String), compression: 'xz', contains: BINARY });
    expect(compressed.size!).toBeLessThan(binary.size! / 2);
    expect(list.artifacts.map((entry) => entry.kind)).toEqual(['binary', 'compressed-binary', 'bundle', 'manifest', 'scenarios', 'artifact-list', 'checksums']);
    // By hand, as docs/build.md says: sha256sum checks both, xz -d restores the binary.
    const checked = execFileSync('sha256sum', ['-c', 'checksums.txt'], { cwd: first, encoding: 'utf8' });
    for (const name of [BINARY, `${BINARY}.xz`, 'artifacts.json', 'scenarios.yaml']) expect(checked).toContain(`${name}: OK`);
    const restored = execFileSync('xz', ['-dc', `${BINARY}.xz`], { cwd: first, maxBuffer: 512 * 1024 * 1024 });
    expect(restored.equals(readFileSync(join(first, BINARY)))).toBe(true);
    const decoded = await decompressXz(createReadStream(join(first, `${BINARY}.xz`)), () => {}, { source: `${BINARY}.xz`, maxBytes: binary.size! });
    expect(decoded).toEqual({ compressed: { size: compressed.size, sha256: compressed.sha256 }, decompressed: { size: binary.size, sha256: binary.sha256 } });
    expect(readFileSync(join(first, 'scenarios.yaml')).equals(readFileSync(join(examplePluginDir, 'compat', 'scenarios.yaml')))).toBe(true);
  }, 120_000);

  it('is a function of the binary alone: compressing it again, on one thread, gives the same bytes', async () => {
    // (The binary itself is reproducible: binaries.test.ts builds twice.)
    const again = join(work, 'again.xz');
    await compressFile(join(first, BINARY), again, 0, 1);
    expect(readFileSync(again).equals(readFileSync(join(first, `${BINARY}.xz`)))).toBe(true);
  }, 600_000);

  it('is published with the release, and a build without compression has no .xz', async () => {
    const site = join(work, 'site');
    const published = await fctlKit(['publish', first, '--to', site]);
    expect(published.code, published.stderr).toBe(0);
    expect(readdirSync(join(site, 'ledger', '3.2.0')).sort()).toEqual([BINARY, `${BINARY}.xz`, 'artifacts.json', 'checksums.txt', 'fctl-plugin-ledger.cjs', 'manifest.json', 'scenarios.yaml'].sort());
    const plain = join(work, 'plain');
    const summary = await build(plain, [], { FCTL_KIT_COMPRESSION: 'none' });
    expect(summary.compressed).toEqual([]);
    expect(existsSync(join(plain, `${BINARY}.xz`))).toBe(false);
    expect(parseArtifactList(readFileSync(join(plain, 'artifacts.json')), 'artifacts.json').artifacts.some((entry) => entry.kind === 'compressed-binary')).toBe(false);
    const refused = await fctlKit(['build', examplePluginDir, '--service-version', '3.2.0', '--out', join(work, 'x'), '--compression', 'best']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('--compression must be an xz preset 0 (fastest) to 9 (smallest) or "none"; got "best"');
  }, 600_000);
});
