// The fctl-kit executable, run as a real process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'packages', 'cli', 'bin', 'fctl-kit.js');
const fctlKit = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: root });

let bundle: string;
beforeAll(() => {
  bundle = join(mkdtempSync(join(tmpdir(), 'fctl-kit-')), 'fctl-plugin-ledger.cjs');
  const result = fctlKit('bundle', 'examples/ledger/cmd/fctl-plugin', '--out', bundle, '--service-version', '3.2.0', '--minify');
  expect(result.status, result.stderr).toBe(0);
  expect(JSON.parse(result.stdout)).toMatchObject({ outFile: bundle, version: '3.2.0' });
});

describe('fctl-kit', () => {
  it('bundles a plugin into one CommonJS file with a source map beside it, the version injected', () => {
    expect(readFileSync(`${bundle}.map`, 'utf8')).toContain('"sources"');
    expect(readFileSync(bundle, 'utf8')).not.toContain('sourceMappingURL=data:');
  });

  it('inspects a plugin: handshake, validated manifest, printed as YAML or JSON', () => {
    const yaml = fctlKit('inspect', bundle);
    expect(yaml.status, yaml.stderr).toBe(0);
    expect(parseYaml(yaml.stdout)).toMatchObject({ name: 'ledger', version: '3.2.0', protocolVersion: 2, compatibleWith: '>=3.0.0 <4.0.0' });
    const json = fctlKit('inspect', bundle, '-o', 'json');
    expect(JSON.parse(json.stdout).commands.map((c: { use: string }) => c.use)).toEqual(['transactions', 'accounts']);
  });

  it('reports a plugin that cannot complete the handshake as a plugin failure', () => {
    const result = fctlKit('inspect', join(root, 'test', 'fixtures', 'plugins', 'protocol-v3-only.mjs'));
    expect(result.status).toBe(3);
    expect(result.stderr).toContain('fctl speaks protocol version 1, 2; the plugin speaks 3');
  });

  it('explains a source directory without an entry point', () => {
    const result = fctlKit('bundle', 'docs', '--out', join(tmpdir(), 'x.cjs'));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('no plugin entry point in');
  });
});
