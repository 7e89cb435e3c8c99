// Installs that go wrong: a release server that fails on purpose, and releases that do not verify.
// Transient failures are retried until the install succeeds; everything else is refused with a
// message that names the problem, and nothing is installed.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from '@fctl-kit/artifacts';
import { newFctl, type Fctl } from '../support/fctl.js';
import { startLedger, type RunningLedger } from '../support/ledger-service.js';
import { makeRelease, platformBinary, type MadeRelease } from '../support/releases.js';
import { startReleaseServer, type Behaviour, type ReleaseServer } from '../support/release-server.js';

const keys = generateSigningKey();
let work: string;
let server: ReleaseServer;
let ledger: RunningLedger;
const fast = { FCTL_DOWNLOAD_RETRY_DELAY_MS: '5', FCTL_DOWNLOAD_STALL_TIMEOUT_MS: '300' };

/** Serves `release` under /<scenario>/ledger/<version>/ and writes a registry pointing there. */
function publish(scenario: string, version: string, release: MadeRelease, extra: { pin?: string; publicKey?: string } = {}): string {
  for (const name of readdirSync(release.dir)) server.files.set(`/${scenario}/ledger/${version}/${name}`, readFileSync(join(release.dir, name)));
  const publicKey = extra.publicKey ?? keys.publicKey;
  const path = join(work, `${scenario}.yaml`);
  writeFileSync(
    path,
    [
      'plugins:',
      '  ledger:',
      '    distribution: url',
      `    url: ${server.url}/${scenario}/{name}/{version}/{file}`,
      '    publicKey: |',
      ...publicKey.trim().split('\n').map((line) => `      ${line}`),
      '    versions:',
      `      ${version}:`,
      '        compatibleWith: ">=3.0.0 <4.0.0"',
      `        checksumsSha256: ${extra.pin ?? release.checksumsSha256}`,
      '',
    ].join('\n'),
  );
  return path;
}

async function fctlWith(registry: string): Promise<Fctl> {
  const fctl = newFctl({ FCTL_REGISTRY: registry, ...fast });
  await fctl.run(['profile', 'add', 'main', '--stack-url', ledger.url, '--use']);
  return fctl;
}

async function expectNothingInstalled(fctl: Fctl): Promise<void> {
  expect((await fctl.run(['plugin', 'list', '-o', 'json'])).stdout.trim()).toBe('[]');
  const store = join(fctl.configDir, 'plugins');
  expect(existsSync(join(store, 'ledger')) ? readdirSync(join(store, 'ledger')) : []).toEqual([]);
  expect(existsSync(join(store, '.staging')) ? readdirSync(join(store, '.staging')) : []).toEqual([]);
}

let good: MadeRelease;
let goodRegistry: string;
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'install-faults-'));
  server = await startReleaseServer();
  ledger = await startLedger('3.2.0');
  good = await makeRelease(join(work, 'releases', 'good'), '3.2.0', { signingKey: keys.privateKey, padTo: 512 * 1024 });
  goodRegistry = publish('good', '3.2.0', good);
}, 120_000);
afterAll(async () => {
  await Promise.all([server?.stop(), ledger?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

const binaryPath = `/good/ledger/3.2.0/${platformBinary()}`;

describe('transient failures are retried', () => {
  it.each([
    ['500', { kind: 'status', status: 500 }, /answered 500 Internal Server Error; retrying/],
    ['429 with Retry-After', { kind: 'status', status: 429, headers: { 'retry-after': '1' } }, /answered 429 Too Many Requests; retrying after 1 s \(Retry-After\)/],
    ['a connection reset mid-body', { kind: 'reset-mid-body' }, /failed mid-transfer|cut short/],
    ['a truncated body', { kind: 'truncate' }, /was cut short: \d+ of 524288 bytes; retrying|failed mid-transfer/],
    ['a stalled body', { kind: 'stall' }, /stalled: no data for 0.3 s; retrying/],
  ] as Array<[string, Behaviour, RegExp]>)('after %s, the install succeeds with verified bytes', async (_, fault, message) => {
    server.faults.set(binaryPath, [fault]);
    const fctl = await fctlWith(goodRegistry);
    const result = await fctl.run(['plugin', 'install', 'ledger']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('Plugin "ledger" installed (version: 3.2.0');
    expect((await fctl.run(['ledger', 'transactions', 'list'])).code).toBe(0);
  });

  it('gives up when the failure persists, and installs nothing', async () => {
    server.faults.set(binaryPath, Array(5).fill({ kind: 'status', status: 500 }));
    const fctl = await fctlWith(goodRegistry);
    const result = await fctl.run(['plugin', 'install', 'ledger']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`Error: installing ledger 3.2.0 failed: ${server.url}${binaryPath} answered 500 Internal Server Error\\. Nothing was installed\\.\\n$`));
    await expectNothingInstalled(fctl);
  });

  it('does not retry a 404', async () => {
    const fctl = await fctlWith(publish('empty', '3.2.0', good));
    server.files.delete(`/empty/ledger/3.2.0/${platformBinary()}`);
    server.requests.clear();
    const result = await fctl.run(['plugin', 'install', 'ledger']);
    expect(result.stderr).toContain(`${server.url}/empty/ledger/3.2.0/${platformBinary()} answered 404 Not Found. Nothing was installed.`);
    expect(server.requests.get(`/empty/ledger/3.2.0/${platformBinary()}`)).toBe(1);
    await expectNothingInstalled(fctl);
  });
});

describe('releases that do not verify are refused', () => {
  it('a binary whose sha256 differs from checksums.txt', async () => {
    const release = await makeRelease(join(work, 'releases', 'tampered'), '3.2.0', { signingKey: keys.privateKey });
    const bytes = readFileSync(release.binaryPath);
    writeFileSync(release.binaryPath, Buffer.concat([bytes, Buffer.from('# tampered\n')]));
    const fctl = await fctlWith(publish('tampered', '3.2.0', release));
    const result = await fctl.run(['plugin', 'install', 'ledger']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`Error: refusing to install ledger 3\\.2\\.0: ${platformBinary()} has sha256 [0-9a-f]{64}, but checksums\\.txt says [0-9a-f]{64}\\. Nothing was installed\\.\\n$`));
    await expectNothingInstalled(fctl);
  });

  it('a checksums.txt whose digest differs from the registry pin', async () => {
    const fctl = await fctlWith(publish('unpinned', '3.2.0', good, { pin: 'f'.repeat(64) }));
    const result = await fctl.run(['plugin', 'install', 'ledger']);
    expect(result.stderr).toBe(
      `Error: refusing to install ledger 3.2.0: checksums.txt from ${server.url}/unpinned/ledger/3.2.0/checksums.txt has sha256 ${good.checksumsSha256}, but the registry pins ${'f'.repeat(64)}. Nothing was installed.\n`,
    );
    await expectNothingInstalled(fctl);
  });

  it('a checksums.txt signed with another key', async () => {
    const fctl = await fctlWith(publish('othersigner', '3.2.0', good, { publicKey: generateSigningKey().publicKey }));
    const result = await fctl.run(['plugin', 'install', 'ledger']);
    expect(result.stderr).toBe("Error: refusing to install ledger 3.2.0: the signature of checksums.txt does not verify with the publisher's public key. Nothing was installed.\n");
    await expectNothingInstalled(fctl);
  });

  it('a release without checksums.txt.sig when the publisher signs', async () => {
    const release = await makeRelease(join(work, 'releases', 'unsigned'), '3.2.0');
    const fctl = await fctlWith(publish('unsigned', '3.2.0', release));
    const result = await fctl.run(['plugin', 'install', 'ledger']);
    expect(result.stderr).toContain('refusing to install ledger 3.2.0: the publisher signs its checksums, but checksums.txt.sig cannot be fetched');
    await expectNothingInstalled(fctl);
  });

  it('a binary whose manifest version differs from the registry version', async () => {
    const release = await makeRelease(join(work, 'releases', 'mismatch'), '3.2.0', { signingKey: keys.privateKey, reportsVersion: '3.2.1' });
    const fctl = await fctlWith(publish('mismatch', '3.2.0', release));
    const result = await fctl.run(['plugin', 'install', 'ledger']);
    expect(result.stderr).toContain(
      'Error: refusing to install ledger 3.2.0: the binary reports version 3.2.1, but the registry version is 3.2.0 (plugin version = service version). Nothing was installed.\n',
    );
    await expectNothingInstalled(fctl);
  });
});
