// fctl __complete: the answer a shell reads, one candidate a line then a directive. What a plugin's
// manifest says (descriptions with line breaks, tabs, terminal controls) must never add a line, and the
// service's commands come from the cache as help resolves them, without a process or a request.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Manifest } from '@fctl-kit/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import { complete, completionScript } from '../src/cli/completion.js';
import { ManifestCache } from '../src/store/manifest-cache.js';
import { ServiceVersionMemory } from '../src/store/service-versions.js';

let configDir: string;
const sha256 = 'cd'.repeat(32);

const hostile = 'Lists\n:files\ttabbed \u001b]8;;http://evil\u0007link\u001b[2J';
const manifest = {
  name: 'ledger',
  service: 'ledger',
  version: '3.2.0',
  protocolVersion: 1,
  description: 'Ledger plugin',
  commands: [
    {
      use: 'transactions',
      short: hostile,
      commands: [{ use: 'list', short: 'List', flags: [{ name: 'ledger', type: 'string', description: 'Ledger', enum: ['main', 'archive'] }] }],
    },
    { use: 'secret', short: 'Hidden', hidden: true },
  ],
} as unknown as Manifest;

beforeEach(async () => {
  configDir = mkdtempSync(join(tmpdir(), 'completion-'));
  const path = join(configDir, 'plugins', 'ledger', `3.2.0-${sha256.slice(0, 12)}`, 'fctl-plugin-ledger');
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, 'not started by completion');
  const entry = { compatibleWith: '>=3.0.0 <4.0.0', path, sha256, source: 'path:/x', installedAt: '2026-12-02T00:00:00.000Z', service: 'ledger', description: 'Ledger plugin' };
  writeFileSync(join(configDir, 'plugins.json'), JSON.stringify({ plugins: [{ name: 'ledger', versions: { '3.2.0': entry } }] }));
  const cache = new ManifestCache(configDir);
  const looked = await cache.lookup(path);
  await cache.recordInstalled(path, looked!.file.sha256, 1, manifest);
  return () => rmSync(configDir, { recursive: true, force: true });
});

async function answer(shell: string, ...words: string[]): Promise<{ code: number; lines: string[] }> {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const io = { stdout, stderr: new PassThrough(), stdin: new PassThrough(), env: { FCTL_CONFIG_DIR: configDir } };
  const code = await complete([shell, '--', ...words], io, '0.0.0-test', new AbortController().signal);
  return { code, lines: text.split('\n').filter(Boolean) };
}

describe('fctl __complete', () => {
  it("a manifest's descriptions cannot add lines, directives or terminal controls to the answer", async () => {
    const { code, lines } = await answer('zsh', 'ledger', '');
    expect(code).toBe(0);
    expect(lines).toHaveLength(2); // one candidate (the hidden command is not offered) and the directive
    const [value, description] = lines[0]!.split('\t');
    expect(value).toBe('transactions');
    expect(lines[0]!.split('\t')).toHaveLength(2);
    expect(description).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(lines[1]).toBe(':none');
  });

  it("resolves the service as help does: the stack's last answer picks the built-in commands of Ledger 2", async () => {
    writeFileSync(join(configDir, 'config.json'), JSON.stringify({ profiles: { old: { stackUrl: 'http://127.0.0.1:9' } }, currentProfile: 'old' }));
    await new ServiceVersionMemory(configDir).set('http://127.0.0.1:9', 'ledger', '2.8.0');
    const onV2 = (await answer('fish', 'ledger', '')).lines.map((line) => line.split('\t')[0]);
    expect(onV2).not.toContain('secret');
    expect(onV2.length).toBeGreaterThan(1);
    await new ServiceVersionMemory(configDir).set('http://127.0.0.1:9', 'ledger', '3.2.0');
    expect((await answer('fish', 'ledger', '')).lines.map((line) => line.split('\t')[0])).toEqual(['transactions', ':none']);
  });

  it('answers --flag=value words whole for zsh and fish, by value for bash (which splits at "=")', async () => {
    expect((await answer('zsh', 'ledger', 'transactions', 'list', '--ledger=m')).lines).toEqual(['--ledger=main\t', ':none']);
    expect((await answer('bash', 'ledger', 'transactions', 'list', '--ledger=m')).lines).toEqual(['main\t', ':none']);
    expect((await answer('bash', 'ledger', 'transactions', 'list', '--nope=m')).lines).toEqual([':none']);
  });

  it('refuses a malformed request with exit 2 and answers an empty command line with the top level', async () => {
    expect((await answer('tcsh', '')).code).toBe(2);
    const stdout = new PassThrough();
    const io = { stdout, stderr: new PassThrough(), stdin: new PassThrough(), env: { FCTL_CONFIG_DIR: configDir } };
    expect(await complete(['bash', 'ledger'], io, '0', new AbortController().signal)).toBe(2);
    const top = (await answer('bash')).lines.map((line) => line.split('\t')[0]);
    // In `fctl --help`'s order: the user-facing commands, then the services, then completion.
    expect(top).toEqual(['profile', 'plugin', 'version', 'ledger', 'completion', ':none']);
  });

  it('each script calls back the same protocol for its shell', () => {
    for (const shell of ['bash', 'zsh', 'fish'] as const) expect(completionScript(shell)).toContain(`fctl __complete ${shell} -- `);
  });
});
