// `fctl-kit release-core`, run as a real process, with an existing core build (--build-dir: the SEA
// build itself is covered by packages/binaries and test/e2e/released-cores.test.ts): published to a
// url directory, registered in the registry's cores section; a second run changes nothing; a dry run
// writes nothing.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { formatChecksums, generateSigningKey, loadPrivateKey, signChecksums } from '@fctl-kit/artifacts';
import { parseRegistry } from '@fctl-kit/registry';

const root = join(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'packages', 'cli', 'bin', 'fctl-kit.js');
const work = mkdtempSync(join(tmpdir(), 'release-core-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const fctlKit = (...args: string[]) => spawnSync(process.execPath, [bin, 'release-core', join(root, 'packages', 'core'), ...args], { encoding: 'utf8', cwd: work });
const keys = generateSigningKey();

function build(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'fctl-linux-amd64'), 'a core');
  const checksums = formatChecksums([{ name: 'fctl-linux-amd64', sha256: createHash('sha256').update('a core').digest('hex') }]);
  writeFileSync(join(dir, 'checksums.txt'), checksums);
  for (const file of signChecksums(checksums, loadPrivateKey(keys.privateKey, 'key'))) writeFileSync(join(dir, file.name), file.contents);
  return createHash('sha256').update(checksums).digest('hex');
}

it('publishes a core build and registers it in the cores section, once', () => {
  const pin = build(join(work, 'build'));
  const registry = join(work, 'registry.yaml');
  writeFileSync(registry, '# plugins and cores\nplugins: {}\n');
  writeFileSync(join(work, 'key.pub'), keys.publicKey);
  const site = join(work, 'site');
  const args = ['--version', '0.3.0', '--protocol-versions', '1', '--build-dir', 'build', '--backend', 'url', '--to', 'site', '--registry', 'registry.yaml', '--public-key', 'key.pub'];

  const dry = fctlKit(...args, '--dry-run');
  expect(dry.status, dry.stderr).toBe(0);
  expect(JSON.parse(dry.stdout).published.dryRun).toBe(true);
  expect(existsSync(site)).toBe(false);
  expect(readFileSync(registry, 'utf8')).toBe('# plugins and cores\nplugins: {}\n');

  const first = fctlKit(...args);
  expect(first.status, first.stderr).toBe(0);
  const summary = JSON.parse(first.stdout);
  expect(summary).toMatchObject({ version: '0.3.0', protocolVersions: [1], registered: true, published: { name: 'fctl', version: '0.3.0', source: { backend: 'url', url: `${pathToFileURL(site).href}/{name}/{version}/{file}` } } });
  expect(readFileSync(join(site, 'fctl', '0.3.0', 'fctl-linux-amd64'), 'utf8')).toBe('a core');
  expect(first.stderr).toContain(`registered fctl 0.3.0 in ${registry}`);
  const cores = parseRegistry(readFileSync(registry, 'utf8'), registry).cores!;
  expect(cores.publicKey).toBe(keys.publicKey);
  expect(cores.versions['0.3.0']).toEqual({ checksumsSha256: pin, protocolVersions: [1], sources: [summary.published.source] });

  const text = readFileSync(registry, 'utf8');
  const again = fctlKit(...args);
  expect(again.status, again.stderr).toBe(0);
  expect(JSON.parse(again.stdout).registered).toBe(false);
  expect(readFileSync(registry, 'utf8')).toBe(text);
});

it('refuses a protocol version fctl does not speak, and --registry without a backend', () => {
  const bad = fctlKit('--protocol-versions', '7', '--build-dir', 'build');
  expect(bad.status).toBe(1);
  expect(bad.stderr).toContain('--protocol-versions lists protocol versions fctl speaks (1, 2), comma-separated; got "7"');
  const noBackend = fctlKit('--build-dir', 'build', '--registry', 'registry.yaml');
  expect(noBackend.status).toBe(1);
  expect(noBackend.stderr).toContain('--registry records where the release was published: give --backend and its flags');
});
