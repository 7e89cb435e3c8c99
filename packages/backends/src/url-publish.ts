// Publishing for the `url` backend: into a directory laid out for static hosting,
// <root>/<name>/<version>/<file> (also the air-gapped bundle), or with HTTP PUT to the same layout.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, rename, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkHttpUrl, displayUrl, networkReason } from './http.js';
import { publicationOrder, PublishError, sha256Of, type BuildRelease, type OnUpload, type PublishStep, type PublishSummary } from './publish.js';

export interface UrlPublishOptions {
  /** A directory, or an http(s) base URL that accepts PUT. */
  to: string;
  dryRun?: boolean;
  /** The URL the directory will be served from, for the registry's template (default: file URL). */
  publicBase?: string;
  headers?: Record<string, string>;
  onUpload?: OnUpload;
}

const isHttp = (to: string) => /^https?:\/\//i.test(to);

async function publishToDirectory(release: BuildRelease, root: string, dryRun: boolean, onUpload?: OnUpload): Promise<PublishStep[]> {
  const target = join(root, release.name, release.version);
  const steps: PublishStep[] = [];
  for (const file of publicationOrder(release)) {
    const destination = join(target, file.name);
    const existing = await stat(destination).catch(() => undefined);
    if (existing) {
      if ((await sha256Of(destination)) !== file.sha256) {
        throw new PublishError(`${destination} already exists with other bytes: a published release is never overwritten (publish a new version)`);
      }
      steps.push({ file: file.name, action: 'skip', bytes: 0, reason: 'already published, same bytes' });
      continue;
    }
    if (!dryRun) {
      onUpload?.(file.name, file.size);
      await mkdir(target, { recursive: true });
      const temporary = `${destination}.${process.pid}.part`;
      await copyFile(join(release.dir, file.name), temporary);
      await rename(temporary, destination);
    }
    steps.push({ file: file.name, action: 'upload', bytes: file.size });
  }
  return steps;
}

async function publishWithPut(release: BuildRelease, base: URL, dryRun: boolean, headers: Record<string, string>, onUpload?: OnUpload): Promise<PublishStep[]> {
  checkHttpUrl(base, 'publishing');
  const steps: PublishStep[] = [];
  for (const file of publicationOrder(release)) {
    const url = new URL(`${base.pathname.replace(/\/$/, '')}/${release.name}/${release.version}/${encodeURIComponent(file.name)}`, base);
    const existing = await fetch(url, { headers }).catch((error: unknown) => {
      throw new PublishError(`cannot reach ${displayUrl(url)}: ${networkReason(error)}`);
    });
    if (existing.ok) {
      const bytes = Buffer.from(await existing.arrayBuffer());
      if (createHash('sha256').update(bytes).digest('hex') !== file.sha256) {
        throw new PublishError(`${displayUrl(url)} already exists with other bytes: a published release is never overwritten (publish a new version)`);
      }
      steps.push({ file: file.name, action: 'skip', bytes: 0, reason: 'already published, same bytes' });
      continue;
    }
    await existing.body?.cancel().catch(() => {});
    if (existing.status !== 404) throw new PublishError(`${displayUrl(url)} answered ${existing.status} ${existing.statusText}`);
    if (!dryRun) {
      onUpload?.(file.name, file.size);
      const response = await fetch(url, {
        method: 'PUT',
        headers: { ...headers, 'content-type': 'application/octet-stream', 'content-length': String(file.size) },
        body: createReadStream(join(release.dir, file.name)) as unknown as RequestInit['body'],
        duplex: 'half',
      } as RequestInit);
      await response.body?.cancel().catch(() => {});
      if (!response.ok) throw new PublishError(`PUT ${displayUrl(url)} answered ${response.status} ${response.statusText}`);
    }
    steps.push({ file: file.name, action: 'upload', bytes: file.size });
  }
  return steps;
}

export async function publishToUrl(release: BuildRelease, options: UrlPublishOptions): Promise<PublishSummary> {
  const dryRun = Boolean(options.dryRun);
  let steps: PublishStep[];
  let location: string;
  let template: string;
  if (isHttp(options.to)) {
    const base = new URL(options.to);
    steps = await publishWithPut(release, base, dryRun, options.headers ?? {}, options.onUpload);
    location = `${displayUrl(base).replace(/\/$/, '')}/${release.name}/${release.version}/`;
    template = `${(options.publicBase ?? displayUrl(base)).replace(/\/$/, '')}/{name}/{version}/{file}`;
  } else {
    steps = await publishToDirectory(release, options.to, dryRun, options.onUpload);
    location = join(options.to, release.name, release.version);
    template = options.publicBase ? `${options.publicBase.replace(/\/$/, '')}/{name}/{version}/{file}` : `${pathToFileURL(options.to).href.replace(/\/$/, '')}/{name}/{version}/{file}`;
  }
  return {
    backend: 'url',
    name: release.name,
    version: release.version,
    location,
    registry: { distribution: 'url', url: template },
    dryRun,
    steps,
    bytesUploaded: steps.reduce((n, s) => n + s.bytes, 0) * (dryRun ? 0 : 1),
  };
}
