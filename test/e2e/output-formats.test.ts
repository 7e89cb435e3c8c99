// Each output format through the real example plugin: plain (from the display schema), json, yaml.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newFctl, type Fctl } from '../support/fctl.js';
import { startLedger, type RunningLedger } from '../support/ledger-service.js';
import { examplePluginDir } from '../support/paths.js';

let ledger: RunningLedger;
let fctl: Fctl;
beforeAll(async () => {
  ledger = await startLedger('3.2.0', { token: 'stack-token-1' });
  fctl = newFctl();
  const tokenFile = join(fctl.configDir, 'token');
  await import('node:fs').then((fs) => fs.writeFileSync(tokenFile, 'stack-token-1'));
  await fctl.run(['profile', 'add', 'prod', '--stack-url', ledger.url, '--token-file', tokenFile, '--use']);
  const install = await fctl.run(['plugin', 'install', 'ledger', '--path', examplePluginDir]);
  expect(install.code).toBe(0);
});
afterAll(() => ledger?.stop());

describe('output formats', () => {
  it('json is the plugin data, unchanged', async () => {
    const result = await fctl.run(['ledger', 'transactions', 'list', '-o', 'json']);
    expect(result.code).toBe(0);
    const data = JSON.parse(result.stdout);
    const rows = Array.isArray(data) ? data : data.cursor?.data ?? data.data;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows[0]).toHaveProperty('id');
  });

  it('yaml carries the same data as json', async () => {
    const json = JSON.parse((await fctl.run(['ledger', 'transactions', 'list', '--output', 'json'])).stdout);
    const yaml = await fctl.run(['ledger', 'transactions', 'list', '--output', 'yaml']);
    expect(yaml.code).toBe(0);
    expect(parseYaml(yaml.stdout)).toEqual(json);
  });

  it('plain renders the table of the display schema, one row per item', async () => {
    const json = JSON.parse((await fctl.run(['ledger', 'transactions', 'list', '-o', 'json'])).stdout);
    const rows = Array.isArray(json) ? json : json.cursor?.data ?? json.data;
    const plain = await fctl.run(['ledger', 'transactions', 'list']);
    expect(plain.code).toBe(0);
    const lines = plain.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+TIMESTAMP\s+REFERENCE\s+POSTINGS$/);
    expect(lines).toHaveLength(rows.length + 1);
    expect(lines[1]).toMatch(new RegExp(`^\\s*${rows[0].id}\\s+\\d{4}-\\d{2}-\\d{2}T`));
    expect(plain.stdout).not.toContain('\u001b[');
  });

  it('plain renders sections for a single object', async () => {
    const plain = await fctl.run(['ledger', 'transactions', 'show', '1']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/Transaction/);
    expect(plain.stdout).toMatch(/Postings/);
    expect(plain.stdout).toMatch(/SOURCE\s+DESTINATION\s+AMOUNT\s+ASSET/);
  });

  it('a plugin error answer becomes a clear error and exit code 1', async () => {
    const result = await fctl.run(['ledger', 'transactions', 'show', '999999']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Error: .*999999/m);
  });

  it('bad flags and arguments are usage errors (exit 2)', async () => {
    const badInt = await fctl.run(['ledger', 'transactions', 'list', '--page-size', 'many']);
    expect(badInt.code).toBe(2);
    expect(badInt.stderr).toContain('--page-size');
    const missingArg = await fctl.run(['ledger', 'transactions', 'show']);
    expect(missingArg.code).toBe(2);
    expect(missingArg.stderr).toContain('expects at least 1 argument');
    const unknown = await fctl.run(['ledger', 'transactions', 'lst']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'lst'");
  });

  it('the installed plugin, started by hand, says what it is and exits non-zero', () => {
    const plugins = JSON.parse(readFileSync(join(fctl.configDir, 'plugins.json'), 'utf8'));
    const path = plugins.plugins[0].versions.dev.path as string;
    const result = spawnSync(process.execPath, [path], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(result.status).toBe(64);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('a plugin for fctl; it is not meant to be run directly');
  });
});
