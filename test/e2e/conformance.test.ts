// `fctl-kit conformance` as a plugin author runs it: the built CLI against real plugin processes.
// The SDK's example plugin and a plugin written by hand from docs/protocol.md pass; each broken
// fixture (test/fixtures/conformance) fails exactly the checks of the rule it breaks.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fctlKit } from '../support/exec.js';
import { examplePluginDir, repoRoot, requireBuilt } from '../support/paths.js';

interface Report {
  plugin: { name?: string; protocolVersions: number[] };
  findings: { check: string; version?: number; status: string; message: string }[];
  ok: boolean;
}

const fixture = (name: string) => join(repoRoot, 'test', 'fixtures', 'conformance', `${name}.mjs`);
let work: string;
let examplePlugin: string;
let v1SdkPlugin: string;

beforeAll(async () => {
  requireBuilt(join(repoRoot, 'packages', 'cli', 'dist', 'fctl-kit.js'));
  work = mkdtempSync(join(tmpdir(), 'fctl-conformance-'));
  examplePlugin = join(work, 'ledger.cjs');
  const bundled = await fctlKit(['bundle', examplePluginDir, '--out', examplePlugin, '--service-version', '2.3.1']);
  expect(bundled.code, bundled.stderr).toBe(0);
  v1SdkPlugin = join(work, 'probe-v1.cjs');
  await build({
    entryPoints: [join(repoRoot, 'packages', 'plugin-sdk', 'test', 'fixtures', 'sdk-plugin-v1.ts')],
    outfile: v1SdkPlugin,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    conditions: ['@fctl-kit/source'],
    define: { __FCTL_PLUGIN_VERSION__: '"1.0.0"' },
    logLevel: 'silent',
  });
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function conformance(...args: string[]): Promise<{ code: number; report: Report }> {
  const result = await fctlKit(['conformance', '--json', ...args]);
  expect(result.stderr).toBe('');
  return { code: result.code, report: JSON.parse(result.stdout) as Report };
}

/** The checks that did not pass, as "check (vN): status". */
const notPassed = (report: Report) => report.findings.filter((finding) => finding.status !== 'pass').map((finding) => `${finding.check}${finding.version ? ` (v${finding.version})` : ''}: ${finding.status}`);

describe.concurrent('plugins that conform', () => {
  it("the SDK's example plugin passes every check in both protocol versions", async () => {
    const { code, report } = await conformance(examplePlugin);
    expect(notPassed(report)).toEqual([]);
    expect(report.plugin).toMatchObject({ name: 'ledger', protocolVersions: [1, 2] });
    // The brokered checks ran: the example's commands make their requests through fctl in v2.
    expect(report.findings.find((finding) => finding.check === 'http.refused')).toMatchObject({ status: 'pass' });
    expect(report.findings.find((finding) => finding.check === 'execute.cancel' && finding.version === 2)).toMatchObject({ status: 'pass' });
    expect(code).toBe(0);
  });

  it('a plugin written by hand from docs/protocol.md passes, given as a command line', async () => {
    const { code, report } = await conformance(process.execPath, fixture('conformant'));
    expect(notPassed(report)).toEqual([]);
    expect(report.findings.length).toBeGreaterThan(25);
    expect(code).toBe(0);
  });

  it('an SDK plugin kept on v1 (createPlugin protocolVersions [1]) conforms, warned that it gets the token', async () => {
    const { code, report } = await conformance(v1SdkPlugin);
    expect(report.plugin).toMatchObject({ name: 'probe', protocolVersions: [1] });
    // Its one command answers at once, so the cancel check sees a result rather than a cancellation.
    expect(notPassed(report)).toEqual(['handshake.versions: warn', 'execute.cancel (v1): warn']);
    expect(report.findings.find((finding) => finding.check === 'handshake.offer-2')).toMatchObject({ status: 'pass', message: expect.stringContaining('refused (it speaks 1)') });
    expect(code).toBe(0);
  });

  it('a plugin that speaks only v2 conforms, with a warning that v1-only cores cannot run it', async () => {
    const { code, report } = await conformance(fixture('v2-only'));
    expect(notPassed(report)).toEqual(['handshake.versions: warn']);
    expect(report.findings.find((finding) => finding.check === 'handshake.offer-1')).toMatchObject({ status: 'pass', message: expect.stringContaining('refused (it speaks 2)') });
    expect(code).toBe(0);
  });
});

const BROKEN: [string, string[], RegExp][] = [
  ['no-handshake-guard', ['handshake.guard: fail'], /started without FCTL_PLUGIN_HANDSHAKE, it neither spoke nor exited/],
  ['picks-lowest', ['handshake.offer-1-2: fail'], /picked 1, not the highest common version 2/],
  ['exits-zero-when-refusing', ['handshake.unsupported: fail'], /exited with status 0 \(expected non-zero\)/],
  ['ignores-cancel', ['execute.cancel (v1): fail', 'execute.cancel (v2): fail'], /no answer within 3 s of cancel/],
  ['ignores-in-flight-bound', ['execute.service-error (v2): fail'], /2 http.request in flight with maxInFlight 1/],
  ['sends-credential', ['execute.service-error (v2): fail', 'http.refused (v2): fail', 'http.unavailable (v2): fail'], /carries the credential header "authorization"/],
  ['hangs-at-eof', ['shutdown.eof (v1): fail', 'shutdown.eof-during-execute (v1): fail', 'shutdown.eof (v2): fail', 'shutdown.eof-during-execute (v2): fail'], /did not exit within 2 s of the end of its stdin/],
  [
    'stray-stdout',
    ['execute.unknown-command (v1): fail', 'execute.unknown-flag (v1): fail', 'execute.service-error (v1): fail', 'execute.cancel (v1): fail', 'execute.unknown-command (v2): fail', 'execute.unknown-flag (v2): fail', 'execute.service-error (v2): fail', 'http.refused (v2): fail', 'http.unavailable (v2): fail', 'execute.cancel (v2): fail'],
    /not JSON: "loading transactions\.\.\."/,
  ],
  [
    'crashes-on-execute',
    ['execute.unknown-command (v1): fail', 'execute.unknown-flag (v1): fail', 'execute.service-error (v1): fail', 'execute.cancel (v1): fail', 'shutdown.eof-during-execute (v1): fail', 'execute.unknown-command (v2): fail', 'execute.unknown-flag (v2): fail', 'execute.service-error (v2): fail', 'http.refused (v2): fail', 'http.unavailable (v2): fail', 'execute.cancel (v2): fail', 'shutdown.eof-during-execute (v2): fail'],
    /exited with status 2 .*its stderr ended with: "panic: runtime error/,
  ],
];

describe.concurrent('broken plugins fail with the finding of the rule they break', () => {
  it.each(BROKEN)('%s', async (name, expected, message) => {
    const { code, report } = await conformance(fixture(name));
    expect(notPassed(report)).toEqual(expected);
    for (const finding of report.findings.filter((finding) => finding.status === 'fail')) expect(finding.message).toMatch(message);
    expect(code).toBe(1);
  });
});

describe('the report and its input', () => {
  it('prints a text report by default', async () => {
    const result = await fctlKit(['conformance', fixture('picks-lowest')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^Conformance of fctl-plugin-ledger 3\.2\.0 \(speaks protocol 1, 2\)/);
    expect(result.stdout).toMatch(/FAIL {2}handshake\.offer-1-2 +offered 1 and 2 it picked 1/);
    expect(result.stdout).toMatch(/\d+ passed, 1 failed, 0 warnings, 0 not applicable\n$/);
  });

  it('--command names the command the execute checks run; a command the manifest lacks is a clear error', async () => {
    const { report } = await conformance('--command', 'transactions list', fixture('conformant'));
    expect(report.findings.find((finding) => finding.check === 'execute.service-error')?.message).toContain('"transactions list"');
    const missing = await fctlKit(['conformance', '--command', 'accounts list', fixture('conformant')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('Error: --command "accounts list" names no command of the plugin\'s manifest\n');
  });

  it('a plugin file that does not exist is a clear error', async () => {
    const result = await fctlKit(['conformance', join(work, 'missing-plugin')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`Error: ${join(work, 'missing-plugin')} does not exist\n`);
  });
});
