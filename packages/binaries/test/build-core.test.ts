// fctl built as a release, like a plugin: the host platform only (a SEA build costs seconds), each
// core once for the file.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseChecksums, sha256File, verifyBlob } from '@fctl-kit/artifacts';
import { buildCore, coreBinaryFileName, hostTarget, type CoreBuildSummary } from '../src/index.js';
import { HEAVY_TEST_MS } from './runtimes.js';

const coreDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'core');
const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
let work: string;
let full: CoreBuildSummary;
let pinned: CoreBuildSummary;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'build-core-'));
  const targets = [hostTarget().id];
  full = await buildCore({ coreDir, outDir: join(work, '0.2.0'), version: '0.2.0', targets, signingKey: keys.privateKey });
  pinned = await buildCore({ coreDir, outDir: join(work, '0.1.0'), version: '0.1.0', protocolVersions: [1], targets });
}, 4 * HEAVY_TEST_MS);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const fctl = (summary: CoreBuildSummary, args: string[], env: NodeJS.ProcessEnv = {}) =>
  execFileSync(join(summary.outDir, coreBinaryFileName(hostTarget())), args, { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: work, ...env } });

it('writes fctl-OS-ARCH and checksums.txt listing it, signed with the release key', async () => {
  const name = coreBinaryFileName(hostTarget());
  expect(readdirSync(full.outDir).sort()).toEqual(['checksums.txt', 'checksums.txt.sig', 'checksums.txt.sigstore.json', name].sort());
  const text = readFileSync(join(full.outDir, 'checksums.txt'));
  expect([...parseChecksums(text.toString())]).toEqual([[name, await sha256File(join(full.outDir, name))]]);
  expect(full.binaries).toEqual([{ target: hostTarget().id, name, size: expect.any(Number), sha256: await sha256File(join(full.outDir, name)) }]);
  expect(verifyBlob(text, readFileSync(join(full.outDir, 'checksums.txt.sig'), 'utf8').trim(), keys.publicKey.export({ type: 'spki', format: 'pem' }) as string)).toBe(true);
  expect(readdirSync(pinned.outDir).sort()).toEqual(['checksums.txt', name].sort());
}, HEAVY_TEST_MS);

it('runs without Node or the repository, reporting the version it was built as', () => {
  expect(fctl(full, ['version'])).toMatch(/^fctl 0\.2\.0 /);
  expect(fctl(pinned, ['version'])).toMatch(/^fctl 0\.1\.0 /);
}, HEAVY_TEST_MS);

it('a build given protocolVersions speaks only those, as an older fctl: the variable can narrow the default build, not widen the pinned one', () => {
  expect(fctl(full, ['version'])).toBe('fctl 0.2.0 (plugin protocol v1, v2)\n');
  expect(fctl(full, ['version'], { FCTL_PROTOCOL_VERSIONS: '1' })).toBe('fctl 0.2.0 (plugin protocol v1)\n');
  expect(fctl(pinned, ['version'])).toBe('fctl 0.1.0 (plugin protocol v1)\n');
  expect(fctl(pinned, ['version'], { FCTL_PROTOCOL_VERSIONS: '1,2' })).toBe('fctl 0.1.0 (plugin protocol v1)\n');
}, HEAVY_TEST_MS);
