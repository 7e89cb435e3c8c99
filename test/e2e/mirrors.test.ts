// Mirrors: a registry version lists several sources, fctl tries them in order and falls back. Every
// source is a real HTTP server on 127.0.0.1 that misbehaves on purpose (refuses connections, 404,
// stalls, serves forged bytes, another version, a corrupted or exploding .xz); the registry's pin and
// the publisher's key keep every mirror honest. The release server's request log proves what was
// fetched: the compressed binary, never the raw one, and nothing after the source that served.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey, loadPrivateKey, sha256File, signBlob } from '@fctl-kit/artifacts';
import { writeArtifactList } from '../support/artifact-list.js';
import { fctlKit } from '../support/exec.js';
import { newFctl, type Fctl } from '../support/fctl.js';
import { startLedger, type RunningLedger } from '../support/ledger-service.js';
import { exampleBundle, makeRelease, platformBinary } from '../support/releases.js';
import { startReleaseServer, type ReleaseServer } from '../support/release-server.js';

const keys = generateSigningKey();
const binary = platformBinary();
const compressed = `${binary}.xz`;
const fast = { FCTL_DOWNLOAD_RETRY_DELAY_MS: '5', FCTL_DOWNLOAD_STALL_TIMEOUT_MS: '300', FCTL_DOWNLOAD_RETRIES: '1' };
let work: string;
let server: ReleaseServer;
let ledger: RunningLedger;
/** A port nothing listens on: connections to it are refused. */
let closedPort: number;
let pin: string;

/** Adds <binary>.xz to a release directory, lists it in checksums.txt and artifacts.json, and signs checksums.txt. */
function compress(dir: string, version: string): void {
  const xz = execFileSync('xz', ['-0', '-T1', '-c', join(dir, binary)]);
  writeFileSync(join(dir, compressed), xz);
  const sha = execFileSync('sha256sum', [join(dir, compressed)], { encoding: 'utf8' }).split(' ')[0];
  writeFileSync(join(dir, 'checksums.txt'), `${readFileSync(join(dir, 'checksums.txt'), 'utf8')}${sha}  ${compressed}\n`);
  const listed = writeArtifactList(dir, { identity: { name: 'ledger', version } });
  writeFileSync(join(dir, 'checksums.txt.sig'), `${signBlob(Buffer.from(listed), loadPrivateKey(keys.privateKey, 'test key'))}\n`);
}

/** Serves the files of `dir` under /<prefix>/ledger/3.2.0/ (whatever version they are). */
function serve(prefix: string, dir: string, change: (name: string, bytes: Buffer) => Buffer = (_, bytes) => bytes): void {
  for (const name of readdirSync(dir)) server.files.set(`/${prefix}/ledger/3.2.0/${name}`, change(name, readFileSync(join(dir, name))));
}

const at = (prefix: string) => `${server.url}/${prefix}/{name}/{version}/{file}`;
const checksumsUrl = (prefix: string) => `${server.url}/${prefix}/ledger/3.2.0/checksums.txt`;
const label = (prefix: string, index: number, count: number) => `source ${index} of ${count} (url ${checksumsUrl(prefix)})`;

/** A registry whose 3.2.0 lists `sources` (url templates, or YAML lines of a source of another kind). */
function registry(name: string, sources: string[], options: { pinned?: boolean; legacy?: string } = {}): string {
  const path = join(work, `${name}.yaml`);
  const lines = [
    'plugins:',
    '  ledger:',
    ...(options.legacy ? ['    distribution: url', `    url: ${options.legacy}`] : []),
    '    publicKey: |',
    ...keys.publicKey.trim().split('\n').map((line) => `      ${line}`),
    '    versions:',
    '      3.2.0:',
    '        compatibleWith: ">=3.0.0 <4.0.0"',
    ...(options.pinned === false ? [] : [`        checksumsSha256: ${pin}`]),
    ...(sources.length ? ['        sources:', ...sources.map((source) => (source.startsWith('http') ? `          - { backend: url, url: "${source}" }` : `          - ${source}`))] : []),
    '',
  ];
  writeFileSync(path, lines.join('\n'));
  return path;
}

async function fctlWith(registryPath: string, env: NodeJS.ProcessEnv = {}): Promise<Fctl> {
  const fctl = newFctl({ FCTL_REGISTRY: registryPath, ...fast, ...env });
  await fctl.run(['profile', 'add', 'main', '--stack-url', ledger.url, '--use']);
  return fctl;
}

async function expectNothingInstalled(fctl: Fctl): Promise<void> {
  expect((await fctl.run(['plugin', 'list', '-o', 'json'])).stdout.trim()).toBe('[]');
  const store = join(fctl.configDir, 'plugins');
  expect(existsSync(join(store, 'ledger')) ? readdirSync(join(store, 'ledger')) : []).toEqual([]);
  expect(existsSync(join(store, '.staging')) ? readdirSync(join(store, '.staging')) : []).toEqual([]);
}

const requested = (prefix: string, file: string) => server.requests.get(`/${prefix}/ledger/3.2.0/${file}`) ?? 0;
const requestedAny = (prefix: string) => [...server.requests.keys()].filter((path) => path.startsWith(`/${prefix}/`));

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'mirrors-'));
  server = await startReleaseServer();
  ledger = await startLedger('3.2.0');
  closedPort = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  // The genuine release, with its compressed binary; what every good mirror serves.
  // Its launcher carries 512 KiB of random text, so that its .xz is not tiny: an .xz bomb smaller
  // than it passes the size bound and must be stopped by the decompressed-size bound.
  const launcher = join(work, 'launcher');
  const bundle = await exampleBundle(work, '3.2.0');
  writeFileSync(launcher, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(bundle)} "$@"\n# ${randomBytes(384 * 1024).toString('base64')}\n`);
  const good = await makeRelease(join(work, 'good'), '3.2.0', { signingKey: keys.privateKey, binary: launcher });
  compress(good.dir, '3.2.0');
  pin = await sha256File(join(good.dir, 'checksums.txt'));
  for (const prefix of ['good', 'third', 'stall']) serve(prefix, good.dir);
  // A forgery: another binary with checksums.txt, artifacts.json and even a signature to match (by another key).
  const forged = join(work, 'forged');
  cpSync(good.dir, forged, { recursive: true });
  writeFileSync(join(forged, binary), `${readFileSync(join(forged, binary), 'utf8')}# forged\n`);
  writeFileSync(join(forged, 'checksums.txt'), `${execFileSync('sha256sum', [join(forged, binary)], { encoding: 'utf8' }).split(' ')[0]}  ${binary}\n`);
  compress(forged, '3.2.0');
  serve('forged', forged);
  // A valid, signed release of another version (3.1.0), served where 3.2.0 should be.
  const other = await makeRelease(join(work, 'other'), '3.1.0', { signingKey: keys.privateKey });
  compress(other.dir, '3.1.0');
  serve('other', other.dir);
  // The genuine checksums.txt and signature, with a damaged .xz; and with an .xz that decodes far past the binary's size.
  serve('corrupt', good.dir, (name, bytes) => (name === compressed ? Buffer.concat([bytes.subarray(0, 64), Buffer.alloc(256, 0x55), bytes.subarray(320)]) : bytes));
  const exploding = execFileSync('xz', ['-0', '-T1', '-c'], { input: Buffer.alloc(64 * 1024 * 1024), maxBuffer: 1 << 30 });
  serve('bomb', good.dir, (name, bytes) => (name === compressed ? exploding : bytes));
  // A mirror serving the genuine checksums.txt and a changed binary (for --check-artifacts).
  serve('tampered', good.dir, (name, bytes) => (name === binary || name === compressed ? Buffer.concat([bytes, Buffer.from('#')]) : bytes));
}, 180_000);
afterAll(async () => {
  await Promise.all([server?.stop(), ledger?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('fctl falls back to the next source', () => {
  it.each([
    ['refuses connections', () => `http://127.0.0.1:${closedPort}/closed/{name}/{version}/{file}`, () => `source 1 of 3 (url http://127.0.0.1:${closedPort}/closed/ledger/3.2.0/checksums.txt) failed: `, /ECONNREFUSED|refused/],
    ['answers 404', () => at('missing'), () => `${label('missing', 1, 3)} failed: `, /checksums\.txt answered 404 Not Found; trying the next source/],
    ['stalls', () => at('stall'), () => `${label('stall', 1, 3)} failed: `, /stalled: no data for 0\.3 s; trying the next source/],
    ['serves a forged release with matching checksums.txt', () => at('forged'), () => `${label('forged', 1, 3)} failed: `, new RegExp(`has sha256 [0-9a-f]{64}, but the registry pins ${'[0-9a-f]{64}'}; trying the next source`)],
    ['serves a valid release of another version', () => at('other'), () => `${label('other', 1, 3)} failed: `, /but the registry pins/],
    ['serves a corrupted .xz', () => at('corrupt'), () => `${label('corrupt', 1, 3)} failed: `, new RegExp(`${compressed.replace(/\./g, '\\.')} (is not a valid xz stream|has sha256)`)],
    ['serves an .xz that decodes past the binary', () => at('bomb'), () => `${label('bomb', 1, 3)} failed: `, /decompresses to more than \d+ bytes, the most expected: refused \(an xz bomb, or not the file it should be\); trying the next source/],
  ] as Array<[string, () => string, () => string, RegExp]>)(
    'when the first source %s, the second serves (the compressed binary), the third is never asked',
    async (_, first, failure, reason) => {
      if (first().includes('/stall/')) server.faults.set('/stall/ledger/3.2.0/checksums.txt', Array(4).fill({ kind: 'stall', afterBytes: 0 }));
      server.requests.clear();
      const fctl = await fctlWith(registry(`first-${first().split('/')[3]}`, [first(), at('good'), at('third')]));
      const result = await fctl.run(['plugin', 'install', 'ledger']);
      expect(result.code, result.stderr).toBe(0);
      const line = result.stderr.split('\n').find((text) => text.startsWith(failure()));
      expect(line, result.stderr).toBeDefined();
      expect(line).toMatch(reason);
      expect(result.stderr).toContain(`Installed from ${label('good', 2, 3)}\n`);
      expect(result.stderr).toContain('Plugin "ledger" installed (version: 3.2.0');
      // What was downloaded: the .xz, not the raw binary; nothing from the third source.
      expect(requested('good', compressed)).toBe(1);
      expect(requested('good', binary)).toBe(0);
      expect(requestedAny('third')).toEqual([]);
      expect((await fctl.run(['ledger', 'transactions', 'list'])).code).toBe(0);
      const store = join(fctl.configDir, 'plugins', '.staging');
      expect(existsSync(store) ? readdirSync(store) : []).toEqual([]);
      server.faults.clear();
    },
    60_000,
  );

  it('without a pin, the key alone refuses a signed release of another version and the next source serves', async () => {
    const fctl = await fctlWith(registry('other-unpinned', [at('other'), at('good')], { pinned: false }));
    const result = await fctl.run(['plugin', 'install', 'ledger']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`${label('other', 1, 2)} failed: artifacts.json is the list of ledger 3.1.0, not of ledger 3.2.0; trying the next source\n`);
    expect(result.stderr).toContain(`Installed from ${label('good', 2, 2)}\n`);
  }, 60_000);

  it('when every source fails, one error lists each and why, and nothing is installed', async () => {
    server.faults.set('/stall/ledger/3.2.0/checksums.txt', Array(4).fill({ kind: 'stall', afterBytes: 0 }));
    const fctl = await fctlWith(registry('all-fail', [at('missing'), at('forged'), at('stall'), at('bomb')]));
    const result = await fctl.run(['plugin', 'install', 'ledger']);
    server.faults.clear();
    expect(result.code).toBe(1);
    const error = result.stderr.slice(result.stderr.indexOf('Error: '));
    expect(error).toMatch(
      new RegExp(
        [
          '^Error: cannot install ledger 3\\.2\\.0 from any of its 4 sources:',
          `  ${escape(label('missing', 1, 4))}: ${escape(checksumsUrl('missing'))} answered 404 Not Found`,
          `  ${escape(label('forged', 2, 4))}: refused: checksums\\.txt from ${escape(checksumsUrl('forged'))} has sha256 [0-9a-f]{64}, but the registry pins ${pin}`,
          `  ${escape(label('stall', 3, 4))}: ${escape(checksumsUrl('stall'))} stalled: no data for 0\\.3 s`,
          `  ${escape(label('bomb', 4, 4))}: .*${escape(compressed)} decompresses to more than \\d+ bytes, the most expected: refused .*`,
          'Nothing was installed\\.\\n$',
        ].join('\\n'),
      ),
    );
    await expectNothingInstalled(fctl);
  }, 60_000);

  it('skips a source of a kind this fctl does not know, saying so', async () => {
    server.requests.clear();
    const fctl = await fctlWith(registry('unknown-kind', ['{ backend: carrier-pigeon, loft: "north tower" }', at('good')]));
    const result = await fctl.run(['plugin', 'install', 'ledger']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/source 1 of 2 \(carrier-pigeon\) skipped: this fctl does not know the backend "carrier-pigeon" \(a newer fctl may\)/);
    expect(requested('good', compressed)).toBe(1);
  }, 60_000);

  it('a registry written before sources (one distribution) still installs', async () => {
    const fctl = await fctlWith(registry('legacy', [], { legacy: at('good') }));
    const result = await fctl.run(['plugin', 'install', 'ledger']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('failed');
    expect(result.stderr).toContain('Plugin "ledger" installed (version: 3.2.0');
  }, 60_000);

  it('an interrupt stops at once: the next source is not tried', async () => {
    server.faults.set('/stall/ledger/3.2.0/checksums.txt', [{ kind: 'stall', afterBytes: 0 }]);
    server.requests.clear();
    const fctl = await fctlWith(registry('interrupt', [at('stall'), at('good')]), { FCTL_DOWNLOAD_STALL_TIMEOUT_MS: '60000' });
    const child = fctl.spawn(['plugin', 'install', 'ledger']);
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.stdout!.resume();
    child.stdin!.end();
    await expect.poll(() => requested('stall', 'checksums.txt'), { timeout: 30_000 }).toBe(1);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    server.faults.clear();
    expect(code, stderr).toBe(130);
    expect(stderr).toContain('Interrupted; nothing was installed.');
    expect(requestedAny('good')).toEqual([]);
    await expectNothingInstalled(fctl);
  }, 60_000);
});

describe('fctl-kit registry validate --check-artifacts', () => {
  it('checks every source of a version and names the bad mirror', async () => {
    const platform = binary.replace('fctl-plugin-ledger-', '');
    const good = await fctlKit(['registry', 'validate', registry('check-good', [at('good'), at('third')]), '--check-artifacts', '--platforms', platform], { cwd: work });
    expect(good.stderr).toMatch(/2 binaries verified; 0 errors, 0 warnings\n$/);
    expect(good.code).toBe(0);
    const bad = await fctlKit(['registry', 'validate', registry('check-bad', [at('good'), at('tampered'), '{ backend: carrier-pigeon, loft: "north tower" }']), '--check-artifacts', '--platforms', platform], { cwd: work });
    expect(bad.code).toBe(1);
    const where = `plugins.ledger.versions.3.2.0 source 2 of 3 (url ${checksumsUrl('tampered')})`;
    expect(bad.stderr).toMatch(new RegExp(`error: ${escape(where)}: ${escape(binary)} has sha256 [0-9a-f]{64}, but checksums\\.txt says [0-9a-f]{64}`));
    // The .xz is decoded as fctl decodes it: the byte appended after its stream is refused there.
    expect(bad.stderr).toMatch(new RegExp(`error: ${escape(where)}: .*${escape(compressed)} (has bytes after the end of its xz stream|ends before its xz stream does)`));
    expect(bad.stderr).toContain('warning: plugins.ledger.versions.3.2.0 source 3 of 3 (carrier-pigeon): this fctl-kit does not know the backend "carrier-pigeon"; not checked');
    expect(bad.stderr).not.toContain('source 1 of 3');
  }, 120_000);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
