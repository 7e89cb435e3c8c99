// The writing side of the oci backend: inspect (HEADs and one GET: what the repository holds) and
// apply (exactly the plan's uploads, then the tag). The registry API has no create-if-absent for
// tags, so the tag is checked again just before it is written and read back after: of two
// publishes racing for one tag, the one whose artifact the tag does not hold fails (the residual
// window is documented in docs/publishing.md). Loaded lazily by backend.ts: fctl never needs it.
import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import type { PublishContext, PublishOutcome, PublishPlan, ReleaseArtifacts } from '../distribution-backend.js';
import { RACE_SETTLE_MS, PublishError } from '../publish.js';
import { artifactManifest, EMPTY_CONFIG } from './artifact.js';
import { MANIFEST_TYPE, OciClient } from './client.js';
import { credentialsFor } from './credentials.js';
import { CONFIG_SUBJECT, SHA256, tagSubject, type OciConfig, type OciState } from './plan.js';
import { parseOciRepository, tagProblem } from './reference.js';

function clientFor(config: OciConfig, env: NodeJS.ProcessEnv): OciClient {
  const repository = parseOciRepository(config.to);
  return new OciClient(repository, credentialsFor(repository.host, env));
}

export async function inspectOci(config: OciConfig, release: ReleaseArtifacts, context: PublishContext): Promise<OciState> {
  // The version and the digests go into request paths: nothing is asked with one that is not what it should be.
  const tag = tagProblem(release.version);
  if (tag) throw new PublishError(`${config.to}: ${tag}`);
  const unhashed = release.files.find((f) => !SHA256.test(f.sha256));
  if (unhashed) throw new PublishError(`${release.dir}: ${unhashed.name} has no sha256 (64 lowercase hexadecimal digits)`);
  const client = clientFor(config, context.env);
  const tagged = (await client.getManifest(release.version, context.signal))?.digest;
  const present: string[] = [];
  if (tagged && tagged === artifactManifest(release).digest) return { tagged, present };
  // One at a time: the first request may have to answer an authentication challenge.
  for (const digest of new Set([EMPTY_CONFIG.digest, ...release.files.map((f) => `sha256:${f.sha256}`)])) {
    if (await client.blobExists(digest)) present.push(digest);
  }
  return { ...(tagged ? { tagged } : {}), present };
}

export async function applyOci(plan: PublishPlan<OciConfig, OciState>, context: PublishContext): Promise<PublishOutcome> {
  if (plan.refusals.length > 0) throw new PublishError(plan.refusals.join('; '));
  const { release, location } = plan;
  const client = clientFor(plan.config, context.env);
  const artifact = artifactManifest(release);
  const files = new Map(release.files.map((f) => [f.name, f]));
  for (const action of plan.actions) {
    if (action.action === 'skip') continue;
    if (action.subject === CONFIG_SUBJECT) {
      await client.pushBlob(EMPTY_CONFIG.digest, EMPTY_CONFIG.size, { bytes: Buffer.from('{}') });
    } else if (action.subject === tagSubject(release.version)) {
      const raced = await client.getManifest(release.version);
      if (raced && raced.digest !== artifact.digest) {
        throw new PublishError(`${location} was published by another run while this one uploaded (${raced.digest}): a published release is never overwritten (publish a new version)`);
      }
      await client.putManifest(release.version, artifact.bytes, MANIFEST_TYPE);
      // A publish that checked the tag just before this one wrote it writes it right after: read the
      // tag back once that write would have landed.
      await setTimeout(RACE_SETTLE_MS);
      const tagged = await client.getManifest(release.version);
      if (tagged?.digest !== artifact.digest) {
        throw new PublishError(
          `${location} now holds ${tagged?.digest ?? 'nothing'}, not this build's ${artifact.digest}: another publish of ${release.name} ${release.version} wrote the tag at the same time. Check which build the tag holds before using it`,
        );
      }
    } else {
      const file = files.get(action.subject);
      if (!file) throw new PublishError(`the plan for ${location} uploads ${action.subject}, which is not a file of the build ${release.dir}`);
      context.onUpload?.(file.name, file.size);
      // The registry checks the digest it is given against what arrives: a file changed since it was hashed is refused.
      await client.pushBlob(`sha256:${file.sha256}`, file.size, { path: join(release.dir, file.name) });
    }
  }
  return {
    backend: plan.backend,
    location,
    source: plan.source,
    actions: plan.actions,
    bytesUploaded: plan.actions.reduce((n, a) => n + (a.action === 'skip' ? 0 : a.bytes), 0),
  };
}
