// build -> publish (url backend) -> registry entry -> fctl discovers, installs and runs the plugin,
// from the published directory itself and from the same layout served over loopback HTTP (PUT).
// Publishing again uploads nothing; a published file with other bytes is never overwritten.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentPlatform, generateSigningKey } from '@fctl-kit/artifacts';
import type { PublishAction } from '@fctl-kit/backends';
import { newFctl } from '../support/fctl.js';
import { startLedger, type RunningLedger } from '../support/ledger-service.js';
import { fctlKit as runFctlKit } from '../support/exec.js';
import { examplePluginDir } from '../support/paths.js';
import { startReleaseServer, type ReleaseServer } from '../support/release-server.js';
import { expectDiscoveredAndRan, onTerminal } from '../support/terminal.js';

const keys = generateSigningKey();
const platform = currentPlatform();
let work: string;
let buildDir: string;
let server: ReleaseServer;
let ledger: RunningLedger;

const fctlKit = (args: string[], env: NodeJS.ProcessEnv = {}) => runFctlKit(args, { cwd: work, env });

/** What `fctl-kit publish` prints on stdout. */
type Report = { backend: string; location: string; source: { backend: string; url: string }; dryRun: boolean; actions: PublishAction[]; refusals: string[]; bytesUploaded: number };

function registryFor(summary: Report): string {
  const path = join(work, `registry-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    path,
    [
      'plugins:',
      '  ledger:',
      '    sources:',
      `      - backend: ${summary.source.backend}`,
      `        url: ${summary.source.url}`,
      '    publicKey: |',
      ...keys.publicKey.trim().split('\n').map((l) => `      ${l}`),
      '    versions: {}',
      '',
    ].join('\n'),
  );
  return path;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'publish-url-'));
  buildDir = join(work, 'build');
  const built = await fctlKit(['build', examplePluginDir, '--service-version', '3.2.0', '--out', buildDir, '--targets', `${platform.os}-${platform.arch}`], { FCTL_KIT_SIGNING_KEY: keys.privateKey });
  if (built.code !== 0) throw new Error(built.stderr);
  server = await startReleaseServer();
  ledger = await startLedger('3.2.0');
}, 300_000);
afterAll(async () => {
  await Promise.all([server?.stop(), ledger?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('publishing to a directory', () => {
  it('dry-run says what it would upload, and uploads nothing', async () => {
    const result = await fctlKit(['publish', buildDir, '--to', join(work, 'dry'), '--dry-run']);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as Report;
    expect(summary).toMatchObject({ backend: 'url', name: 'ledger', version: '3.2.0', dryRun: true, bytesUploaded: 0, refusals: [] });
    // checksums.txt and what signs it are copied last, then the release is renamed into place.
    expect(summary.actions.at(-1)).toMatchObject({ subject: join(work, 'dry', 'ledger', '3.2.0'), action: 'finish' });
    expect(summary.actions.filter((a) => a.action === 'upload').map((a) => a.subject)).toContain('checksums.txt');
    expect(summary.actions.findIndex((a) => a.subject === 'checksums.txt')).toBeGreaterThan(summary.actions.findIndex((a) => a.subject.startsWith('fctl-plugin-ledger-')));
    expect(result.stderr).toContain(`Dry run: nothing uploaded to ${join(work, 'dry', 'ledger', '3.2.0')}`);
    expect(() => readFileSync(join(work, 'dry', 'ledger', '3.2.0', 'checksums.txt'))).toThrow();
  });

  it('publishes, then publishing again uploads zero bytes, and changed bytes are refused', async () => {
    const site = join(work, 'site');
    writeFileSync(join(work, 'pub.pem'), keys.publicKey);
    const first = JSON.parse((await fctlKit(['publish', buildDir, '--to', site, '--public-key', join(work, 'pub.pem')])).stdout) as Report;
    expect(first.bytesUploaded).toBeGreaterThan(50 * 1024 * 1024);
    expect(first.actions.filter((a) => a.action !== 'finish').every((a) => a.action === 'upload')).toBe(true);
    const again = JSON.parse((await fctlKit(['publish', buildDir, '--to', site])).stdout) as Report;
    expect(again.bytesUploaded).toBe(0);
    expect(again.actions.every((a) => a.action === 'skip')).toBe(true);

    writeFileSync(join(site, 'ledger', '3.2.0', 'manifest.json'), '{}');
    const refused = await fctlKit(['publish', buildDir, '--to', site]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`Error: ${join(site, 'ledger', '3.2.0', 'manifest.json')} already exists with other bytes: a published release is never overwritten (publish a new version)\n`);
  });

  it('the core discovers the published release on a terminal, installs it from the directory and runs it', async () => {
    const site = join(work, 'site-journey');
    const summary = JSON.parse((await fctlKit(['publish', buildDir, '--to', site])).stdout) as Report;
    const registry = registryFor(summary);
    const added = await fctlKit(['registry', 'add', registry, 'ledger', '3.2.0', '--compatible-with', '>=3.0.0 <4.0.0', '--from', buildDir]);
    expect(added.code, added.stderr).toBe(0);
    const fctl = newFctl({ FCTL_REGISTRY: registry });
    await fctl.run(['profile', 'add', 'main', '--stack-url', ledger.url, '--use']);
    expectDiscoveredAndRan(await onTerminal(fctl, ['ledger', 'transactions', 'list'], 'y'));
  }, 60_000);
});

describe('publishing with HTTP PUT', () => {
  it('uploads to a server, skips what is there, and the core installs over loopback HTTP', async () => {
    const first = JSON.parse((await fctlKit(['publish', buildDir, '--to', `${server.url}/releases`])).stdout) as Report;
    expect(first.source.url).toBe(`${server.url}/releases/{name}/{version}/{file}`);
    expect(first.bytesUploaded).toBeGreaterThan(50 * 1024 * 1024);
    expect(server.files.get('/releases/ledger/3.2.0/checksums.txt')?.equals(readFileSync(join(buildDir, 'checksums.txt')))).toBe(true);
    const again = JSON.parse((await fctlKit(['publish', buildDir, '--to', `${server.url}/releases`])).stdout) as Report;
    expect(again.bytesUploaded).toBe(0);

    const registry = registryFor(first);
    await fctlKit(['registry', 'add', registry, 'ledger', '3.2.0', '--compatible-with', '>=3.0.0 <4.0.0', '--from', buildDir]);
    const fctl = newFctl({ FCTL_REGISTRY: registry });
    await fctl.run(['profile', 'add', 'main', '--stack-url', ledger.url, '--use']);
    const install = await fctl.run(['plugin', 'install', 'ledger'], { timeoutMs: 60_000 });
    expect(install.code, install.stderr).toBe(0);
    const list = await fctl.run(['ledger', 'transactions', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+TIMESTAMP/);
  }, 120_000);
});
