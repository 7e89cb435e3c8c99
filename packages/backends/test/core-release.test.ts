// A release of fctl itself published through the plugin backends: a url directory and a real OCI
// registry (Debian's docker-registry on 127.0.0.1); what was published is what the download side of
// each backend then serves under the release name "fctl".
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { formatChecksums, signChecksums } from '@fctl-kit/artifacts';
import { backendNamed, CORE_RELEASE_NAME, corePlatformOf, publishCoreRelease, readCoreRelease, type PublishContext, type RegistrySource } from '../src/index.js';
import { parseRegistry, registerCoreRelease } from '@fctl-kit/registry';
import { startOciRegistry, type OciRegistry } from '../../../test/support/oci-registry.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const context: PublishContext = { env: { DOCKER_CONFIG: '/nonexistent-docker-config' } };
const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
let oci: OciRegistry;
let work: string;

function coreBuild(dir: string, binaries: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(binaries)) writeFileSync(join(dir, name), text);
  const checksums = formatChecksums(Object.entries(binaries).map(([name, text]) => ({ name, sha256: sha256(Buffer.from(text)) })));
  writeFileSync(join(dir, 'checksums.txt'), checksums);
  for (const file of signChecksums(checksums, keys.privateKey)) writeFileSync(join(dir, file.name), file.contents);
}

async function read(source: RegistrySource, version: string, file: string): Promise<Buffer> {
  const opened = await backendNamed(source.backend).files(source, { name: CORE_RELEASE_NAME, version, platform: { os: 'linux', arch: 'amd64' } }, context.env).open(file, new AbortController().signal);
  const chunks: Uint8Array[] = [];
  for await (const chunk of opened.body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  oci = await startOciRegistry({ kind: 'anonymous' });
  work = mkdtempSync(join(tmpdir(), 'core-release-'));
}, 30_000);
afterAll(async () => {
  await oci?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

it('names the platform of core binaries only', () => {
  expect(corePlatformOf('fctl-linux-amd64')).toEqual({ os: 'linux', arch: 'amd64' });
  expect(corePlatformOf('fctl-windows-arm64.exe')).toEqual({ os: 'windows', arch: 'arm64' });
  for (const name of ['fctl-windows-amd64', 'fctl-linux-amd64.exe', 'fctl-plugin-ledger-linux-amd64', 'fctl-linux-x64', '../fctl-linux-amd64']) expect(corePlatformOf(name)).toBeUndefined();
});

it('publishes to a url directory and an OCI repository, each serving the same bytes back; again, it skips everything', async () => {
  const dir = join(work, 'build-0.2.0');
  coreBuild(dir, { 'fctl-linux-amd64': 'linux binary', 'fctl-darwin-arm64': 'darwin binary' });
  const configs = [
    { backend: 'url', to: join(work, 'site') },
    { backend: 'oci', to: `${oci.host}/fctl/core` },
  ];
  const runs = await publishCoreRelease(dir, '0.2.0', configs, context);
  const sources = runs.map((run) => run.plan.source);
  expect(sources).toEqual([
    { backend: 'url', url: expect.stringMatching(/\/site\/\{name\}\/\{version\}\/\{file\}$/) },
    { backend: 'oci', repository: `${oci.host}/fctl/core` },
  ]);
  expect(readFileSync(join(work, 'site', 'fctl', '0.2.0', 'fctl-linux-amd64'), 'utf8')).toBe('linux binary');
  for (const source of sources) {
    expect((await read(source, '0.2.0', 'fctl-linux-amd64')).toString()).toBe('linux binary');
    expect(await read(source, '0.2.0', 'checksums.txt')).toEqual(readFileSync(join(dir, 'checksums.txt')));
    expect(await read(source, '0.2.0', 'checksums.txt.sig')).toEqual(readFileSync(join(dir, 'checksums.txt.sig')));
  }
  // Registered with the sources each backend says it serves from, in the order published.
  const checksumsSha256 = sha256(readFileSync(join(dir, 'checksums.txt')));
  const { text } = registerCoreRelease('plugins: {}\n', 'registry.yaml', '0.2.0', { checksumsSha256, protocolVersions: [1, 2], sources });
  expect(parseRegistry(text, 'registry.yaml').cores!.versions['0.2.0']).toEqual({ checksumsSha256, protocolVersions: [1, 2], sources });
  const again = await publishCoreRelease(dir, '0.2.0', configs, context);
  for (const run of again) expect(run.plan.actions.filter((action) => action.action === 'upload')).toEqual([]);
}, 60_000);

it('refuses a build whose checksums.txt lists something else or does not match, and a version that is not semver', async () => {
  const other = join(work, 'build-other');
  coreBuild(other, { 'fctl-plugin-ledger-linux-amd64': 'x' });
  await expect(readCoreRelease(other, '0.3.0')).rejects.toThrow('lists fctl-plugin-ledger-linux-amd64, which is not a core binary (fctl-OS-ARCH[.exe])');
  const changed = join(work, 'build-changed');
  coreBuild(changed, { 'fctl-linux-amd64': 'x' });
  writeFileSync(join(changed, 'fctl-linux-amd64'), 'y');
  await expect(readCoreRelease(changed, '0.3.0')).rejects.toThrow('fctl-linux-amd64 has sha256');
  await expect(readCoreRelease(changed, 'v0.3.0')).rejects.toThrow('"v0.3.0" is not a released version');
});

it('refuses to publish a version again with other bytes', async () => {
  const dir = join(work, 'build-0.2.0-forged');
  coreBuild(dir, { 'fctl-linux-amd64': 'forged binary', 'fctl-darwin-arm64': 'darwin binary' });
  await expect(publishCoreRelease(dir, '0.2.0', [{ backend: 'url', to: join(work, 'site') }], context)).rejects.toThrow('already exists with other bytes');
}, 30_000);
