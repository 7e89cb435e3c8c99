// Publishing for the url backend: into a directory laid out for static hosting,
// <root>/<name>/<version>/<file> (also the air-gapped bundle), or with HTTP PUT to the same layout.
// inspect reads what the target holds (nothing else), apply does exactly what the plan (url/plan.ts) says.
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { HttpRequestError, request } from '@fctl-kit/http';
import { sha256File } from '@fctl-kit/artifacts';
import type { PublishAction, PublishContext, PublishOutcome, ReleaseArtifacts } from '../distribution-backend.js';
import { displayUrl, networkReason } from '../http.js';
import { buildFileStream, checkPublishable, openBuildFile, PublishError, RACE_SETTLE_MS } from '../publish.js';
import { baseUrl, checkTarget, isHttp, planDirectory, putUrl, releaseDir, same, STAGING, type Found, type ReleaseFile, type UrlPlan, type UrlState } from './plan.js';
import type { UrlConfig } from './schema.js';
import { refusalError } from '../refusals.js';

// --- inspect -------------------------------------------------------------------------------------

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function inspectDirectory(config: UrlConfig, release: ReleaseArtifacts): Promise<UrlState> {
  const parent = join(config.to, release.name);
  const staleStaging = (await readdir(parent).catch(() => [] as string[])).filter((entry) => {
    const pid = Number(STAGING.exec(entry)?.[1]);
    return pid > 0 && !isRunning(pid);
  });
  return { target: 'directory', release: await readReleaseDirectory(releaseDir(config, release), release), staleStaging };
}

async function readReleaseDirectory(target: string, release: ReleaseArtifacts): Promise<'absent' | 'not-a-directory' | Record<string, Found>> {
  const info = await lstat(target).catch(() => undefined);
  if (!info) return 'absent';
  if (!info.isDirectory()) return 'not-a-directory';
  const files: Record<string, Found> = {};
  for (const file of release.files) {
    const path = join(target, file.name);
    const stats = await lstat(path).catch(() => undefined);
    files[file.name] = stats?.isFile() ? { size: stats.size, sha256: await sha256File(path) } : null;
  }
  return files;
}

type Headers = Record<string, string>;

function unreachable(url: URL) {
  return (error: unknown): never => {
    throw new PublishError(error instanceof HttpRequestError && error.kind !== 'connect' ? error.message : `cannot reach ${displayUrl(url)}: ${networkReason(error)}`);
  };
}

/** What the server holds at `url`: nothing (404), or a file, read no further than one byte past `file`'s size. */
async function readBack(url: URL, file: ReleaseFile, headers: Headers = {}): Promise<Found> {
  const existing = await request(url, { headers }).catch(unreachable(url));
  if (existing.status < 200 || existing.status >= 300) {
    await existing.discard();
    if (existing.status === 404) return null;
    throw new PublishError(`${displayUrl(url)} answered ${existing.status} ${existing.statusText}`);
  }
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of existing.body) {
      size += chunk.byteLength;
      if (size > file.size) return { size };
      hash.update(chunk);
    }
  } catch (error) {
    unreachable(url)(error);
  } finally {
    await existing.discard();
  }
  return { size, sha256: hash.digest('hex') };
}

async function inspectPut(config: UrlConfig, release: ReleaseArtifacts): Promise<UrlState> {
  const base = baseUrl(config);
  const files: Record<string, Found> = {};
  for (const file of release.files) files[file.name] = await readBack(putUrl(base, release, file.name), file);
  return { target: 'put', files };
}

export async function inspect(config: UrlConfig, release: ReleaseArtifacts, _context: PublishContext): Promise<UrlState> {
  checkPublishable(release);
  checkTarget(config);
  return isHttp(config.to) ? inspectPut(config, release) : inspectDirectory(config, release);
}

// --- apply ---------------------------------------------------------------------------------------

/** Copies one file of the build, from the file hashed (no link followed), checking its bytes on the way. */
async function copyReleaseFile(release: ReleaseArtifacts, file: ReleaseFile, destination: string): Promise<void> {
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
async function applyDirectory(plan: UrlPlan, context: PublishContext): Promise<PublishAction[]> {
  const { config, release } = plan;
  const parent = join(config.to, release.name);
  const target = releaseDir(config, release);
  for (const action of plan.actions.filter((a) => a.action === 'remove')) await rm(join(config.to, action.subject), { recursive: true, force: true });
  const uploads = new Set(plan.actions.filter((a) => a.action === 'upload').map((a) => a.subject));
  if (!uploads.size) return plan.actions;
  await mkdir(parent, { recursive: true });
  const staging = await mkdtemp(join(parent, `.staging-${process.pid}-${release.version}-`));
  try {
    for (const file of release.files.filter((f) => uploads.has(f.name))) {
      context.onUpload?.(file.name, file.size);
      await copyReleaseFile(release, file, join(staging, file.name));
    }
    const moved = await rename(staging, target).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (!['ENOTEMPTY', 'EEXIST', 'EPERM', 'EACCES', 'EISDIR', 'ENOTDIR'].includes(error.code ?? '')) throw error;
        return false;
      },
    );
    if (moved) return plan.actions;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  // Another publish moved its release there first: fine only when it holds exactly these bytes.
  const theirs = planDirectory(config, release, { target: 'directory', release: await readReleaseDirectory(target, release), staleStaging: [] });
  const why = `: another publish of ${release.name} ${release.version} finished first`;
  if (theirs.refusals.length) throw refusalError({ location: plan.location, refusals: theirs.refusals.map((refusal) => refusal.replace(/: a published release is never/, `${why}: a published release is never`)) });
  return plan.actions
    .filter((action) => action.action !== 'finish')
    .map((action) => (action.action === 'upload' ? { subject: action.subject, action: 'skip', bytes: 0, reason: 'published at the same time by another run, same bytes' } : action));
}

/**
 * HTTP PUT has no rename: each file is created with `If-None-Match: *`, which servers that honour
 * it (S3, WebDAV, most object stores) refuse with 412 when the file exists, so a racing publish
 * never overwrites; and everything uploaded is read back (after RACE_SETTLE_MS), so a publish
 * whose files another one replaced on a server that ignores the header fails instead of reporting
 * a mixed release.
 */
async function applyPut(plan: UrlPlan, context: PublishContext): Promise<PublishAction[]> {
  const { release } = plan;
  const base = baseUrl(plan.config);
  const raced = (file: ReleaseFile) =>
    new PublishError(
      `${displayUrl(putUrl(base, release, file.name))} was written with other bytes by another publish of ${release.name} ${release.version} at the same time: a published release is never overwritten; check the release before using it`,
    );
  const uploads = new Set(plan.actions.filter((a) => a.action === 'upload').map((a) => a.subject));
  const uploaded = release.files.filter((f) => uploads.has(f.name));
  for (const file of uploaded) {
    const url = putUrl(base, release, file.name);
    context.onUpload?.(file.name, file.size);
    // The same bytes to the same path: safe to send again after a failure (a retry that finds its
    // own first attempt there gets 412 and reads it back below).
    const response = await request(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(file.size), 'if-none-match': '*' },
      body: () => buildFileStream(release, file.name),
      idempotent: true,
      ...(context.signal ? { signal: context.signal } : {}),
    }).catch(unreachable(url));
    await response.discard();
    if (response.status === 412) {
      if (!same(await readBack(url, file), file)) throw raced(file);
    } else if (response.status < 200 || response.status >= 300) throw new PublishError(`PUT ${displayUrl(url)} answered ${response.status} ${response.statusText}`);
  }
  if (uploaded.length) await setTimeout(RACE_SETTLE_MS);
  for (const file of uploaded) if (!same(await readBack(putUrl(base, release, file.name), file), file)) throw raced(file);
  return plan.actions;
}

export async function apply(plan: UrlPlan, context: PublishContext): Promise<PublishOutcome> {
  if (plan.refusals.length) throw refusalError(plan);
  checkPublishable(plan.release);
  checkTarget(plan.config);
  const actions = plan.state.target === 'put' ? await applyPut(plan, context) : await applyDirectory(plan, context);
  return {
    backend: 'url',
    location: plan.location,
    source: plan.source,
    actions,
    bytesUploaded: actions.reduce((n, action) => n + (action.action === 'upload' ? action.bytes : 0), 0),
  };
}
