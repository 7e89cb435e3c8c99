// What the core does when a plugin misbehaves: every case ends with a clear report and exit code,
// never a hung or crashed fctl. Fixture plugins are hand-written protocol peers (test/fixtures).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, newFctl, type Fctl } from '../support/fctl.js';
import { startLedger, type RunningLedger } from '../support/ledger-service.js';
import { fixturePlugin } from '../support/paths.js';

let ledger: RunningLedger;
beforeAll(async () => {
  ledger = await startLedger('3.2.0');
});
afterAll(() => ledger?.stop());

async function fctlOnV3(env: NodeJS.ProcessEnv = {}): Promise<Fctl> {
  const fctl = newFctl(env);
  await fctl.run(['profile', 'add', 'prod', '--stack-url', ledger.url, '--use']);
  return fctl;
}

const withFixture = (name: string, ...rest: string[]) => ['--plugin-binary', `ledger=${fixturePlugin(name)}`, 'ledger', 'transactions', 'list', ...rest];

function processesRunning(script: string): boolean {
  const out = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
  return out.split('\n').some((line) => line.includes(script) && !line.includes('ps -eo'));
}

describe('protocol negotiation', () => {
  it('an older core (offers v1) works with a newer plugin (speaks v1 and v2)', async () => {
    const fctl = await fctlOnV3({ FCTL_PROTOCOL_VERSIONS: '1' });
    const result = await fctl.run(withFixture('protocol-v1-v2', '--debug'));
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('protocol v1');
    expect(result.stdout).toBe("ID\n 7\n");
  });

  it('today\'s fctl (offers v1 and v2) uses v2 with a plugin that speaks both', async () => {
    const fctl = await fctlOnV3();
    const result = await fctl.run(withFixture('protocol-v1-v2', '--debug'));
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('protocol v2');
    expect(result.stdout).toBe("ID\n 7\n");
  });

  it('a plugin that speaks only a newer version is refused, naming both sides', async () => {
    const fctl = await fctlOnV3({ FCTL_PROTOCOL_VERSIONS: '1' });
    const result = await fctl.run(withFixture('protocol-v2-only'));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('fctl speaks protocol version 1; the plugin speaks 2');
  });

  it('a plugin that picks a version the core did not offer is refused', async () => {
    const fctl = await fctlOnV3();
    const result = await fctl.run(withFixture('picks-unoffered'));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('it picked protocol version 9, which fctl did not offer (fctl speaks 1, 2)');
  });
});

describe('timeouts', () => {
  it('gives up on a handshake that never comes', async () => {
    const fctl = await fctlOnV3({ FCTL_HANDSHAKE_TIMEOUT: '1' });
    const started = Date.now();
    const result = await fctl.run(withFixture('no-handshake'));
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('did not complete the handshake in time');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(processesRunning(fixturePlugin('no-handshake'))).toBe(false);
  });

  it('gives up on an execute that hangs, after --timeout, and leaves no process behind', async () => {
    const fctl = await fctlOnV3();
    const result = await fctl.run(withFixture('hang', '--timeout', '1s'));
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('plugin "ledger" did not answer in time');
    expect(result.stderr).toContain('no answer within 1s (change the limit with --timeout)');
    expect(processesRunning(fixturePlugin('hang'))).toBe(false);
  });

  it('rejects a malformed --timeout', async () => {
    const fctl = await fctlOnV3();
    const result = await fctl.run(withFixture('hang', '--timeout', '10'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--timeout takes a duration with a unit');
  });
});

describe('broken plugins', () => {
  it('names text written to stdout by mistake as a protocol violation', async () => {
    const fctl = await fctlOnV3();
    const result = await fctl.run(withFixture('garbage'));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('it wrote text that is not a protocol message to stdout: "connecting to the ledger..."');
    expect(result.stderr).toContain('This is a bug in the ledger plugin (v3.2.0), not in fctl.');
  });

  it('refuses a result over 32 MiB', async () => {
    const fctl = await fctlOnV3();
    const result = await fctl.run(withFixture('huge-result'));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('a result message exceeded the 32 MiB limit');
    expect(processesRunning(fixturePlugin('huge-result'))).toBe(false);
  });
});

describe('Ctrl-C', () => {
  it('reaches the plugin as a cancel message; fctl exits 130', async () => {
    const markerDir = mkdtempSync(join(tmpdir(), 'cancel-'));
    const fctl = await fctlOnV3({ TMPDIR: markerDir });
    const child = fctl.spawn(withFixture('cancellable', '--debug'));
    const done = collect(child, undefined, 20_000);
    await new Promise<void>((resolve) => {
      child.stderr!.on('data', (text: Buffer | string) => {
        if (String(text).includes('[plugin]  working...')) resolve();
      });
    });
    child.kill('SIGINT');
    const result = await done;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('Cancelled.');
    const marker = join(markerDir, 'cancel-received');
    expect(existsSync(marker)).toBe(true);
    expect(JSON.parse(readFileSync(marker, 'utf8'))).toMatchObject({ type: 'cancel', id: '1', reason: 'interrupted by the user' });
  });
});

describe('environment isolation', () => {
  it('starts plugins with a minimal environment: shell secrets never reach them', async () => {
    const fctl = await fctlOnV3({ GITHUB_TOKEN: 'ghp_shellsecret', AWS_SECRET_ACCESS_KEY: 'aws-secret', NODE_OPTIONS: '--max-old-space-size=100' });
    const result = await fctl.run(withFixture('env-dump', '-o', 'json'));
    expect(result.code).toBe(0);
    const [row] = JSON.parse(result.stdout) as Array<{ env: Record<string, string>; auth: Record<string, unknown> }>;
    expect(row!.env.GITHUB_TOKEN).toBeUndefined();
    expect(row!.env.AWS_SECRET_ACCESS_KEY).toBeUndefined();
    expect(row!.env.NODE_OPTIONS).toBeUndefined();
    expect(row!.env.FCTL_PLUGIN_HANDSHAKE).toBe('fctl-plugin-protocol');
    expect(row!.env.PATH).toBe(fctl.env.PATH);
    expect(Object.keys(row!.env).filter((name) => !['PATH', 'HOME', 'TMPDIR', 'NO_COLOR', 'FCTL_PLUGIN_HANDSHAKE'].includes(name))).toEqual([]);
    expect(row!.auth).toMatchObject({ serviceUrl: ledger.url, insecureSkipTlsVerify: false });
  });
});

describe('confirmation and deprecation', () => {
  const confirmPlugin = ['--plugin-binary', `ledger=${fixturePlugin('confirm')}`, 'ledger', 'transactions'];

  it('refuses a command that asks for confirmation when not interactive, unless --yes', async () => {
    const fctl = await fctlOnV3();
    const refused = await fctl.run([...confirmPlugin, 'revert', '42']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('this command asks "Revert this transaction?" and fctl is not interactive: pass --yes to confirm');
    const confirmed = await fctl.run([...confirmPlugin, 'revert', '42', '--yes', '-o', 'json']);
    expect(confirmed.code).toBe(0);
    expect(JSON.parse(confirmed.stdout)).toEqual({ done: ['transactions', 'revert'], args: ['42'] });
  });

  it('warns when a deprecated command is used, and still runs it', async () => {
    const fctl = await fctlOnV3();
    const result = await fctl.run([...confirmPlugin, 'old', '-o', 'json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('Warning: command "ledger transactions old" is deprecated: use "transactions list"');
  });
});
