// Publishing for the `url` backend: into a directory laid out for static hosting,
// <root>/<name>/<version>/<file> (also the air-gapped bundle), or with HTTP PUT to the same layout.
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { checkHttpUrl, displayUrl, networkReason } from './http.js';
import { HttpRequestError, request } from '@fctl-kit/http';
import { sha256File } from '@fctl-kit/artifacts';
import { buildFileStream, checkPublishable, openBuildFile, publicationOrder, PublishError, RACE_SETTLE_MS, type BuildRelease, type OnUpload, type PublishStep, type PublishSummary } from './publish.js';

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

/**
 * The steps when `target` already holds the release: every file present with the same bytes;
 * undefined when nothing is published there. A different or missing file is refused.
 */
async function alreadyPublished(release: BuildRelease, target: string, why: string): Promise<PublishStep[] | undefined> {
  const info = await lstat(target).catch(() => undefined);
  if (!info) return undefined;
  if (!info.isDirectory()) throw new PublishError(`${target} exists and is not a directory: a published release is never overwritten`);
  const steps: PublishStep[] = [];
  for (const file of publicationOrder(release)) {
    const destination = join(target, file.name);
    const sha256 = await sha256File(destination).catch(() => undefined);
    if (sha256 === undefined) throw new PublishError(`${target} is published without ${file.name}${why}: a published release is never changed (publish a new version)`);
    if (sha256 !== file.sha256) throw new PublishError(`${destination} already exists with other bytes${why}: a published release is never overwritten (publish a new version)`);
    steps.push({ file: file.name, action: 'skip', bytes: 0, reason: 'already published, same bytes' });
  }
  return steps;
}

const STAGING = /^\.staging-(\d+)-/;

/** Staging directories beside the releases whose process is gone (a killed publish). */
async function removeStaleStaging(parent: string): Promise<void> {
  for (const entry of await readdir(parent).catch(() => [])) {
    const pid = Number(STAGING.exec(entry)?.[1]);
    if (!pid || isRunning(pid)) continue;
    await rm(join(parent, entry), { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Copies one file of the build, from the file hashed (no link followed), checking its bytes on the way. */
async function copyReleaseFile(release: BuildRelease, file: BuildRelease['files'][number], destination: string): Promise<void> {
  const source = await openBuildFile(release.dir, file.name);
  try {
    const mode = (await source.stat()).mode & 0o777;
    const out = await open(destination, 'wx', mode);
    try {
      const hash = createHash('sha256');
      for await (const chunk of source.createReadStream({ autoClose: false })) {
        hash.update(chunk as Buffer);
        await out.write(chunk as Buffer);
      }
      if (hash.digest('hex') !== file.sha256) throw new PublishError(`${join(release.dir, file.name)} changed while publishing: its sha256 is no longer ${file.sha256}`);
      await out.sync();
    } finally {
      await out.close();
    }
  } finally {
    await source.close();
  }
}

/**
 * The release is written into a private staging directory beside its final place, then moved
 * there with one rename: <root>/<name>/<version> appears complete or not at all, and a rename onto
 * a release another publish has just moved there fails (the directory is not empty), so two
 * publishes never mix their files. The loser fails, unless the winner published the same bytes.
 */
async function publishToDirectory(release: BuildRelease, root: string, dryRun: boolean, onUpload?: OnUpload): Promise<PublishStep[]> {
  const parent = join(root, release.name);
  const target = join(parent, release.version);
  const published = await alreadyPublished(release, target, '');
  if (published) return published;
  const steps = publicationOrder(release).map((file): PublishStep => ({ file: file.name, action: 'upload', bytes: file.size }));
  if (dryRun) return steps;
  await mkdir(parent, { recursive: true });
  await removeStaleStaging(parent);
  const staging = await mkdtemp(join(parent, `.staging-${process.pid}-${release.version}-`));
  try {
    for (const file of publicationOrder(release)) {
      onUpload?.(file.name, file.size);
      await copyReleaseFile(release, file, join(staging, file.name));
    }
    await rename(staging, target).catch(async (error: NodeJS.ErrnoException) => {
      if (!['ENOTEMPTY', 'EEXIST', 'EPERM', 'EACCES', 'EISDIR', 'ENOTDIR'].includes(error.code ?? '')) throw error;
      const theirs = await alreadyPublished(release, target, `: another publish of ${release.name} ${release.version} finished first`);
      if (!theirs) throw error;
      steps.splice(0, steps.length, ...theirs.map((step) => ({ ...step, reason: 'published at the same time by another run, same bytes' })));
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return steps;
}

/**
 * HTTP PUT has no rename: each file is created with `If-None-Match: *`, which servers that honour
 * it (S3, WebDAV, most object stores) refuse with 412 when the file exists, so a racing publish
 * never overwrites; and everything uploaded is read back (after RACE_SETTLE_MS), so a publish
 * whose files another one replaced on a server that ignores the header fails instead of reporting
 * a mixed release.
 */
async function publishWithPut(release: BuildRelease, base: URL, dryRun: boolean, headers: Record<string, string>, onUpload?: OnUpload): Promise<PublishStep[]> {
  checkHttpUrl(base, 'publishing');
  const steps: PublishStep[] = [];
  const failed = (url: URL) => (error: unknown): never => {
    throw new PublishError(error instanceof HttpRequestError && error.kind !== 'connect' ? error.message : `cannot reach ${displayUrl(url)}: ${networkReason(error)}`);
  };
  const urlOf = (file: BuildRelease['files'][number]) => new URL(`${base.pathname.replace(/\/$/, '')}/${release.name}/${release.version}/${encodeURIComponent(file.name)}`, base);
  /** Whether the server has `file`: missing, with the same bytes, or with others. */
  const published = async (file: BuildRelease['files'][number]): Promise<'missing' | 'same' | 'different'> => {
    const url = urlOf(file);
    const existing = await request(url, { headers }).catch(failed(url));
    if (existing.status < 200 || existing.status >= 300) {
      await existing.discard();
      if (existing.status === 404) return 'missing';
      throw new PublishError(`${displayUrl(url)} answered ${existing.status} ${existing.statusText}`);
    }
    // Read no more than our own file: anything longer is other bytes.
    const hash = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of existing.body) {
        size += chunk.byteLength;
        if (size > file.size) break;
        hash.update(chunk);
      }
    } catch (error) {
      failed(url)(error);
    } finally {
      await existing.discard();
    }
    return size === file.size && hash.digest('hex') === file.sha256 ? 'same' : 'different';
  };
  const raced = (file: BuildRelease['files'][number]) =>
    new PublishError(
      `${displayUrl(urlOf(file))} was written with other bytes by another publish of ${release.name} ${release.version} at the same time: a published release is never overwritten; check the release before using it`,
    );
  const uploaded: Array<BuildRelease['files'][number]> = [];
  for (const file of publicationOrder(release)) {
    const url = urlOf(file);
    const state = await published(file);
    if (state === 'same') {
      steps.push({ file: file.name, action: 'skip', bytes: 0, reason: 'already published, same bytes' });
      continue;
    }
    if (state === 'different') throw new PublishError(`${displayUrl(url)} already exists with other bytes: a published release is never overwritten (publish a new version)`);
    if (!dryRun) {
      onUpload?.(file.name, file.size);
      // The same bytes to the same path: safe to send again after a failure (a retry that finds its
      // own first attempt there gets 412 and reads it back below).
      const response = await request(url, {
        method: 'PUT',
        headers: { ...headers, 'content-type': 'application/octet-stream', 'content-length': String(file.size), 'if-none-match': '*' },
        body: () => buildFileStream(release, file.name),
        idempotent: true,
      }).catch(failed(url));
      await response.discard();
      if (response.status === 412) {
        if ((await published(file)) !== 'same') throw raced(file);
      } else if (response.status < 200 || response.status >= 300) throw new PublishError(`PUT ${displayUrl(url)} answered ${response.status} ${response.statusText}`);
      uploaded.push(file);
    }
    steps.push({ file: file.name, action: 'upload', bytes: file.size });
  }
  if (uploaded.length) await setTimeout(RACE_SETTLE_MS);
  for (const file of uploaded) if ((await published(file)) !== 'same') throw raced(file);
  return steps;
}

export async function publishToUrl(release: BuildRelease, options: UrlPublishOptions): Promise<PublishSummary> {
  checkPublishable(release);
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
