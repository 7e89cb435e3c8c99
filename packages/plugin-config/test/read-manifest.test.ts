// readManifest: fctl-kit's handshake with a built plugin, which may answer in either protocol version.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifest, readProtocolVersions } from '../src/read-manifest.js';

// A plugin speaking `speaks`, answering the first line (the hello) with the highest common version,
// or with `pick` when given (to misbehave).
function fakePlugin(speaks: number[], pick?: number): string {
  const file = join(mkdtempSync(join(tmpdir(), 'read-manifest-')), 'plugin.cjs');
  writeFileSync(
    file,
    `const speaks = ${JSON.stringify(speaks)}, pick = ${JSON.stringify(pick ?? null)};
require('node:readline').createInterface({ input: process.stdin }).once('line', (line) => {
  const offered = JSON.parse(line).protocolVersions;
  const version = pick ?? Math.max(...offered.filter((v) => speaks.includes(v)));
  const manifest = { name: 'probe', service: 'probe', version: '1.0.0', protocolVersion: version, description: 'probe', commands: [{ use: 'x', short: 'x' }] };
  const hello = { type: 'hello', protocolVersion: version, manifest };
  if (version === 2) hello.capabilities = { 'x-test': true };
  process.stdout.write(JSON.stringify(hello) + '\\n');
});
`,
  );
  return file;
}

describe('readManifest', () => {
  it('reads the manifest of a v1-only plugin', async () => {
    expect(await readManifest(process.execPath, [fakePlugin([1])])).toMatchObject({ name: 'probe', protocolVersion: 1 });
  });

  it('offers v1 and v2 and reads the manifest of a plugin answering a v2 hello (with capabilities)', async () => {
    expect(await readManifest(process.execPath, [fakePlugin([2])])).toMatchObject({ name: 'probe', protocolVersion: 2 });
    expect(await readManifest(process.execPath, [fakePlugin([1, 2])])).toMatchObject({ protocolVersion: 2 });
  });

  it('refuses a plugin that picks a version it was not offered', async () => {
    await expect(readManifest(process.execPath, [fakePlugin([1, 2], 3)])).rejects.toThrow(/protocol version "?3/);
  });
});

// A plugin as the protocol asks: the highest common version, or the refusal listing what it speaks, then exit 1.
function negotiatingPlugin(speaks: number[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'read-protocols-')), 'plugin.cjs');
  writeFileSync(
    file,
    `const speaks = ${JSON.stringify(speaks)};
require('node:readline').createInterface({ input: process.stdin }).once('line', (line) => {
  const common = JSON.parse(line).protocolVersions.filter((v) => speaks.includes(v));
  if (!common.length) {
    process.stdout.write(JSON.stringify({ type: 'error', error: { kind: 'protocol', code: 'unsupported_protocol_version', message: 'no' }, protocolVersions: speaks }) + '\\n');
    process.exit(1);
  }
  const version = Math.max(...common);
  const manifest = { name: 'probe', service: 'probe', version: '1.0.0', protocolVersion: version, description: 'probe', commands: [{ use: 'x', short: 'x' }] };
  process.stdout.write(JSON.stringify({ type: 'hello', protocolVersion: version, manifest, ...(version === 2 ? { capabilities: {} } : {}) }) + '\\n');
});
`,
  );
  return file;
}

describe('readProtocolVersions', () => {
  it('lists every version the plugin accepts when offered alone, ascending', async () => {
    expect(await readProtocolVersions(process.execPath, [negotiatingPlugin([1, 2])])).toEqual([1, 2]);
    expect(await readProtocolVersions(process.execPath, [negotiatingPlugin([2])])).toEqual([2]);
    expect(await readProtocolVersions(process.execPath, [negotiatingPlugin([1])])).toEqual([1]);
    // A version fctl-kit does not know cannot be checked: not listed.
    expect(await readProtocolVersions(process.execPath, [negotiatingPlugin([2, 3])])).toEqual([2]);
  });

  it('a plugin speaking none of the versions fctl-kit knows is an error saying what it claims', async () => {
    await expect(readProtocolVersions(process.execPath, [negotiatingPlugin([3])])).rejects.toThrow('speaks none of the protocol versions fctl-kit knows (1, 2): it says it speaks 3');
  });

  it('a plugin answering an offer with a version not offered is an error', async () => {
    await expect(readProtocolVersions(process.execPath, [fakePlugin([1, 2], 2)])).rejects.toThrow(/which fctl-kit did not offer \(1\)/);
  });
});
