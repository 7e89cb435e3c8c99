// The oci backend's plan, pure: what it would push, skip and refuse from a given state, and the
// manifest it would tag, whose media types and platform annotations come from the typed files
// (artifacts.json's kinds, os and arch), never from their names.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { artifactManifest, ANNOTATIONS, EMPTY_CONFIG, LAYER_MEDIA_TYPES } from '../src/oci/artifact.js';
import { backends, ociBackend } from '../src/oci/backend.js';
import { fullRelease, releaseIn } from './oci-release.js';

const work = mkdtempSync(join(tmpdir(), 'oci-plan-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const dir = (name: string) => mkdtempSync(join(work, `${name}-`));
const config = { backend: 'oci' as const, to: 'registry.example.com/fctl/ledger' };

describe('the artifact manifest', () => {
  const release = fullRelease(dir('full'), '3.2.0');
  const { manifest } = artifactManifest(release);
  const layer = (title: string) => manifest.layers.find((l) => l.annotations?.['org.opencontainers.image.title'] === title)!;

  it('gives each kind its media type, one layer per file in publication order', () => {
    expect(manifest.layers.map((l) => [l.annotations!['org.opencontainers.image.title'], l.mediaType])).toEqual([
      ['fctl-plugin-ledger-linux-amd64', 'application/vnd.fctl.plugin.binary.v1'],
      ['fctl-plugin-ledger-linux-amd64.xz', 'application/vnd.fctl.plugin.binary.v1+xz'],
      ['fctl-plugin-ledger-windows-arm64.exe', 'application/vnd.fctl.plugin.binary.v1'],
      ['fctl-plugin-ledger.cjs', 'application/vnd.fctl.plugin.bundle.v1'],
      ['fctl-plugin-ledger.cjs.map', 'application/vnd.fctl.plugin.source-map.v1+json'],
      ['manifest.json', 'application/vnd.fctl.plugin.manifest.v1+json'],
      ['scenarios.yaml', 'application/vnd.fctl.plugin.scenarios.v1+yaml'],
      ['artifacts.json', 'application/vnd.fctl.plugin.artifacts.v1+json'],
      ['checksums.txt', 'application/vnd.fctl.plugin.checksums.v1'],
      ['checksums.txt.sig', 'application/vnd.fctl.plugin.signature.v1'],
      ['checksums.txt.sigstore.json', 'application/vnd.dev.sigstore.bundle.v0.3+json'],
    ]);
    expect(new Set(Object.values(LAYER_MEDIA_TYPES)).size).toBe(Object.keys(LAYER_MEDIA_TYPES).length);
    for (const file of release.files) expect(layer(file.name)).toMatchObject({ digest: `sha256:${file.sha256}`, size: file.size });
  });

  it('annotates platforms on binaries and compressed binaries only, under the reverse-DNS prefix, and no file mode', () => {
    expect(layer('fctl-plugin-ledger-linux-amd64').annotations).toEqual({ 'org.opencontainers.image.title': 'fctl-plugin-ledger-linux-amd64', 'dev.fctl-plugin-kit.platform': 'linux/amd64' });
    expect(layer('fctl-plugin-ledger-windows-arm64.exe').annotations).toEqual({ 'org.opencontainers.image.title': 'fctl-plugin-ledger-windows-arm64.exe', 'dev.fctl-plugin-kit.platform': 'windows/arm64' });
    expect(layer('fctl-plugin-ledger-linux-amd64.xz').annotations).toEqual({
      'org.opencontainers.image.title': 'fctl-plugin-ledger-linux-amd64.xz',
      'dev.fctl-plugin-kit.platform': 'linux/amd64',
      'dev.fctl-plugin-kit.contains': 'fctl-plugin-ledger-linux-amd64',
    });
    expect(layer('manifest.json').annotations).toEqual({ 'org.opencontainers.image.title': 'manifest.json' });
    expect(manifest.annotations).toEqual({
      'org.opencontainers.image.title': 'fctl-plugin-ledger',
      'org.opencontainers.image.version': '3.2.0',
      'dev.fctl-plugin-kit.plugin.name': 'ledger',
      'dev.fctl-plugin-kit.plugin.version': '3.2.0',
      'dev.fctl-plugin-kit.plugin.service': 'ledger',
      'dev.fctl-plugin-kit.plugin.compatible-with': '>=3.0.0 <4.0.0',
    });
    const keys = [...Object.keys(manifest.annotations), ...manifest.layers.flatMap((l) => Object.keys(l.annotations!))];
    expect(keys.every((k) => k.startsWith('org.opencontainers.image.') || k.startsWith('dev.fctl-plugin-kit.'))).toBe(true);
    expect(Object.values(ANNOTATIONS).every((k) => k.startsWith('dev.fctl-plugin-kit.'))).toBe(true);
  });

  it('reads kinds, not names: a binary with an unusual name is a binary, a file named like a binary but typed as a bundle is a bundle', () => {
    const odd = releaseIn(dir('odd'), 'ledger', '3.2.0', [
      { name: 'ledger-for-macs', kind: 'binary', os: 'darwin', arch: 'arm64', content: 'a' },
      { name: 'fctl-plugin-ledger-linux-amd64', kind: 'bundle', content: 'b' },
      { name: 'checksums.txt', kind: 'checksums', content: 'c' },
    ]);
    const layers = artifactManifest(odd).manifest.layers;
    expect(layers[0]).toMatchObject({ mediaType: 'application/vnd.fctl.plugin.binary.v1', annotations: { 'dev.fctl-plugin-kit.platform': 'darwin/arm64' } });
    expect(layers[1]).toMatchObject({ mediaType: 'application/vnd.fctl.plugin.bundle.v1' });
    expect(layers[1]!.annotations).not.toHaveProperty('dev.fctl-plugin-kit.platform');
  });

  it('is the same bytes for the same files (no timestamp), and other bytes for another build', () => {
    expect(artifactManifest(release).digest).toBe(artifactManifest(fullRelease(dir('again'), '3.2.0')).digest);
    expect(artifactManifest(fullRelease(dir('other'), '3.2.0', 'another binary')).digest).not.toBe(artifactManifest(release).digest);
  });
});

describe('the plan', () => {
  const release = fullRelease(dir('plan'), '3.2.0');
  const digest = artifactManifest(release).digest;

  it('for an empty repository: every blob, then the tag', () => {
    const plan = ociBackend.plan(config, release, { present: [] });
    expect(plan).toMatchObject({ backend: 'oci', location: 'registry.example.com/fctl/ledger:3.2.0', source: { backend: 'oci', repository: 'registry.example.com/fctl/ledger' }, refusals: [] });
    expect(plan.actions).toEqual([
      { subject: 'config blob', action: 'upload', bytes: 2 },
      ...release.files.map((f) => ({ subject: f.name, action: 'upload', bytes: f.size })),
      { subject: 'tag 3.2.0', action: 'create', bytes: artifactManifest(release).bytes.length, reason: `points the tag at the artifact's manifest ${digest}` },
    ]);
  });

  it('skips the blobs the repository holds, and uploads one copy of identical files', () => {
    const twins = releaseIn(dir('twins'), 'ledger', '3.2.0', [
      { name: 'a.txt', kind: 'scenarios', content: 'same' },
      { name: 'b.txt', kind: 'scenarios', content: 'same' },
      { name: 'checksums.txt', kind: 'checksums', content: 'sums' },
    ]);
    const plan = ociBackend.plan(config, twins, { present: [EMPTY_CONFIG.digest, `sha256:${twins.files[2]!.sha256}`] });
    expect(plan.actions.map((a) => [a.subject, a.action, a.reason])).toEqual([
      ['config blob', 'skip', 'blob already in the repository'],
      ['a.txt', 'upload', undefined],
      ['b.txt', 'skip', 'same bytes as a.txt'],
      ['checksums.txt', 'skip', 'blob already in the repository'],
      ['tag 3.2.0', 'create', expect.stringContaining('points the tag')],
    ]);
  });

  it('does nothing when the tag already holds this artifact', () => {
    const plan = ociBackend.plan(config, release, { tagged: digest, present: [] });
    expect(plan.refusals).toEqual([]);
    expect(plan.actions.every((a) => a.action === 'skip' && a.bytes === 0)).toBe(true);
    expect(plan.actions.map((a) => a.subject)).toEqual(['config blob', ...release.files.map((f) => f.name), 'tag 3.2.0']);
  });

  it('refuses when the tag holds another artifact, and plans nothing', () => {
    const other = `sha256:${'e'.repeat(64)}`;
    const plan = ociBackend.plan(config, release, { tagged: other, present: [] });
    expect(plan.refusals).toEqual([`registry.example.com/fctl/ledger:3.2.0 already holds another artifact (${other}): a published release is never overwritten (publish a new version)`]);
    expect(plan.actions).toEqual([]);
  });

  it('refuses a version that cannot be a tag, a file name an installer would refuse, and a kind it does not know', () => {
    const plus = releaseIn(dir('plus'), 'ledger', '3.2.0+build.1', [{ name: 'checksums.txt', kind: 'checksums', content: 'x' }]);
    expect(ociBackend.plan(config, plus, { present: [] }).refusals).toContainEqual(expect.stringMatching(/3\.2\.0\+build\.1: version "3\.2\.0\+build\.1" cannot be an OCI tag .*no "\+"/));
    const hostile = { ...release, files: [...release.files, { name: '../escape', kind: 'scenarios' as const, size: 1, sha256: 'a'.repeat(64) }] };
    expect(ociBackend.plan(config, hostile, { present: [] }).refusals).toEqual([expect.stringContaining('cannot be published')]);
    const future = { ...release, files: [{ ...release.files[0]!, kind: 'telemetry' as never }] };
    const plan = ociBackend.plan(config, future, { present: [] });
    expect(plan.refusals).toEqual(['fctl-plugin-ledger-linux-amd64 is of kind "telemetry", which this version of fctl-kit cannot publish to OCI']);
    expect(plan.actions).toEqual([]);
  });

  it('is pure: the same inputs give the same plan, and the state is not changed', () => {
    const state = { present: [EMPTY_CONFIG.digest] };
    const frozen = structuredClone(state);
    expect(ociBackend.plan(config, release, state)).toEqual(ociBackend.plan(config, release, state));
    expect(state).toEqual(frozen);
  });
});

describe('the backend object', () => {
  it('is the one element of the module list, with its flag, schemas and registry source check', async () => {
    expect(backends).toEqual([ociBackend]);
    expect(ociBackend.kind).toBe('oci');
    expect(ociBackend.flags).toEqual([expect.objectContaining({ field: 'to', required: true })]);
    expect(ociBackend.configFrom({ to: 'localhost:5000/fctl/ledger' }, '/anywhere')).toEqual({ backend: 'oci', to: 'localhost:5000/fctl/ledger' });
    const { config: configSchema, source } = await ociBackend.schemas();
    expect(configSchema).toMatchObject({ required: ['backend', 'to'], additionalProperties: false, properties: { backend: { const: 'oci' } } });
    expect(source).toMatchObject({ required: ['backend', 'repository'], additionalProperties: false, properties: { backend: { const: 'oci' } } });
    const pattern = new RegExp((source as unknown as { properties: { repository: { pattern: string } } }).properties.repository.pattern);
    for (const ok of ['registry.example.com/fctl/ledger', '127.0.0.1:5000/a/b-c', '[::1]:5000/fctl/ledger']) expect(ok).toMatch(pattern);
    for (const bad of ['fctl/ledger/', 'https://registry.example.com/fctl/ledger', 'registry.example.com/Fctl', 'registry.example.com/a/../b', 'host/a b']) expect(bad).not.toMatch(pattern);
    expect(ociBackend.publishesTo(config, { backend: 'oci', repository: 'REGISTRY.example.com/fctl/ledger' })).toBe(true);
    expect(ociBackend.publishesTo(config, { backend: 'oci', repository: 'registry.example.com/fctl/other' })).toBe(false);
    expect(ociBackend.publishesTo(config, { backend: 'oci', repository: 42 as never })).toBe(false);
    expect(ociBackend.publishesTo(config, { backend: 'url' as 'oci', repository: 'registry.example.com/fctl/ledger' })).toBe(false);
  });
});
