// `fctl-kit generate plugin`, run as a real process: the Nx plugin generator on the file system,
// with fctl-kit's kebab-case flags, no Nx files, --dry-run writing nothing, and the generator's
// refusals named by fctl-kit's flags.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'packages', 'cli', 'bin', 'fctl-kit.js');
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function goRepository(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fctl-kit-generate-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'go.mod'), 'module example.com/payments\n\ngo 1.26\n');
  return dir;
}
const generate = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [bin, 'generate', 'plugin', ...args], { encoding: 'utf8', cwd });

describe('fctl-kit generate plugin', () => {
  it('--dry-run lists what it would write and writes nothing', () => {
    const dir = goRepository();
    const result = generate(dir, 'payments', '--language', 'go', '--dry-run');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain('would create cmd/fctl-plugin/main.go');
    expect(result.stderr).toContain('would update go.mod');
    expect(existsSync(join(dir, 'cmd'))).toBe(false);
    expect(readFileSync(join(dir, 'go.mod'), 'utf8')).toBe('module example.com/payments\n\ngo 1.26\n');
  });

  it('passes the kebab-case flags on; writes no nx.json, package.json nor workflows', () => {
    const dir = goRepository();
    const result = generate(dir, 'payments', '--language', 'go', '--go-sdk-version', 'v0.4.0', '--directory', 'tools/fctl', '--service', 'payments-api');
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'tools', 'fctl', 'fctl-plugin.json'), 'utf8'))).toEqual({ name: 'payments', service: 'payments-api', language: 'go', version: { source: 'git-tag' } });
    expect(readFileSync(join(dir, 'go.mod'), 'utf8')).toContain('\nrequire github.com/fctl-plugin-kit/fctl-plugin-kit/sdk/go v0.4.0\n');
    for (const file of ['nx.json', 'package.json', '.github']) expect(existsSync(join(dir, file)), file).toBe(false);
  });

  it("says the generator's refusals with fctl-kit's flags", () => {
    const dir = goRepository();
    const result = generate(dir, 'payments', '--language', 'go', '--go-sdk-version', '1.0');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('--go-sdk-version "1.0" is not a Go module version (vX.Y.Z)');
    const noGoMod = mkdtempSync(join(tmpdir(), 'fctl-kit-generate-'));
    dirs.push(noGoMod);
    const refused = generate(noGoMod, 'payments', '--language', 'go');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('no go.mod at its root');
  });
});
