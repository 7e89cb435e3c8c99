// The url backend's plan is what apply does: for a directory and for an HTTP PUT server on
// 127.0.0.1, a dry run's plan equals the real run's actions on a fresh target, a partly published
// one, a fully published one, and one holding other bytes (refused by both, nothing written).
// Then what an attacker would try: a server holding a longer file, one that ignores PUTs or
// rewrites them, a plan with refusals handed straight to apply, targets outside the policy.
import { createHash, randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendNamed, publishWith, type PublishConfig, type PublishContext, type ReleaseArtifacts } from '../src/index.js';
import { urlBackend } from '../src/url/backend.js';
import { startReleaseServer, type ReleaseServer } from '../../../test/support/release-server.js';

const BINARY = 'fctl-plugin-ledger-linux-amd64';
const FILES = [BINARY, 'manifest.json', 'checksums.txt', 'checksums.txt.sig'];
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const context: PublishContext = { env: {} };
let work: string;
let release: ReleaseArtifacts;
let server: ReleaseServer;

/** A build directory and its typed file list, as readBuildRelease gives it (publication order: checksums last). */
function makeRelease(dir: string): ReleaseArtifacts {
  mkdirSync(dir, { recursive: true });
  const contents: Record<string, Buffer> = {
    [BINARY]: randomBytes(300 * 1024),
    'manifest.json': Buffer.from(JSON.stringify({ name: 'ledger', version: '3.2.0' })),
  };
  contents['checksums.txt'] = Buffer.from(`${sha256(contents[BINARY]!)}  ${BINARY}\n${sha256(contents['manifest.json']!)}  manifest.json\n`);
  contents['checksums.txt.sig'] = Buffer.from('c2lnbmF0dXJl\n');
  for (const [name, bytes] of Object.entries(contents)) writeFileSync(join(dir, name), bytes);
  const kinds = { [BINARY]: 'binary', 'manifest.json': 'manifest', 'checksums.txt': 'checksums', 'checksums.txt.sig': 'signature' } as const;
  return {
    dir,
    name: 'ledger',
    version: '3.2.0',
    files: FILES.map((name) => ({ name, kind: kinds[name as keyof typeof kinds], size: contents[name]!.length, sha256: sha256(contents[name]!), ...(name === BINARY ? { os: 'linux' as const, arch: 'amd64' as const } : {}) })),
  };
}

/** Publishes twice, once as a dry run and once for real; the real run did what the dry run planned. */
async function dryThenReal(config: PublishConfig) {
  const dry = await publishWith(config, release, context, { dryRun: true });
  if (!dry.dryRun) throw new Error('not a dry run');
  const real = await publishWith(config, release, context);
  if (real.dryRun) throw new Error('a dry run');
  expect(real.outcome.actions).toEqual(dry.plan.actions);
  expect(real.plan.actions).toEqual(dry.plan.actions);
  return { plan: dry.plan, outcome: real.outcome };
}

/** The dry run's refusals, and the real run failing with exactly them. */
async function refusedByBoth(config: PublishConfig): Promise<string[]> {
  const dry = await publishWith(config, release, context, { dryRun: true });
  expect(dry.plan.refusals.length).toBeGreaterThan(0);
  const failure = await publishWith(config, release, context).then(
    () => undefined,
    (error: Error) => error.message,
  );
  expect(failure).toBe(dry.plan.refusals.length === 1 ? dry.plan.refusals[0] : `cannot publish to ${dry.plan.location}:\n${dry.plan.refusals.map((r) => `  - ${r}`).join('\n')}`);
  return dry.plan.refusals;
}

function snapshot(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  return Object.fromEntries(
    readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .sort()
      .map((path) => [path, statSync(join(dir, path)).isFile() ? sha256(readFileSync(join(dir, path))) : 'dir']),
  );
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'url-plan-'));
  release = makeRelease(join(work, 'build'));
  server = await startReleaseServer();
});
afterAll(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('url to a directory: plan == apply', { timeout: 30_000 }, () => {
  it('a fresh target: every file uploaded into staging, then renamed into place; the source is its file URL', async () => {
    const site = join(work, 'site-fresh');
    const { plan, outcome } = await dryThenReal({ backend: 'url', to: site });
    expect(plan.actions.map((a) => [a.subject, a.action])).toEqual([...FILES.map((f) => [f, 'upload']), [join(site, 'ledger', '3.2.0'), 'finish']]);
    expect(plan.actions.every((a) => a.reason)).toBe(true);
    expect(outcome.bytesUploaded).toBe(release.files.reduce((n, f) => n + f.size, 0));
    expect(outcome.source).toEqual({ backend: 'url', url: `${pathToFileURL(site).href}/{name}/{version}/{file}` });
    for (const file of release.files) expect(sha256(readFileSync(join(site, 'ledger', '3.2.0', file.name)))).toBe(file.sha256);
    expect(readdirSync(join(site, 'ledger'))).toEqual(['3.2.0']);
  });

  it('a fully published target: every file skipped, nothing written', async () => {
    const site = join(work, 'site-full');
    await publishWith({ backend: 'url', to: site }, release, context);
    const before = snapshot(site);
    const { plan, outcome } = await dryThenReal({ backend: 'url', to: site });
    expect(plan.actions).toEqual(FILES.map((subject) => ({ subject, action: 'skip', bytes: 0, reason: 'already published, same bytes' })));
    expect(outcome.bytesUploaded).toBe(0);
    expect(snapshot(site)).toEqual(before);
  });

  it('a partly published target (a file missing) is refused by both runs: a published release is never changed', async () => {
    const site = join(work, 'site-partial');
    await publishWith({ backend: 'url', to: site }, release, context);
    rmSync(join(site, 'ledger', '3.2.0', BINARY));
    const before = snapshot(site);
    expect(await refusedByBoth({ backend: 'url', to: site })).toEqual([`${join(site, 'ledger', '3.2.0')} is published without ${BINARY}: a published release is never changed (publish a new version)`]);
    expect(snapshot(site)).toEqual(before);
  });

  it('a target with other bytes is refused by both runs, naming every differing file', async () => {
    const site = join(work, 'site-other');
    await publishWith({ backend: 'url', to: site }, release, context);
    writeFileSync(join(site, 'ledger', '3.2.0', 'manifest.json'), '{}');
    writeFileSync(join(site, 'ledger', '3.2.0', 'checksums.txt'), 'other');
    const before = snapshot(site);
    expect(await refusedByBoth({ backend: 'url', to: site })).toEqual(
      ['manifest.json', 'checksums.txt'].map((f) => `${join(site, 'ledger', '3.2.0', f)} already exists with other bytes: a published release is never overwritten (publish a new version)`),
    );
    expect(snapshot(site)).toEqual(before);
  });

  it('a target that is a file, not a directory, is refused by both', async () => {
    const site = join(work, 'site-file');
    mkdirSync(join(site, 'ledger'), { recursive: true });
    writeFileSync(join(site, 'ledger', '3.2.0'), 'not a release');
    expect(await refusedByBoth({ backend: 'url', to: site })).toEqual([`${join(site, 'ledger', '3.2.0')} exists and is not a directory: a published release is never overwritten (publish a new version)`]);
  });

  it('a staging directory a killed publish left is in the plan as a removal, and removed by the real run', async () => {
    const site = join(work, 'site-stale');
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const stale = `.staging-${gone.stdout}-3.2.0-abcdef`;
    mkdirSync(join(site, 'ledger', stale), { recursive: true });
    writeFileSync(join(site, 'ledger', stale, BINARY), 'half');
    const { plan } = await dryThenReal({ backend: 'url', to: site });
    expect(plan.actions[0]).toMatchObject({ subject: join('ledger', stale), action: 'remove' });
    expect(readdirSync(join(site, 'ledger'))).toEqual(['3.2.0']);
  });
});

// Each real run over PUT waits the race settle (a second) before reading back: generous timeouts.
describe('url with HTTP PUT: plan == apply', { timeout: 60_000 }, () => {
  const config = (root: string): PublishConfig => ({ backend: 'url', to: `${server.url}/${root}` });
  const stored = (root: string) => FILES.filter((f) => server.files.has(`/${root}/ledger/3.2.0/${f}`));

  it('a fresh target: every file PUT, the source is the server template', async () => {
    const { plan, outcome } = await dryThenReal(config('fresh'));
    expect(plan.actions.map((a) => [a.subject, a.action])).toEqual(FILES.map((f) => [f, 'upload']));
    expect(outcome.source).toEqual({ backend: 'url', url: `${server.url}/fresh/{name}/{version}/{file}` });
    expect(stored('fresh')).toEqual(FILES);
    for (const file of release.files) expect(sha256(server.files.get(`/fresh/ledger/3.2.0/${file.name}`)!)).toBe(file.sha256);
  });

  it('a partly published target: what is there is skipped, the rest uploaded', async () => {
    await publishWith(config('partial'), release, context);
    server.files.delete(`/partial/ledger/3.2.0/${BINARY}`);
    server.files.delete('/partial/ledger/3.2.0/checksums.txt.sig');
    const { plan, outcome } = await dryThenReal(config('partial'));
    expect(plan.actions.map((a) => [a.subject, a.action])).toEqual([
      [BINARY, 'upload'],
      ['manifest.json', 'skip'],
      ['checksums.txt', 'skip'],
      ['checksums.txt.sig', 'upload'],
    ]);
    expect(outcome.bytesUploaded).toBe(release.files[0]!.size + release.files[3]!.size);
    expect(stored('partial')).toEqual(FILES);
  });

  it('a fully published target: every file skipped, no PUT sent', async () => {
    await publishWith(config('full'), release, context);
    server.requests.clear();
    const { outcome } = await dryThenReal(config('full'));
    expect(outcome.actions.every((a) => a.action === 'skip')).toBe(true);
    expect(outcome.bytesUploaded).toBe(0);
    // Two inspections (the dry run's and the real run's) read each file once; no PUT came.
    expect(Object.fromEntries(server.requests)).toEqual(Object.fromEntries(FILES.map((f) => [`/full/ledger/3.2.0/${f}`, 2])));
  });

  it('a target with other bytes is refused by both runs, and nothing is PUT, not even the missing files', async () => {
    await publishWith(config('other'), release, context);
    server.files.set('/other/ledger/3.2.0/manifest.json', Buffer.from('{}'));
    server.files.delete(`/other/ledger/3.2.0/${BINARY}`);
    const before = new Map(server.files);
    expect(await refusedByBoth(config('other'))).toEqual([`${server.url}/other/ledger/3.2.0/manifest.json already exists with other bytes: a published release is never overwritten (publish a new version)`]);
    expect(server.files).toEqual(before);
  });

  it('a server holding a longer file (our bytes, then more) is refused: the tail is never trusted', async () => {
    await publishWith(config('longer'), release, context);
    const path = `/longer/ledger/3.2.0/${BINARY}`;
    server.files.set(path, Buffer.concat([server.files.get(path)!, Buffer.from('appended')]));
    expect(await refusedByBoth(config('longer'))).toEqual([`${server.url}${path} already exists with other bytes: a published release is never overwritten (publish a new version)`]);
  });
});

describe('url: what an attacker (or a broken server) tries', { timeout: 30_000 }, () => {
  it('a server that accepts every PUT and keeps other bytes fails the publish at the read-back', async () => {
    const files = new Map<string, Buffer>();
    const liar = createServer((request, response) => {
      const path = new URL(request.url!, 'http://x').pathname;
      if (request.method === 'PUT') {
        request.resume();
        request.on('end', () => (files.set(path, Buffer.from('not what was sent')), response.writeHead(201).end()));
        return;
      }
      const body = files.get(path);
      if (!body) response.writeHead(404).end();
      else response.writeHead(200, { 'content-length': String(body.length) }).end(body);
    });
    await new Promise<void>((resolve) => liar.listen(0, '127.0.0.1', resolve));
    try {
      const to = `http://127.0.0.1:${(liar.address() as AddressInfo).port}/r`;
      await expect(publishWith({ backend: 'url', to }, release, context)).rejects.toThrow(
        `${to}/ledger/3.2.0/${BINARY} was written with other bytes by another publish of ledger 3.2.0 at the same time: a published release is never overwritten; check the release before using it`,
      );
    } finally {
      await new Promise((resolve) => liar.close(resolve));
    }
  });

  it('apply refuses a plan with refusals even when called directly, and writes nothing', async () => {
    const site = join(work, 'site-direct');
    const plan = urlBackend.plan({ backend: 'url', to: site }, release, { target: 'directory', release: 'not-a-directory', staleStaging: [] });
    await expect(urlBackend.apply(plan, context)).rejects.toThrow('exists and is not a directory');
    expect(existsSync(site)).toBe(false);
  });

  it('plan is pure: the same state gives the same plan, and nothing is read or written', () => {
    const site = join(work, 'never-created');
    const state = { target: 'directory' as const, release: 'absent' as const, staleStaging: [] };
    expect(urlBackend.plan({ backend: 'url', to: site }, release, state)).toEqual(urlBackend.plan({ backend: 'url', to: site }, release, state));
    expect(existsSync(site)).toBe(false);
  });

  it.each([
    ['ftp://example.com/releases', 'cannot publish to ftp://example.com/releases: the url backend publishes to a directory or an http(s) URL that accepts PUT'],
    ['http://example.com/releases', 'refusing plain http for publishing (example.com): use https (http is allowed only to loopback)'],
  ])('%s is refused before any request or write', async (to, message) => {
    await expect(publishWith({ backend: 'url', to }, release, context, { dryRun: true })).rejects.toThrow(message);
  });

  it('a release whose name would leave the target is refused before anything is read', async () => {
    const site = join(work, 'site-escape');
    await expect(publishWith({ backend: 'url', to: site }, { ...release, name: '../../escape' }, context)).rejects.toThrow('is not a plugin name');
    expect(existsSync(site)).toBe(false);
  });

  it('an unknown backend names the ones there are', async () => {
    expect(() => backendNamed('ftp')).toThrow(/^unknown backend "ftp": the backends are .*\burl\b/);
    await expect(publishWith({ backend: 'ftp' }, release, context)).rejects.toThrow('unknown backend "ftp"');
  });
});
