// The url backend's plan: pure, from what inspect read (url/publish.ts) to every upload, skip and
// refusal, with the reason. Also what a config publishes to: its location and registry source.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PublishAction, PublishPlan, ReleaseArtifacts } from '../distribution-backend.js';
import { checkHttpUrl, displayUrl } from '../http.js';
import { hasUrlScheme } from '../config-paths.js';
import { PublishError } from '../publish.js';
import type { UrlConfig, UrlSource } from './schema.js';

export type ReleaseFile = ReleaseArtifacts['files'][number];
/** What is at the place of one file: nothing, or a file of this size (and sha256, unless it is longer than ours and was not read to its end). */
export type Found = { size: number; sha256?: string } | null;

export type UrlState =
  | {
      target: 'directory';
      /** <root>/<name>/<version>: absent, something that is not a directory, or a directory holding these files. */
      release: 'absent' | 'not-a-directory' | Record<string, Found>;
      /** Staging directories beside it left by publishes whose process is gone. */
      staleStaging: string[];
    }
  | { target: 'put'; files: Record<string, Found> };

export type UrlPlan = PublishPlan<UrlConfig, UrlState>;

export const isHttp = (to: string) => /^https?:\/\//i.test(to);
const NEVER_OVERWRITTEN = 'a published release is never overwritten (publish a new version)';
const NEVER_CHANGED = 'a published release is never changed (publish a new version)';
const SAME = 'already published, same bytes';
export const STAGING = /^\.staging-(\d+)-/;

export const releaseDir = (config: UrlConfig, release: ReleaseArtifacts) => join(config.to, release.name, release.version);
export const baseUrl = (config: UrlConfig) => new URL(config.to);
export const putUrl = (base: URL, release: ReleaseArtifacts, file: string) => new URL(`${base.pathname.replace(/\/$/, '')}/${release.name}/${release.version}/${encodeURIComponent(file)}`, base);
export const same = (found: Found | undefined, file: ReleaseFile) => Boolean(found && found.size === file.size && found.sha256 === file.sha256);

export function location(config: UrlConfig, release: ReleaseArtifacts): string {
  return isHttp(config.to) ? `${displayUrl(baseUrl(config)).replace(/\/$/, '')}/${release.name}/${release.version}/` : releaseDir(config, release);
}

/** The registry's template for what `config` publishes: where users download from. */
export function templateFor(config: UrlConfig): string {
  const base = config.publicBase ?? (isHttp(config.to) ? displayUrl(baseUrl(config)) : pathToFileURL(config.to).href);
  return `${base.replace(/\/$/, '')}/{name}/{version}/{file}`;
}

export const sourceFor = (config: UrlConfig): UrlSource => ({ backend: 'url', url: templateFor(config) });

export function checkTarget(config: UrlConfig): void {
  if (isHttp(config.to)) checkHttpUrl(baseUrl(config), 'publishing');
  else if (hasUrlScheme(config.to)) throw new PublishError(`cannot publish to ${config.to}: the url backend publishes to a directory or an http(s) URL that accepts PUT`);
}

// --- plan ----------------------------------------------------------------------------------------

export function planDirectory(config: UrlConfig, release: ReleaseArtifacts, state: Extract<UrlState, { target: 'directory' }>): Pick<UrlPlan, 'actions' | 'refusals'> {
  const target = releaseDir(config, release);
  const actions: PublishAction[] = state.staleStaging.map((entry) => ({
    subject: join(release.name, entry),
    action: 'remove',
    bytes: 0,
    reason: 'a staging directory left by a publish that was killed (its process is gone)',
  }));
  if (state.release === 'not-a-directory') return { actions, refusals: [`${target} exists and is not a directory: ${NEVER_OVERWRITTEN}`] };
  if (state.release === 'absent') {
    for (const file of release.files) actions.push({ subject: file.name, action: 'upload', bytes: file.size, reason: `not in ${target} yet: copied into a staging directory beside it` });
    actions.push({ subject: target, action: 'finish', bytes: 0, reason: 'the staging directory is renamed into place: the release appears complete or not at all' });
    return { actions, refusals: [] };
  }
  const refusals: string[] = [];
  for (const file of release.files) {
    const found = state.release[file.name];
    if (same(found, file)) actions.push({ subject: file.name, action: 'skip', bytes: 0, reason: SAME });
    else if (!found) refusals.push(`${target} is published without ${file.name}: ${NEVER_CHANGED}`);
    else refusals.push(`${join(target, file.name)} already exists with other bytes: ${NEVER_OVERWRITTEN}`);
  }
  return { actions, refusals };
}

function planPut(config: UrlConfig, release: ReleaseArtifacts, state: Extract<UrlState, { target: 'put' }>): Pick<UrlPlan, 'actions' | 'refusals'> {
  const base = baseUrl(config);
  const actions: PublishAction[] = [];
  const refusals: string[] = [];
  for (const file of release.files) {
    const found = state.files[file.name];
    if (same(found, file)) actions.push({ subject: file.name, action: 'skip', bytes: 0, reason: SAME });
    else if (!found) actions.push({ subject: file.name, action: 'upload', bytes: file.size, reason: 'the server does not have it (404): PUT with If-None-Match: *, read back after' });
    else refusals.push(`${displayUrl(putUrl(base, release, file.name))} already exists with other bytes: ${NEVER_OVERWRITTEN}`);
  }
  return { actions, refusals };
}

export function plan(config: UrlConfig, release: ReleaseArtifacts, state: UrlState): UrlPlan {
  const decided = state.target === 'put' ? planPut(config, release, state) : planDirectory(config, release, state);
  return { backend: 'url', config, release, state, location: location(config, release), source: sourceFor(config), ...decided };
}
