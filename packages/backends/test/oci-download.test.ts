// The oci backend's download side against a hostile registry (a server on 127.0.0.1 answering what
// an attacker would): a manifest that is not an fctl artifact, layers without a sha256 digest (a
// path instead), two layers with one title, a blob whose bytes are not its digest. Every one is
// refused with the place named, and no blob URL is ever built from an unchecked digest.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DownloadError, type SourceFiles } from '../src/distribution-backend.js';
import { ARTIFACT_TYPE, EMPTY_CONFIG } from '../src/oci/artifact.js';
import { ociBackend } from '../src/oci/backend.js';

const payload = Buffer.from('the binary');
const digest = `sha256:${createHash('sha256').update(payload).digest('hex')}`;
const file = 'fctl-plugin-ledger-linux-amd64';
let server: Server;
let host: string;
let manifest: unknown;
let blob: Buffer;
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    if (request.url === '/v2/fctl/ledger/manifests/3.2.0') {
      response.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
    } else if (request.url === `/v2/fctl/ledger/blobs/${digest}`) {
      response.writeHead(200, { 'content-length': String(blob.length) }).end(blob);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  requests.length = 0;
  blob = payload;
  manifest = artifact([{ mediaType: 'application/vnd.fctl.plugin.binary.v1', digest, size: payload.length, annotations: { 'org.opencontainers.image.title': file } }]);
});

const artifact = (layers: unknown[]) => ({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: ARTIFACT_TYPE, config: EMPTY_CONFIG, layers });
const files = (repository: unknown = `${host}/fctl/ledger`, version = '3.2.0'): SourceFiles =>
  ociBackend.files({ backend: 'oci', repository: repository as string }, { name: 'ledger', version, platform: { os: 'linux', arch: 'amd64' } }, { DOCKER_CONFIG: '/nonexistent-docker-config' });

async function read(source: SourceFiles, name = file): Promise<Buffer> {
  const opened = await source.open(name, AbortSignal.timeout(10_000));
  const chunks: Buffer[] = [];
  for await (const chunk of opened.body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function refused(promise: Promise<unknown>): Promise<DownloadError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(DownloadError);
  return error as DownloadError;
}

describe('the download side', () => {
  it('reads the layer titled with the file, verified, and the manifest once per release', async () => {
    const source = files();
    expect(source.describe(file)).toBe(`oci://${host}/fctl/ledger:3.2.0 (${file})`);
    expect(await read(source)).toEqual(payload);
    expect(await read(source)).toEqual(payload);
    expect(requests.filter((r) => r.includes('/manifests/'))).toHaveLength(1);
  });

  it('refuses bytes that are not the layer digest, after streaming them', async () => {
    blob = Buffer.from('the binarY');
    const error = await refused(read(files()));
    expect(error.message).toBe(`oci://${host}/fctl/ledger:3.2.0 (${file}) has digest sha256:${createHash('sha256').update(blob).digest('hex')}, but its manifest says ${digest}`);
    expect(error.transient).toBe(false);
  });

  it('refuses a manifest that is not an fctl plugin artifact, or not JSON, or without layers', async () => {
    manifest = { ...artifact([]), artifactType: 'application/vnd.example.other' };
    expect((await refused(read(files()))).message).toBe(`oci://${host}/fctl/ledger:3.2.0 is not an fctl plugin artifact (artifactType application/vnd.example.other)`);
    manifest = '{"artifactType": ';
    expect((await refused(read(files()))).message).toBe(`oci://${host}/fctl/ledger:3.2.0: the registry answered a manifest that is not JSON`);
    manifest = { ...artifact([]), layers: 'none' };
    expect((await refused(read(files()))).message).toBe(`oci://${host}/fctl/ledger:3.2.0: the manifest has no layers`);
    manifest = artifact([]);
    expect((await refused(read(files()))).message).toBe(`oci://${host}/fctl/ledger:3.2.0 (${file}): the artifact has no layer titled ${file}`);
  });

  it('never builds a blob URL from a digest that is not sha256:<64 hex>, nor trusts a layer without a size', async () => {
    for (const bad of ['sha256:../../../v2/other/blobs/x', `sha512:${'a'.repeat(128)}`, `${digest}?x=1`, 42]) {
      manifest = artifact([{ mediaType: 'x', digest: bad, size: 10, annotations: { 'org.opencontainers.image.title': file } }]);
      expect((await refused(read(files()))).message).toBe(`oci://${host}/fctl/ledger:3.2.0: layer 0 ("${file}") has no sha256 digest`);
    }
    manifest = artifact([{ mediaType: 'x', digest, size: -1, annotations: { 'org.opencontainers.image.title': file } }]);
    expect((await refused(read(files()))).message).toBe(`oci://${host}/fctl/ledger:3.2.0: layer 0 ("${file}") has no valid size`);
    expect(requests.filter((r) => r.includes('/blobs/'))).toEqual([]);
  });

  it('refuses two layers with one title (which one would be installed?)', async () => {
    const layer = { mediaType: 'x', digest, size: payload.length, annotations: { 'org.opencontainers.image.title': file } };
    manifest = artifact([layer, { ...layer }]);
    expect((await refused(read(files()))).message).toBe(`oci://${host}/fctl/ledger:3.2.0: the manifest has two layers titled "${file}"`);
  });

  it('refuses a registry source that is not a repository, or a version that is not a tag, before any request', async () => {
    expect((await refused(read(files(null)))).message).toBe(`the registry's oci source for ledger names no repository`);
    expect((await refused(read(files('https://evil.example/../x')))).message).toMatch(/^the registry's oci source for ledger: .* is not a valid OCI repository name/);
    expect((await refused(read(files(`${host}/fctl/ledger`, '3.2.0/../../x')))).message).toMatch(/cannot be an OCI tag/);
    expect(requests).toEqual([]);
  });

  it('a missing tag says so and is not retried', async () => {
    const error = await refused(read(files(`${host}/fctl/absent`)));
    expect(error.message).toBe(`oci://${host}/fctl/absent:3.2.0 does not exist`);
    expect(error.transient).toBe(false);
  });
});

describe('inspect, with a build an attacker wrote', () => {
  it('asks the registry nothing with a version that is not a tag or a sha256 that is not one', async () => {
    const config = { backend: 'oci' as const, to: `${host}/fctl/ledger` };
    const context = { env: { DOCKER_CONFIG: '/nonexistent-docker-config' } };
    const release = { dir: '/build', name: 'ledger', version: '3.2.0', files: [{ name: 'checksums.txt', kind: 'checksums' as const, size: 1, sha256: 'a'.repeat(64) }] };
    await expect(ociBackend.inspect(config, { ...release, version: '../../blobs/x' }, context)).rejects.toThrow(/cannot be an OCI tag/);
    await expect(ociBackend.inspect(config, { ...release, files: [{ ...release.files[0]!, sha256: '../x' }] }, context)).rejects.toThrow('/build: checksums.txt has no sha256 (64 lowercase hexadecimal digits)');
    expect(requests).toEqual([]);
    expect(ociBackend.plan(config, { ...release, files: [{ ...release.files[0]!, sha256: '../x' }] }, { present: [] }).refusals).toContain('checksums.txt has no sha256 (64 lowercase hexadecimal digits)');
  });
});
