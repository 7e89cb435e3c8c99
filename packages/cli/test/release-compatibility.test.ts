// What verify-build learns and checks for compatibility: the protocol versions the build's bundle
// speaks (recorded in the registry), and that its scenarios.yaml is the plugin's own.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReleaseArtifacts } from '@fctl-kit/backends';
import { builtProtocolVersions, checkBuiltScenarios } from '../src/release/compatibility.js';

const SCENARIOS = `scenarios:
  - name: lists
    stack: { services: { probe: 1.0.0 } }
    command: [x]
`;

/** A plugin directory and a build directory holding `files` (name -> [kind, content]). */
function setup(source: string | undefined, files: Record<string, [string, string]>): { dir: string; release: ReleaseArtifacts } {
  const root = mkdtempSync(join(tmpdir(), 'release-compat-'));
  const dir = join(root, 'plugin');
  const build = join(root, 'build');
  mkdirSync(join(dir, 'compat'), { recursive: true });
  mkdirSync(build);
  if (source !== undefined) writeFileSync(join(dir, 'compat', 'scenarios.yaml'), source);
  const entries = Object.entries(files).map(([name, [kind, content]]) => {
    writeFileSync(join(build, name), content);
    return { name, kind, size: Buffer.byteLength(content), sha256: createHash('sha256').update(content).digest('hex') };
  });
  return { dir, release: { dir: build, name: 'probe', version: '1.0.0', files: entries } as ReleaseArtifacts };
}

// A bundle speaking `speaks`, as the protocol asks (docs/protocol.md 2.1).
const bundle = (speaks: number[]) => `const speaks = ${JSON.stringify(speaks)};
require('node:readline').createInterface({ input: process.stdin }).once('line', (line) => {
  const common = JSON.parse(line).protocolVersions.filter((v) => speaks.includes(v));
  if (!common.length) {
    process.stdout.write(JSON.stringify({ type: 'error', error: { kind: 'protocol', code: 'unsupported_protocol_version', message: 'no' }, protocolVersions: speaks }) + '\\n');
    process.exit(1);
  }
  const v = Math.max(...common);
  const manifest = { name: 'probe', service: 'probe', version: '1.0.0', protocolVersion: v, description: 'probe', commands: [{ use: 'x', short: 'x' }] };
  process.stdout.write(JSON.stringify({ type: 'hello', protocolVersion: v, manifest, ...(v === 2 ? { capabilities: {} } : {}) }) + '\\n');
});
`;

describe('checkBuiltScenarios', () => {
  it('a build carrying the plugin\'s scenarios: how many; a plugin without scenarios: none, and the build carries none', async () => {
    const same = setup(SCENARIOS, { 'scenarios.yaml': ['scenarios', SCENARIOS] });
    expect(await checkBuiltScenarios(same.dir, same.release)).toBe(1);
    const none = setup(undefined, {});
    expect(await checkBuiltScenarios(none.dir, none.release)).toBe(0);
  });

  it('refuses a build without the scenarios the plugin has, with scenarios it does not have, or with other ones', async () => {
    const missing = setup(SCENARIOS, {});
    await expect(checkBuiltScenarios(missing.dir, missing.release)).rejects.toThrow(`the build ${missing.release.dir} carries no scenarios file, but ${join(missing.dir, 'compat', 'scenarios.yaml')} exists: rebuild it`);
    const extra = setup(undefined, { 'scenarios.yaml': ['scenarios', SCENARIOS] });
    await expect(checkBuiltScenarios(extra.dir, extra.release)).rejects.toThrow(`the build carries ${join(extra.release.dir, 'scenarios.yaml')}, but the plugin has no ${join(extra.dir, 'compat', 'scenarios.yaml')}: the build is not of these sources`);
    for (const other of [SCENARIOS.replace('lists', 'listz'), `${SCENARIOS}# edited\n`]) {
      const differs = setup(SCENARIOS, { 'scenarios.yaml': ['scenarios', other] });
      await expect(checkBuiltScenarios(differs.dir, differs.release)).rejects.toThrow(`${join(differs.release.dir, 'scenarios.yaml')} differs from ${join(differs.dir, 'compat', 'scenarios.yaml')}`);
    }
  });

  it('refuses scenarios fctl-kit compat would refuse, even when they are the plugin\'s', async () => {
    const bad = 'scenarios:\n  - name: x\n    command: [x]\n    expect: { exitCode: "1" }\n';
    const invalid = setup(bad, { 'scenarios.yaml': ['scenarios', bad] });
    await expect(checkBuiltScenarios(invalid.dir, invalid.release)).rejects.toThrow(/^the release would carry scenarios fctl-kit compat refuses: .*exitCode/);
  });

  it('refuses a build file changed since it was hashed', async () => {
    const changed = setup(SCENARIOS, { 'scenarios.yaml': ['scenarios', SCENARIOS] });
    writeFileSync(join(changed.release.dir, 'scenarios.yaml'), SCENARIOS.replace('lists', 'LISTS'));
    await expect(checkBuiltScenarios(changed.dir, changed.release)).rejects.toThrow(/changed while publishing/);
  });
});

describe('builtProtocolVersions', () => {
  it('the versions the bundle accepts, ascending', async () => {
    for (const speaks of [[1], [2], [1, 2]]) {
      const { release } = setup(undefined, { 'fctl-plugin-probe.cjs': ['bundle', bundle(speaks)] });
      expect(await builtProtocolVersions(release)).toEqual(speaks);
    }
  });

  it('refuses a build without a bundle, or a bundle speaking no version fctl-kit knows, naming the file', async () => {
    const { release } = setup(undefined, {});
    await expect(builtProtocolVersions(release)).rejects.toThrow(`${release.dir} has no bundle (fctl-plugin-probe.cjs): the protocol versions the plugin speaks cannot be read`);
    const future = setup(undefined, { 'fctl-plugin-probe.cjs': ['bundle', bundle([3])] }).release;
    await expect(builtProtocolVersions(future)).rejects.toThrow(`${join(future.dir, 'fctl-plugin-probe.cjs')} speaks none of the protocol versions fctl-kit knows (1, 2): it says it speaks 3`);
  });
});
