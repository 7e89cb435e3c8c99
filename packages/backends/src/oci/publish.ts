// Publishing a build to an OCI registry: blobs the registry already has are not uploaded again
// (HEAD); the manifest goes last, so the tag appears only once everything it references exists;
// a tag that already holds a different artifact is refused (releases are immutable). The registry
// API has no create-if-absent for tags, so the tag is checked again just before it is written and
// read back after: of two publishes racing for one tag, the one whose artifact the tag does not
// hold fails (the residual window is documented in docs/publishing.md).
import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { checkPublishable, publicationOrder, RACE_SETTLE_MS, PublishError, type BuildRelease, type OnUpload, type PublishStep, type PublishSummary } from '../publish.js';
import { artifactManifest, EMPTY_CONFIG } from './artifact.js';
import { MANIFEST_TYPE, OciClient } from './client.js';
import { credentialsFor } from './credentials.js';
import { parseOciRepository } from './reference.js';

export interface OciPublishOptions {
  to: string;
  dryRun?: boolean;
  env?: NodeJS.ProcessEnv;
  onUpload?: OnUpload;
}

export async function publishToOci(release: BuildRelease, options: OciPublishOptions): Promise<PublishSummary> {
  checkPublishable(release);
  const repository = parseOciRepository(options.to);
  const client = new OciClient(repository, credentialsFor(repository.host, options.env));
  const ordered = { ...release, files: publicationOrder(release) };
  const artifact = artifactManifest(ordered, release);
  const location = `${repository.host}/${repository.repository}:${release.version}`;
  const summary = (steps: PublishStep[]): PublishSummary => ({
    backend: 'oci',
    name: release.name,
    version: release.version,
    location,
    registry: { distribution: 'oci', oci: `${repository.host}/${repository.repository}`, manifestDigest: artifact.digest },
    dryRun: Boolean(options.dryRun),
    steps,
    bytesUploaded: options.dryRun ? 0 : steps.reduce((n, s) => n + s.bytes, 0),
  });

  const existing = await client.getManifest(release.version);
  if (existing) {
    if (existing.digest !== artifact.digest) {
      throw new PublishError(`${location} already holds another artifact (${existing.digest}): a published release is never overwritten (publish a new version)`);
    }
    return summary([...ordered.files.map((f) => ({ file: f.name, action: 'skip' as const, bytes: 0, reason: 'already published, same digest' })), { file: 'manifest', action: 'skip', bytes: 0, reason: 'tag already points at this artifact' }]);
  }
  const steps: PublishStep[] = [];
  if (!(await client.blobExists(EMPTY_CONFIG.digest)) && !options.dryRun) await client.pushBlob(EMPTY_CONFIG.digest, EMPTY_CONFIG.size, { bytes: Buffer.from('{}') });
  for (const file of ordered.files) {
    const digest = `sha256:${file.sha256}`;
    if (await client.blobExists(digest)) {
      steps.push({ file: file.name, action: 'skip', bytes: 0, reason: 'blob already in the registry' });
      continue;
    }
    if (!options.dryRun) {
      options.onUpload?.(file.name, file.size);
      await client.pushBlob(digest, file.size, { path: join(release.dir, file.name) });
    }
    steps.push({ file: file.name, action: 'upload', bytes: file.size });
  }
  let tagWritten = true;
  if (!options.dryRun) {
    const raced = await client.getManifest(release.version);
    tagWritten = !raced;
    if (raced && raced.digest !== artifact.digest) {
      throw new PublishError(`${location} was published by another run while this one uploaded (${raced.digest}): a published release is never overwritten (publish a new version)`);
    }
    if (!raced) {
      await client.putManifest(release.version, artifact.bytes, MANIFEST_TYPE);
      // A publish that checked the tag just before this one wrote it writes it right after: read the
      // tag back once that write would have landed.
      await setTimeout(RACE_SETTLE_MS);
    }
    const tagged = await client.getManifest(release.version);
    if (tagged?.digest !== artifact.digest) {
      throw new PublishError(
        `${location} now holds ${tagged?.digest ?? 'nothing'}, not this build's ${artifact.digest}: another publish of ${release.name} ${release.version} wrote the tag at the same time. Check which build the tag holds before using it`,
      );
    }
  }
  steps.push(tagWritten ? { file: 'manifest', action: 'upload', bytes: artifact.bytes.length } : { file: 'manifest', action: 'skip', bytes: 0, reason: 'another run tagged the same artifact' });
  return summary(steps);
}
