// What publishing a release to an OCI repository will do, from what inspect read: pure. Blobs the
// repository already holds are skipped; the manifest goes last, so the tag appears only once
// everything it references exists; a tag holding another artifact is refused (releases are
// immutable), and a tag already holding this one leaves nothing to do.
import type { PublishAction, PublishConfig, PublishPlan, RegistrySource, ReleaseArtifacts } from '../distribution-backend.js';
import { checkPublishable, PublishError } from '../publish.js';
import { artifactManifest, EMPTY_CONFIG, mediaTypeOf } from './artifact.js';
import { parseOciRepository, tagProblem } from './reference.js';

export interface OciConfig extends PublishConfig {
  backend: 'oci';
  /** host[:port]/path */
  to: string;
}

export interface OciSource extends RegistrySource {
  backend: 'oci';
  /** host[:port]/path; the tag is the version. Untrusted: it comes from the registry. */
  repository: string;
}

export interface OciState {
  /** The digest of the manifest the tag (the version) points at, when it exists. */
  tagged?: string;
  /** The blobs this release needs that the repository already holds (digests). */
  present: string[];
}

export const SHA256 = /^[0-9a-f]{64}$/;

/** Subjects of the backend's own steps: a space never occurs in a release file name. */
export const CONFIG_SUBJECT = 'config blob';
export const tagSubject = (version: string) => `tag ${version}`;

export function planOci(config: OciConfig, release: ReleaseArtifacts, state: OciState): PublishPlan<OciConfig, OciState> {
  const repository = parseOciRepository(config.to);
  const location = `${repository.host}/${repository.repository}:${release.version}`;
  const source: OciSource = { backend: 'oci', repository: `${repository.host}/${repository.repository}` };
  const refusals: string[] = [];
  try {
    checkPublishable(release);
  } catch (error) {
    if (!(error instanceof PublishError)) throw error;
    refusals.push(error.message);
  }
  const tag = tagProblem(release.version);
  if (tag) refusals.push(`${location}: ${tag}`);
  for (const file of release.files) {
    if (!mediaTypeOf(file)) refusals.push(`${file.name} is of kind "${file.kind}", which this version of fctl-kit cannot publish to OCI`);
    if (!SHA256.test(file.sha256)) refusals.push(`${file.name} has no sha256 (64 lowercase hexadecimal digits)`);
  }
  const artifact = artifactManifest(release);
  if (state.tagged && state.tagged !== artifact.digest) {
    refusals.push(`${location} already holds another artifact (${state.tagged}): a published release is never overwritten (publish a new version)`);
  }
  const plan = { backend: 'oci', config, release, state, location, source, refusals };
  if (refusals.length > 0) return { ...plan, actions: [] };

  if (state.tagged === artifact.digest) {
    const skip = (subject: string, reason: string): PublishAction => ({ subject, action: 'skip', bytes: 0, reason });
    return {
      ...plan,
      actions: [skip(CONFIG_SUBJECT, 'already published: the tag holds this artifact'), ...release.files.map((f) => skip(f.name, 'already published: the tag holds this artifact')), skip(tagSubject(release.version), `the tag already points at this artifact (${artifact.digest})`)],
    };
  }
  const present = new Set(state.present);
  const uploaded = new Map<string, string>();
  const blob = (subject: string, digest: string, bytes: number): PublishAction => {
    if (present.has(digest)) return { subject, action: 'skip', bytes: 0, reason: 'blob already in the repository' };
    const first = uploaded.get(digest);
    if (first) return { subject, action: 'skip', bytes: 0, reason: `same bytes as ${first}` };
    uploaded.set(digest, subject);
    return { subject, action: 'upload', bytes };
  };
  return {
    ...plan,
    actions: [
      blob(CONFIG_SUBJECT, EMPTY_CONFIG.digest, EMPTY_CONFIG.size),
      ...release.files.map((f) => blob(f.name, `sha256:${f.sha256}`, f.size)),
      { subject: tagSubject(release.version), action: 'create', bytes: artifact.bytes.length, reason: `points the tag at the artifact's manifest ${artifact.digest}` },
    ],
  };
}
