// RFC 0002 journeys through the real fctl: discovery from a registry (the prompt answered through a
// pseudo-terminal, the non-interactive error), installing the version the stack needs, switching
// versions as the stack changes, deprecation and retirement, and an air-gapped install.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentPlatform, generateSigningKey } from '@fctl-kit/artifacts';
import { newFctl, type Fctl } from '../support/fctl.js';
import { startLedger, type RunningLedger } from '../support/ledger-service.js';
import { onTerminal } from '../support/terminal.js';
import { makeRelease, platformBinary, type MadeRelease } from '../support/releases.js';
import { startReleaseServer, type ReleaseServer } from '../support/release-server.js';

const keys = generateSigningKey();
const platform = currentPlatform();
let work: string;
let server: ReleaseServer;
let v320: RunningLedger;
let v330: RunningLedger;
const releases: Record<string, MadeRelease> = {};

function serve(version: string, release: MadeRelease) {
  for (const name of readdirSync(release.dir)) server.files.set(`/ledger/${version}/${name}`, readFileSync(join(release.dir, name)));
}

function registry(file: string, versions: Record<string, { compatibleWith: string; deprecated?: string; pin?: boolean }>): string {
  const path = join(work, file);
  const lines = [
    'plugins:',
    '  ledger:',
    '    repo: formancehq/ledger',
    '    distribution: url',
    `    url: ${server.url}/{name}/{version}/{file}`,
    '    publicKey: |',
    ...keys.publicKey.trim().split('\n').map((line) => `      ${line}`),
    '    versions:',
    ...Object.entries(versions).flatMap(([version, v]) => [
      `      ${version}:`,
      `        compatibleWith: "${v.compatibleWith}"`,
      ...(v.deprecated ? [`        deprecated: "${v.deprecated}"`] : []),
      ...(v.pin !== false && releases[version] ? [`        checksumsSha256: ${releases[version]!.checksumsSha256}`] : []),
    ]),
  ];
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const binaryRequests = () => [...server.requests].filter(([path]) => path.endsWith(platformBinary())).reduce((n, [, count]) => n + count, 0);

async function fctlOn(stack: RunningLedger, registryPath: string | undefined): Promise<Fctl> {
  const fctl = newFctl(registryPath ? { FCTL_REGISTRY: registryPath } : {});
  await fctl.run(['profile', 'add', 'main', '--stack-url', stack.url, '--use']);
  return fctl;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'registry-install-'));
  server = await startReleaseServer();
  for (const version of ['3.2.0', '3.3.0']) {
    releases[version] = await makeRelease(join(work, 'releases', version), version, { signingKey: keys.privateKey });
    serve(version, releases[version]!);
  }
  v320 = await startLedger('3.2.0');
  v330 = await startLedger('3.3.0');
}, 120_000);
afterAll(async () => {
  await Promise.all([server?.stop(), v320?.stop(), v330?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

const standard = () => registry('registry.yaml', { '3.2.0': { compatibleWith: '>=3.0.0 <3.3.0' }, '3.3.0': { compatibleWith: '>=3.3.0 <4.0.0' } });

describe('without a terminal (journey 6)', () => {
  it('fails with the exact install command, exit code 1, and downloads nothing', async () => {
    server.requests.clear();
    const fctl = await fctlOn(v320, standard());
    const result = await fctl.run(['ledger', 'transactions', 'list']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `Error: the stack at ${v320.url} runs Ledger v3.2.0, which requires\n       the "ledger" plugin. No compatible version is installed.\n\n  Run: fctl plugin install ledger\n`,
    );
    expect(binaryRequests()).toBe(0);
    expect((await fctl.run(['plugin', 'list', '-o', 'json'])).stdout.trim()).toBe('[]');
  });

  it('the exact command then installs the version the stack needs, verified, and the command works', async () => {
    const fctl = await fctlOn(v320, standard());
    const install = await fctl.run(['plugin', 'install', 'ledger']);
    expect(install.code, install.stderr).toBe(0);
    expect(install.stderr).toBe(
      `Downloading fctl-plugin-ledger v3.2.0 (${platform.os}/${platform.arch})... done\nVerifying checksum... ok (checksums.txt signed by the publisher's key)\nPlugin "ledger" installed (version: 3.2.0, compatible with >=3.0.0 <3.3.0).\n`,
    );
    const list = await fctl.run(['ledger', 'transactions', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+TIMESTAMP/);
    const installed = JSON.parse((await fctl.run(['plugin', 'list', '-o', 'json'])).stdout);
    expect(installed).toEqual([expect.objectContaining({ name: 'ledger', version: '3.2.0', source: `registry:${join(work, 'registry.yaml')}` })]);

    server.requests.clear();
    const again = await fctl.run(['plugin', 'install', 'ledger']);
    expect(again.stderr).toBe('Plugin "ledger" 3.2.0 is already installed.\n');
    expect(binaryRequests()).toBe(0);
  });
});

describe('a plugin that is neither installed nor built in', () => {
  it('is routed by the registry to discovery, which asks the stack for its version', async () => {
    const path = join(work, 'payments.yaml');
    writeFileSync(path, 'plugins:\n  payments:\n    distribution: url\n    url: https://downloads.example.com/{file}\n    versions:\n      3.1.0:\n        compatibleWith: ^3.1.0\n');
    const fctl = await fctlOn(v320, path);
    const result = await fctl.run(['payments', 'transfers', 'list']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`Error: the stack at ${v320.url} runs no "payments" service (it runs: ledger)\n`);
    const unknown = await fctl.run(['wallets', 'list']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'wallets'");
  });
});

describe('switching stacks', () => {
  it('uses the installed version that serves each stack, and installs the other when asked', async () => {
    const fctl = await fctlOn(v320, standard());
    await fctl.run(['profile', 'add', 'next', '--stack-url', v330.url]);
    expect((await fctl.run(['plugin', 'install', 'ledger'])).code).toBe(0);
    const missing = await fctl.run(['--profile', 'next', 'ledger', 'transactions', 'list']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('runs Ledger v3.3.0, which requires');
    expect((await fctl.run(['--profile', 'next', 'plugin', 'install', 'ledger'])).stderr).toContain('Plugin "ledger" installed (version: 3.3.0, compatible with >=3.3.0 <4.0.0).');

    const onNext = await fctl.run(['--profile', 'next', '--debug', 'ledger', 'transactions', 'list']);
    expect(onNext.stderr).toContain('[fctl]    plugin: fctl-plugin-ledger v3.3.0 (compatibleWith >=3.3.0 <4.0.0)');
    const onMain = await fctl.run(['--debug', 'ledger', 'transactions', 'list']);
    expect(onMain.stderr).toContain('[fctl]    plugin: fctl-plugin-ledger v3.2.0 (compatibleWith >=3.0.0 <3.3.0)');
    expect(onMain.code).toBe(0);
    expect(JSON.parse((await fctl.run(['plugin', 'list', '-o', 'json'])).stdout).map((p: { version: string }) => p.version)).toEqual(['3.2.0', '3.3.0']);
  });

  it('installs an exact registry version with --version', async () => {
    const fctl = await fctlOn(v320, standard());
    const result = await fctl.run(['plugin', 'install', 'ledger', '--version', '3.3.0']);
    expect(result.stderr).toContain('Plugin "ledger" installed (version: 3.3.0');
    const unknown = await fctl.run(['plugin', 'install', 'ledger', '--version', '9.9.9']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('Error: the plugin registry has no version 9.9.9 of "ledger" (versions: 3.3.0, 3.2.0)\n');
  });
});

/** A port nothing listens on. */
async function unusedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('on a terminal (journeys 1 and 3)', () => {
  it('asks, installs on "y", and runs the command', async () => {
    const fctl = await fctlOn(v320, standard());
    const { code, output } = await onTerminal(fctl, ['ledger', 'transactions', 'list'], 'y');
    expect(output).toContain(
      `  The "ledger" command requires a plugin that is not installed.\n\n  The stack at ${v320.url} runs Ledger v3.2.0.\n  Compatible plugin: fctl-plugin-ledger v3.2.0\n\n  Install it now? [Y/n] y\n`,
    );
    expect(output).toMatch(/Downloading fctl-plugin-ledger v3\.2\.0 \(\w+\/\w+\) \[=+\] 100% \| \d+ B of \d+ B/);
    expect(output).toContain("Verifying checksum... ok (checksums.txt signed by the publisher's key)\nPlugin installed.\n");
    expect(output).toMatch(/ID\s+TIMESTAMP\s+REFERENCE\s+POSTINGS/);
    expect(code).toBe(0);
  }, 60_000);

  it('installs nothing on "n"', async () => {
    const fctl = await fctlOn(v320, standard());
    const { code, output } = await onTerminal(fctl, ['ledger', 'transactions', 'list'], 'n');
    expect(output).toContain('Error: the "ledger" plugin was not installed.\n\n  Install it later: fctl plugin install ledger');
    expect(code).toBe(1);
    expect((await fctl.run(['plugin', 'list', '-o', 'json'])).stdout.trim()).toBe('[]');
  }, 60_000);
});

describe('deprecation and retirement (journey 7)', () => {
  const deprecated = () =>
    registry('deprecated.yaml', { '3.2.0': { compatibleWith: '>=3.0.0 <3.3.0', deprecated: 'Ledger v3.x reaches end-of-life on 2027-03-01.' }, '3.3.0': { compatibleWith: '>=3.3.0 <4.0.0' } });
  const warning = 'Warning: plugin "ledger" v3.2.0 is deprecated.\n         Ledger v3.x reaches end-of-life on 2027-03-01.\n         Consider upgrading your stack.\n';

  it('warns on install and on every execution', async () => {
    const fctl = await fctlOn(v320, deprecated());
    expect((await fctl.run(['plugin', 'install', 'ledger'])).stderr).toContain(warning);
    for (let i = 0; i < 2; i++) {
      const run = await fctl.run(['ledger', 'transactions', 'list']);
      expect(run.code).toBe(0);
      expect(run.stderr).toBe(warning);
    }
  });

  it('prints a registry deprecation message made safe for the terminal (the registry is untrusted)', async () => {
    const hostile = registry('hostile-deprecation.yaml', {
      '3.2.0': { compatibleWith: '>=3.0.0 <3.3.0', deprecated: 'Ends soon\\e[2J\\e]0;owned\\a\\rUpgrade \\u009b31mnow\\u202e' },
    });
    const fctl = await fctlOn(v320, hostile);
    const install = await fctl.run(['plugin', 'install', 'ledger']);
    const run = await fctl.run(['ledger', 'transactions', 'list']);
    expect(run.code, run.stderr).toBe(0);
    for (const stderr of [install.stderr, run.stderr]) {
      expect(stderr).toContain('is deprecated');
      expect(stderr).toMatch(/Ends soon.*Upgrade .*now/);
      expect(stderr).not.toMatch(/[\u001b\u0007\r\u009b\u202e]/);
    }
  });

  it('picks up a deprecation published after the install, the next time the registry is read', async () => {
    const fctl = await fctlOn(v320, standard());
    await fctl.run(['plugin', 'install', 'ledger']);
    expect((await fctl.run(['ledger', 'transactions', 'list'])).stderr).toBe('');
    const again = await fctl.run(['plugin', 'install', 'ledger'], { env: { FCTL_REGISTRY: deprecated() } });
    expect(again.stderr).toContain('already installed');
    expect((await fctl.run(['ledger', 'transactions', 'list'])).stderr).toBe(warning);
  });

  it('explains retirement with the options the RFC lists, and keeps what is installed working', async () => {
    const fctl = await fctlOn(v320, standard());
    await fctl.run(['plugin', 'install', 'ledger']);
    const retired = registry('retired.yaml', { '4.0.0': { compatibleWith: '>=4.0.0 <5.0.0' }, '5.0.0': { compatibleWith: '>=5.0.0' } });
    const elsewhere = await fctlOn(v320, retired);
    const result = await elsewhere.run(['plugin', 'install', 'ledger']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'Error: no version of the "ledger" plugin serves Ledger v3.2.0.\n       Ledger v3.x has reached end-of-life.\n       The registry serves:\n         Ledger >=4.0.0 <5.0.0: fctl-plugin-ledger 4.0.0\n         Ledger >=5.0.0: fctl-plugin-ledger 5.0.0\n\n  Options:\n    - Upgrade your stack to a Ledger version served above, then: fctl plugin install ledger\n    - Install a plugin build you have for Ledger v3.2.0:\n      fctl plugin install ledger --path <binary | source directory> --compatible-with 3.2.0\n',
    );
    const stillWorks = await fctl.run(['ledger', 'transactions', 'list'], { env: { FCTL_REGISTRY: retired } });
    expect(stillWorks.code, stillWorks.stderr).toBe(0);
  });
});

describe('air-gapped installs', () => {
  it('installs from a release directory without any registry, checking the signature with --public-key', async () => {
    const fctl = await fctlOn(v320, undefined);
    const publicKey = join(work, 'publisher.pub');
    writeFileSync(publicKey, keys.publicKey);
    const result = await fctl.run(['plugin', 'install', 'ledger', '--from', releases['3.2.0']!.dir, '--public-key', publicKey]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('Plugin "ledger" installed (version: 3.2.0, compatible with >=3.0.0 <4.0.0).');
    expect((await fctl.run(['ledger', 'transactions', 'list'])).code).toBe(0);
    const other = generateSigningKey();
    writeFileSync(join(work, 'other.pub'), other.publicKey);
    const wrongKey = await (await fctlOn(v320, undefined)).run(['plugin', 'install', 'ledger', '--from', releases['3.2.0']!.dir, '--public-key', join(work, 'other.pub')]);
    expect(wrongKey.stderr).toBe("Error: refusing to install ledger 3.2.0: the signature of checksums.txt does not verify with the publisher's public key. Nothing was installed.\n");
  });

  it('takes the files from a directory while the registry still decides version, pin and key', async () => {
    server.requests.clear();
    const fctl = await fctlOn(v320, standard());
    const result = await fctl.run(['plugin', 'install', 'ledger', '--from', releases['3.2.0']!.dir]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('compatible with >=3.0.0 <3.3.0');
    expect(server.requests.size).toBe(0);
  });

  it('refuses a directory that holds no release', async () => {
    const fctl = await fctlOn(v320, undefined);
    const result = await fctl.run(['plugin', 'install', 'ledger', '--from', work]);
    expect(result.stderr).toBe(`Error: ${work} holds no release: expected checksums.txt in it\n`);
  });
});

describe('fctl plugin registry', () => {
  it('sets, shows and unsets the registry; refuses plain http beyond loopback', async () => {
    const fctl = newFctl();
    expect((await fctl.run(['plugin', 'registry', 'show'])).stdout).toBe('No plugin registry is configured.\n');
    expect((await fctl.run(['plugin', 'registry', 'set', `${server.url}/registry.yaml`])).stderr).toBe(`Plugin registry set to ${server.url}/registry.yaml.\n`);
    expect((await fctl.run(['plugin', 'registry', 'show'])).stdout).toBe(`${server.url}/registry.yaml\n`);
    const refused = await fctl.run(['plugin', 'registry', 'set', 'http://registry.example.com/r.yaml']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe('Error: refusing plain http for the registry (registry.example.com): use https (http is allowed only to loopback)\n');
    await fctl.run(['plugin', 'registry', 'unset']);
    expect((await fctl.run(['plugin', 'registry', 'show'])).stdout).toBe('No plugin registry is configured.\n');
  });

  it('fetches a registry over HTTP with conditional requests, and falls back to the cached copy when unreachable', async () => {
    server.files.set('/registry.yaml', readFileSync(standard()));
    const fctl = await fctlOn(v320, `${server.url}/registry.yaml`);
    const first = await fctl.run(['--debug', 'plugin', 'install', 'ledger', '--version', '3.2.0']);
    expect(first.stderr).toContain(`registry: fetched ${server.url}/registry.yaml`);
    const second = await fctl.run(['--debug', 'plugin', 'install', 'ledger', '--version', '3.2.0']);
    expect(second.stderr).toContain('not modified (304), using the cached copy');
    server.faults.set('/registry.yaml', [{ kind: 'status', status: 503 }]);
    const stale = await fctl.run(['plugin', 'install', 'ledger', '--version', '3.2.0']);
    expect(stale.code).toBe(0);
    expect(stale.stderr).toContain(`Warning: the registry ${server.url}/registry.yaml answered 503; using the copy fetched earlier\n`);
    const port = await unusedPort();
    const down = await fctl.run(['plugin', 'install', 'ledger', '--version', '3.2.0'], { env: { FCTL_REGISTRY: `http://127.0.0.1:${port}/registry.yaml` } });
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(`Error: cannot reach the plugin registry http://127.0.0.1:${port}/registry.yaml (ECONNREFUSED)\n`);
  });
});
