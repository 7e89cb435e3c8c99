// Registry resolution through the built fctl when the registry records which protocol versions each
// plugin version speaks (issue 15 item 1): an fctl offering only v1 (FCTL_PROTOCOL_VERSIONS=1, what
// an older fctl is) passes over the v2-only versions and says so, before anything is downloaded;
// `--version` naming one is refused naming the protocols; when nothing is left the error says why.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from '@fctl-kit/artifacts';
import { newFctl, type Fctl } from '../support/fctl.js';
import { startLedger, type RunningLedger } from '../support/ledger-service.js';
import { ledgerRegistryYaml } from '../support/matrix-releases.js';
import { makeRelease, type MadeRelease } from '../support/releases.js';
import { startReleaseServer, type ReleaseServer } from '../support/release-server.js';

const keys = generateSigningKey();
let work: string;
let server: ReleaseServer;
let stack: RunningLedger;
const releases: Record<string, MadeRelease> = {};

function registry(file: string, versions: Record<string, number[]>): string {
  const path = join(work, file);
  const entries = Object.fromEntries(Object.entries(versions).map(([version, protocols]) => [version, { checksumsSha256: releases[version]!.checksumsSha256, protocolVersions: protocols }]));
  writeFileSync(path, ledgerRegistryYaml({ url: server.url, publicKey: keys.publicKey, versions: entries }));
  return path;
}

/** Paths fetched from the release server since the last clear. */
const fetched = () => [...server.requests.keys()];

async function fctlWith(registryPath: string, env: NodeJS.ProcessEnv = {}): Promise<Fctl> {
  const fctl = newFctl({ FCTL_REGISTRY: registryPath, ...env });
  await fctl.run(['profile', 'add', 'main', '--stack-url', stack.url, '--use']);
  return fctl;
}

const V1_PINNED = { FCTL_PROTOCOL_VERSIONS: '1' };
const SKIP_LINE = 'ledger 3.3.0 speaks protocol version 2; this fctl (FCTL_PROTOCOL_VERSIONS=1) speaks 1';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'protocol-skip-'));
  server = await startReleaseServer();
  for (const version of ['3.2.0', '3.3.0']) {
    releases[version] = await makeRelease(join(work, 'releases', version), version, { signingKey: keys.privateKey });
    for (const name of readdirSync(releases[version]!.dir)) server.files.set(`/ledger/${version}/${name}`, readFileSync(join(releases[version]!.dir, name)));
  }
  stack = await startLedger('3.3.0');
}, 120_000);
afterAll(async () => {
  await Promise.all([server?.stop(), stack?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('a registry with a v1-and-v2 version and a newer v2-only one', () => {
  const both = () => registry('registry.yaml', { '3.2.0': [1, 2], '3.3.0': [2] });

  it('an fctl speaking v1 and v2 installs the newest, saying nothing about protocols', async () => {
    const fctl = await fctlWith(both());
    expect((await fctl.run(['version'])).stdout).toMatch(/\(plugin protocol v1, v2\)\n$/);
    const install = await fctl.run(['plugin', 'install', 'ledger']);
    expect(install.code, install.stderr).toBe(0);
    expect(install.stderr).not.toContain('protocol');
    expect(install.stderr).toContain('Plugin "ledger" installed (version: 3.3.0');
  });

  it('a v1-only fctl passes over 3.3.0 before downloading, says why, installs 3.2.0, and it runs', async () => {
    const fctl = await fctlWith(both(), V1_PINNED);
    expect((await fctl.run(['version'])).stdout).toMatch(/\(plugin protocol v1\)\n$/);
    server.requests.clear();
    const install = await fctl.run(['plugin', 'install', 'ledger']);
    expect(install.code, install.stderr).toBe(0);
    expect(install.stderr.split('\n').slice(0, 2)).toEqual([
      `Warning: fctl-plugin-ledger 3.3.0 serves this stack but cannot run here: ${SKIP_LINE}.`,
      '  Using fctl-plugin-ledger 3.2.0. Unset FCTL_PROTOCOL_VERSIONS to let fctl speak every protocol version it can.',
    ]);
    expect(install.stderr).toContain('Plugin "ledger" installed (version: 3.2.0');
    expect(fetched().length).toBeGreaterThan(0);
    expect(fetched().every((path) => path.startsWith('/ledger/3.2.0/'))).toBe(true);
    const list = await fctl.run(['ledger', 'transactions', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+TIMESTAMP/);
  });

  it('--version 3.3.0 on a v1-only fctl is refused naming the protocols and the version it can run, downloading nothing', async () => {
    const fctl = await fctlWith(both(), V1_PINNED);
    server.requests.clear();
    const install = await fctl.run(['plugin', 'install', 'ledger', '--version', '3.3.0']);
    expect(install.code).toBe(1);
    expect(install.stderr).toContain(`Error: fctl-plugin-ledger 3.3.0 cannot run with this fctl: ${SKIP_LINE}. Nothing was downloaded.`);
    expect(install.stderr).toContain('fctl plugin install ledger --version 3.2.0');
    expect(fetched()).toEqual([]);
    expect((await fctl.run(['plugin', 'list', '-o', 'json'])).stdout.trim()).toBe('[]');
  });
});

describe('a registry serving the stack only with v2-only versions', () => {
  it('a v1-only fctl explains, from the run path and from install, and downloads nothing', async () => {
    const fctl = await fctlWith(registry('v2-only.yaml', { '3.3.0': [2] }), V1_PINNED);
    server.requests.clear();
    for (const command of [['ledger', 'transactions', 'list'], ['plugin', 'install', 'ledger']]) {
      const result = await fctl.run(command);
      expect(result.code, command.join(' ')).toBe(1);
      expect(result.stderr).toContain('Error: no version of the "ledger" plugin that serves Ledger v3.3.0 can run with this fctl (FCTL_PROTOCOL_VERSIONS=1):');
      expect(result.stderr).toContain(`         ${SKIP_LINE}\n`);
      expect(result.stderr).toContain('Unset FCTL_PROTOCOL_VERSIONS');
    }
    expect(fetched()).toEqual([]);
  });

  it('the same fctl at its default installs it', async () => {
    const fctl = await fctlWith(registry('v2-only.yaml', { '3.3.0': [2] }));
    const install = await fctl.run(['plugin', 'install', 'ledger']);
    expect(install.code, install.stderr).toBe(0);
    expect(install.stderr).toContain('Plugin "ledger" installed (version: 3.3.0');
  });
});
