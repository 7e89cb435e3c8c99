// The Go SDK (sdk/go) in `npm test`: go vet and go test in its module (unit, vector and
// process-level tests), then `fctl-kit conformance` against its example plugin built with a
// version injected, which must pass every check in both protocol versions, as the TypeScript
// SDK's example does. GOTOOLCHAIN=local: the installed Go runs, no toolchain is downloaded.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec, fctlKit } from '../support/exec.js';
import { repoRoot, requireBuilt } from '../support/paths.js';

interface Report {
  plugin: { name?: string; version?: string; protocolVersions: number[] };
  findings: { check: string; version?: number; status: string; message: string }[];
  ok: boolean;
}

const goModule = join(repoRoot, 'sdk', 'go');
const goEnv = { GOTOOLCHAIN: 'local' };
const versionVariable = 'github.com/fctl-plugin-kit/fctl-plugin-kit/sdk/go/plugin.version';
let work: string;

/** Runs go in the module; a failure shows what go printed. */
async function go(...args: string[]) {
  const result = await exec('go', args, { cwd: goModule, env: goEnv });
  expect(result.code, `go ${args.join(' ')} failed (is Go 1.26 or later on PATH?)\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result;
}

beforeAll(() => {
  requireBuilt(join(repoRoot, 'packages', 'cli', 'dist', 'fctl-kit.js'));
  work = mkdtempSync(join(tmpdir(), 'fctl-go-sdk-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the Go SDK', () => {
  it('go vet is clean', async () => {
    await go('vet', './...');
  }, 300_000);

  it('go test passes', async () => {
    const result = await go('test', './...');
    expect(result.stdout).toMatch(/^ok\s+github\.com\/fctl-plugin-kit\/fctl-plugin-kit\/sdk\/go\/plugin\s/m);
    expect(result.stdout).toMatch(/^ok\s+github\.com\/fctl-plugin-kit\/fctl-plugin-kit\/sdk\/go\/examples\/hello\s/m);
  }, 300_000);

  it('its example plugin passes fctl-kit conformance in both protocol versions', async () => {
    const binary = join(work, process.platform === 'win32' ? 'fctl-plugin-hello.exe' : 'fctl-plugin-hello');
    await go('build', '-o', binary, '-ldflags', `-X ${versionVariable}=1.4.0`, './examples/hello');
    const result = await fctlKit(['conformance', '--json', binary]);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as Report;
    const notPassed = report.findings.filter((finding) => finding.status !== 'pass').map((finding) => `${finding.check}${finding.version ? ` (v${finding.version})` : ''}: ${finding.status}: ${finding.message}`);
    expect(notPassed).toEqual([]);
    expect(report.plugin).toMatchObject({ name: 'hello', version: '1.4.0', protocolVersions: [1, 2] });
    // The execute checks ran in both versions, the brokered ones in v2 (its first command makes a request).
    for (const version of [1, 2]) {
      for (const check of ['execute.service-error', 'execute.cancel', 'shutdown.eof-during-execute']) {
        expect(report.findings.find((finding) => finding.check === check && finding.version === version), `${check} (v${version})`).toMatchObject({ status: 'pass' });
      }
    }
    expect(report.findings.find((finding) => finding.check === 'http.refused')).toMatchObject({ status: 'pass' });
    expect(report.ok).toBe(true);
    expect(result.code).toBe(0);
  }, 300_000);
});
