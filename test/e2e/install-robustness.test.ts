// Installs interrupted by SIGKILL at many moments, over the download and every step after it, and
// eight installs of the same plugin at once. plugins.json must always describe files that exist
// with their recorded sha256, the version installed before must keep running, and concurrent
// installs must share one download.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newFctl, type Fctl } from '../support/fctl.js';
import { startLedger, type RunningLedger } from '../support/ledger-service.js';
import { makeRelease, platformBinary } from '../support/releases.js';
import { startReleaseServer, type ReleaseServer } from '../support/release-server.js';

let work: string;
let server: ReleaseServer;
let ledger: RunningLedger;
let registry: string;
let template: Fctl;
const SIZE = 2 * 1024 * 1024;
const slow = () => ({ kind: 'slow' as const, bytesPerTick: 64 * 1024, tickMs: 20 });

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'install-robustness-'));
  server = await startReleaseServer();
  ledger = await startLedger('3.2.0');
  const lines = ['plugins:', '  ledger:', '    distribution: url', `    url: ${server.url}/{name}/{version}/{file}`, '    versions:'];
  for (const version of ['3.2.0', '3.3.0']) {
    const release = await makeRelease(join(work, 'releases', version), version, { padTo: SIZE });
    for (const name of readdirSync(release.dir)) server.files.set(`/ledger/${version}/${name}`, readFileSync(join(release.dir, name)));
    lines.push(`      ${version}:`, `        compatibleWith: "${version === '3.2.0' ? '>=3.0.0 <3.3.0' : '>=3.3.0 <4.0.0'}"`, `        checksumsSha256: ${release.checksumsSha256}`);
  }
  registry = join(work, 'registry.yaml');
  writeFileSync(registry, `${lines.join('\n')}\n`);
  // Every kill starts from a copy of this configuration: a profile on the 3.2.0 stack, 3.2.0 installed.
  template = newFctl({ FCTL_REGISTRY: registry });
  await template.run(['profile', 'add', 'main', '--stack-url', ledger.url, '--use']);
  const installed = await template.run(['plugin', 'install', 'ledger']);
  if (installed.code !== 0) throw new Error(installed.stderr);
}, 120_000);
afterAll(async () => {
  await Promise.all([server?.stop(), ledger?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

function copyOfTemplate(): Fctl {
  const fctl = newFctl({ FCTL_REGISTRY: registry });
  cpSync(template.configDir, fctl.configDir, { recursive: true });
  // Paths in plugins.json point into the template's directory: rewrite them for the copy.
  const file = join(fctl.configDir, 'plugins.json');
  writeFileSync(file, readFileSync(file, 'utf8').replaceAll(template.configDir, fctl.configDir));
  return fctl;
}

async function expectConsistent(fctl: Fctl): Promise<string[]> {
  const list = await fctl.run(['plugin', 'list', '-o', 'json']);
  expect(list.code, list.stderr).toBe(0);
  const entries = JSON.parse(list.stdout) as Array<{ version: string; path: string; sha256: string }>;
  for (const entry of entries) {
    expect(existsSync(entry.path), entry.path).toBe(true);
    expect(createHash('sha256').update(readFileSync(entry.path)).digest('hex')).toBe(entry.sha256);
  }
  const run = await fctl.run(['ledger', 'transactions', 'list']);
  expect(run.code, run.stderr).toBe(0);
  return entries.map((e) => e.version);
}

/** Starts an install and SIGKILLs it `afterMs` after it starts, or when its stderr shows `marker`. */
async function killedInstall(fctl: Fctl, args: string[], when: { afterMs?: number; marker?: string }): Promise<void> {
  server.faults.set(`/ledger/3.3.0/${platformBinary()}`, [slow()]);
  const child = fctl.spawn(['--debug', 'plugin', 'install', 'ledger', ...args]);
  child.stdin!.end();
  let stderr = '';
  const kill = () => child.kill('SIGKILL');
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
    if (when.marker && stderr.includes(when.marker)) kill();
  });
  child.stdout!.resume();
  const timer = when.afterMs !== undefined ? setTimeout(kill, when.afterMs) : undefined;
  await new Promise((resolve) => child.on('close', resolve));
  clearTimeout(timer);
}

describe('an install killed at any moment', () => {
  it('leaves plugins.json consistent and the version installed before working (36 kill points)', async () => {
    // How long a whole install takes here, to spread the kill points over it.
    const probe = copyOfTemplate();
    server.faults.set(`/ledger/3.3.0/${platformBinary()}`, [slow()]);
    const started = Date.now();
    const full = await probe.run(['plugin', 'install', 'ledger', '--version', '3.3.0']);
    const duration = Date.now() - started;
    expect(full.code, full.stderr).toBe(0);

    const points: Array<{ afterMs?: number; marker?: string }> = [
      ...Array.from({ length: 32 }, (_, i) => ({ afterMs: Math.round((duration * (i + 0.5)) / 32) })),
      { marker: 'Verifying checksum...' },
      { marker: 'Verifying checksum... ok' },
      { marker: 'handshake: ok' },
      { marker: '[fctl]    verified ' },
    ];
    const outcomes = new Set<string>();
    for (const [i, point] of points.entries()) {
      const fctl = copyOfTemplate();
      // Half download a new version over HTTP; half install it from a local release directory.
      const args = i % 2 ? ['--version', '3.3.0'] : ['--version', '3.3.0', '--from', join(work, 'releases', '3.3.0')];
      await killedInstall(fctl, args, point);
      const versions = await expectConsistent(fctl);
      expect(versions).toContain('3.2.0');
      outcomes.add(versions.join(','));
      // The next install recovers: it completes and removes what the killed one left behind.
      if (i % 8 === 0) {
        const again = await fctl.run(['plugin', 'install', 'ledger', ...args], { timeoutMs: 60_000 });
        expect(again.code, again.stderr).toBe(0);
        expect(readdirSync(join(fctl.configDir, 'plugins', '.staging'))).toEqual([]);
        const directories = readdirSync(join(fctl.configDir, 'plugins', 'ledger'));
        expect(directories).toHaveLength((await expectConsistent(fctl)).length);
      }
      rmSync(fctl.configDir, { recursive: true, force: true });
    }
    // The kill points covered both sides of the commit.
    expect([...outcomes].sort()).toEqual(['3.2.0', '3.2.0,3.3.0']);
  }, 600_000);
});

describe('concurrent installs', () => {
  it('eight processes installing the same plugin make one download, and all succeed', async () => {
    const fctl = newFctl({ FCTL_REGISTRY: registry });
    await fctl.run(['profile', 'add', 'main', '--stack-url', ledger.url, '--use']);
    server.requests.clear();
    server.faults.set(`/ledger/3.2.0/${platformBinary()}`, [slow()]);
    const results = await Promise.all(Array.from({ length: 8 }, () => fctl.run(['plugin', 'install', 'ledger'], { timeoutMs: 120_000 })));
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    expect(server.requests.get(`/ledger/3.2.0/${platformBinary()}`)).toBe(1);
    expect(results.filter((r) => r.stderr.includes('Plugin "ledger" installed (version: 3.2.0')).length).toBe(1);
    expect(results.filter((r) => r.stderr === 'Plugin "ledger" 3.2.0 is already installed.\n').length).toBe(7);
    expect(await expectConsistent(fctl)).toEqual(['3.2.0']);
  }, 180_000);
});
