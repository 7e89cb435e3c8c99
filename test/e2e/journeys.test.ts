// RFC 0002 journeys 2, 4, 5 and 6, driven through the real fctl, real plugin processes and the
// real example ledger service on 127.0.0.1.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newFctl, type Fctl } from '../support/fctl.js';
import { startLedger, type RunningLedger } from '../support/ledger-service.js';
import { examplePluginDir, fixturePlugin } from '../support/paths.js';

let v2: RunningLedger;
let v3: RunningLedger;

beforeAll(async () => {
  [v2, v3] = await Promise.all([startLedger('2.8.0'), startLedger('3.2.0')]);
});
afterAll(async () => {
  await Promise.all([v2?.stop(), v3?.stop()]);
});

async function fctlWithProfiles(): Promise<Fctl> {
  const fctl = newFctl();
  expect((await fctl.run(['profile', 'add', 'prod', '--stack-url', v3.url, '--stack', 'stack_prod'])).code).toBe(0);
  expect((await fctl.run(['profile', 'add', 'staging', '--stack-url', v2.url, '--stack', 'stack_staging'])).code).toBe(0);
  return fctl;
}

async function installExample(fctl: Fctl): Promise<void> {
  const install = await fctl.run(['plugin', 'install', 'ledger', '--path', examplePluginDir]);
  expect(install.stderr).toContain('Plugin "ledger" installed (version: dev, compatible with >=3.0.0 <4.0.0)');
  expect(install.code).toBe(0);
}

const headerOf = (stdout: string) => stdout.split('\n')[0]!.split(/\s{2,}/).map((cell) => cell.trim());

describe('journey 2: switching between a Ledger 2.8.0 stack and a 3.2.0 stack', () => {
  it('uses the built-in commands for 2.8.0 and the plugin for 3.2.0, without prompting', async () => {
    const fctl = await fctlWithProfiles();
    await installExample(fctl);

    const useStaging = await fctl.run(['profile', 'use', 'staging']);
    expect(useStaging.stdout).toBe('Switched to profile "staging".\n');
    const onV2 = await fctl.run(['--debug', 'ledger', 'transactions', 'list']);
    expect(onV2.code).toBe(0);
    expect(headerOf(onV2.stdout)).toEqual(['ID', 'TIMESTAMP', 'REFERENCE']);
    expect(onV2.stderr).toContain('[fctl]    built-in ledger commands');
    expect(onV2.stderr).not.toContain('[plugin]');
    expect(onV2.stderr).not.toMatch(/Install it now/);

    await fctl.run(['profile', 'use', 'prod']);
    const onV3 = await fctl.run(['--debug', 'ledger', 'transactions', 'list']);
    expect(onV3.code).toBe(0);
    expect(headerOf(onV3.stdout)).toEqual(['ID', 'TIMESTAMP', 'REFERENCE', 'POSTINGS']);
    expect(onV3.stderr).toContain('[fctl]    plugin: fctl-plugin-ledger dev');
    expect(onV3.stderr).not.toMatch(/Install it now/);
  });

  it('shows the plugin commands and flags in --help on a v3 stack, the built-in ones on a v2 stack', async () => {
    const fctl = await fctlWithProfiles();
    await installExample(fctl);
    const helpV3 = await fctl.run(['--profile', 'prod', 'ledger', 'transactions', 'list', '--help']);
    expect(helpV3.code).toBe(0);
    expect(helpV3.stdout).toContain('--page-size');
    const helpV2 = await fctl.run(['--profile', 'staging', 'ledger', 'transactions', 'list', '--help']);
    expect(helpV2.code).toBe(0);
    expect(helpV2.stdout).not.toContain('--page-size');
    const groupHelp = await fctl.run(['--profile', 'prod', 'ledger', '--help']);
    expect(groupHelp.stdout).toMatch(/transactions/);
    expect(groupHelp.stdout).toMatch(/accounts/);
  });
});

describe('journey 4: local developer', () => {
  it('installs from a source directory as version dev, runs it, lists and removes it', async () => {
    const fctl = await fctlWithProfiles();
    await fctl.run(['profile', 'use', 'prod']);
    await installExample(fctl);
    const list = await fctl.run(['plugin', 'list', '-o', 'json']);
    const rows = JSON.parse(list.stdout) as Array<{ name: string; version: string; compatibleWith: string; source: string }>;
    expect(rows).toEqual([expect.objectContaining({ name: 'ledger', version: 'dev', compatibleWith: '>=3.0.0 <4.0.0', source: `path:${examplePluginDir}` })]);
    const show = await fctl.run(['ledger', 'transactions', 'show', '1', '-o', 'json']);
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ id: 1 });
    const removed = await fctl.run(['plugin', 'remove', 'ledger', '--version', 'dev']);
    expect(removed.code).toBe(0);
    expect(JSON.parse((await fctl.run(['plugin', 'list', '-o', 'json'])).stdout)).toEqual([]);
  });

  it('runs a plugin given with --plugin-binary without touching plugins.json', async () => {
    const fctl = await fctlWithProfiles();
    await fctl.run(['profile', 'use', 'prod']);
    await installExample(fctl);
    const pluginsJson = join(fctl.configDir, 'plugins.json');
    const before = readFileSync(pluginsJson, 'utf8');
    const result = await fctl.run(['--plugin-binary', `ledger=${fixturePlugin('protocol-v1-v2')}`, 'ledger', 'transactions', 'list', '-o', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([{ id: 7 }]);
    expect(readFileSync(pluginsJson, 'utf8')).toBe(before);
  });
});

describe('journey 5: debugging through a plugin', () => {
  it('labels fctl diagnostics [fctl] and plugin stderr [plugin], in order', async () => {
    const fctl = await fctlWithProfiles();
    await fctl.run(['profile', 'use', 'prod']);
    await installExample(fctl);
    const result = await fctl.run(['--debug', 'ledger', 'transactions', 'list']);
    expect(result.code).toBe(0);
    const lines = result.stderr.split('\n').filter(Boolean);
    expect(lines.every((line) => line.startsWith('[fctl]    ') || line.startsWith('[plugin]  '))).toBe(true);
    const index = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line));
    const spawning = index(/^\[fctl\]\s+spawning/);
    const handshake = index(/^\[fctl\]\s+handshake: ok/);
    const pluginLine = index(/^\[plugin\]\s+/);
    const rendering = index(/^\[fctl\]\s+rendering plain/);
    expect(spawning).toBeGreaterThanOrEqual(0);
    expect(handshake).toBeGreaterThan(spawning);
    expect(pluginLine).toBeGreaterThan(handshake);
    expect(rendering).toBeGreaterThan(pluginLine);
    expect(result.stdout).toMatch(/^ID\s+TIMESTAMP/);
  });

  it('reports a crash as a plugin bug with exit code, stderr, version and where to report', async () => {
    const fctl = await fctlWithProfiles();
    await fctl.run(['profile', 'use', 'prod']);
    const result = await fctl.run(['--plugin-binary', `ledger=${fixturePlugin('crash')}`, 'ledger', 'transactions', 'list']);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Error: plugin "ledger" crashed during execution.');
    expect(result.stderr).toContain('Exit code: 2');
    expect(result.stderr).toContain('panic: runtime error: index out of range [0] with length 0');
    expect(result.stderr).toContain('This is a bug in the ledger plugin (v3.2.0), not in fctl.');
    expect(result.stderr).toContain('Report: https://example.test/acme/ledger/issues');
  });
});

describe('journey 6: plugin missing', () => {
  it('fails in non-interactive mode with the exact install command and exit code 1', async () => {
    const fctl = await fctlWithProfiles();
    await fctl.run(['profile', 'use', 'prod']);
    const result = await fctl.run(['--non-interactive', 'ledger', 'transactions', 'list']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Error: stack "stack_prod" runs Ledger v3.2.0, which requires\n       the "ledger" plugin. No compatible version is installed');
    expect(result.stderr).toMatch(/Run: fctl plugin install ledger/);
  });

  it('explains that no profile is active when the version cannot be determined', async () => {
    const fctl = await fctlWithProfiles();
    const result = await fctl.run(['--profile', '', 'ledger', 'transactions', 'list']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('command "ledger" requires a plugin, but no profile is active');
    expect(result.stderr).toContain('Configure a profile first');
  });
});

describe('profiles', () => {
  it('never prints the access token', async () => {
    const fctl = newFctl();
    const tokenFile = join(fctl.configDir, 'token');
    writeFileSync(tokenFile, 'super-secret-token\n');
    await fctl.run(['profile', 'add', 'prod', '--stack-url', v3.url, '--token-file', tokenFile]);
    const show = await fctl.run(['profile', 'show']);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('(set)');
    const everything = [show, await fctl.run(['profile', 'show', '-o', 'json']), await fctl.run(['profile', 'list', '-o', 'yaml'])];
    for (const result of everything) expect(result.stdout + result.stderr).not.toContain('super-secret-token');
  });
});
