// The s3 backend's plan: pure, from what inspect read (s3/publish.ts) to every upload, skip and
// refusal, with the reason; and what a publish records in the registry.
import type { PublishAction, PublishPlan, ReleaseArtifacts, RegistrySource } from '../distribution-backend.js';
import { endpointOrigin } from './names.js';
import type { S3Config, S3Source } from './schema.js';
import { defaultAddressing, displayObject, keyOf, type S3Target } from './target.js';

export type ReleaseFile = ReleaseArtifacts['files'][number];
/** What is at the key of one file: nothing, or an object of this size (and sha256, unless its size already differs). */
export type Found = { size: number; sha256?: string } | null;

export interface S3State {
  /** Where the config publishes to, with the region, endpoint and addressing from the user's AWS settings filled in. */
  target: S3Target;
  files: Record<string, Found>;
}

export type S3Plan = PublishPlan<S3Config, S3State>;

export const same = (found: Found | undefined, file: ReleaseFile) => Boolean(found && found.size === file.size && found.sha256 === file.sha256);

export const releaseKey = (target: S3Target, release: Pick<ReleaseArtifacts, 'name' | 'version'>, file: string) => keyOf(target, release.name, release.version, file);

export function location(target: S3Target, release: Pick<ReleaseArtifacts, 'name' | 'version'>): string {
  return displayObject(target, `${keyOf(target, release.name, release.version, '')}/`);
}

/** What a registry records: the bucket as an s3 source, or (publicBase) the public URL as a url source. */
export function sourceFor(config: Pick<S3Config, 'publicBase'>, target: S3Target): RegistrySource {
  if (config.publicBase) return { backend: 'url', url: publicTemplate(config.publicBase) };
  const source: S3Source = { backend: 's3', bucket: target.bucket, ...(target.prefix ? { prefix: target.prefix } : {}), region: target.region };
  if (target.endpoint) source.endpoint = target.endpoint;
  if (target.addressing !== defaultAddressing(target.bucket, target.endpoint)) source.addressing = target.addressing;
  return source;
}

export const publicTemplate = (publicBase: string) => `${publicBase.replace(/\/+$/, '')}/{name}/{version}/{file}`;

/** Whether `source` is where `config` publishes: the same bucket and prefix, and the same endpoint and region where both name one. */
export function publishesTo(config: S3Config, source: RegistrySource): boolean {
  if (config.publicBase) return source.backend === 'url' && source.url === publicTemplate(config.publicBase);
  if (source.backend !== 's3' || source.bucket !== config.bucket || (source.prefix ?? '') !== (config.prefix ?? '')) return false;
  if (config.region && typeof source.region === 'string' && source.region !== config.region) return false;
  if (config.endpoint && (typeof source.endpoint !== 'string' || endpointOrigin(source.endpoint) !== endpointOrigin(config.endpoint))) return false;
  return true;
}

const NEVER_OVERWRITTEN = 'a published release is never overwritten (publish a new version)';

export function plan(config: S3Config, release: ReleaseArtifacts, state: S3State): S3Plan {
  const actions: PublishAction[] = [];
  const refusals: string[] = [];
  for (const file of release.files) {
    const found = state.files[file.name];
    if (same(found, file)) actions.push({ subject: file.name, action: 'skip', bytes: 0, reason: 'already in the bucket, same bytes' });
    else if (!found) actions.push({ subject: file.name, action: 'upload', bytes: file.size, reason: 'not in the bucket yet: PUT with If-None-Match: *, read back after' });
    else refusals.push(`${displayObject(state.target, releaseKey(state.target, release, file.name))} already exists with other bytes: ${NEVER_OVERWRITTEN}`);
  }
  return { backend: 's3', config, release, state, location: location(state.target, release), source: sourceFor(config, state.target), actions, refusals };
}
