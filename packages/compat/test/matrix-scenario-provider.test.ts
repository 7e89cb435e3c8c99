// releaseScenarios: a release's scenarios read through the url backend as fctl reads release files,
// checked before a cell trusts them: the registry's pin, the publisher's signature, scenarios.yaml
// against checksums.txt; a release without scenarios.yaml is named as such; several sources are
// tried in order.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatChecksums, generateSigningKey, loadPrivateKey, signBlob } from '@fctl-kit/artifacts';
import { parseRegistry } from '@fctl-kit/registry';
import { releaseScenarios, sha256Hex } from '../src/index.js';

const work = mkdtempSync(join(tmpdir(), 'matrix-scenarios-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const keys = generateSigningKey();
const other = generateSigningKey();
const signal = new AbortController().signal;

const scenariosText = 'scenarios:\n  - name: lists\n    command: [transactions, list]\n    expect: { output: "x\\n" }\n';

/** A release directory: checksums.txt over the given files, signed with `key` (default the publisher's). */
function release(version: string, files: Record<string, string>, options: { listed?: Record<string, string>; key?: string } = {}): string {
  const dir = join(work, 'releases', 'ledger', version);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const listed = { ...Object.fromEntries(Object.entries(files).map(([name, text]) => [name, sha256Hex(text)])), ...options.listed };
  const checksums = formatChecksums(Object.entries(listed).map(([name, sha256]) => ({ name, sha256 })));
  writeFileSync(join(dir, 'checksums.txt'), checksums);
  writeFileSync(join(dir, 'checksums.txt.sig'), `${signBlob(Buffer.from(checksums), loadPrivateKey(options.key ?? keys.privateKey, 'key'))}\n`);
  return sha256Hex(checksums);
}

function registry(versions: Record<string, { pin?: string; sources?: string[] }>, publicKey = true) {
  const lines = ['plugins:', '  ledger:'];
  if (publicKey) lines.push('    publicKey: |', ...keys.publicKey.trim().split('\n').map((line) => `      ${line}`));
  lines.push(`    sources: [{ backend: url, url: "${join(work, 'releases')}/{name}/{version}/{file}" }]`, '    versions:');
  for (const [version, entry] of Object.entries(versions)) {
    lines.push(`      ${version}:`, '        compatibleWith: "*"');
    if (entry.pin) lines.push(`        checksumsSha256: ${entry.pin}`);
    if (entry.sources) lines.push('        sources:', ...entry.sources.map((url) => `          - { backend: url, url: "${url}" }`));
  }
  return parseRegistry(`${lines.join('\n')}\n`, 'registry.yaml');
}

describe('releaseScenarios', () => {
  it("gives the release's scenarios and both digests", async () => {
    const pin = release('1.0.0', { 'scenarios.yaml': scenariosText, 'fctl-plugin-ledger-linux-amd64': 'binary' });
    const got = await releaseScenarios(registry({ '1.0.0': { pin } }))('ledger', '1.0.0', signal);
    expect(got.checksumsSha256).toBe(pin);
    expect(got.scenariosSha256).toBe(sha256Hex(scenariosText));
    expect(got.scenarios.map((scenario) => scenario.name)).toEqual(['lists']);
  });

  it('names a release without scenarios.yaml', async () => {
    const pin = release('1.1.0', { 'fctl-plugin-ledger-linux-amd64': 'binary' });
    await expect(releaseScenarios(registry({ '1.1.0': { pin } }))('ledger', '1.1.0', signal)).rejects.toThrow(
      'the release ledger@1.1.0 has no scenarios.yaml (its checksums.txt does not list one)',
    );
  });

  it('refuses scenarios.yaml that is not the file checksums.txt lists', async () => {
    const pin = release('1.2.0', { 'scenarios.yaml': scenariosText }, { listed: { 'scenarios.yaml': sha256Hex('other text') } });
    await expect(releaseScenarios(registry({ '1.2.0': { pin } }))('ledger', '1.2.0', signal)).rejects.toThrow(`but checksums.txt says ${sha256Hex('other text')}`);
  });

  it("refuses checksums.txt that is not the registry's pin, or not signed by the publisher", async () => {
    release('1.3.0', { 'scenarios.yaml': scenariosText });
    await expect(releaseScenarios(registry({ '1.3.0': { pin: sha256Hex('pinned') } }))('ledger', '1.3.0', signal)).rejects.toThrow(`but the registry pins ${sha256Hex('pinned')}`);
    const pin = release('1.4.0', { 'scenarios.yaml': scenariosText }, { key: other.privateKey });
    await expect(releaseScenarios(registry({ '1.4.0': { pin } }))('ledger', '1.4.0', signal)).rejects.toThrow(/signature/);
  });

  it('refuses a scenarios file that is not valid scenarios, naming the release', async () => {
    const pin = release('1.5.0', { 'scenarios.yaml': 'scenarios: [{ name: x }]\n' });
    await expect(releaseScenarios(registry({ '1.5.0': { pin } }))('ledger', '1.5.0', signal)).rejects.toThrow('scenarios.yaml of ledger@1.5.0');
  });

  it('tries the sources in order and says what each one did', async () => {
    const pin = release('1.6.0', { 'scenarios.yaml': scenariosText });
    const good = `${join(work, 'releases')}/{name}/{version}/{file}`;
    const provider = releaseScenarios(registry({ '1.6.0': { pin, sources: [join(work, 'missing', '{file}'), good] } }));
    expect((await provider('ledger', '1.6.0', signal)).scenariosSha256).toBe(sha256Hex(scenariosText));
    const none = releaseScenarios(registry({ '1.6.0': { pin, sources: [join(work, 'missing', '{file}'), join(work, 'gone', '{file}')] } }));
    await expect(none('ledger', '1.6.0', signal)).rejects.toThrow(/cannot read the scenarios of ledger@1\.6\.0 from any of its sources:\n {2}source 1 \(url\): .*\n {2}source 2 \(url\): /);
    await expect(none('ledger', '9.9.9', signal)).rejects.toThrow('the registry has no ledger@9.9.9');
  });
});
