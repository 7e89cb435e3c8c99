// `fctl-kit compat`: the example plugin's scenarios, run by the real fctl against a stub stack, pass;
// a scenario that no longer matches what fctl prints fails with the difference and the requests the
// plugin made; a plugin that fctl refuses to install fails every scenario with fctl's reason.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fctlKit } from '../support/exec.js';
import { examplePluginDir } from '../support/paths.js';
import { platformBinary } from '../support/releases.js';

let work: string;
let bundle: string;
const scenarios = join(examplePluginDir, 'compat', 'scenarios.yaml');

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'compat-'));
  bundle = join(work, 'fctl-plugin-ledger.cjs');
  const bundled = await fctlKit(['bundle', examplePluginDir, '--out', bundle, '--service-version', '3.2.0']);
  expect(bundled.code, bundled.stderr).toBe(0);
}, 60_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

it("passes the example plugin's scenarios", async () => {
  const result = await fctlKit(['compat', examplePluginDir, '--plugin', bundle]);
  expect(result.code, result.stdout + result.stderr).toBe(0);
  expect(result.stdout).toBe(
    [
      "ok   transactions list renders the ledger's page as a table",
      'ok   the plugin serves ledger 3.x only; a v4 stack gets no plugin',
      'ok   a stack error is reported, not a crash',
      `3 scenarios, 0 failed (ledger: ${bundle})`,
      '',
    ].join('\n'),
  );
}, 60_000);

it('fails a scenario whose expectation no longer holds, showing the difference and the requests', async () => {
  const changed = join(work, 'changed.yaml');
  writeFileSync(changed, readFileSync(scenarios, 'utf8').replace('         1   2026-05-14T09:00:00Z   init               1\n', '         1   2026-05-14T09:00:00Z   genesis            1\n'));
  const result = await fctlKit(['compat', examplePluginDir, '--plugin', bundle, '--scenarios', changed]);
  expect(result.code).toBe(1);
  expect(result.stdout).toContain("FAIL transactions list renders the ledger's page as a table\n       printed:\n");
  expect(result.stdout).toContain('        1   2026-05-14T09:00:00Z   init               1\n       expected:\n');
  expect(result.stdout).toContain('       the stub stack answered:\n         GET /versions -> 200\n         GET /api/ledger/v3/default/transactions?pageSize=2 -> 200\n');
  expect(result.stdout).toContain('3 scenarios, 1 failed');
}, 60_000);

it('fails every scenario, with the reason, when fctl refuses the plugin', async () => {
  const other = join(work, 'other');
  cpSync(examplePluginDir, other, { recursive: true, filter: (path) => !/[\\/](dist|node_modules)$/.test(path) });
  writeFileSync(join(other, 'fctl-plugin.json'), JSON.stringify({ name: 'payments', service: 'payments', version: { source: 'git-tag' } }));
  const result = await fctlKit(['compat', other, '--plugin', bundle]);
  expect(result.code).toBe(1);
  expect(result.stdout).toContain(`FAIL transactions list renders the ledger's page as a table\n       fctl could not install ${bundle}:\n`);
  expect(result.stdout).toContain(`is the "ledger" plugin, not "payments"`);
  expect(result.stdout).toContain('3 scenarios, 3 failed');

  const missing = await fctlKit(['compat', other, '--plugin', bundle, '--scenarios', join(work, 'none.yaml')]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toBe(`Error: ${join(work, 'none.yaml')} does not exist: write the plugin's compatibility scenarios there\n`);
}, 60_000);

it('without a build says where it looked and how to build there', async () => {
  const unbuilt = join(work, 'unbuilt');
  cpSync(examplePluginDir, unbuilt, { recursive: true, filter: (path) => !/[\\/](dist|node_modules)$/.test(path) });
  const result = await fctlKit(['compat', unbuilt]);
  expect(result.code).toBe(1);
  expect(result.stderr).toBe(`Error: no plugin to test: ${join(unbuilt, 'dist', 'host', platformBinary())} does not exist\n  Build it first: fctl-kit build ${unbuilt} --targets host\n`);
  expect(result.stdout).toBe('');
});
