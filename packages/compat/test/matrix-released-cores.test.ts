// releasedCores: the registry's cores fetched through the url backend from a server on 127.0.0.1
// that counts requests, verified (pin, signature, checksums.txt), into the content-addressed store
// shared by every provider on the machine; reused with no request; a corrupted store refetched;
// hostile releases and registries refused with nothing left behind.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatChecksums, generateSigningKey, loadPrivateKey, signBlob } from '@fctl-kit/artifacts';
import { parseRegistry, type RegistryDocument } from '@fctl-kit/registry';
import { combineCores, PlanError, releasedCores, type CoreProvider } from '../src/index.js';
import { startReleaseServer, type ReleaseServer } from '../../../test/support/release-server.js';

const platform = { os: 'linux', arch: 'amd64' } as const;
const BINARY = 'fctl-linux-amd64';
const keys = generateSigningKey();
const sha256 = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex');
let server: ReleaseServer;
let work: string;
let cacheDir: string;

/** A core release on the server: its binary, checksums.txt (listing `listed` when given) and signature; returns the pin. */
function publish(version: string, binary: string, options: { listed?: string; key?: string } = {}): string {
  const checksums = formatChecksums([{ name: BINARY, sha256: options.listed ?? sha256(binary) }]);
  server.files.set(`/fctl/${version}/${BINARY}`, Buffer.from(binary));
  server.files.set(`/fctl/${version}/checksums.txt`, Buffer.from(checksums));
  server.files.set(`/fctl/${version}/checksums.txt.sig`, Buffer.from(`${signBlob(Buffer.from(checksums), loadPrivateKey(options.key ?? keys.privateKey, 'key'))}\n`));
  return sha256(checksums);
}

function registry(versions: Record<string, { pin: string; protocols?: number[]; url?: string }>, publicKey = true): RegistryDocument {
  return parseRegistry(
    JSON.stringify({
      plugins: {},
      cores: {
        ...(publicKey ? { publicKey: keys.publicKey } : {}),
        sources: [{ backend: 'url', url: `${server.url}/{name}/{version}/{file}` }],
        versions: Object.fromEntries(
          Object.entries(versions).map(([version, entry]) => [version, { checksumsSha256: entry.pin, protocolVersions: entry.protocols ?? [1, 2], ...(entry.url ? { sources: [{ backend: 'url', url: entry.url }] } : {}) }]),
        ),
      },
    }),
    'registry.json',
  );
}

const requests = (version: string, file = BINARY) => server.requests.get(`/fctl/${version}/${file}`) ?? 0;
const allRequests = () => [...server.requests.values()].reduce((a, b) => a + b, 0);
const store = () => join(cacheDir, 'cores', 'sha256');
/** What the cores directory holds: the store's files, and anything else (staging, locks) by name. */
const leftovers = () => ({ cores: readdirSync(join(cacheDir, 'cores')).sort(), store: existsSync(store()) ? readdirSync(store()).sort() : [] });

beforeAll(async () => {
  server = await startReleaseServer();
  work = mkdtempSync(join(tmpdir(), 'released-cores-'));
});
afterAll(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});
beforeEach(() => {
  cacheDir = mkdtempSync(join(work, 'cache-'));
  server.requests.clear();
});

describe('listing', () => {
  it('lists every released version, ascending, with the protocol versions it offers, before anything is fetched', () => {
    const provider = releasedCores(registry({ '0.10.0': { pin: 'a'.repeat(64) }, '0.2.0': { pin: 'b'.repeat(64), protocols: [1] } }), { cacheDir, platform });
    expect(provider.cores).toEqual([
      { version: '0.2.0', protocolVersions: [1] },
      { version: '0.10.0', protocolVersions: [1, 2] },
    ]);
    expect(allRequests()).toBe(0);
  });

  it('refuses a registry without cores', () => {
    expect(() => releasedCores(parseRegistry('plugins: {}\n', 'r'), { cacheDir, platform })).toThrow(PlanError);
    expect(() => releasedCores(parseRegistry('plugins: {}\n', 'r'), { cacheDir, platform })).toThrow('the registry lists no released cores');
  });
});

describe('fetching', () => {
  it('downloads once, verified, into <cache>/cores/sha256/<hex>; the same provider, another one, and a concurrent pair make no further download', async () => {
    const pin = publish('0.3.0', '#!/bin/sh\necho fctl 0.3.0\n');
    const document = registry({ '0.3.0': { pin } });
    const lines: string[] = [];
    const first = releasedCores(document, { cacheDir, platform, onDownload: (line) => lines.push(line) });
    const core = await first.core('0.3.0');
    const hex = sha256('#!/bin/sh\necho fctl 0.3.0\n');
    expect(core).toEqual({ path: join(store(), hex), sha256: hex });
    expect(readFileSync(core.path, 'utf8')).toBe('#!/bin/sh\necho fctl 0.3.0\n');
    expect(statSync(core.path).mode & 0o777).toBe(0o755);
    expect([requests('0.3.0', 'checksums.txt'), requests('0.3.0', 'checksums.txt.sig'), requests('0.3.0')]).toEqual([1, 1, 1]);
    expect(lines).toEqual([`Downloading fctl 0.3.0 (linux/amd64) from ${server.url}/fctl/0.3.0/${BINARY}`]);
    expect(leftovers()).toEqual({ cores: ['sha256'], store: [pin, hex].sort() });

    server.requests.clear();
    expect(await first.core('0.3.0')).toEqual(core);
    expect(await releasedCores(document, { cacheDir, platform }).core('0.3.0')).toEqual(core);
    expect(allRequests()).toBe(0);
  });

  it('two providers (as two matrix processes) fetching at once download once, holding the lock', async () => {
    const pin = publish('0.4.0', 'core 0.4.0');
    const document = registry({ '0.4.0': { pin } });
    const [a, b] = await Promise.all([releasedCores(document, { cacheDir, platform }).core('0.4.0'), releasedCores(document, { cacheDir, platform }).core('0.4.0')]);
    expect(a).toEqual(b);
    expect(requests('0.4.0')).toBe(1);
    expect(requests('0.4.0', 'checksums.txt')).toBe(1);
  });

  it('a corrupted binary or checksums.txt in the store is detected and fetched again', async () => {
    const pin = publish('0.5.0', 'core 0.5.0');
    const document = registry({ '0.5.0': { pin } });
    const core = await releasedCores(document, { cacheDir, platform }).core('0.5.0');
    writeFileSync(core.path, 'core 0.5.0 but truncated or tampered');
    expect(await releasedCores(document, { cacheDir, platform }).core('0.5.0')).toEqual(core);
    expect(readFileSync(core.path, 'utf8')).toBe('core 0.5.0');
    expect(requests('0.5.0')).toBe(2);
    writeFileSync(join(store(), pin), 'not the pinned checksums');
    expect(await releasedCores(document, { cacheDir, platform }).core('0.5.0')).toEqual(core);
    expect(requests('0.5.0', 'checksums.txt')).toBe(2);
    expect(requests('0.5.0')).toBe(2);
  });

  it('removes the staging directory a killed fetch left, not one of a live process', async () => {
    const pin = publish('0.7.0', 'core 0.7.0');
    const dead = join(cacheDir, 'cores', '.staging-2147483646-abcdef');
    const live = join(cacheDir, 'cores', `.staging-${process.ppid}-abcdef`);
    mkdirSync(dead, { recursive: true });
    mkdirSync(live, { recursive: true });
    writeFileSync(join(dead, BINARY), 'half a download');
    await releasedCores(registry({ '0.7.0': { pin } }), { cacheDir, platform }).core('0.7.0');
    expect(leftovers().cores).toEqual([`.staging-${process.ppid}-abcdef`, 'sha256']);
  });

  it('without a publisher key, the pin alone authenticates (no signature fetched)', async () => {
    const pin = publish('0.6.0', 'core 0.6.0');
    await releasedCores(registry({ '0.6.0': { pin } }, false), { cacheDir, platform }).core('0.6.0');
    expect(requests('0.6.0', 'checksums.txt.sig')).toBe(0);
  });
});

describe('digest (the cell key)', () => {
  it('on an empty store fetches the core (verified) and gives its sha256; afterwards comes from the stored checksums.txt with no request and no read of the binary', async () => {
    const pin = publish('0.8.0', 'core 0.8.0');
    const document = registry({ '0.8.0': { pin } });
    expect(await releasedCores(document, { cacheDir, platform }).digest('0.8.0')).toBe(sha256('core 0.8.0'));
    expect(requests('0.8.0')).toBe(1);
    expect(leftovers()).toEqual({ cores: ['sha256'], store: [pin, sha256('core 0.8.0')].sort() });

    server.requests.clear();
    // The binary gone (or replaced): the digest still names the release's binary; core() then fetches it again.
    rmSync(join(store(), sha256('core 0.8.0')));
    const provider = releasedCores(document, { cacheDir, platform });
    expect(await provider.digest('0.8.0')).toBe(sha256('core 0.8.0'));
    expect(allRequests()).toBe(0);
    expect((await provider.core('0.8.0')).sha256).toBe(sha256('core 0.8.0'));
    expect(requests('0.8.0')).toBe(1);
  });

  it('a stored checksums.txt that is not the pinned one is not believed: the release is fetched again', async () => {
    const pin = publish('0.9.0', 'core 0.9.0');
    const document = registry({ '0.9.0': { pin } });
    await releasedCores(document, { cacheDir, platform }).core('0.9.0');
    writeFileSync(join(store(), pin), formatChecksums([{ name: BINARY, sha256: 'f'.repeat(64) }]));
    server.requests.clear();
    expect(await releasedCores(document, { cacheDir, platform }).digest('0.9.0')).toBe(sha256('core 0.9.0'));
    expect(requests('0.9.0', 'checksums.txt')).toBe(1);
  });

  it('fails as core() does for a version the registry does not have, and is asked again next time', async () => {
    const provider = releasedCores(registry({ '1.6.0': { pin: 'e'.repeat(64) } }), { cacheDir, platform });
    await expect(provider.digest('9.9.9')).rejects.toThrow('the registry has no released core "9.9.9"');
    await expect(provider.digest('1.6.0')).rejects.toThrow('cannot fetch the core fctl@1.6.0');
    expect(requests('1.6.0', 'checksums.txt')).toBe(1);
    await expect(provider.digest('1.6.0')).rejects.toThrow('cannot fetch the core fctl@1.6.0');
    expect(requests('1.6.0', 'checksums.txt')).toBe(2);
  });
});

describe('hostile inputs: refused, nothing left in the cache', () => {
  const expectRefused = async (document: RegistryDocument, version: string, message: string) => {
    await expect(releasedCores(document, { cacheDir, platform }).core(version)).rejects.toThrow(message);
    expect(leftovers()).toEqual({ cores: ['sha256'], store: [] });
  };

  it('a checksums.txt that is not the pinned one', async () => {
    publish('1.0.0', 'forged core');
    await expectRefused(registry({ '1.0.0': { pin: 'c'.repeat(64) } }), '1.0.0', `cannot fetch the core fctl@1.0.0: checksums.txt from ${server.url}/fctl/1.0.0/checksums.txt has sha256`);
    expect(requests('1.0.0')).toBe(0);
  });

  it('a binary that does not match checksums.txt', async () => {
    const pin = publish('1.1.0', 'forged core', { listed: sha256('the released core') });
    await expectRefused(registry({ '1.1.0': { pin } }), '1.1.0', `${BINARY} from ${server.url}/fctl/1.1.0/${BINARY} has sha256 ${sha256('forged core')}, but checksums.txt says ${sha256('the released core')}`);
  });

  it('a checksums.txt signed by another key', async () => {
    const pin = publish('1.2.0', 'core', { key: generateSigningKey().privateKey });
    await expectRefused(registry({ '1.2.0': { pin } }), '1.2.0', "the signature of checksums.txt does not verify with the publisher's public key");
    expect(requests('1.2.0')).toBe(0);
  });

  it('a redirect elsewhere', async () => {
    const pin = publish('1.3.0', 'core');
    server.faults.set(`/fctl/1.3.0/${BINARY}`, [{ kind: 'status', status: 302, headers: { location: 'http://10.20.30.40/fctl' } }]);
    await expectRefused(registry({ '1.3.0': { pin } }), '1.3.0', 'redirected to http://10.20.30.40/fctl');
  });

  it('a registry entry pointing at a local path', async () => {
    const local = join(work, 'local');
    await expectRefused(registry({ '1.4.0': { pin: 'd'.repeat(64), url: `${local}/{name}/{version}/{file}` } }), '1.4.0', `is a local path; a released core is fetched from where it was published (http(s))`);
    await expectRefused(registry({ '1.4.0': { pin: 'd'.repeat(64), url: `file://${local}/{file}` } }), '1.4.0', 'is a local path');
  });

  it('a version the registry does not list, and a release without a build for this platform', async () => {
    await expect(releasedCores(registry({ '1.5.0': { pin: 'e'.repeat(64) } }), { cacheDir, platform }).core('9.9.9')).rejects.toThrow('the registry has no released core "9.9.9"');
    const pin = publish('1.5.0', 'core');
    await expect(releasedCores(registry({ '1.5.0': { pin } }), { cacheDir, platform: { os: 'darwin', arch: 'arm64' } }).core('1.5.0')).rejects.toThrow(
      'the release fctl@1.5.0 has no build for darwin/arm64 (its checksums.txt does not list fctl-darwin-arm64)',
    );
  });
});

describe('combineCores (released cores and a local build as one provider)', () => {
  const provider = (versions: string[]): CoreProvider => ({
    cores: versions.map((version) => ({ version, protocolVersions: [1] })),
    core: async (version) => ({ path: `/cores/${version}`, sha256: sha256(version) }),
    digest: async (version) => sha256(version),
  });

  it('keeps the versions asked for, each from its provider', async () => {
    const combined = combineCores([provider(['0.1.0', '0.2.0']), provider(['0.0.0-local'])], (version) => version !== '0.1.0');
    expect(combined.cores.map((core) => core.version)).toEqual(['0.2.0', '0.0.0-local']);
    expect(await combined.core('0.0.0-local')).toEqual({ path: '/cores/0.0.0-local', sha256: sha256('0.0.0-local') });
    expect(await combined.digest('0.2.0')).toBe(sha256('0.2.0'));
    await expect(combined.core('0.1.0')).rejects.toThrow('no core "0.1.0"');
    await expect(combined.digest('0.1.0')).rejects.toThrow('no core "0.1.0"');
  });

  it('refuses a version two providers have', () => {
    expect(() => combineCores([provider(['0.2.0']), provider(['0.2.0'])])).toThrow('two cores are labelled 0.2.0');
  });
});
