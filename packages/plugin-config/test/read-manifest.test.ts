// readManifest: fctl-kit's handshake with a built plugin, which may answer in either protocol version.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifest } from '../src/read-manifest.js';

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
