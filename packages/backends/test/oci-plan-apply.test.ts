// plan == apply against a real OCI registry (Debian's docker-registry on 127.0.0.1): the actions a
// dry run prints are the actions the real run that follows performs, for a fresh repository, one
// that already holds some blobs, one whose tag holds this artifact, and one whose tag holds another
// (refused by both); and what was pushed is what the registry then serves, through the download side.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublishContext, PublishPlan, ReleaseArtifacts } from '../src/distribution-backend.js';
import { artifactManifest, EMPTY_CONFIG } from '../src/oci/artifact.js';
import { ociBackend } from '../src/oci/backend.js';
import { OciClient } from '../src/oci/client.js';
import type { OciConfig, OciState } from '../src/oci/plan.js';
import { parseOciRepository } from '../src/oci/reference.js';
import { startOciRegistry, type OciRegistry } from '../../../test/support/oci-registry.js';
import { fullRelease } from './oci-release.js';

let registry: OciRegistry;
let work: string;
const context: PublishContext = { env: { DOCKER_CONFIG: '/nonexistent-docker-config' } };
const dir = (name: string) => mkdtempSync(join(work, `${name}-`));
const configFor = (repository: string): OciConfig => ({ backend: 'oci', to: `${registry.host}/${repository}` });

beforeAll(async () => {
  registry = await startOciRegistry({ kind: 'anonymous' });
  work = mkdtempSync(join(tmpdir(), 'oci-plan-apply-'));
}, 30_000);
afterAll(async () => {
  await registry?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** What `--dry-run` does: inspect and plan, nothing written. */
async function dryRun(config: OciConfig, release: ReleaseArtifacts): Promise<PublishPlan<OciConfig, OciState>> {
  return ociBackend.plan(config, release, await ociBackend.inspect(config, release, context));
}

/** The real run: inspect, plan, apply. */
async function publish(config: OciConfig, release: ReleaseArtifacts) {
  const uploads: string[] = [];
  const plan = ociBackend.plan(config, release, await ociBackend.inspect(config, release, context));
  const outcome = await ociBackend.apply(plan, { ...context, onUpload: (file) => uploads.push(file) });
  return { plan, outcome, uploads };
}

async function tagOf(config: OciConfig, version: string): Promise<string | undefined> {
  return (await new OciClient(parseOciRepository(config.to), undefined).getManifest(version))?.digest;
}

async function read(config: OciConfig, release: ReleaseArtifacts, file: string): Promise<Buffer> {
  const files = ociBackend.files(ociBackend.plan(config, release, { present: [] }).source as never, { name: release.name, version: release.version, platform: { os: 'linux', arch: 'amd64' } }, context.env);
  const opened = await files.open(file, AbortSignal.timeout(30_000));
  const chunks: Buffer[] = [];
  for await (const chunk of opened.body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

describe('plan == apply', () => {
  it('a fresh repository: every blob and the tag, as planned; then the registry serves the files', async () => {
    const config = configFor('fctl/fresh');
    const release = fullRelease(dir('fresh'), '3.2.0');
    const planned = await dryRun(config, release);
    expect(planned.refusals).toEqual([]);
    expect(planned.actions.filter((a) => a.action !== 'upload').map((a) => a.subject)).toEqual(['tag 3.2.0']);
    expect(await tagOf(config, '3.2.0'), 'the dry run wrote nothing').toBeUndefined();

    const { outcome, uploads } = await publish(config, release);
    expect(outcome.actions).toEqual(planned.actions);
    expect(outcome).toMatchObject({ backend: 'oci', location: `${registry.host}/fctl/fresh:3.2.0`, source: { backend: 'oci', repository: `${registry.host}/fctl/fresh` } });
    expect(outcome.bytesUploaded).toBe(planned.actions.reduce((n, a) => n + a.bytes, 0));
    expect(uploads).toEqual(release.files.map((f) => f.name));
    expect(await tagOf(config, '3.2.0')).toBe(artifactManifest(release).digest);
    expect((await read(config, release, 'fctl-plugin-ledger-linux-amd64')).toString()).toBe('#!/bin/sh\necho binary 3.2.0\n');
  }, 60_000);

  it('a repository that already holds some blobs (another version shares the bundle): those are skipped, as planned', async () => {
    const config = configFor('fctl/shared');
    await publish(config, fullRelease(dir('v1'), '3.1.0', 'binary one', 'the shared bundle'));
    const release = fullRelease(dir('v2'), '3.2.0', 'binary two', 'the shared bundle');
    const planned = await dryRun(config, release);
    const skipped = planned.actions.filter((a) => a.action === 'skip');
    expect(skipped.map((a) => [a.subject, a.reason])).toEqual(
      expect.arrayContaining([
        ['config blob', 'blob already in the repository'],
        ['fctl-plugin-ledger.cjs', 'blob already in the repository'],
        ['fctl-plugin-ledger.cjs.map', 'blob already in the repository'],
        ['scenarios.yaml', 'blob already in the repository'],
      ]),
    );
    expect(planned.actions.find((a) => a.subject === 'fctl-plugin-ledger-linux-amd64')).toMatchObject({ action: 'upload' });

    const { outcome, uploads } = await publish(config, release);
    expect(outcome.actions).toEqual(planned.actions);
    expect(uploads).not.toContain('fctl-plugin-ledger.cjs');
    expect(await tagOf(config, '3.2.0')).toBe(artifactManifest(release).digest);
    expect(await tagOf(config, '3.1.0'), 'the other version is untouched').toBe(artifactManifest(fullRelease(dir('v1-again'), '3.1.0', 'binary one', 'the shared bundle')).digest);
  }, 60_000);

  it('a tag that already holds this artifact: everything skipped, nothing uploaded', async () => {
    const config = configFor('fctl/again');
    const release = fullRelease(dir('again'), '3.2.0');
    await publish(config, release);
    const planned = await dryRun(config, release);
    expect(planned.actions.every((a) => a.action === 'skip')).toBe(true);
    const { outcome, uploads } = await publish(config, release);
    expect(outcome.actions).toEqual(planned.actions);
    expect(outcome.bytesUploaded).toBe(0);
    expect(uploads).toEqual([]);
  }, 60_000);

  it('a tag that holds another artifact: refused by the dry run and by the real run, with the same reason, the tag untouched', async () => {
    const config = configFor('fctl/taken');
    const first = fullRelease(dir('first'), '3.2.0', 'the first build');
    await publish(config, first);
    const other = fullRelease(dir('other'), '3.2.0', 'another build');
    const planned = await dryRun(config, other);
    expect(planned.refusals).toEqual([expect.stringMatching(new RegExp(`^${registry.host}/fctl/taken:3\\.2\\.0 already holds another artifact \\(sha256:[0-9a-f]{64}\\): a published release is never overwritten`))]);
    expect(planned.actions).toEqual([]);
    await expect(publish(config, other)).rejects.toThrow(planned.refusals[0]!);
    await expect(ociBackend.apply(planned, context)).rejects.toThrow(planned.refusals[0]!);
    expect(await tagOf(config, '3.2.0')).toBe(artifactManifest(first).digest);
  }, 60_000);
});

describe('apply around the tag', () => {
  it('fails, tag untouched, when another publish tagged another artifact after the plan was made', async () => {
    const config = configFor('fctl/raced');
    const mine = fullRelease(dir('mine'), '3.2.0', 'my build');
    const plan = await dryRun(config, mine);
    const theirs = fullRelease(dir('theirs'), '3.2.0', 'their build');
    await publish(config, theirs);
    await expect(ociBackend.apply(plan, context)).rejects.toThrow(new RegExp(`^${registry.host}/fctl/raced:3\\.2\\.0 was published by another run while this one uploaded \\(sha256:[0-9a-f]{64}\\)`));
    expect(await tagOf(config, '3.2.0')).toBe(artifactManifest(theirs).digest);
  }, 60_000);

  it('a file changed since it was hashed is refused by the registry, and the tag is not written', async () => {
    const config = configFor('fctl/changed');
    const release = fullRelease(dir('changed'), '3.2.0');
    const plan = await dryRun(config, release);
    writeFileSync(join(release.dir, 'fctl-plugin-ledger.cjs'), 'THE BUNDLE'); // same size, other bytes
    await expect(ociBackend.apply(plan, context)).rejects.toThrow(/uploading blob sha256:[0-9a-f]{64}: 127\.0\.0\.1:\d+ answered 400/);
    expect(await tagOf(config, '3.2.0')).toBeUndefined();
  }, 60_000);

  it('inspect writes nothing', async () => {
    const config = configFor('fctl/inspected');
    const release = fullRelease(dir('inspected'), '3.2.0');
    expect(await ociBackend.inspect(config, release, context)).toEqual({ present: [] });
    const client = new OciClient(parseOciRepository(config.to), undefined);
    expect(await client.blobExists(EMPTY_CONFIG.digest)).toBe(false);
  }, 30_000);
});
