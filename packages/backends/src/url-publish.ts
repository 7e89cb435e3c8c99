// During the migration: the old publishing function of the url backend, over url/backend.ts.
import type { ReleaseArtifacts } from './distribution-backend.js';
import { publicationOrder, type BuildRelease, type OnUpload, type PublishSummary } from './publish.js';
import { refusalError } from './refusals.js';
import { urlBackend } from './url/backend.js';

export interface UrlPublishOptions {
  /** A directory, or an http(s) base URL that accepts PUT. */
  to: string;
  dryRun?: boolean;
  /** The URL the directory will be served from, for the registry's template (default: file URL). */
  publicBase?: string;
  onUpload?: OnUpload;
}

export async function publishToUrl(release: BuildRelease, options: UrlPublishOptions): Promise<PublishSummary> {
  const artifacts = { ...release, files: publicationOrder(release) } as ReleaseArtifacts;
  const config = { backend: 'url' as const, to: options.to, ...(options.publicBase ? { publicBase: options.publicBase } : {}) };
  const context = { env: process.env, ...(options.onUpload ? { onUpload: options.onUpload } : {}) };
  const plan = urlBackend.plan(config, artifacts, await urlBackend.inspect(config, artifacts, context));
  if (plan.refusals.length) throw refusalError(plan);
  const actions = options.dryRun ? plan.actions : (await urlBackend.apply(plan, context)).actions;
  const steps = actions.filter((a) => a.action === 'upload' || a.action === 'skip').map((a) => ({ file: a.subject, action: a.action as 'upload' | 'skip', bytes: a.bytes, ...(a.action === 'skip' && a.reason ? { reason: a.reason } : {}) }));
  return {
    backend: 'url',
    name: release.name,
    version: release.version,
    location: plan.location,
    registry: { distribution: 'url', url: plan.source.url as string },
    dryRun: Boolean(options.dryRun),
    steps,
    bytesUploaded: options.dryRun ? 0 : steps.reduce((n, s) => n + s.bytes, 0),
  };
}
