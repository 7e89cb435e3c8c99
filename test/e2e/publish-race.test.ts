// Publishing never overwrites and never mixes builds: two real `fctl-kit publish` processes of
// different builds of one version, started together, leave exactly one winner and one complete,
// verifiable release (the loser exits non-zero and says why); the same bytes published twice at
// once both succeed; a publish killed with SIGKILL at any moment leaves no partial release and no
// `.part` file, and the re-run succeeds and removes the stale staging.
import { createHash, randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatChecksums, generateSigningKey, loadPrivateKey, signBlob, verifyReleaseDirectory } from '@fctl-kit/artifacts';
import { writeArtifactList } from '../support/artifact-list.js';
import { fctlKit, fctlKitBin, type ExecResult } from '../support/exec.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GithubEmulator } from '../support/github-emulator.js';
import { startReleaseServer } from '../support/release-server.js';
import { startOciRegistry, type OciRegistry } from '../support/oci-registry.js';

const keys = generateSigningKey();
const BINARY = 'fctl-plugin-ledger-linux-amd64';
const TRIALS = 15;
let work: string;
let oci: OciRegistry;
let github: GithubEmulator;
const TOKEN = 'ghp_raceTokenNeverPrinted00000000000001';

/** A signed build directory as `fctl-kit build` writes it, with a binary of random bytes. */
function handMadeBuild(name: string, binaryBytes: number, seed?: Buffer): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const binary = seed ?? randomBytes(binaryBytes);
  writeFileSync(join(dir, BINARY), binary, { mode: 0o755 });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ name: 'ledger', version: '3.2.0', compatibleWith: '>=3.0.0 <4.0.0' }));
  const checksums = formatChecksums(
    [BINARY, 'manifest.json'].map((file) => ({ name: file, sha256: createHash('sha256').update(readFileSync(join(dir, file))).digest('hex') })),
  );
  writeFileSync(join(dir, 'checksums.txt'), checksums);
  const listed = writeArtifactList(dir);
  writeFileSync(join(dir, 'checksums.txt.sig'), `${signBlob(Buffer.from(listed), loadPrivateKey(keys.privateKey, 'test key'))}\n`);
  return dir;
}

let buildA: string;
let buildB: string;
let large: string;

/** The release in `site` verifies with the publisher's key and is exactly one of `builds`. */
async function expectOneConsistentBuild(site: string, builds: string[]): Promise<string> {
  const release = join(site, 'ledger', '3.2.0');
  expect(readdirSync(join(site, 'ledger')), 'nothing but the release beside it (no staging left)').toEqual(['3.2.0']);
  expect(readdirSync(release).sort()).toEqual(['artifacts.json', 'checksums.txt', 'checksums.txt.sig', BINARY, 'manifest.json'].sort());
  await verifyReleaseDirectory(release, keys.publicKey);
  const which = builds.find((build) => readFileSync(join(build, 'checksums.txt')).equals(readFileSync(join(release, 'checksums.txt'))));
  expect(which, 'the published checksums.txt is one of the builds').toBeDefined();
  for (const file of readdirSync(release)) expect(readFileSync(join(release, file)).equals(readFileSync(join(which!, file))), file).toBe(true);
  return which!;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'publish-race-'));
  buildA = handMadeBuild('build-a', 4 * 1024 * 1024);
  buildB = handMadeBuild('build-b', 4 * 1024 * 1024);
  large = handMadeBuild('build-large', 96 * 1024 * 1024);
  oci = await startOciRegistry({ kind: 'anonymous' });
  github = await new GithubEmulator(TOKEN).start();
}, 60_000);
afterAll(async () => {
  await Promise.all([oci?.stop(), github?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

const publish = (build: string, to: string, extra: string[] = []) => fctlKit(['publish', build, '--to', to, ...extra], { cwd: work });

describe('two publishes of one version to one directory at once', () => {
  it(`different builds: exactly one wins, the directory holds one consistent build, the loser says why (${TRIALS} trials)`, async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const site = join(work, `site-${trial}`);
      const [a, b] = await Promise.all([publish(buildA, site), publish(buildB, site)]);
      const results: Array<[string, ExecResult]> = [
        [buildA, a],
        [buildB, b],
      ];
      const won = results.filter(([, r]) => r.code === 0);
      const lost = results.filter(([, r]) => r.code !== 0);
      expect(won, `trial ${trial}: ${a.stderr} | ${b.stderr}`).toHaveLength(1);
      expect(lost[0]![1].code).toBe(1);
      // One refusal is the message; several are listed one a line under "cannot publish to <release>:".
      const refusal = /.*ledger\/3\.2\.0(\/[^ ]+)? (already exists with other bytes|is published without [^ ]+)(: another publish of ledger 3\.2\.0 finished first)?: a published release is never (overwritten|changed) \(publish a new version\)/.source;
      expect(lost[0]![1].stderr).toMatch(new RegExp(`^Error: (${refusal}|cannot publish to \\S+ledger/3\\.2\\.0:(\\n  - ${refusal})+)\\n$`));
      expect(lost[0]![1].stdout).toBe('');
      expect(await expectOneConsistentBuild(site, [buildA, buildB])).toBe(won[0]![0]);
    }
  }, 600_000);

  it('the same bytes: both succeed, and the release is that build', async () => {
    for (let trial = 0; trial < 5; trial++) {
      const site = join(work, `same-${trial}`);
      const [a, b] = await Promise.all([publish(buildA, site), publish(buildA, site)]);
      expect(a.code, a.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);
      expect(await expectOneConsistentBuild(site, [buildA])).toBe(buildA);
    }
  }, 300_000);
});

describe('a publish killed with SIGKILL', () => {
  /** Starts a publish and kills it once `when` sees the site in the state it waits for (or the publish ended). */
  async function killWhen(site: string, when: (site: string) => boolean): Promise<void> {
    const child = spawn(process.execPath, [fctlKitBin, 'publish', large, '--to', site], { cwd: work, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    let running = true;
    void exited.then(() => (running = false));
    while (running && !when(site)) await sleep(1);
    child.kill('SIGKILL');
    await exited;
  }

  // The publish moves and removes these while they are looked at: what has vanished counts as nothing.
  const entries = (dir: string) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };
  const staging = (site: string) => entries(join(site, 'ledger')).filter((e) => e.startsWith('.staging-'));
  const stagedBytes = (site: string) =>
    staging(site).reduce((n, dir) => n + entries(join(site, 'ledger', dir)).reduce((m, f) => m + (statSync(join(site, 'ledger', dir, f), { throwIfNoEntry: false })?.size ?? 0), 0), 0);

  const moments: Array<[string, (site: string) => boolean]> = [
    ['immediately after start', () => true],
    ['once its staging directory exists', (site) => staging(site).length > 0],
    ['with part of the binary staged', (site) => stagedBytes(site) > 1024 * 1024],
    ['with most of it staged', (site) => stagedBytes(site) > 80 * 1024 * 1024],
    ['once the release directory appears', (site) => existsSync(join(site, 'ledger', '3.2.0'))],
  ];
  for (const [moment, when] of moments) {
    it(`${moment}: no partial release nor .part file; the re-run publishes it and removes the stale staging`, async () => {
      const site = join(work, `killed-${moments.findIndex(([m]) => m === moment)}`);
      await killWhen(site, when);
      const release = join(site, 'ledger', '3.2.0');
      if (existsSync(release)) await verifyReleaseDirectory(release, keys.publicKey);
      if (existsSync(release)) expect(readdirSync(release).filter((f) => f.endsWith('.part'))).toEqual([]);
      const rerun = await publish(large, site);
      expect(rerun.code, rerun.stderr).toBe(0);
      await expectOneConsistentBuild(site, [large]);
    }, 120_000);
  }
});

describe('two OCI publishes of different builds to one tag at once', () => {
  it('exactly one succeeds; the tag holds the winner and the loser says why', async () => {
    for (let trial = 0; trial < 5; trial++) {
      const to = `${oci.host}/fctl/race-${trial}`;
      const [a, b] = await Promise.all([
        fctlKit(['publish', buildA, '--backend', 'oci', '--to', to], { cwd: work }),
        fctlKit(['publish', buildB, '--backend', 'oci', '--to', to], { cwd: work }),
      ]);
      const won = [a, b].filter((r) => r.code === 0);
      expect(won, `trial ${trial}: ${a.stderr} | ${b.stderr}`).toHaveLength(1);
      const loser = a.code === 0 ? b : a;
      expect(loser.code).toBe(1);
      expect(loser.stderr).toMatch(/another (publish of ledger 3\.2\.0 wrote the tag at the same time|run while this one uploaded)|already holds another artifact/);
      type Report = { source: unknown; actions: Array<{ action: string }>; bytesUploaded: number };
      const summary = JSON.parse(won[0]!.stdout) as Report;
      const again = await fctlKit(['publish', a.code === 0 ? buildA : buildB, '--backend', 'oci', '--to', to], { cwd: work });
      expect(again.code, again.stderr).toBe(0);
      const republished = JSON.parse(again.stdout) as Report;
      expect(republished.source).toEqual(summary.source);
      expect(republished.actions.every((action) => action.action === 'skip')).toBe(true);
      expect(republished.bytesUploaded).toBe(0);
    }
  }, 300_000);
});

describe('two GitHub publishes of different builds of one version at once', () => {
  it('exactly one succeeds, and the published release holds exactly its assets', async () => {
    const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    for (let trial = 0; trial < 5; trial++) {
      const repo = `acme/race-${trial}`;
      github.addRepository(repo);
      const publishGithub = (build: string) =>
        fctlKit(['publish', build, '--backend', 'github-releases', '--repo', repo, '--api-url', github.url], { cwd: work, env: { GITHUB_TOKEN: TOKEN, FCTL_KIT_GITHUB_RETRIES: '0' } });
      const [a, b] = await Promise.all([publishGithub(buildA), publishGithub(buildB)]);
      expect(`${a.stdout}${a.stderr}${b.stdout}${b.stderr}`).not.toContain(TOKEN);
      const won = [a, b].filter((r) => r.code === 0);
      expect(won, `trial ${trial}: ${a.stderr} | ${b.stderr}`).toHaveLength(1);
      expect((a.code === 0 ? b : a).code).toBe(1);
      const winner = a.code === 0 ? buildA : buildB;
      const published = github.repositories.get(repo)!.releases.filter((r) => !r.draft);
      expect(published).toHaveLength(1);
      const assets = published[0]!.assets;
      expect(assets.map((x) => x.name).sort()).toEqual(['artifacts.json', 'checksums.txt', 'checksums.txt.sig', BINARY, 'manifest.json'].sort());
      for (const asset of assets) expect(sha(asset.bytes), asset.name).toBe(sha(readFileSync(join(winner, asset.name))));
    }
  }, 300_000);
});

/** A static file server whose PUT honours `If-None-Match: *` (412 when the file exists or is being written), as object stores do. */
async function conditionalPutServer(): Promise<{ url: string; files: Map<string, Buffer>; stop(): Promise<void> }> {
  const files = new Map<string, Buffer>();
  const writing = new Set<string>();
  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    if (request.method === 'PUT') {
      if (request.headers['if-none-match'] === '*' && (files.has(path) || writing.has(path))) {
        request.resume();
        response.writeHead(412).end('exists');
        return;
      }
      writing.add(path);
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        files.set(path, Buffer.concat(chunks));
        writing.delete(path);
        response.writeHead(201).end();
      });
      request.on('error', () => writing.delete(path));
      return;
    }
    const body = files.get(path);
    if (!body) response.writeHead(404).end('not found');
    else response.writeHead(200, { 'content-length': String(body.length) }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    files,
    stop: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

describe('two HTTP PUT publishes of different builds of one version at once', () => {
  const holds = (files: Map<string, Buffer>, prefix: string, build: string) =>
    ['artifacts.json', 'checksums.txt', 'checksums.txt.sig', BINARY, 'manifest.json'].every((name) => files.get(`${prefix}/ledger/3.2.0/${name}`)?.equals(readFileSync(join(build, name))));

  it('to a server honouring If-None-Match: exactly one wins and the server holds exactly its files', async () => {
    const server = await conditionalPutServer();
    try {
      for (let trial = 0; trial < 10; trial++) {
        const to = `${server.url}/t${trial}`;
        const [a, b] = await Promise.all([publish(buildA, to), publish(buildB, to)]);
        const won = [a, b].filter((r) => r.code === 0);
        expect(won, `trial ${trial}: ${a.stderr} | ${b.stderr}`).toHaveLength(1);
        const loser = a.code === 0 ? b : a;
        expect(loser.code).toBe(1);
        expect(loser.stderr).toMatch(/already exists with other bytes|was written with other bytes by another publish of ledger 3\.2\.0 at the same time/);
        expect(holds(server.files, `/t${trial}`, a.code === 0 ? buildA : buildB), `trial ${trial}`).toBe(true);
      }
    } finally {
      await server.stop();
    }
  }, 300_000);

  it('to a server that ignores it: never both succeed, and a success is what the server holds', async () => {
    const server = await startReleaseServer();
    try {
      for (let trial = 0; trial < 10; trial++) {
        const to = `${server.url}/t${trial}`;
        const [a, b] = await Promise.all([publish(buildA, to), publish(buildB, to)]);
        expect([a, b].filter((r) => r.code === 0).length, `trial ${trial}: ${a.stderr} | ${b.stderr}`).toBeLessThanOrEqual(1);
        if (a.code === 0) expect(holds(server.files, `/t${trial}`, buildA)).toBe(true);
        if (b.code === 0) expect(holds(server.files, `/t${trial}`, buildB)).toBe(true);
      }
    } finally {
      await server.stop();
    }
  }, 300_000);
});
